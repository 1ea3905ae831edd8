// Rule-based checks of a usdm HTML report, run inside the page by check.sh (headless Chromium).
// Writes a JSON array of problems into <pre id="report-check-result"> (appended to <body>).
// Each problem: {rule, chart, texts: [...], detail}.
//
// Rules:
//   overlapping-text  two non-empty <text> of one <svg> whose boxes intersect by more than
//                     TOL user units both horizontally and vertically (one problem per cluster)
//   text-outside-svg  a <text> whose box leaves its svg's viewport by more than TOL (clipped)
//   empty-chart       an <svg> with axis/grid lines but no data mark: no <path>/<polyline>/
//                     <polygon> with >= 2 points and a non-zero extent, no visible <rect> inside
//                     the plot area (background, frame and legend swatches excluded), no <circle>
//   empty-table       a <table> with a header row (<th>) but no row of <td> cells
//   bad-number        NaN, undefined, Infinity or Rust's inf in visible text (or a tooltip)
//   duplicate-tick    one axis of a chart labels two ticks alike (x: centred labels below the
//                     plot area; y: right-aligned labels left of it)
//   missing-ticks     an axis chart with data marks but no label on its x axis
//   same-swatch       two legend swatches (filled rects right of the plot area) of one chart
//                     with the same fill and opacity: the legend cannot tell them apart
(function () {
  "use strict";
  var TOL = 1.0; // user units (the svg's viewBox pixels), so independent of the window size
  var problems = [];

  function clean(s) {
    return (s || "").replace(/\s+/g, " ").trim();
  }
  function short(s) {
    s = clean(s);
    return s.length > 80 ? s.slice(0, 77) + "..." : s;
  }

  // The nearest heading before an element, in document order.
  function headingBefore(el) {
    var hs = document.querySelectorAll("h1,h2,h3,h4,h5,h6,caption,figcaption");
    var best = null;
    for (var i = 0; i < hs.length; i++) {
      var h = hs[i];
      if (h.tagName === "FIGCAPTION") continue;
      if (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) best = h;
    }
    return best ? clean(best.textContent) : "";
  }

  function svgTitle(svg) {
    for (var c = svg.firstElementChild; c; c = c.nextElementSibling) {
      if (c.tagName.toLowerCase() === "title" && clean(c.textContent)) return clean(c.textContent);
    }
    var t = svg.querySelector("text.title");
    if (t && clean(t.textContent)) return clean(t.textContent);
    if (svg.getAttribute("aria-label")) return clean(svg.getAttribute("aria-label"));
    var h = headingBefore(svg);
    return h || "(untitled svg)";
  }

  function tableTitle(table) {
    var cap = table.querySelector("caption");
    if (cap && clean(cap.textContent)) return clean(cap.textContent);
    return headingBefore(table) || "(untitled table)";
  }

  function visible(el) {
    if (el.closest("defs,clipPath,mask,symbol,marker,pattern")) return false;
    var cs = getComputedStyle(el);
    if (cs.display === "none" || cs.visibility === "hidden" || cs.visibility === "collapse") return false;
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
      var s = getComputedStyle(e);
      if (s.display === "none" || parseFloat(s.opacity) === 0) return false;
    }
    return true;
  }

  // Screen-to-user-unit scale of a root svg.
  function svgFrame(svg) {
    var r = svg.getBoundingClientRect();
    var vb = svg.viewBox && svg.viewBox.baseVal;
    var sx = 1, sy = 1;
    if (vb && vb.width > 0 && vb.height > 0) {
      sx = r.width / vb.width;
      sy = r.height / vb.height;
    }
    return { rect: r, sx: sx || 1, sy: sy || 1 };
  }

  // A box in the svg's user units, relative to its viewport's top-left corner.
  function userBox(el, fr) {
    var b = el.getBoundingClientRect();
    return {
      x0: (b.left - fr.rect.left) / fr.sx,
      x1: (b.right - fr.rect.left) / fr.sx,
      y0: (b.top - fr.rect.top) / fr.sy,
      y1: (b.bottom - fr.rect.top) / fr.sy,
      w: b.width / fr.sx,
      h: b.height / fr.sy,
    };
  }

  function checkSvgTexts(svg, title, fr) {
    var texts = [];
    var all = svg.querySelectorAll("text");
    for (var i = 0; i < all.length; i++) {
      var t = all[i];
      if (t.parentElement && t.parentElement.closest("text")) continue; // nested: part of its parent
      var s = clean(t.textContent);
      if (!s || !visible(t)) continue;
      var b = userBox(t, fr);
      if (b.w <= 0 || b.h <= 0) continue;
      texts.push({ el: t, s: s, b: b });
    }
    // Overlaps, grouped into connected clusters so a run of colliding tick labels is one problem.
    var parent = texts.map(function (_, i) { return i; });
    function find(i) { while (parent[i] !== i) i = parent[i] = parent[parent[i]]; return i; }
    var worst = {};
    for (var a = 0; a < texts.length; a++) {
      for (var c = a + 1; c < texts.length; c++) {
        var A = texts[a].b, B = texts[c].b;
        var ox = Math.min(A.x1, B.x1) - Math.max(A.x0, B.x0);
        var oy = Math.min(A.y1, B.y1) - Math.max(A.y0, B.y0);
        if (ox > TOL && oy > TOL) {
          var ra = find(a), rc = find(c);
          if (ra !== rc) parent[ra] = rc;
          var k = find(c);
          worst[k] = Math.max(worst[k] || 0, ox);
        }
      }
    }
    var clusters = {};
    for (var i2 = 0; i2 < texts.length; i2++) {
      var r = find(i2);
      (clusters[r] = clusters[r] || []).push(i2);
    }
    Object.keys(clusters).forEach(function (r) {
      var idx = clusters[r];
      if (idx.length < 2) return;
      var maxOx = 0;
      idx.forEach(function (i) { maxOx = Math.max(maxOx, worst[i] || 0); });
      // Left to right, then top to bottom: reads like the rendering.
      idx.sort(function (p, q) { return texts[p].b.x0 - texts[q].b.x0 || texts[p].b.y0 - texts[q].b.y0; });
      problems.push({
        rule: "overlapping-text",
        chart: title,
        texts: idx.map(function (i) { return texts[i].s; }),
        detail: idx.length + " labels run together (up to " + maxOx.toFixed(1) + " px of overlap); rendered as \"" +
          short(idx.map(function (i) { return texts[i].s; }).join("")) + "\"",
      });
    });
    // Outside the viewport.
    var vw = fr.rect.width / fr.sx, vh = fr.rect.height / fr.sy;
    texts.forEach(function (t) {
      var b = t.b, sides = [];
      if (b.x0 < -TOL) sides.push("left by " + (-b.x0).toFixed(1));
      if (b.x1 > vw + TOL) sides.push("right by " + (b.x1 - vw).toFixed(1));
      if (b.y0 < -TOL) sides.push("top by " + (-b.y0).toFixed(1));
      if (b.y1 > vh + TOL) sides.push("bottom by " + (b.y1 - vh).toFixed(1));
      if (sides.length) {
        problems.push({
          rule: "text-outside-svg",
          chart: title,
          texts: [t.s],
          detail: "clipped: leaves the " + vw.toFixed(0) + "x" + vh.toFixed(0) + " viewport at the " + sides.join(", ") + " px",
        });
      }
    });
  }

  // Number of points of a path's d attribute (every command's coordinate pairs).
  function pathPoints(d) {
    var n = 0;
    var re = /([MLHVCSQTAZmlhvcsqtaz])([^MLHVCSQTAZmlhvcsqtaz]*)/g, m;
    var per = { M: 2, L: 2, T: 2, H: 1, V: 1, C: 6, S: 4, Q: 4, A: 7, Z: 0 };
    while ((m = re.exec(d || ""))) {
      var k = per[m[1].toUpperCase()];
      var nums = (m[2].match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) || []).length;
      if (k) n += Math.floor(nums / k);
    }
    return n;
  }

  function noPaint(v) {
    v = (v || "").replace(/\s+/g, "").toLowerCase();
    return v === "" || v === "none" || v === "transparent" || /^rgba\(.*,0\)$/.test(v);
  }
  function isWhite(v) {
    v = (v || "").replace(/\s+/g, "").toLowerCase();
    return v === "#fff" || v === "#ffffff" || v === "white" || v === "rgb(255,255,255)";
  }

  function checkEmptyChart(svg, title, fr) {
    var lines = Array.prototype.filter.call(svg.querySelectorAll("line"), visible);
    var axes = lines.filter(function (l) {
      return l.classList.contains("axis") || l.classList.contains("grid") || l.closest(".axis,.grid");
    });
    if (!axes.length) return; // not an axis chart (heat map, placeholder, icon)
    // The plot area: the extent of the axis and grid lines.
    var pa = null;
    axes.forEach(function (l) {
      var b = userBox(l, fr);
      pa = pa ? { x0: Math.min(pa.x0, b.x0), x1: Math.max(pa.x1, b.x1), y0: Math.min(pa.y0, b.y0), y1: Math.max(pa.y1, b.y1) } : b;
    });
    var vw = fr.rect.width / fr.sx, vh = fr.rect.height / fr.sy;
    var marks = 0, why = [];
    svg.querySelectorAll("path,polyline,polygon").forEach(function (p) {
      if (!visible(p)) return;
      var cs = getComputedStyle(p);
      if (noPaint(cs.stroke) && noPaint(cs.fill)) return;
      var pts = p.tagName.toLowerCase() === "path" ? pathPoints(p.getAttribute("d"))
        : Math.floor(((p.getAttribute("points") || "").match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) || []).length / 2);
      var bb = p.getBBox();
      if (pts >= 2 && bb.width + bb.height > 0) marks++;
      else why.push(p.tagName.toLowerCase() + " with " + pts + " point(s)");
    });
    svg.querySelectorAll("rect").forEach(function (r) {
      if (!visible(r)) return;
      var cs = getComputedStyle(r);
      if (noPaint(cs.fill) || isWhite(cs.fill)) return; // frame or background
      var b = userBox(r, fr);
      if (b.w <= 0 || b.h <= 0) return;
      if (b.w * b.h >= 0.9 * vw * vh) return; // background
      // Inside the plot area (legend swatches sit to its right).
      var ix = Math.min(b.x1, pa.x1 + TOL) - Math.max(b.x0, pa.x0 - TOL);
      var iy = Math.min(b.y1, pa.y1 + TOL) - Math.max(b.y0, pa.y0 - TOL);
      if (ix > 0 && iy > 0) marks++;
    });
    svg.querySelectorAll("circle,ellipse").forEach(function (c) {
      if (visible(c) && c.getBBox().width > 0) marks++;
    });
    checkTicks(svg, title, fr, pa, marks);
    checkSwatches(svg, title, fr, pa);
    if (!marks) {
      var tks = Array.prototype.map.call(svg.querySelectorAll("text"), function (t) { return clean(t.textContent); })
        .filter(Boolean);
      problems.push({
        rule: "empty-chart",
        chart: title,
        texts: tks.slice(0, 6),
        detail: axes.length + " axis/grid lines but no data marks" + (why.length ? " (" + why.slice(0, 3).join(", ") + ")" : ""),
      });
    }
  }

  // The tick labels of each axis: x below the plot area, centred; y left of it, right-aligned.
  function checkTicks(svg, title, fr, pa, marks) {
    var x = [], y = [];
    svg.querySelectorAll("text").forEach(function (t) {
      var s = clean(t.textContent);
      if (!s || !t.classList.contains("tick") || !visible(t)) return;
      var anchor = t.getAttribute("text-anchor") || getComputedStyle(t).textAnchor;
      var b = userBox(t, fr);
      if (anchor === "middle" && b.y0 >= pa.y1 - TOL && b.y1 <= pa.y1 + 24) x.push(s);
      else if (anchor === "end" && b.x1 <= pa.x0 + TOL) y.push(s);
    });
    [["x", x], ["y", y]].forEach(function (axis) {
      var seen = {}, repeated = [];
      axis[1].forEach(function (s) {
        if (seen[s] && repeated.indexOf(s) < 0) repeated.push(s);
        seen[s] = 1;
      });
      if (repeated.length) {
        problems.push({
          rule: "duplicate-tick",
          chart: title,
          texts: axis[1],
          detail: "the " + axis[0] + " axis labels two ticks " + repeated.map(function (r) { return "\"" + r + "\""; }).join(", "),
        });
      }
    });
    if (marks && !x.length) {
      problems.push({
        rule: "missing-ticks",
        chart: title,
        texts: [],
        detail: "data marks but no label on the x axis",
      });
    }
  }

  // Legend swatches: filled rects right of the plot area; each must look different.
  function checkSwatches(svg, title, fr, pa) {
    var seen = {};
    svg.querySelectorAll("rect").forEach(function (r) {
      if (!visible(r)) return;
      var cs = getComputedStyle(r);
      if (noPaint(cs.fill) || isWhite(cs.fill)) return;
      var b = userBox(r, fr);
      if (b.w <= 0 || b.h <= 0 || b.x0 < pa.x1 - TOL) return;
      var look = cs.fill.replace(/\s+/g, "") + " at opacity " + (parseFloat(cs.opacity) * parseFloat(cs.fillOpacity || 1)).toFixed(3);
      if (seen[look]) {
        problems.push({
          rule: "same-swatch",
          chart: title,
          texts: [look],
          detail: "two legend swatches are both " + look,
        });
      }
      seen[look] = 1;
    });
  }

  function checkTables() {
    document.querySelectorAll("table").forEach(function (t) {
      if (t.closest("#report-check-result")) return;
      var rows = t.rows, header = null, body = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        if (r.querySelector("td")) body++;
        else if (!header && r.querySelector("th")) header = r;
      }
      if (header && !body) {
        problems.push({
          rule: "empty-table",
          chart: tableTitle(t),
          texts: Array.prototype.map.call(header.cells, function (c) { return clean(c.textContent); }),
          detail: "a header row and no body rows",
        });
      }
    });
  }

  var BAD = /(^|[^A-Za-z0-9_])(NaN|undefined|-?Infinity|-?inf)(?![A-Za-z0-9_])/;
  function checkBadNumbers() {
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    var seen = {};
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      var el = n.parentElement;
      if (!el || el.closest("script,style,noscript,#report-check-result")) continue;
      var m = BAD.exec(n.nodeValue);
      if (!m) continue;
      var tag = el.tagName.toLowerCase();
      var tooltip = tag === "title" && el.closest("svg");
      if (!tooltip && (!visible(el) || el.getClientRects().length === 0)) continue;
      var svg = el.closest("svg");
      var where = svg ? svgTitle(svg) : (el.closest("table") ? tableTitle(el.closest("table")) : headingBefore(el) || "(page)");
      var text = short(n.nodeValue);
      var key = where + "|" + text;
      if (seen[key]) continue;
      seen[key] = 1;
      problems.push({
        rule: "bad-number",
        chart: where,
        texts: [text],
        detail: "\"" + m[2] + "\" shown" + (tooltip ? " in a tooltip" : ""),
      });
    }
  }

  function run() {
    try {
      document.querySelectorAll("svg").forEach(function (svg) {
        if (svg.parentElement && svg.parentElement.closest("svg")) return; // nested svg: its root covers it
        if (!visible(svg)) return;
        var fr = svgFrame(svg);
        if (fr.rect.width <= 0 || fr.rect.height <= 0) return;
        var title = svgTitle(svg);
        checkSvgTexts(svg, title, fr);
        checkEmptyChart(svg, title, fr);
      });
      checkTables();
      checkBadNumbers();
    } catch (e) {
      problems.push({ rule: "checker-error", chart: "", texts: [String(e && e.stack || e)], detail: "the checker itself failed" });
    }
    var pre = document.createElement("pre");
    pre.id = "report-check-result";
    pre.style.display = "none";
    pre.textContent = JSON.stringify({ ok: true, problems: problems });
    document.body.appendChild(pre);
  }

  // Measure after web fonts (if any) have settled; the reports use system fonts only.
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(run, run);
  } else {
    run();
  }
})();
