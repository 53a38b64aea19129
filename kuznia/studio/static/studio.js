/* Kuźnia Studio: the little JavaScript every page uses.
   Keyboard navigation of the runs table, selection for comparing, live status
   of running runs (polling the REST API), and small form helpers. */
(function () {
  "use strict";
  const TERMINAL = new Set(["Completed", "Failed", "Canceled"]);
  const POLL_MS = 3000;

  function formatDuration(seconds) {
    if (seconds == null || !isFinite(seconds)) return "";
    if (seconds < 60) return seconds.toFixed(1) + "s";
    let m = Math.floor(seconds / 60), s = Math.floor(seconds % 60), h = Math.floor(m / 60);
    m = m % 60;
    if (h >= 24) return Math.floor(h / 24) + "d " + (h % 24) + "h";
    return h ? h + "h " + String(m).padStart(2, "0") + "m" : m + "m " + String(s).padStart(2, "0") + "s";
  }

  function statusBadge(value) {
    const span = document.createElement("span");
    span.className = "status status-" + value.toLowerCase();
    span.dataset.status = value;
    span.textContent = value;
    return span;
  }

  /* Durations of live runs tick every second. */
  function tickDurations() {
    const now = Date.now() / 1000;
    document.querySelectorAll("[data-start]").forEach((el) => {
      el.textContent = formatDuration(now - parseFloat(el.dataset.start));
    });
  }

  /* The runs table: roving tabindex, arrows, Enter, Space, "/" for search. */
  function setupRunsTable(table) {
    const rows = () => Array.from(table.tBodies[0].rows);
    const form = table.closest("form");
    const button = document.getElementById("compare-selected");
    const counter = document.getElementById("selected-count");
    function updateSelection() {
      const n = table.querySelectorAll("input[name=runs]:checked").length;
      if (counter) counter.textContent = n + " selected";
      if (button) button.disabled = n < 2;
    }
    function focusRow(row) {
      if (!row) return;
      rows().forEach((r) => (r.tabIndex = -1));
      row.tabIndex = 0;
      row.focus();
    }
    table.addEventListener("keydown", (event) => {
      const row = event.target.closest("tr.run-row");
      if (!row || event.target !== row) return;
      const all = rows();
      const i = all.indexOf(row);
      const keys = {
        ArrowDown: () => focusRow(all[Math.min(all.length - 1, i + 1)]),
        j: () => focusRow(all[Math.min(all.length - 1, i + 1)]),
        ArrowUp: () => focusRow(all[Math.max(0, i - 1)]),
        k: () => focusRow(all[Math.max(0, i - 1)]),
        Home: () => focusRow(all[0]),
        End: () => focusRow(all[all.length - 1]),
        Enter: () => row.querySelector("a.run-link").click(),
        " ": () => {
          const box = row.querySelector("input[type=checkbox]");
          box.checked = !box.checked;
          row.classList.toggle("selected", box.checked);
          updateSelection();
        },
      };
      const action = keys[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    table.addEventListener("click", (event) => {
      const row = event.target.closest("tr.run-row");
      if (row) {
        rows().forEach((r) => (r.tabIndex = -1));
        row.tabIndex = 0;
      }
    });
    table.addEventListener("change", (event) => {
      if (event.target.matches("input[name=runs]")) {
        event.target.closest("tr").classList.toggle("selected", event.target.checked);
        updateSelection();
      }
    });
    if (form) form.addEventListener("submit", (event) => {
      if (table.querySelectorAll("input[name=runs]:checked").length < 2) event.preventDefault();
    });
    updateSelection();
    pollRuns(table);
  }

  function liveIds(table) {
    return Array.from(table.querySelectorAll("tr.run-row[data-terminal=false]")).map((r) => r.dataset.runId);
  }

  /* One request per tick for all live runs of the page, through the API's filter. */
  function pollRuns(table) {
    const ids = liveIds(table);
    if (!ids.length) return;
    const quoted = ids.map((id) => "'" + id.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'").join(", ");
    const url = table.dataset.liveUrl + "?include_children=true&max_results=" + ids.length +
      "&filter=" + encodeURIComponent("id in (" + quoted + ")");
    setTimeout(() => {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((body) => {
          if (body) body.items.forEach((run) => updateRow(table, run));
        })
        .catch(() => {})
        .finally(() => pollRuns(table));
    }, POLL_MS);
  }

  function updateRow(table, run) {
    const row = table.querySelector('tr.run-row[data-run-id="' + CSS.escape(run.id) + '"]');
    if (!row || row.dataset.status === run.status) return;
    row.dataset.status = run.status;
    const cell = row.querySelector(".status-cell");
    cell.replaceChildren(statusBadge(run.status));
    if (TERMINAL.has(run.status)) {
      row.dataset.terminal = "true";
      const duration = row.querySelector(".duration");
      duration.removeAttribute("data-start");
      duration.textContent = formatDuration(run.duration_seconds);
    }
  }

  /* The run page header follows its run's status until it ends. */
  function pollRunHead(head) {
    if (head.dataset.terminal === "true") return;
    setTimeout(() => {
      fetch(head.dataset.runUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((run) => {
          if (run && run.status !== document.querySelector("#run-status .status").dataset.status) {
            document.getElementById("run-status").replaceChildren(statusBadge(run.status));
            if (TERMINAL.has(run.status)) {
              head.dataset.terminal = "true";
              const duration = document.getElementById("run-duration");
              duration.removeAttribute("data-start");
              duration.textContent = formatDuration(run.duration_seconds);
              const form = document.getElementById("cancel-form");
              if (form) form.remove();
              document.dispatchEvent(new CustomEvent("kuznia:run-ended", { detail: run }));
            }
          }
        })
        .catch(() => {})
        .finally(() => pollRunHead(head));
    }, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const table = document.getElementById("runs");
    if (table) setupRunsTable(table);
    const head = document.getElementById("run-head");
    if (head) pollRunHead(head);
    document.querySelectorAll("[data-autosubmit]").forEach((el) =>
      el.addEventListener("change", () => el.form.submit()));
    document.querySelectorAll("button[data-confirm]").forEach((button) =>
      button.form.addEventListener("submit", (event) => {
        if (!window.confirm(button.dataset.confirm)) event.preventDefault();
      }));
    document.addEventListener("keydown", (event) => {
      const search = document.getElementById("q");
      if (event.key === "/" && search && !event.target.closest("input, textarea, select")) {
        event.preventDefault();
        search.focus();
      }
    });
    if (document.querySelector("[data-start]")) setInterval(tickDurations, 1000);
  });

  window.Kuznia = Object.assign(window.Kuznia || {}, { formatDuration: formatDuration });
})();
