/* Kuźnia Studio: follow a run's live log.
   Polls the REST API's …/logs/{stream}?offset=N once a second and appends what came,
   until a chunk says "complete" (the run ended and everything was read). */
(function () {
  "use strict";
  const POLL_MS = 1000;
  const BIG_CHUNK = 100000;  // a long backlog: ask again at once

  /* Streams that start after the page was made (a build log, the script's output)
     join the list of streams. */
  function refreshStreams(nav) {
    fetch(nav.dataset.listUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : []))
      .then((names) => {
        const list = nav.querySelector("ul");
        const known = new Set(Array.from(list.children).map((li) => li.dataset.stream));
        names.filter((name) => !known.has(name)).forEach((name) => {
          const li = document.createElement("li");
          li.dataset.stream = name;
          const a = document.createElement("a");
          a.href = nav.dataset.pageUrl + "?stream=" + encodeURIComponent(name);
          a.textContent = name;
          li.appendChild(a);
          list.appendChild(li);
        });
      })
      .catch(() => {});
  }

  function follow(log) {
    const state = document.getElementById("log-state");
    const autoscroll = document.getElementById("log-autoscroll");
    let offset = parseInt(log.dataset.offset, 10) || 0;
    let failures = 0;
    let ticks = 0;
    const nav = document.getElementById("log-streams");

    function scrollToEnd() {
      if (autoscroll && autoscroll.checked) log.scrollTop = log.scrollHeight;
    }

    function tick() {
      fetch(log.dataset.url + "?offset=" + offset, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
        .then((chunk) => {
          failures = 0;
          ticks += 1;
          if (nav && (chunk.complete || ticks % 5 === 0)) refreshStreams(nav);
          if (chunk.text) {
            log.appendChild(document.createTextNode(chunk.text));
            scrollToEnd();
          }
          offset = chunk.next_offset;
          log.dataset.offset = String(offset);
          if (chunk.complete) {
            log.dataset.complete = "true";
            if (state) state.textContent = "The run has ended: this is the whole log.";
            return;
          }
          setTimeout(tick, chunk.text.length >= BIG_CHUNK ? 0 : POLL_MS);
        })
        .catch(() => {
          failures += 1;
          if (state) state.textContent = "Lost contact with the server; trying again…";
          setTimeout(tick, Math.min(30000, POLL_MS * 2 ** failures));
        });
    }

    scrollToEnd();
    setTimeout(tick, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const log = document.getElementById("log");
    if (log && log.dataset.complete === "false") follow(log);
  });
})();
