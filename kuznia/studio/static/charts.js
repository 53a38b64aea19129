/* Kuźnia Studio: metric charts with uPlot.
   Each chart asks the REST API for a downsampled history that fits its width
   (max_points ≈ 2 × pixels; the server keeps each bucket's min and max). Dragging
   across a chart zooms: the visible steps are fetched again at full detail, up
   to max_points. Double-click (or "Reset zoom") goes back to the whole series. */
(function () {
  "use strict";
  const COLORS = ["#1f6feb", "#d1495b", "#2a9d8f", "#e9a03b", "#7b2cbf", "#577590", "#c44900",
    "#3a86ff", "#8ac926", "#ff595e", "#6a4c93", "#1982c4", "#ffca3a", "#06d6a0", "#ef476f",
    "#118ab2", "#073b4c", "#bc6c25", "#606c38", "#9d4edd"];
  const FETCHES_AT_ONCE = 4;  // more only makes one Python server juggle
  let active = 0;
  const waiting = [];

  /* The API writes NaN and ±Infinity as JSON constants; JSON.parse refuses them.
     Outside string literals they become null (a gap in the line). */
  function parseJson(text) {
    return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m[0] === '"' ? m : "null")));
  }

  function limited(task) {
    return new Promise((resolve, reject) => {
      waiting.push(() => task().then(resolve, reject).finally(() => {
        active -= 1;
        if (waiting.length) { active += 1; waiting.shift()(); }
      }));
      if (active < FETCHES_AT_ONCE) { active += 1; waiting.shift()(); }
    });
  }

  function fetchHistory(url, name, maxPoints, startStep, endStep) {
    const params = new URLSearchParams({ name: name, max_points: String(maxPoints) });
    if (startStep != null) params.set("start_step", String(Math.floor(startStep)));
    if (endStep != null) params.set("end_step", String(Math.ceil(endStep)));
    return getJson(url + "?" + params);
  }

  /* A GET of the REST API, a few at a time; an error response becomes its message. */
  function getJson(url) {
    return limited(() => fetch(url, { credentials: "same-origin" })
      .then((r) => r.text().then((text) => {
        const body = parseJson(text);
        if (!r.ok) throw new Error((body.error && body.error.message) || r.statusText);
        return body;
      })));
  }

  /* The whole series of several charts come in one request (…/metrics/histories, a list):
     each card names its request in data-initial-url, the URL the page also preloads. Charts
     that ask while the request is on its way share it. */
  const pendingBatches = new Map();

  function fetchInitial(url, name) {
    if (!pendingBatches.has(url)) {
      // Same URL, mode and credentials as the page's <link rel=preload as=fetch>, so a
      // response requested while the page was still parsing is reused.
      const request = getJson(url);
      pendingBatches.set(url, request);
      request.finally(() => pendingBatches.delete(url)).catch(() => {});
    }
    return pendingBatches.get(url).then((histories) => {
      const found = histories.find((h) => h.name === name);
      if (!found) throw new Error("the server sent no history of " + name);
      return found;
    });
  }

  /* Exponential moving average, debiased like TensorBoard's smoothing slider. */
  function smooth(values, weight) {
    if (!weight) return values;
    const out = new Array(values.length);
    let last = 0, n = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v == null || !isFinite(v)) { out[i] = null; continue; }
      last = last * weight + (1 - weight) * v;
      n += 1;
      out[i] = last / (1 - Math.pow(weight, n));
    }
    return out;
  }

  function positiveOnly(values) {
    return values.map((v) => (v != null && v > 0 ? v : null));
  }

  function xValues(history, mode) {
    if (mode === "wall") return history.timestamps.slice();
    if (mode === "relative") {
      const t0 = history.timestamps.length ? Math.min.apply(null, history.timestamps.slice(0, 1000)) : 0;
      return history.timestamps.map((t) => t - t0);
    }
    return history.steps.slice();
  }

  /* Steps covered by an x range of the current data (x may be a step or a time). */
  function stepRange(history, xs, min, max) {
    let lo = null, hi = null;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] >= min && xs[i] <= max) {
        const s = history.steps[i];
        if (lo == null || s < lo) lo = s;
        if (hi == null || s > hi) hi = s;
      }
    }
    return lo == null ? null : [lo, hi];
  }

  /* 1500 → "1.5k", 2000000 → "2M": long step axes stay readable. */
  function compact(v) {
    if (v == null) return "";
    const a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toPrecision(3) + "G";
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
    if (a >= 1e4) return +(v / 1e3).toPrecision(3) + "k";
    return String(+v.toPrecision(4));
  }

  function plotOptions(width, settings, seriesDefs, onZoom, onReset) {
    const xAxis = { stroke: "#555", grid: { stroke: "#eee" } };
    if (settings.x !== "wall") xAxis.values = (u, values) => values.map(compact);
    return {
      width: width,
      height: 240,
      scales: { x: { time: settings.x === "wall" }, y: { distr: settings.y === "log" ? 3 : 1 } },
      series: [{ label: settings.x === "step" ? "step" : settings.x === "relative" ? "seconds" : "time" }].concat(seriesDefs),
      axes: [xAxis, { stroke: "#555", grid: { stroke: "#eee" }, size: 60 }],
      cursor: { drag: { x: true, y: false, setScale: false }, bind: { dblclick: () => () => { onReset(); return null; } } },
      legend: { live: true },
      hooks: {
        setSelect: [(u) => {
          if (u.select.width > 3) {
            onZoom(u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x"));
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        }],
      },
    };
  }

  function chartWidth(el) {
    return Math.max(240, Math.floor(el.getBoundingClientRect().width || 600));
  }

  function maxPointsFor(width) {
    return Math.min(4000, Math.max(200, Math.round(width * 2)));
  }

  function readSettings() {
    const get = (id, fallback) => { const el = document.getElementById(id); return el ? el.value : fallback; };
    return { x: get("x-axis", "step"), y: get("y-scale", "linear"), smoothing: parseFloat(get("smoothing", "0")) || 0 };
  }

  /* One chart of one metric of one run (the run's Metrics tab). */
  function MetricChart(card, url) {
    this.card = card;
    this.url = url;
    this.name = card.dataset.metric;
    this.total = parseInt(card.dataset.count, 10);
    this.initialUrl = card.dataset.initialUrl;
    this.box = card.querySelector(".chart");
    this.status = card.querySelector(".chart-status");
    this.reset = card.querySelector(".reset-zoom");
    this.range = null;
    this.history = null;
    this.plot = null;
    this.reset.addEventListener("click", () => this.zoom(null));
  }

  MetricChart.prototype.load = function () {
    const r = this.range;
    // The whole series comes with the page's fixed point budget, in the request the page
    // preloads; a zoomed range alone, with as many points as the chart has room for.
    const request = r ? fetchHistory(this.url, this.name, maxPointsFor(chartWidth(this.box)), r[0], r[1])
      : fetchInitial(this.initialUrl, this.name);
    return request.then((history) => {
      this.history = history;
      this.draw();
    }).catch((err) => {
      this.card.dataset.state = "error";
      this.status.textContent = "Could not load " + this.name + ": " + err.message;
    });
  };

  MetricChart.prototype.draw = function () {
    const settings = readSettings();
    const h = this.history;
    const xs = xValues(h, settings.x);
    let raw = h.values;
    if (settings.y === "log") raw = positiveOnly(raw);
    const series = [];
    const data = [xs];
    if (settings.smoothing > 0) {
      series.push({ label: this.name + " (raw)", stroke: "rgba(31,111,235,0.3)", width: 1, points: { show: false } });
      series.push({ label: this.name + " (smoothed)", stroke: COLORS[0], width: 1.75, points: { show: false } });
      data.push(raw, smooth(raw, settings.smoothing));
    } else {
      series.push({ label: this.name, stroke: COLORS[0], width: 1.25, points: { show: h.values.length < 60 } });
      data.push(raw);
    }
    const opts = plotOptions(chartWidth(this.box), settings, series,
      (min, max) => this.zoom(stepRange(h, xs, min, max)), () => this.zoom(null));
    if (this.plot) this.plot.destroy();
    this.plot = new uPlot(opts, data, this.box);
    const shown = h.values.length.toLocaleString("en-US");
    const total = h.total_count.toLocaleString("en-US");
    let text;
    if (this.range) {
      text = "steps " + this.range[0].toLocaleString("en-US") + "–" + this.range[1].toLocaleString("en-US") +
        ": " + shown + " of " + total + " points in range" + (h.downsampled ? " (min/max per bucket)" : ", all shown");
    } else {
      text = this.total.toLocaleString("en-US") + (this.total === 1 ? " point" : " points") + " · showing " + shown + (h.downsampled ? " (min/max per bucket)" : "");
    }
    this.status.textContent = text;
    this.reset.hidden = !this.range;
    this.card.dataset.state = "ready";
    this.card.dataset.zoomed = this.range ? "true" : "false";
  };

  MetricChart.prototype.zoom = function (range) {
    if (range && range[0] === range[1]) range = [range[0], range[0] + 1];
    this.range = range;
    this.card.dataset.state = "loading";
    return this.load();
  };

  function setupSmoothingOutput(onChange) {
    const slider = document.getElementById("smoothing");
    const output = document.getElementById("smoothing-value");
    if (!slider) return;
    slider.addEventListener("input", () => { if (output) output.textContent = slider.value; onChange(); });
  }

  function setupRunCharts(container) {
    const url = container.dataset.historyUrl;
    const charts = Array.from(container.querySelectorAll(".chart-card")).map((card) => new MetricChart(card, url));
    charts.forEach((chart) => chart.load());
    const redraw = () => charts.forEach((c) => c.history && c.draw());
    ["x-axis", "y-scale"].forEach((id) => document.getElementById(id).addEventListener("change", redraw));
    setupSmoothingOutput(redraw);
    const controls = document.getElementById("chart-controls");
    if (controls) controls.addEventListener("submit", (e) => e.preventDefault());
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => charts.forEach((c) => c.plot && c.plot.setSize({ width: chartWidth(c.box), height: 240 })), 150);
    });
    // While the run is live, unzoomed charts follow its new points.
    const head = document.getElementById("run-head");
    if (head && head.dataset.terminal !== "true") {
      const timer = setInterval(() => {
        charts.forEach((c) => { if (!c.range && c.card.dataset.state === "ready") c.load(); });
        if (head.dataset.terminal === "true") clearInterval(timer);
      }, 5000);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const container = document.getElementById("charts");
    if (container && window.uPlot) setupRunCharts(container);
  });

  window.Kuznia = Object.assign(window.Kuznia || {}, {
    charts: { COLORS, fetchHistory, smooth, positiveOnly, plotOptions, chartWidth, maxPointsFor, readSettings, setupSmoothingOutput },
  });
})();
