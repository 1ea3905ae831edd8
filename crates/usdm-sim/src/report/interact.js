// The report's charts over time, made interactive: hover shows every series' value at that
// hour; drag across a chart zooms it to that window; double-click restores it. The charts are
// complete SVG without this script: it only reads their data-* attributes (the x range, the
// plot's pixel span and the series as JSON) and moves their `g.plot` groups.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Four significant digits, as the charts' own labels.
  function fmt(v) {
    if (v === null || !isFinite(v)) return "-";
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toPrecision(4) + "M";
    if (a >= 1e3) return (v / 1e3).toPrecision(4) + "k";
    if (a !== 0 && a < 1e-3) return v.toExponential(2);
    return String(Number(v.toPrecision(4)));
  }

  // Round hour ticks over [a, b]: at most eight.
  function hourTicks(a, b) {
    var steps = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) {
      if ((b - a) / steps[i] <= 8) { step = steps[i]; break; }
    }
    var out = [];
    for (var t = Math.ceil(a / step) * step; t <= b + 1e-9; t += step) out.push(Number(t.toFixed(4)));
    return out;
  }

  // The index of the point nearest x in points sorted by x.
  function nearest(points, x) {
    var lo = 0, hi = points.length - 1;
    if (hi < 0) return -1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (points[mid][0] < x) lo = mid; else hi = mid;
    }
    return Math.abs(points[lo][0] - x) <= Math.abs(points[hi][0] - x) ? lo : hi;
  }

  function setup(svg) {
    var series;
    try { series = JSON.parse(svg.getAttribute("data-series")); } catch (e) { return; }
    var full = [parseFloat(svg.dataset.x0), parseFloat(svg.dataset.x1)];
    var px0 = parseFloat(svg.dataset.px0), px1 = parseFloat(svg.dataset.px1);
    var view = full.slice();
    var vb = svg.viewBox.baseVal;
    var top = 34, bottom = vb.height - 42;
    var toPx = function (x) { return px0 + (x - view[0]) / (view[1] - view[0]) * (px1 - px0); };
    var toX = function (p) { return view[0] + (p - px0) / (px1 - px0) * (view[1] - view[0]); };
    var ticks = svg.querySelector("g.xticks");
    var zoomTicks = el("g", { "class": "xticks-zoomed" });
    svg.appendChild(zoomTicks);
    var hover = el("g", { "class": "hover", "pointer-events": "none" });
    svg.appendChild(hover);
    var brush = el("rect", { y: top, height: bottom - top, fill: "#0072b2", opacity: "0.12", visibility: "hidden" });
    svg.appendChild(brush);
    svg.style.cursor = "crosshair";

    function userX(evt) {
      var pt = svg.createSVGPoint();
      pt.x = evt.clientX; pt.y = evt.clientY;
      return pt.matrixTransform(svg.getScreenCTM().inverse()).x;
    }

    function apply() {
      var s = (full[1] - full[0]) / (view[1] - view[0]);
      var tx = px0 - (px0 + (view[0] - full[0]) / (full[1] - full[0]) * (px1 - px0)) * s;
      svg.querySelectorAll("g.plot").forEach(function (g) {
        g.setAttribute("transform", s === 1 ? "" : "translate(" + tx + " 0) scale(" + s + " 1)");
      });
      while (zoomTicks.firstChild) zoomTicks.removeChild(zoomTicks.firstChild);
      var zoomed = view[0] !== full[0] || view[1] !== full[1];
      if (ticks) ticks.style.display = zoomed ? "none" : "";
      if (!zoomed) return;
      hourTicks(view[0], view[1]).forEach(function (t) {
        var x = toPx(t);
        zoomTicks.appendChild(el("line", { x1: x, x2: x, y1: bottom, y2: bottom + 4, "class": "axis" }));
        zoomTicks.appendChild(el("text", { x: x, y: bottom + 16, "class": "tick", "text-anchor": "middle" }, fmt(t) + "h"));
      });
      zoomTicks.appendChild(el("text", { x: px1, y: top - 6, "class": "tick", "text-anchor": "end" },
        "zoomed: " + fmt(view[0]) + "h to " + fmt(view[1]) + "h (double-click to reset)"));
    }

    function show(evt) {
      while (hover.firstChild) hover.removeChild(hover.firstChild);
      var p = userX(evt);
      if (p < px0 || p > px1) return;
      var x = toX(p), rows = [];
      series.forEach(function (s) {
        var i = nearest(s.points, x);
        if (i < 0) return;
        var q = s.points[i];
        if (Math.abs(toPx(q[0]) - p) > 40) return;
        rows.push({ color: s.color, text: s.label + ": " + (s.kind === "band" ? fmt(q[1]) + " to " + fmt(q[2]) : fmt(q[1])), x: q[0] });
      });
      if (!rows.length) return;
      var at = toPx(rows[rows.length - 1].x);
      hover.appendChild(el("line", { x1: at, x2: at, y1: top, y2: bottom, stroke: "#444", "stroke-dasharray": "3 3" }));
      var w = 12 + 6.2 * Math.max.apply(null, rows.map(function (r) { return r.text.length; }).concat([10]));
      var h = 20 + 15 * rows.length;
      var bx = at + 10 + w > px1 ? at - 10 - w : at + 10;
      hover.appendChild(el("rect", { x: bx, y: top + 4, width: w, height: h, fill: "#fff", stroke: "#9aa3b2", opacity: "0.95" }));
      hover.appendChild(el("text", { x: bx + 6, y: top + 18, "class": "tick" }, fmt(rows[0].x) + " h"));
      rows.forEach(function (r, k) {
        hover.appendChild(el("text", { x: bx + 6, y: top + 33 + 15 * k, "class": "tick", fill: r.color }, r.text));
      });
    }

    var dragFrom = null;
    svg.addEventListener("mousedown", function (evt) {
      var p = userX(evt);
      if (p < px0 || p > px1) return;
      dragFrom = p;
      evt.preventDefault();
    });
    svg.addEventListener("mousemove", function (evt) {
      show(evt);
      if (dragFrom === null) return;
      var p = Math.min(Math.max(userX(evt), px0), px1);
      brush.setAttribute("x", Math.min(p, dragFrom));
      brush.setAttribute("width", Math.abs(p - dragFrom));
      brush.setAttribute("visibility", "visible");
    });
    svg.addEventListener("mouseup", function (evt) {
      if (dragFrom === null) return;
      var p = Math.min(Math.max(userX(evt), px0), px1);
      brush.setAttribute("visibility", "hidden");
      if (Math.abs(p - dragFrom) > 5) {
        var a = toX(Math.min(p, dragFrom)), b = toX(Math.max(p, dragFrom));
        view = [a, b];
        apply();
      }
      dragFrom = null;
    });
    svg.addEventListener("mouseleave", function () {
      while (hover.firstChild) hover.removeChild(hover.firstChild);
      brush.setAttribute("visibility", "hidden");
      dragFrom = null;
    });
    svg.addEventListener("dblclick", function () {
      view = full.slice();
      apply();
    });
  }

  document.querySelectorAll("svg.timed[data-series]").forEach(setup);
})();
