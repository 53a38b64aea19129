/* Kuźnia Studio: an endpoint's page. The try-it box POSTs its JSON to Studio, which
   forwards it to the endpoint (the page never holds the endpoint's key); the state
   follows the deployment while it is Transitioning. */
(function () {
  "use strict";
  const POLL_MS = 2000;

  function pretty(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      return text;
    }
  }

  /* Telemetry is flushed by the serving process every half second or so: after a
     try-it request, ask again until the page's own requests show up (or give up). */
  function refreshTelemetry(summary, expected, triesLeft) {
    if (triesLeft <= 0) return;
    setTimeout(() => {
      fetch(summary.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((t) => {
          if (!t) return;
          let text = t.requests.toLocaleString("en") + " request" + (t.requests === 1 ? "" : "s") + " since it was created";
          if (t.latency_ms_p50 != null) text += " · latency p50 " + t.latency_ms_p50 + " ms, p99 " + t.latency_ms_p99 + " ms";
          summary.textContent = text;
          if (t.requests < expected) refreshTelemetry(summary, expected, triesLeft - 1);
        })
        .catch(() => {});
    }, 1000);
  }

  function setupTryIt(form) {
    const body = document.getElementById("try-body");
    const button = document.getElementById("try-send");
    const status = document.getElementById("try-status");
    const result = document.getElementById("try-result");
    let sent = 0;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      button.disabled = true;
      status.textContent = "Sending…";
      const started = performance.now();
      fetch(form.action, {
        method: "POST", credentials: "same-origin", body: body.value,
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": form.dataset.csrf },
      })
        .then((r) => r.text().then((text) => {
          const ms = Math.round(performance.now() - started);
          status.textContent = "HTTP " + r.status + (r.ok ? " OK" : "") + " in " + ms + " ms";
          result.dataset.status = String(r.status);
          result.textContent = pretty(text);
          result.hidden = false;
          const summary = document.getElementById("telemetry-summary");
          if (summary) {
            sent += 1;
            refreshTelemetry(summary, parseInt(summary.dataset.requests, 10) + sent, 10);
          }
        }))
        .catch((err) => {
          status.textContent = "The request failed: " + err.message;
        })
        .finally(() => {
          button.disabled = false;
        });
    });
    body.addEventListener("keydown", (event) => {  // Ctrl+Enter sends, as in most consoles
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  function followState(head) {
    if (head.dataset.state !== "Transitioning") return;
    setTimeout(() => {
      fetch(head.dataset.apiUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((endpoint) => {
          if (endpoint && endpoint.state !== head.dataset.state) {
            head.dataset.state = endpoint.state;
            const badge = document.querySelector("#endpoint-state .status");
            badge.textContent = endpoint.state;
            badge.dataset.status = endpoint.state;
            badge.className = "status status-" + endpoint.state.toLowerCase();
          }
        })
        .catch(() => {})
        .finally(() => followState(head));
    }, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("try-it");
    if (form) setupTryIt(form);
    const head = document.getElementById("endpoint-head");
    if (head) followState(head);
  });
})();
