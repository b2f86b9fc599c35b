// Draws the report's charts with uPlot from the JSON that kobench.report.data computed.
// The body's data-plots-drawn counts the charts drawn (the Chromium test reads it).
(function () {
  "use strict";
  // Okabe-Ito: told apart with the common colour-vision deficiencies too.
  var PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  var WRITERS = "#777777";
  var BAND = "rgba(204, 121, 167, 0.18)";
  var plots = JSON.parse(document.getElementById("kobench-data").textContent);

  function percentLabel(x) {
    // x = 1 / (1 - p): 1 -> 0 %, 10 -> 90 %, 1000 -> 99.9 %.
    var p = 100 - 100 / x;
    var digits = Math.max(0, Math.round(Math.log10(x)) - 2);
    return p.toFixed(digits) + "%";
  }

  function decades(u, axis, min, max) {
    var out = [];
    for (var x = 1; x <= max * 1.0001; x *= 10) {
      if (x >= min / 1.0001) out.push(x);
    }
    return out;
  }

  function fmt(v) {
    return v == null ? "-" : v.toFixed(3);
  }

  function bandsHook(bands) {
    return function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = BAND;
      bands.forEach(function (b) {
        var x0 = u.valToPos(b.start, "x", true);
        var x1 = u.valToPos(b.end, "x", true);
        ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
      });
      ctx.restore();
    };
  }

  function draw(plot) {
    var el = document.getElementById("plot-" + plot.id);
    var width = Math.max(480, el.clientWidth || 900);
    var data = uPlot.join(plot.lines.map(function (l) { return [l.x, l.y]; }));
    var distribution = plot.kind === "distribution";
    // Whole seconds: the series has one sample per second.
    var xAxis = { label: "seconds of the run", stroke: "#333",
                  incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600] };
    var xScale = { time: false };
    var xSeries = { label: "second" };
    if (distribution) {
      xScale = { time: false, distr: 3, log: 10 };
      xAxis = { label: "percentile", stroke: "#333", splits: decades,
                values: function (u, splits) { return splits.map(percentLabel); } };
      xSeries = { label: "percentile", value: function (u, v) { return v == null ? "-" : percentLabel(v); } };
    } else if (plot.kind === "sweep") {
      xAxis = { label: "achieved writes/s (all writers)", stroke: "#333" };
      xSeries = { label: "writes/s" };
    }
    var fromZero = { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } };
    var series = [xSeries].concat(plot.lines.map(function (l) {
      var colour = l.group < 0 ? WRITERS : PALETTE[l.group % PALETTE.length];
      return { label: l.label, stroke: colour, width: l.dash ? 1.5 : 2, spanGaps: true,
               dash: l.dash ? [6, 4] : undefined, value: function (u, v) { return fmt(v); },
               points: { show: plot.kind === "sweep" }, scale: l.right ? "right" : "y" };
    }));
    var scales = { x: xScale, y: plot.log_y ? { distr: 3, log: 10 } : fromZero, right: fromZero };
    var axes = [xAxis, { label: plot.y_label, stroke: "#333", size: 60 }];
    if (plot.lines.some(function (l) { return l.right; })) {
      axes.push({ scale: "right", side: 1, label: "missed", stroke: "#333", size: 50,
                  grid: { show: false } });
    }
    var opts = {
      width: width, height: 320, series: series, padding: [12, 48, 0, 0],
      scales: scales, axes: axes,
      hooks: { drawClear: [bandsHook(plot.bands)] },
    };
    new uPlot(opts, data, el);
  }

  plots.forEach(function (plot) {
    draw(plot);
    document.body.dataset.plotsDrawn = String(Number(document.body.dataset.plotsDrawn) + 1);
  });
})();
