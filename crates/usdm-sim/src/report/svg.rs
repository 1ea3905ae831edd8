//! Hand-written SVG charts: lines with percentile bands, stacked areas, bars, histograms and
//! heat maps. Self-contained (no scripts, no external assets) so a report is one file that
//! opens anywhere.

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

/// A short label for a number: 1.2k, 3.4M, 5B, 0.0001, 1e-9.
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
    if a >= 1e12 {
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
    for t in nice_ticks(f.x0, f.x1, 8) {
        let x = f.x(t);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}" class="axis"/><text x="{x:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            H - MB,
            H - MB + 4.0,
            H - MB + 16.0,
            short(t)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{ML}" x2="{}" y1="{}" y2="{}" class="axis"/><line x1="{ML}" x2="{ML}" y1="{MT}" y2="{}" class="axis"/>"##,
        W - MR,
        H - MB,
        H - MB,
        H - MB
    );
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" class="label" text-anchor="middle">{}</text><text x="14" y="{}" class="label" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>"##,
        ML + (W - ML - MR) / 2.0,
        H - 6.0,
        esc(&chart.x_label),
        MT + (H - MT - MB) / 2.0,
        MT + (H - MT - MB) / 2.0,
        esc(&chart.y_label)
    );
}

fn legend(out: &mut String, entries: &[(String, String, bool, bool)]) {
    for (i, (label, color, dashed, filled)) in entries.iter().enumerate() {
        let y = MT + 8.0 + i as f64 * 18.0;
        let x = W - MR + 12.0;
        if *filled {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{}" width="18" height="10" fill="{color}" opacity="0.5"/>"##,
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
        open_svg(&mut out, &self.title);
        let Some(f) = frame_for(self) else {
            let _ = write!(
                out,
                r##"<text x="{ML}" y="20" class="title">{}</text><text x="{ML}" y="60" class="tick">no data</text></svg>"##,
                esc(&self.title)
            );
            return out;
        };
        axes(&mut out, &f, self);
        let valid = |y: f64| y.is_finite() && (!self.log_y || y > 0.0);
        for b in &self.bands {
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
                out,
                r##"<line x1="{ML}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#777" stroke-dasharray="2 3"/><text x="{}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
                W - MR,
                W - MR - 4.0,
                label_y,
                esc(label)
            );
        }
        for l in &self.lines {
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
        let mut entries: Vec<(String, String, bool, bool)> = self
            .bands
            .iter()
            .map(|b| (b.label.clone(), b.color.clone(), false, true))
            .collect();
        entries.extend(
            self.lines
                .iter()
                .map(|l| (l.label.clone(), l.color.clone(), l.dashed, false)),
        );
        legend(&mut out, &entries);
        out.push_str("</svg>");
        out
    }
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

/// A bar chart of `(label, value)` pairs (for per-interval flows and histograms).
pub fn bars(
    title: &str,
    x_label: &str,
    y_label: &str,
    bars: &[(String, f64)],
    color: &str,
) -> String {
    let mut out = String::new();
    open_svg(&mut out, title);
    let max = bars
        .iter()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let f = Frame {
        x0: 0.0,
        x1: bars.len().max(1) as f64,
        y0: 0.0,
        y1: if max > 0.0 { max * 1.05 } else { 1.0 },
        log: false,
    };
    let chart = Chart {
        title: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        ..Chart::default()
    };
    // Axes without x ticks: bars carry their own labels.
    let _ = write!(
        out,
        r##"<text x="{ML}" y="20" class="title">{}</text>"##,
        esc(&chart.title)
    );
    for t in nice_ticks(f.y0, f.y1, 5) {
        y_gridline(&mut out, f.y(t), t);
    }
    let bw = (W - ML - MR) / bars.len().max(1) as f64;
    let every = (bars.len() / 10).max(1);
    for (i, (label, v)) in bars.iter().enumerate() {
        let x = ML + i as f64 * bw;
        if v.is_finite() && *v > 0.0 {
            let y = f.y(*v);
            let _ = write!(
                out,
                r##"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{}: {}</title></rect>"##,
                x + bw * 0.1,
                (bw * 0.8).max(0.5),
                (H - MB - y).max(0.0),
                esc(label),
                short(*v)
            );
        }
        if i % every == 0 {
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
                x + bw / 2.0,
                H - MB + 16.0,
                esc(label)
            );
        }
    }
    let _ = write!(
        out,
        r##"<line x1="{ML}" x2="{}" y1="{}" y2="{}" class="axis"/><text x="{}" y="{}" class="label" text-anchor="middle">{}</text><text x="14" y="{}" class="label" text-anchor="middle" transform="rotate(-90 14 {})">{}</text></svg>"##,
        W - MR,
        H - MB,
        H - MB,
        ML + (W - ML - MR) / 2.0,
        H - 6.0,
        esc(x_label),
        MT + (H - MT - MB) / 2.0,
        MT + (H - MT - MB) / 2.0,
        esc(y_label)
    );
    out
}

/// A histogram of `values` in `bins` equal bins (log-spaced if `log`).
pub fn histogram(
    title: &str,
    x_label: &str,
    values: &[f64],
    bins: usize,
    log: bool,
    color: &str,
) -> String {
    let v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| x.is_finite() && (!log || *x > 0.0))
        .map(|x| if log { x.log10() } else { x })
        .collect();
    if v.is_empty() {
        return bars(title, x_label, "paths", &[], color);
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bins = bins.max(1);
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        1.0
    };
    let mut counts = vec![0.0; bins];
    for x in &v {
        let i = (((x - lo) / width) as usize).min(bins - 1);
        counts[i] += 1.0;
    }
    let labels: Vec<(String, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mid = lo + (i as f64 + 0.5) * width;
            (short(if log { 10f64.powf(mid) } else { mid }), *c)
        })
        .collect();
    bars(title, x_label, "paths", &labels, color)
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
    } = *m;
    let cell_w = ((W - ML - 40.0) / cols.len().max(1) as f64).min(140.0);
    let cell_h = 34.0;
    let h = MT + 30.0 + rows.len() as f64 * cell_h + 40.0;
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
            let fill = if v.is_finite() {
                format!("rgb({r_},{g_},{b_})")
            } else {
                "#ddd".into()
            };
            let x = left + j as f64 * cell_w;
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#fff"/><text x="{:.1}" y="{:.1}" class="cell" text-anchor="middle">{}</text>"##,
                cell_w,
                cell_h,
                x + cell_w / 2.0,
                y + cell_h / 2.0 + 4.0,
                esc(&format(*v))
            );
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
}
