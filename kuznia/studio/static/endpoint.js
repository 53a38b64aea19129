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

  function setupTryIt(form) {
    const body = document.getElementById("try-body");
    const button = document.getElementById("try-send");
    const status = document.getElementById("try-status");
    const result = document.getElementById("try-result");
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
