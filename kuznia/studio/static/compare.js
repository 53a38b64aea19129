/* Kuźnia Studio: the Compare page — overlaid metric charts, a parallel-coordinates
   plot of parameters and metrics, and the "only rows that differ" switch. */
(function () {
  "use strict";

  function setupOverlay(config) {
    const card = document.getElementById("compare-chart");
    if (!card || !window.uPlot || !config.metrics.length) return;
    const C = window.Kuznia.charts;
    const box = card.querySelector(".chart");
    const status = card.querySelector(".chart-status");
    const select = document.getElementById("compare-metric");
    const base = "/api/v1/workspaces/" + encodeURIComponent(config.workspace) + "/runs/";
    let plot = null, histories = null, requested = 0;

    function draw() {
      const settings = C.readSettings();
      settings.x = "step";
      const tables = [], series = [];
      histories.forEach((h, i) => {
        if (!h || !h.steps.length) return;
        let values = settings.y === "log" ? C.positiveOnly(h.values) : h.values;
        values = C.smooth(values, settings.smoothing);
        tables.push([h.steps, values]);
        series.push({ label: config.runs[i].name, stroke: C.COLORS[i % C.COLORS.length], width: 1.5,
          spanGaps: true, points: { show: h.steps.length < 60 } });
      });
      if (plot) { plot.destroy(); plot = null; }
      if (!tables.length) {
        status.textContent = "None of these runs logged " + select.value + ".";
        card.dataset.state = "ready";
        return;
      }
      const data = window.uPlot.join(tables);
      const opts = C.plotOptions(C.chartWidth(box), settings, series, () => {}, () => {});
      opts.cursor.drag = { x: true, y: false, setScale: true };
      delete opts.cursor.bind;
      plot = new window.uPlot(opts, data, box);
      status.textContent = select.value + ": " + tables.length + " of " + config.runs.length + " runs logged it. Drag to zoom, double-click to reset.";
      card.dataset.state = "ready";
    }

    function load() {
      const ticket = ++requested;
      card.dataset.state = "loading";
      status.textContent = "loading " + select.value + "…";
      const maxPoints = Math.min(2000, C.maxPointsFor(C.chartWidth(box)));
      Promise.all(config.runs.map((run) => C.fetchHistory(base + encodeURIComponent(run.id) + "/metrics/history",
        select.value, maxPoints).catch(() => null))).then((found) => {
        if (ticket !== requested) return;
        histories = found;
        draw();
      });
    }

    select.addEventListener("change", load);
    document.getElementById("y-scale").addEventListener("change", () => histories && draw());
    C.setupSmoothingOutput(() => histories && draw());
    document.getElementById("compare-controls").addEventListener("submit", (e) => e.preventDefault());
    load();
  }

  /* Parallel coordinates on a canvas: one vertical axis per parameter or metric. */
  function setupParallel() {
    const figure = document.getElementById("parallel");
    const source = document.getElementById("parallel-data");
    if (!figure || !source) return;
    const data = JSON.parse(source.textContent);
    const canvas = figure.querySelector("canvas");
    const status = figure.querySelector(".chart-status");
    const ctx = canvas.getContext("2d");
    const axes = data.axes;
    const pad = { left: 60, right: 70, top: 30, bottom: 64 };
    let hovered = -1;

    function size() {
      const width = Math.max(320, Math.floor(figure.getBoundingClientRect().width));
      const ratio = window.devicePixelRatio || 1;
      canvas.style.width = width + "px";
      canvas.style.height = "360px";
      canvas.width = width * ratio;
      canvas.height = 360 * ratio;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      return width;
    }

    const ranges = axes.map((axis) => {
      const present = axis.values.filter((v) => v != null);
      return [Math.min.apply(null, present), Math.max.apply(null, present)];
    });

    function geometry(width) {
      const xs = axes.map((_, i) => pad.left + (i * (width - pad.left - pad.right)) / Math.max(1, axes.length - 1));
      const y = (a, v) => {
        const [lo, hi] = ranges[a];
        const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        return 360 - pad.bottom - t * (360 - pad.top - pad.bottom);
      };
      return { xs, y };
    }

    function colour(run) {
      const last = axes.length - 1;
      const v = axes[last].values[run];
      if (v == null) return "rgba(120,120,120,0.35)";
      const [lo, hi] = ranges[last];
      const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      return "hsla(" + Math.round(240 - 200 * t) + ",70%,45%,0.55)";
    }

    function draw() {
      const width = size();
      const g = geometry(width);
      ctx.clearRect(0, 0, width, 360);
      for (let r = 0; r < data.runs.length; r++) {
        if (r === hovered) continue;
        line(g, r, colour(r), 1);
      }
      if (hovered >= 0) line(g, hovered, "#111", 3);
      ctx.fillStyle = "#222";
      ctx.strokeStyle = "#888";
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "center";
      // Labels alternate between two rows so neighbours do not overlap.
      const spacing = axes.length > 1 ? g.xs[1] - g.xs[0] : width;
      const room = Math.max(6, Math.floor((2 * spacing) / 7));
      axes.forEach((axis, a) => {
        ctx.beginPath();
        ctx.moveTo(g.xs[a], pad.top);
        ctx.lineTo(g.xs[a], 360 - pad.bottom);
        ctx.stroke();
        const label = axis.label.length > room ? axis.label.slice(0, room - 1) + "…" : axis.label;
        ctx.fillText(label, g.xs[a], 360 - pad.bottom + (a % 2 ? 46 : 31));
        ctx.fillText(fmt(ranges[a][1]), g.xs[a], pad.top - 8);
        ctx.fillText(fmt(ranges[a][0]), g.xs[a], 360 - pad.bottom + 15);
      });
    }

    function fmt(v) {
      return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(+v.toPrecision(4));
    }

    function line(g, r, stroke, width) {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.beginPath();
      let drawing = false;
      axes.forEach((axis, a) => {
        const v = axis.values[r];
        if (v == null) { drawing = false; return; }
        const y = g.y(a, v);
        if (drawing) ctx.lineTo(g.xs[a], y); else ctx.moveTo(g.xs[a], y);
        drawing = true;
      });
      ctx.stroke();
      ctx.lineWidth = 1;
    }

    canvas.addEventListener("mousemove", (event) => {
      const rect = canvas.getBoundingClientRect();
      const mx = event.clientX - rect.left, my = event.clientY - rect.top;
      const g = geometry(rect.width);
      let seg = 0;
      while (seg < axes.length - 2 && mx > g.xs[seg + 1]) seg++;
      const span = g.xs[seg + 1] - g.xs[seg] || 1;
      const t = Math.min(1, Math.max(0, (mx - g.xs[seg]) / span));
      let best = -1, bestDistance = 8;
      for (let r = 0; r < data.runs.length; r++) {
        const a = axes[seg].values[r], b = axes[seg + 1] ? axes[seg + 1].values[r] : a;
        if (a == null || b == null) continue;
        const y = g.y(seg, a) * (1 - t) + g.y(seg + 1 < axes.length ? seg + 1 : seg, b) * t;
        const distance = Math.abs(y - my);
        if (distance < bestDistance) { best = r; bestDistance = distance; }
      }
      if (best !== hovered) {
        hovered = best;
        status.textContent = best >= 0 ? data.runs[best] + ": " + axes.map((ax) => ax.label + " = " + (ax.values[best] == null ? "–" : fmt(ax.values[best]))).join(", ") : "";
        draw();
      }
    });
    window.addEventListener("resize", draw);
    draw();
    figure.dataset.state = "ready";
  }

  function setupDifferences() {
    const box = document.getElementById("only-differences");
    const table = document.getElementById("compare-table");
    if (!box || !table) return;
    box.addEventListener("change", () => table.classList.toggle("only-differences", box.checked));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("compare-data");
    if (source) setupOverlay(JSON.parse(source.textContent));
    setupParallel();
    setupDifferences();
  });
})();
