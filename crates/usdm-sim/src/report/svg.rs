//! Hand-written SVG charts: lines with percentile bands, stacked areas, bars, histograms and
//! heat maps. Self-contained (no external assets) so a report is one file that opens anywhere;
//! a chart over time also carries its series for the report's small script (hover values,
//! zoom), and is complete without it.

use std::fmt::Write;

/// Chart size in pixels.
const W: f64 = 720.0;
const H: f64 = 300.0;
/// Plot margins: left, right, top, bottom.
const ML: f64 = 70.0;
const MR: f64 = 150.0;
const MT: f64 = 34.0;
const MB: f64 = 42.0;

/// A colour palette that stays readable for the common colour-vision deficiencies.
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000",
];

/// Escapes text for SVG and HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One line.
#[derive(Clone, Debug)]
pub struct Line {
    /// Legend label.
    pub label: String,
    /// Colour.
    pub color: String,
    /// `(x, y)` points; non-finite values break the line.
    pub points: Vec<(f64, f64)>,
    /// Dashed.
    pub dashed: bool,
}

impl Line {
    /// A solid line: most series.
    pub fn new(label: &str, color: &str, points: Vec<(f64, f64)>) -> Self {
        Line {
            label: label.into(),
            color: color.into(),
            points,
            dashed: false,
        }
    }

    /// A dashed line: limits and secondary series, told apart from the data at a glance.
    pub fn dashed(label: &str, color: &str, points: Vec<(f64, f64)>) -> Self {
        Line {
            dashed: true,
            ..Line::new(label, color, points)
        }
    }
}

/// A shaded band between two series.
#[derive(Clone, Debug)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// Colour.
    pub color: String,
    /// Opacity.
    pub opacity: f64,
    /// `(x, low, high)`.
    pub points: Vec<(f64, f64, f64)>,
}

/// A chart of lines and bands over a shared x axis.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Bands, drawn first.
    pub bands: Vec<Band>,
    /// Lines.
    pub lines: Vec<Line>,
    /// Horizontal reference lines `(y, label)`.
    pub rules: Vec<(f64, String)>,
    /// Force the y range to include these values.
    pub include_y: Vec<f64>,
}

/// Round tick steps for a range.
fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

/// Ticks for an axis in hours: steps of 1, 2, 3, 6 or 12 hours or whole days, so a
/// three-day run ticks at 0h, 12h, 24h... rather than 0h, 7h, 14h.
fn hour_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let step = [
        1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0,
    ]
    .into_iter()
    .find(|s| *s >= raw)
    .unwrap_or_else(|| (raw / 720.0).ceil() * 720.0);
    if raw < 1.0 {
        return nice_ticks(lo, hi, count);
    }
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(t);
        t += step;
    }
    out
}

/// A short label for a number: 1.2k, 3.4M, 5B, 7T, 1e20 (beyond a thousand trillion, where a
/// suffix would run to a dozen digits), 0.0001, 1e-9.
pub fn short(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() {
        return "-".into();
    }
    if a == 0.0 {
        return "0".into();
    }
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a >= 1e15 {
        format!("{x:.0e}")
    } else if a >= 1e12 {
        format!("{}T", trim(format!("{:.2}", x / 1e12)))
    } else if a >= 1e9 {
        format!("{}B", trim(format!("{:.2}", x / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", x / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.1}", x / 1e3)))
    } else if a >= 0.01 {
        trim(format!("{x:.3}"))
    } else {
        format!("{x:.0e}")
    }
}

struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    log: bool,
}

impl Frame {
    fn x(&self, x: f64) -> f64 {
        ML + (x - self.x0) / (self.x1 - self.x0).max(1e-300) * (W - ML - MR)
    }
    fn yv(&self, y: f64) -> f64 {
        if self.log {
            y.max(1e-300).log10()
        } else {
            y
        }
    }
    fn y(&self, y: f64) -> f64 {
        let v = self.yv(y).clamp(self.y0, self.y1);
        H - MB - (v - self.y0) / (self.y1 - self.y0).max(1e-300) * (H - MT - MB)
    }
}

fn frame_for(chart: &Chart) -> Option<Frame> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for l in &chart.lines {
        for (x, y) in &l.points {
            if x.is_finite() && y.is_finite() && (!chart.log_y || *y > 0.0) {
                xs.push(*x);
                ys.push(*y);
            }
        }
    }
    for b in &chart.bands {
        for (x, lo, hi) in &b.points {
            for y in [lo, hi] {
                if x.is_finite() && y.is_finite() && (!chart.log_y || *y > 0.0) {
                    xs.push(*x);
                    ys.push(*y);
                }
            }
        }
    }
    for y in chart
        .include_y
        .iter()
        .chain(chart.rules.iter().map(|r| &r.0))
    {
        if y.is_finite() && (!chart.log_y || *y > 0.0) {
            ys.push(*y);
        }
    }
    if xs.is_empty() || ys.is_empty() {
        return None;
    }
    let (x0, x1) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(*x), b.max(*x))
        });
    let tr = |y: f64| if chart.log_y { y.log10() } else { y };
    let (mut y0, mut y1) = ys
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(tr(*y)), b.max(tr(*y)))
        });
    if (y1 - y0).abs() < 1e-12 {
        y0 -= 0.5;
        y1 += 0.5;
    } else if !chart.log_y {
        let pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
    } else {
        y0 = y0.floor();
        y1 = y1.ceil();
    }
    Some(Frame {
        x0,
        x1: if x1 > x0 { x1 } else { x0 + 1.0 },
        y0,
        y1,
        log: chart.log_y,
    })
}

fn axes(out: &mut String, f: &Frame, chart: &Chart) {
    let _ = write!(
        out,
        r##"<text x="{}" y="20" class="title">{}</text>"##,
        ML,
        esc(&chart.title)
    );
    // Y ticks.
    let yticks: Vec<f64> = if f.log {
        let step = ((f.y1 - f.y0) / 6.0).ceil().max(1.0);
        let mut v = Vec::new();
        let mut e = f.y0;
        while e <= f.y1 + 1e-9 {
            v.push(10f64.powf(e));
            e += step;
        }
        v
    } else {
        nice_ticks(f.y0, f.y1, 5)
    };
    for t in yticks {
        y_gridline(out, f.y(t), t);
    }
    let hours = chart.x_label.starts_with("hours");
    let xticks = if hours {
        hour_ticks(f.x0, f.x1, 8)
    } else {
        nice_ticks(f.x0, f.x1, 8)
    };
    // In a group of their own: the report's script replaces them when it zooms.
    out.push_str(r#"<g class="xticks">"#);
    for t in xticks {
        let x = f.x(t);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}" class="axis"/><text x="{x:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            H - MB,
            H - MB + 4.0,
            H - MB + 16.0,
            if hours {
                format!("{}h", short(t))
            } else {
                short(t)
            }
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<line x1="{ML}" x2="{}" y1="{}" y2="{}" class="axis"/><line x1="{ML}" x2="{ML}" y1="{MT}" y2="{}" class="axis"/>"##,
        W - MR,
        H - MB,
        H - MB,
        H - MB
    );
    axis_labels(out, &chart.x_label, &chart.y_label);
}

/// The x axis's label under the plot and the y axis's label rotated beside it.
fn axis_labels(out: &mut String, x_label: &str, y_label: &str) {
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" class="label" text-anchor="middle">{}</text><text x="14" y="{}" class="label" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>"##,
        ML + (W - ML - MR) / 2.0,
        H - 6.0,
        esc(x_label),
        MT + (H - MT - MB) / 2.0,
        MT + (H - MT - MB) / 2.0,
        esc(y_label)
    );
}

/// One legend entry: a label, its colour, and how it is drawn (a dashed line, or a filled
/// swatch at the opacity it shows in the chart).
struct Entry {
    label: String,
    color: String,
    dashed: bool,
    fill: Option<f64>,
}

fn legend(out: &mut String, entries: &[Entry]) {
    for (i, e) in entries.iter().enumerate() {
        let (label, color, dashed) = (&e.label, &e.color, &e.dashed);
        let y = MT + 8.0 + i as f64 * 18.0;
        let x = W - MR + 12.0;
        if let Some(opacity) = e.fill {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{}" width="18" height="10" fill="{color}" opacity="{opacity:.3}" class="swatch"/>"##,
                y - 8.0
            );
        } else {
            let _ = write!(
                out,
                r##"<line x1="{x}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="2"{}/>"##,
                x + 18.0,
                y - 3.0,
                y - 3.0,
                if *dashed {
                    r#" stroke-dasharray="5 3""#
                } else {
                    ""
                }
            );
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{y}" class="tick">{}</text>"##,
            x + 24.0,
            esc(label)
        );
    }
}

fn open_svg(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"##,
        esc(title)
    );
}

impl Chart {
    /// The chart as an SVG element.
    pub fn svg(&self) -> String {
        let mut out = String::new();
        let Some(f) = frame_for(self) else {
            open_svg(&mut out, &self.title);
            let _ = write!(
                out,
                r##"<text x="{ML}" y="20" class="title">{}</text><text x="{ML}" y="60" class="tick">no data</text></svg>"##,
                esc(&self.title)
            );
            return out;
        };
        // A chart over time carries its frame and series for the report's script (hover
        // values, zoom to a time window); without the script it is the same static chart.
        let timed = self.x_label.starts_with("hours");
        let clip = if timed {
            let id = format!("clip{:08x}", fnv(&self.title) ^ fnv(&self.y_label));
            let _ = write!(
                out,
                r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{}" class="timed" data-x0="{}" data-x1="{}" data-px0="{ML}" data-px1="{}" data-series="{}"><clipPath id="{id}"><rect x="{ML}" y="{MT}" width="{}" height="{}"/></clipPath>"##,
                esc(&self.title),
                f.x0,
                f.x1,
                W - MR,
                esc(&self.series_json()),
                W - ML - MR,
                H - MT - MB,
            );
            Some(id)
        } else {
            open_svg(&mut out, &self.title);
            None
        };
        axes(&mut out, &f, self);
        let valid = |y: f64| y.is_finite() && (!self.log_y || y > 0.0);
        let mut bands = String::new();
        for b in &self.bands {
            let out = &mut bands;
            let pts: Vec<&(f64, f64, f64)> = b
                .points
                .iter()
                .filter(|(x, lo, hi)| x.is_finite() && valid(*lo) && valid(*hi))
                .collect();
            if pts.len() < 2 {
                continue;
            }
            let mut d = String::new();
            for (i, (x, _, hi)) in pts.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1} ",
                    if i == 0 { "M" } else { "L" },
                    f.x(*x),
                    f.y(*hi)
                );
            }
            for (x, lo, _) in pts.iter().rev() {
                let _ = write!(d, "L{:.1},{:.1} ", f.x(*x), f.y(*lo));
            }
            let _ = write!(
                out,
                r##"<path d="{d}Z" fill="{}" opacity="{}" stroke="none"/>"##,
                b.color, b.opacity
            );
        }
        // The lines go inside the zoomable group too; the rules (horizontal, labelled at the
        // right edge) stay put.
        let mut lines = String::new();
        let mut rules = String::new();
        let mut last_label: Option<f64> = None;
        for (y, label) in &self.rules {
            if !valid(*y) {
                continue;
            }
            let yy = f.y(*y);
            // Labels of close rules would overlap: put the later one under its line.
            let label_y = match last_label {
                Some(prev) if (prev - yy).abs() < 12.0 => yy + 11.0,
                _ => yy - 3.0,
            };
            last_label = Some(yy);
            let _ = write!(
                rules,
                r##"<line x1="{ML}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#777" stroke-dasharray="2 3"/><text x="{}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
                W - MR,
                W - MR - 4.0,
                label_y,
                esc(label)
            );
        }
        for l in &self.lines {
            let out = &mut lines;
            let mut d = String::new();
            let mut pen = false;
            for (x, y) in &l.points {
                if x.is_finite() && valid(*y) {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen { "L" } else { "M" },
                        f.x(*x),
                        f.y(*y)
                    );
                    pen = true;
                } else {
                    pen = false;
                }
            }
            let _ = write!(
                out,
                r##"<path d="{d}" fill="none" stroke="{}" stroke-width="1.8"{}/>"##,
                l.color,
                if l.dashed {
                    r#" stroke-dasharray="5 3""#
                } else {
                    ""
                }
            );
        }
        // Bands, then the rules, then the lines over them, as drawn before the script came;
        // the bands and the lines each in a zoomable group.
        let group = |content: &str| match &clip {
            Some(id) => format!(r##"<g class="plot" clip-path="url(#{id})">{content}</g>"##),
            None => content.to_string(),
        };
        out.push_str(&group(&bands));
        out.push_str(&rules);
        out.push_str(&group(&lines));
        // A band's swatch shows it as it appears: drawn over the earlier bands of its colour
        // (the fans nest: 5th-95th, then 25th-75th, then the median's interval), so its
        // opacity composes with theirs, and each band's swatch differs.
        let mut entries: Vec<Entry> = Vec::new();
        for (i, b) in self.bands.iter().enumerate() {
            let clear = self.bands[..=i]
                .iter()
                .filter(|o| o.color == b.color)
                .fold(1.0, |acc, o| acc * (1.0 - o.opacity));
            entries.push(Entry {
                label: b.label.clone(),
                color: b.color.clone(),
                dashed: false,
                fill: Some(1.0 - clear),
            });
        }
        entries.extend(self.lines.iter().map(|l| Entry {
            label: l.label.clone(),
            color: l.color.clone(),
            dashed: l.dashed,
            fill: None,
        }));
        legend(&mut out, &entries);
        out.push_str("</svg>");
        out
    }
}

impl Chart {
    /// The lines and bands as JSON for the report's script: `[{label, color, points: [[x, y],
    /// ...]}]`, a band's points `[x, low, high]`, at five significant digits (what a tooltip
    /// shows), non-finite values as null.
    fn series_json(&self) -> String {
        let num = |x: f64| {
            if x.is_finite() {
                format!("{}", format!("{x:.4e}").parse::<f64>().unwrap_or(x))
            } else {
                "null".into()
            }
        };
        let mut out = String::from("[");
        let mut first = true;
        let mut push = |label: &str, color: &str, kind: &str, points: String| {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(
                out,
                r#"{{"label":{},"color":{},"kind":"{kind}","points":[{points}]}}"#,
                serde_json::Value::from(label),
                serde_json::Value::from(color)
            );
        };
        for b in &self.bands {
            let pts: Vec<String> = b
                .points
                .iter()
                .map(|(x, lo, hi)| format!("[{},{},{}]", num(*x), num(*lo), num(*hi)))
                .collect();
            push(&b.label, &b.color, "band", pts.join(","));
        }
        for l in &self.lines {
            let pts: Vec<String> = l
                .points
                .iter()
                .map(|(x, y)| format!("[{},{}]", num(*x), num(*y)))
                .collect();
            push(&l.label, &l.color, "line", pts.join(","));
        }
        out.push(']');
        out
    }
}

/// A 32-bit FNV-1a hash: a stable id for a chart's clip path.
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A stacked area chart: `layers` share the x values.
pub fn stacked(
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    layers: &[(String, Vec<f64>)],
) -> String {
    let mut cumulative = vec![0.0; xs.len()];
    let mut bands = Vec::new();
    for (i, (label, values)) in layers.iter().enumerate() {
        let mut pts = Vec::with_capacity(xs.len());
        for (k, x) in xs.iter().enumerate() {
            let v = values
                .get(k)
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or(0.0);
            let lo = cumulative[k];
            cumulative[k] += v;
            pts.push((*x, lo, cumulative[k]));
        }
        bands.push(Band {
            label: label.clone(),
            color: PALETTE[i % PALETTE.len()].into(),
            opacity: 0.75,
            points: pts,
        });
    }
    Chart {
        title: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        bands,
        include_y: vec![0.0],
        ..Chart::default()
    }
    .svg()
}

/// Columns on a numeric x axis: `(x0, x1, value)` each, with the x ticks given as
/// `(position, label)` (positions in the axis's own units, log10 ones for a log axis).
/// Columns `(from, to, value)` over an x axis with the given ticks; each column's tooltip
/// gives its range (`range(from, to)`) and its value.
fn columns(
    title: &str,
    x_label: &str,
    y_label: &str,
    cols: &[(f64, f64, f64)],
    xticks: &[(f64, String)],
    color: &str,
    range: &dyn Fn(f64, f64) -> String,
) -> String {
    let mut out = String::new();
    open_svg(&mut out, title);
    let _ = write!(
        out,
        r##"<text x="{ML}" y="20" class="title">{}</text>"##,
        esc(title)
    );
    let finite: Vec<&(f64, f64, f64)> = cols
        .iter()
        .filter(|(a, b, v)| a.is_finite() && b.is_finite() && v.is_finite())
        .collect();
    if finite.is_empty() {
        let _ = write!(
            out,
            r##"<text x="{ML}" y="60" class="tick">no data</text></svg>"##
        );
        return out;
    }
    let max = finite.iter().map(|c| c.2).fold(0.0f64, f64::max);
    if max <= 0.0 {
        // An axis with no columns reads as a broken chart: say what the data is.
        let _ = write!(
            out,
            r##"<text x="{ML}" y="60" class="tick">none: every value is 0</text></svg>"##
        );
        return out;
    }
    let x0 = finite.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let x1 = finite.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max);
    let f = Frame {
        x0,
        x1: if x1 > x0 { x1 } else { x0 + 1.0 },
        y0: 0.0,
        y1: if max > 0.0 { max * 1.05 } else { 1.0 },
        log: false,
    };
    for t in nice_ticks(f.y0, f.y1, 5) {
        y_gridline(&mut out, f.y(t), t);
    }
    for (a, b, v) in &finite {
        if *v > 0.0 {
            let (xa, xb) = (f.x(*a), f.x(*b));
            let gap = ((xb - xa) * 0.08).min(2.0);
            let y = f.y(*v);
            let _ = write!(
                out,
                r##"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{}: {} {}</title></rect>"##,
                xa + gap,
                (xb - xa - 2.0 * gap).max(0.5),
                (H - MB - y).max(0.0),
                esc(&range(*a, *b)),
                short(*v),
                esc(y_label)
            );
        }
    }
    // Tick labels at least 56 px apart, so they never run together.
    let mut last = f64::NEG_INFINITY;
    for (t, label) in xticks {
        let x = f.x(*t);
        if !(ML - 1.0..=W - MR + 1.0).contains(&x) || x - last < 56.0 {
            continue;
        }
        last = x;
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}" class="axis"/><text x="{x:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            H - MB,
            H - MB + 4.0,
            H - MB + 16.0,
            esc(label)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{ML}" x2="{}" y1="{}" y2="{}" class="axis"/>"##,
        W - MR,
        H - MB,
        H - MB,
    );
    axis_labels(&mut out, x_label, y_label);
    out.push_str("</svg>");
    out
}

/// A flow per sample interval: `(hours at the interval's end, amount)`, each column spanning
/// its interval, on an axis ticked in round hours.
pub fn flows(title: &str, y_label: &str, points: &[(f64, f64)], color: &str) -> String {
    let mut cols = Vec::with_capacity(points.len());
    let mut prev = points.first().map_or(0.0, |p| p.0);
    for (i, (h, v)) in points.iter().enumerate() {
        let start = if i == 0 {
            // The first interval is as long as the second.
            h - points.get(1).map_or(1.0, |n| n.0 - h)
        } else {
            prev
        };
        cols.push((start, *h, *v));
        prev = *h;
    }
    let lo = cols.first().map_or(0.0, |c| c.0);
    let hi = cols.last().map_or(1.0, |c| c.1);
    let ticks: Vec<(f64, String)> = hour_ticks(lo, hi, 8)
        .into_iter()
        .map(|t| (t, format!("{}h", short(t))))
        .collect();
    let range = |a: f64, b: f64| format!("{}h to {}h", short(a), short(b));
    columns(title, "hours", y_label, &cols, &ticks, color, &range)
}

/// A histogram of `values` in `bins` equal bins (log-spaced if `log`), the x axis ticked at
/// round values labelled by `fmt`.
pub fn histogram(
    title: &str,
    x_label: &str,
    values: &[f64],
    bins: usize,
    log: bool,
    color: &str,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| x.is_finite() && (!log || *x > 0.0))
        .map(|x| if log { x.log10() } else { x })
        .collect();
    // A bin's edges for its tooltip, in the data's units, at a precision that tells them apart.
    let value_of = |t: f64| if log { 10f64.powf(t) } else { t };
    let range = |a: f64, b: f64| {
        let (a, b) = (value_of(a), value_of(b));
        let (fa, fb) = (fmt(a), fmt(b));
        if fa == fb {
            format!("{} to {}", precise(a), precise(b))
        } else {
            format!("{fa} to {fb}")
        }
    };
    if v.is_empty() {
        return columns(title, x_label, "paths", &[], &[], color, &range);
    }
    let mut lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi - lo < 1e-12 {
        // One value: a single column of unit width around it.
        let half = if log {
            0.5
        } else {
            (lo.abs() * 0.05).max(1e-3)
        };
        lo -= half;
        hi += half;
    }
    let bins = bins.max(1);
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0.0; bins];
    for x in &v {
        let i = (((x - lo) / width) as usize).min(bins - 1);
        counts[i] += 1.0;
    }
    let cols: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (lo + i as f64 * width, lo + (i + 1) as f64 * width, *c))
        .collect();
    let ticks = histogram_ticks(lo, hi, log, fmt);
    columns(title, x_label, "paths", &cols, &ticks, color, &range)
}

/// A histogram's x ticks over `[lo, hi]` (log10 of the values if `log`): round values whose
/// labels all differ, and at least one. Fewer, coarser ticks are tried until the labels are
/// unique (`fmt` may round 54.5% and 55% alike); a range narrower than `fmt` can tell apart
/// gets one tick, in its middle.
fn histogram_ticks(lo: f64, hi: f64, log: bool, fmt: &dyn Fn(f64) -> String) -> Vec<(f64, String)> {
    let value_of = |t: f64| if log { 10f64.powf(t) } else { t };
    let candidates = |count: usize| -> Vec<f64> {
        if !log {
            return nice_ticks(lo, hi, count);
        }
        let (a, b) = (lo.ceil() as i64, hi.floor() as i64);
        if b - a >= 2 {
            let step = ((b - a) as f64 / count as f64).ceil().max(1.0) as i64;
            return (a..=b).step_by(step as usize).map(|e| e as f64).collect();
        }
        // Under three decades: 1, 2 and 5 times each power of ten in range, or, in a range
        // too narrow to hold two of those, round values of the data's own scale.
        let decades: Vec<f64> = (lo.floor() as i64..=hi.ceil() as i64)
            .flat_map(|e| [1.0, 2.0, 5.0].map(|m: f64| (m * 10f64.powi(e as i32)).log10()))
            .filter(|t| (lo..=hi).contains(t))
            .collect();
        if decades.len() >= 2 {
            return decades;
        }
        nice_ticks(value_of(lo), value_of(hi), count)
            .into_iter()
            .filter(|x| *x > 0.0)
            .map(f64::log10)
            .collect()
    };
    for count in (2..=6).rev() {
        let ticks: Vec<(f64, String)> = candidates(count)
            .into_iter()
            .filter(|t| (lo..=hi).contains(t))
            .map(|t| (t, fmt(value_of(t))))
            .collect();
        let mut labels: Vec<&String> = ticks.iter().map(|(_, l)| l).collect();
        labels.dedup();
        if ticks.len() >= 2 && labels.len() == ticks.len() {
            return ticks;
        }
    }
    let mid = (lo + hi) / 2.0;
    vec![(mid, fmt(value_of(mid)))]
}

/// A value with four significant digits, for a tooltip where the chart's own format would
/// show two different numbers alike.
fn precise(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// A heat map: rows x columns of values, coloured from good (green) to bad (red).
pub struct HeatMap<'a> {
    /// Title.
    pub title: &'a str,
    /// What the rows vary.
    pub row_label: &'a str,
    /// What the columns vary.
    pub col_label: &'a str,
    /// Row labels.
    pub rows: &'a [String],
    /// Column labels.
    pub cols: &'a [String],
    /// `values[row][col]` (NaN: no data).
    pub values: &'a [Vec<f64>],
    /// True when high values are good.
    pub high_is_good: bool,
    /// The values coloured fully good and fully bad (`None`: the grid's own range).
    pub range: Option<(f64, f64)>,
    /// Colour by [`RISK_THRESHOLDS`] instead of a continuous scale: for probabilities of a
    /// failure, where any chance seen is a warning and never green.
    pub risk: bool,
    /// A second, smaller line per cell (the 95% interval), or empty.
    pub notes: &'a [Vec<String>],
}

/// The risk scale's steps: green only for exactly zero, then amber, orange and red from these
/// lower bounds.
pub const RISK_THRESHOLDS: [(f64, &str, &str); 4] = [
    (0.0, "#1a9641", "none seen"),
    (f64::MIN_POSITIVE, "#f0c419", "above 0"),
    (0.05, "#e8742c", "5% or more"),
    (0.20, "#c62828", "20% or more"),
];

/// The risk colour of a probability.
pub fn risk_color(p: f64) -> &'static str {
    if !p.is_finite() {
        return "#ddd";
    }
    RISK_THRESHOLDS
        .iter()
        .rev()
        .find(|(lo, _, _)| p >= *lo)
        .map_or(RISK_THRESHOLDS[0].1, |t| t.1)
}

/// Renders a [`HeatMap`], writing each cell's value with `format`.
pub fn heatmap(m: &HeatMap, format: impl Fn(f64) -> String) -> String {
    let HeatMap {
        title,
        row_label,
        col_label,
        rows,
        cols,
        values,
        high_is_good,
        range,
        risk,
        notes,
    } = *m;
    let cell_w = ((W - ML - 40.0) / cols.len().max(1) as f64).min(140.0);
    let cell_h = if notes.is_empty() { 34.0 } else { 42.0 };
    let h = MT + 30.0 + rows.len() as f64 * cell_h + if risk { 62.0 } else { 40.0 };
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" aria-label="{}"><text x="{ML}" y="20" class="title">{}</text>"##,
        esc(title),
        esc(title)
    );
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = range.unwrap_or_else(|| {
        (
            finite.iter().copied().fold(f64::INFINITY, f64::min),
            finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    });
    let left = ML + 40.0;
    for (j, c) in cols.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            left + (j as f64 + 0.5) * cell_w,
            MT + 18.0,
            esc(c)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = MT + 26.0 + i as f64 * cell_h;
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
            left - 6.0,
            y + cell_h / 2.0 + 4.0,
            esc(r)
        );
        for (j, v) in values.get(i).into_iter().flatten().enumerate() {
            let t = if hi > lo && v.is_finite() {
                ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.5
            };
            let badness = if high_is_good { 1.0 - t } else { t };
            // Green (good) through yellow to red (bad).
            let (r_, g_, b_) = if badness < 0.5 {
                let k = badness * 2.0;
                (
                    (26.0 + k * (240.0 - 26.0)) as u8,
                    (150.0 + k * (200.0 - 150.0)) as u8,
                    (65.0 - k * 25.0) as u8,
                )
            } else {
                let k = (badness - 0.5) * 2.0;
                (
                    (240.0 - k * 25.0) as u8,
                    (200.0 - k * 152.0) as u8,
                    (40.0 + k * 8.0) as u8,
                )
            };
            let fill = if risk {
                risk_color(*v).to_string()
            } else if v.is_finite() {
                format!("rgb({r_},{g_},{b_})")
            } else {
                "#ddd".into()
            };
            let x = left + j as f64 * cell_w;
            let note = notes
                .get(i)
                .and_then(|r| r.get(j))
                .filter(|n| !n.is_empty());
            let text_y = if note.is_some() {
                y + cell_h / 2.0
            } else {
                y + cell_h / 2.0 + 4.0
            };
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#fff"/><text x="{:.1}" y="{:.1}" class="cell" text-anchor="middle">{}</text>"##,
                cell_w,
                cell_h,
                x + cell_w / 2.0,
                text_y,
                esc(&format(*v))
            );
            if let Some(n) = note {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" class="cell" style="font-size:10.5px" text-anchor="middle">{}</text>"##,
                    x + cell_w / 2.0,
                    text_y + 14.0,
                    esc(n)
                );
            }
        }
    }
    if risk {
        // The legend states the thresholds, so no colour has to be guessed.
        let y = MT + 30.0 + rows.len() as f64 * cell_h + 8.0;
        let mut x = left;
        for (_, color, label) in RISK_THRESHOLDS {
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{color}"/><text x="{:.1}" y="{:.1}" class="tick">{label}</text>"##,
                x + 16.0,
                y + 10.0
            );
            x += 110.0;
        }
    }
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" class="label" text-anchor="middle">{}</text><text x="{:.1}" y="{}" class="label" text-anchor="middle">{}</text></svg>"##,
        left + cell_w * cols.len() as f64 / 2.0,
        MT + 4.0,
        esc(col_label),
        ML - 10.0,
        h - 10.0,
        esc(&format!("rows: {row_label}"))
    );
    out
}

/// A horizontal grid line at height `y` with its value `t` labelled on the left axis.
fn y_gridline(out: &mut String, y: f64, t: f64) {
    let _ = write!(
        out,
        r##"<line x1="{ML}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
        W - MR,
        ML - 6.0,
        y + 4.0,
        short(t)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[(f64, String)]) -> Vec<&str> {
        ticks.iter().map(|(_, l)| l.as_str()).collect()
    }

    /// Issue 21: bank-run's worst-depeg histogram read `54%, 55%, 55%, 56%`, terra-2022's
    /// `96%, 96%`, and bank-run's log-binned dilution had no tick at all.
    #[test]
    fn histogram_ticks_are_unique_and_never_missing() {
        let pct0 = |x: f64| format!("{:.0}%", x * 100.0);
        for (lo, hi) in [
            (0.5395, 0.5612),
            (0.9601, 0.9649),
            (0.0, 0.83),
            (0.961, 0.962),
        ] {
            let t = histogram_ticks(lo, hi, false, &pct0);
            let l = labels(&t);
            let mut unique = l.clone();
            unique.dedup();
            assert!(!t.is_empty(), "{lo}..{hi}: no tick");
            assert_eq!(l, unique, "{lo}..{hi}: repeated labels");
            assert!(
                t.iter().all(|(x, _)| (lo..=hi).contains(x)),
                "{lo}..{hi}: {t:?}"
            );
        }
        let times = |x: f64| format!("x{x:.2}");
        for (a, b) in [
            (1.001f64, 1.02f64),
            (1.0, 1.0004),
            (1.0, 30_000.0),
            (3.0, 40.0),
        ] {
            let t = histogram_ticks(a.log10(), b.log10(), true, &times);
            let l = labels(&t);
            let mut unique = l.clone();
            unique.dedup();
            assert!(!t.is_empty(), "x{a}..x{b}: no tick");
            assert_eq!(l, unique, "x{a}..x{b}: repeated labels");
        }
        // A wide range still gets several.
        assert!(histogram_ticks(0.0, 0.83, false, &pct0).len() >= 3);
    }

    #[test]
    fn a_bars_tooltip_gives_its_range_and_count_and_fan_swatches_differ() {
        let pct0 = |x: f64| format!("{:.0}%", x * 100.0);
        let h = histogram(
            "t",
            "x",
            &[0.10, 0.12, 0.5, 0.51, 0.52],
            4,
            false,
            "#000",
            &pct0,
        );
        let first = h.split("<title>").nth(1).unwrap_or("");
        assert!(
            first.starts_with("10% to 2") && first.contains("%: 2 paths</title>"),
            "{h}"
        );
        let band = |label: &str, opacity: f64| Band {
            label: label.into(),
            color: "#0072b2".into(),
            opacity,
            points: vec![(0.0, 0.0, 1.0), (1.0, 0.0, 1.0)],
        };
        let chart = Chart {
            title: "fan".into(),
            bands: vec![band("5-95", 0.15), band("25-75", 0.3), band("ci", 0.45)],
            ..Chart::default()
        };
        let svg = chart.svg();
        let swatches: Vec<&str> = svg
            .split("class=\"swatch\"")
            .map(|part| &part[part.rfind("opacity=").unwrap_or(0)..])
            .take(3)
            .collect();
        assert_eq!(svg.matches("class=\"swatch\"").count(), 3);
        assert!(
            swatches[0] != swatches[1] && swatches[1] != swatches[2],
            "{swatches:?}"
        );
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(0.93, 1.01, 4);
        assert!(t.first().unwrap() >= &0.93 && t.last().unwrap() <= &1.01 && t.len() >= 3);
    }

    #[test]
    fn short_labels_read_like_money() {
        assert_eq!(short(1_500_000.0), "1.5M");
        assert_eq!(short(18e9), "18B");
        assert_eq!(short(3.2e12), "3.2T");
        // Beyond a thousand trillion (a supply minted to its limit): an exponent, not 12 digits.
        assert_eq!(short(1e20), "1e20");
        assert_eq!(short(0.995), "0.995");
        assert_eq!(short(0.0001), "1e-4");
        assert_eq!(short(f64::NAN), "-");
    }

    #[test]
    fn charts_escape_text_and_skip_bad_points() {
        let c = Chart {
            title: "a < b & c".into(),
            log_y: true,
            lines: vec![Line::new(
                "x",
                PALETTE[0],
                vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, -1.0), (3.0, 100.0)],
            )],
            ..Chart::default()
        };
        let svg = c.svg();
        assert!(svg.contains("a &lt; b &amp; c"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // The line restarts after the gap: two move commands in its path.
        let start = svg.rfind("<path d=\"").unwrap() + 9;
        let d = &svg[start..start + svg[start..].find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
    }

    /// Issue 12: a 20% chance of a death spiral was painted green.
    #[test]
    fn the_risk_scale_is_green_only_for_zero() {
        assert_eq!(risk_color(0.0), "#1a9641");
        for p in [1e-9, 0.01, 0.049] {
            assert_eq!(risk_color(p), "#f0c419", "{p}");
        }
        assert_eq!(risk_color(0.05), "#e8742c");
        assert_eq!(risk_color(0.2), "#c62828");
        assert_eq!(risk_color(1.0), "#c62828");
    }

    fn tick_labels(svg: &str) -> Vec<(f64, String)> {
        svg.split("<text x=\"")
            .skip(1)
            .filter(|t| t.contains("class=\"tick\" text-anchor=\"middle\""))
            .map(|t| {
                let x: f64 = t[..t.find('"').unwrap()].parse().unwrap();
                let label = t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].to_string();
                (x, label)
            })
            .collect()
    }

    /// Issue 12: the dilution histogram's labels ran together (`4767.2715727.3046880.667`).
    #[test]
    fn histogram_ticks_are_round_and_spaced() {
        let values: Vec<f64> = (0..100)
            .map(|i| 10f64.powf(3.5 + i as f64 * 0.02))
            .collect();
        let svg = histogram("d", "x", &values, 20, true, "#000", &short);
        let ticks = tick_labels(&svg);
        assert!(ticks.len() >= 2, "{ticks:?}");
        for w in ticks.windows(2) {
            assert!(w[1].0 - w[0].0 >= 56.0, "{ticks:?}");
        }
        assert!(ticks.iter().all(|(_, l)| l.len() <= 6), "{ticks:?}");
        // One value repeated: a single column, not 20 bins over twenty powers of ten.
        let svg = histogram("d", "x", &[1.0; 20], 20, true, "#000", &short);
        assert_eq!(svg.matches("<rect").count(), 1, "{svg}");
    }

    /// Issue 12: flow charts ticked at 0h, 7h, 14h, 22h.
    #[test]
    fn flows_tick_at_round_hours() {
        let points: Vec<(f64, f64)> = (1..=72).map(|h| (h as f64, 1.0)).collect();
        let ticks = tick_labels(&flows("f", "USDm", &points, "#000"));
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0h", "12h", "24h", "36h", "48h", "60h", "72h"]);
        // All zero: said in words rather than an empty frame.
        let zero: Vec<(f64, f64)> = (1..=72).map(|h| (h as f64, 0.0)).collect();
        assert!(flows("f", "USDm", &zero, "#000").contains("every value is 0"));
    }
}
