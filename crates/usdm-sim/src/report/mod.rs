//! Reports: a self-contained HTML page with charts, and the same data as CSV and JSON for
//! anyone who wants to plot it their own way.

pub mod svg;

use crate::metrics::{
    Column, Outcome, OutcomeColumn, PathMetrics, Snapshot, OUTCOME_COLUMNS, SERIES_COLUMNS,
};
use crate::montecarlo::{AlignedFan, Conditional, Ensemble, Stat, Summary};
use crate::stats::{Estimate, Proportion};
use crate::sweep::{AxisValue, Sweep};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use svg::{esc, short, Band, Chart, Line, PALETTE};

/// What was written where.
#[derive(Clone, Debug)]
pub struct Written {
    /// The HTML report.
    pub html: PathBuf,
    /// Every file written, the report first.
    pub files: Vec<PathBuf>,
}

const CSS: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
p.lead{color:#4a5262;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:12px;margin:12px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px}
.card .v{font-size:22px;font-weight:600}.card .k{color:#5b6475;font-size:13px}
.bad{color:#b3261e}.good{color:#1b7f3b}.warn{color:#a15c00}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:8px}
figcaption{font-size:13px;color:#5b6475;padding:2px 6px 4px}
svg{width:100%;height:auto}
svg .title{font-size:14px;font-weight:600;fill:#1d2330}svg .tick{font-size:11px;fill:#4a5262}
svg .label{font-size:12px;fill:#4a5262}svg .grid{stroke:#eceff3}svg .axis{stroke:#9aa3b2}
svg .cell{font-size:12px;fill:#111}
svg.timed g.plot path{vector-effect:non-scaling-stroke}
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e7;width:100%;font-size:13.5px}
th,td{padding:5px 9px;border-bottom:1px solid #eceff3;text-align:right}th{background:#f0f2f5}
td:first-child,th:first-child{text-align:left}
code{background:#eef0f3;padding:1px 4px;border-radius:4px}
details{margin:8px 0}.small{font-size:13px;color:#5b6475}
pre{background:#fff;border:1px solid #dde1e7;padding:8px;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}
table.kv td{text-align:left;overflow-wrap:anywhere}
"#;

/// The charts' interaction (hover values, zoom to a time window), inline so that a report
/// stays one file that works offline; the charts are complete without it.
const SCRIPT: &str = include_str!("interact.js");

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main>{body}</main><script>{SCRIPT}</script></body></html>\n",
        esc(title)
    )
}

fn figure(svg: String, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>",
        esc(caption)
    )
}

fn card(value: &str, key: &str, class: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"v {class}\">{}</div><div class=\"k\">{}</div></div>",
        esc(value),
        esc(key)
    )
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "-".into()
    }
}

fn hours1(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1} h")
    } else {
        "-".into()
    }
}

fn money(x: f64) -> String {
    if x.is_finite() {
        if x.abs() >= 0.01 {
            format!("${x:.4}")
        } else {
            format!("${x:.2e}")
        }
    } else {
        "-".into()
    }
}

fn times(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x < 100.0 {
        format!("x{x:.2}")
    } else if x < 10_000.0 {
        format!("x{x:.0}")
    } else {
        format!("x{}", short(x))
    }
}

/// A probability with its interval: `45.0% [35.6%, 54.8%]`.
pub fn prob(p: &Proportion) -> String {
    if p.paths == 0 {
        return "-".into();
    }
    format!("{} [{}, {}]", pct(p.value), pct(p.lo), pct(p.hi))
}

/// An estimate with its interval, each end `?` when the sample cannot bound it.
pub fn estimate(name: &str, e: &Estimate) -> String {
    let end = |x: Option<f64>| x.map_or("?".to_string(), |v| format_outcome(name, v));
    if !e.value.is_finite() {
        return format_outcome(name, e.value);
    }
    format!(
        "{} [{}, {}]",
        format_outcome(name, e.value),
        end(e.lo),
        end(e.hi)
    )
}

/// How each outcome is shown.
pub fn format_outcome(name: &str, x: f64) -> String {
    match name {
        "max_depeg" => pct(x),
        "hours_cap_bound" | "hours_breaker_bound" => {
            if x.is_finite() {
                format!("{x:.1} h")
            } else {
                "-".into()
            }
        }
        "xms_dilution" | "final_backing" => times(x),
        "hours_below_097" | "hours_above_103" | "hours_off_peg" | "hours_to_break" => {
            if x.is_finite() {
                format!("{x:.1} h")
            } else {
                "-".into()
            }
        }
        "min_usdm_price" | "max_usdm_price" | "final_usdm_price" | "final_xms_price" => money(x),
        "max_premium_cap_full" => pct(x),
        "usdm_supply_ratio" => times(x),
        _ => short(x),
    }
}

/// A readable name for an outcome.
pub fn outcome_title(name: &str) -> &'static str {
    match name {
        "max_depeg" => "max depeg",
        "min_usdm_price" => "lowest USDm price",
        "hours_below_097" => "time below $0.97",
        "hours_to_break" => "time to the first break (if any)",
        "max_usdm_price" => "highest USDm price",
        "hours_above_103" => "time above $1.03",
        "hours_off_peg" => "time off the peg band, either way",
        "usdm_supply_ratio" => "USDm supply, end / start",
        "xms_dilution" => "XMS dilution",
        "final_backing" => "final backing ratio",
        "final_usdm_price" => "final USDm price",
        "final_xms_price" => "final XMS price",
        "usdm_redeemed" => "USDm redeemed",
        "xms_minted" => "XMS minted",
        "hours_cap_bound" => "time the supply cap was full",
        "hours_breaker_bound" => "time a breaker held redemptions",
        "max_premium_cap_full" => "highest premium over $1 while the cap was full",
        _ => "outcome",
    }
}

fn stat_rows(t: &mut String, stats: &[Stat]) {
    for st in stats {
        let q = &st.quantiles.0;
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            outcome_title(st.name),
            esc(&estimate(st.name, &q[2])),
            esc(&format_outcome(st.name, q[0].value)),
            esc(&format_outcome(st.name, q[4].value)),
            esc(&format_outcome(st.name, st.mean)),
        );
    }
}

fn summary_table(s: &Summary) -> String {
    let mut t = String::from(
        "<table><tr><th>outcome (all paths)</th><th>median [95% interval]</th><th>5th pct</th><th>95th pct</th><th>mean</th></tr>",
    );
    stat_rows(&mut t, &s.stats);
    for (label, p) in [
        (
            "probability the peg broke (below $0.97 at any block)",
            &s.p_break,
        ),
        ("probability of XMS supply up 100-fold", &s.p_xms_x100),
        ("probability of a death spiral", &s.p_death_spiral),
    ] {
        let _ = write!(
            t,
            "<tr><td>{label}</td><td colspan=\"4\">{} ({} of {} paths)</td></tr>",
            esc(&prob(p)),
            p.count,
            p.paths
        );
    }
    t.push_str("</table>");
    t
}

/// The outcomes that matter, for the paths that broke the peg and for those that never fell
/// below $0.97.
fn conditional_table(s: &Summary) -> String {
    let cell = |c: &Conditional, name: &str| -> String {
        if c.paths == 0 {
            return "no such path".into();
        }
        c.stat(name)
            .map_or("-".into(), |st| estimate(name, &st.quantiles.median()))
    };
    let mut t = format!(
        "<table><tr><th>median [95% interval]</th><th>paths that broke the peg ({})</th><th>paths that never fell below $0.97 ({})</th></tr>",
        s.given_break.paths, s.given_hold.paths
    );
    for name in crate::montecarlo::SPLIT_OUTCOMES {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            outcome_title(name),
            esc(&cell(&s.given_break, name)),
            esc(&cell(&s.given_hold, name))
        );
    }
    t.push_str("</table>");
    t
}

fn series(path: &PathMetrics, f: impl Fn(&Snapshot) -> f64) -> Vec<(f64, f64)> {
    path.series.iter().map(|s| (s.hours, f(s))).collect()
}

fn fan_chart(
    e: &Ensemble,
    metric: &str,
    title: &str,
    y_label: &str,
    log_y: bool,
    worst: Option<Vec<(f64, f64)>>,
) -> Chart {
    let mut chart = Chart {
        title: title.into(),
        x_label: "hours".into(),
        y_label: y_label.into(),
        log_y,
        ..Chart::default()
    };
    if let Some(fan) = e.fans.iter().find(|f| f.metric == metric) {
        let pts = |lo: usize, hi: usize| -> Vec<(f64, f64, f64)> {
            e.hours
                .iter()
                .zip(&fan.bands)
                .map(|(h, b)| (*h, b[lo], b[hi]))
                .collect()
        };
        chart.bands.push(Band {
            label: "5th-95th pct".into(),
            color: PALETTE[0].into(),
            opacity: 0.15,
            points: pts(0, 4),
        });
        chart.bands.push(Band {
            label: "25th-75th pct".into(),
            color: PALETTE[0].into(),
            opacity: 0.3,
            points: pts(1, 3),
        });
        if !fan.estimates.is_empty() {
            chart.bands.push(Band {
                label: "median 95% CI".into(),
                color: PALETTE[0].into(),
                opacity: 0.45,
                points: e
                    .hours
                    .iter()
                    .zip(&fan.estimates)
                    .map(|(h, q)| {
                        let m = q.median();
                        (*h, m.lo.unwrap_or(f64::NAN), m.hi.unwrap_or(f64::NAN))
                    })
                    .collect(),
            });
        }
        chart.lines.push(Line::new(
            "median",
            PALETTE[0],
            e.hours
                .iter()
                .zip(&fan.bands)
                .map(|(h, b)| (*h, b[2]))
                .collect(),
        ));
    }
    if let Some(points) = worst {
        chart
            .lines
            .push(Line::new("worst path", PALETTE[1], points));
    }
    if let Some(s) = e
        .backtest
        .as_ref()
        .and_then(|b| b.series.iter().find(|s| s.metric == metric))
    {
        chart
            .lines
            .push(Line::dashed("record", "#111111", s.record.clone()));
    }
    chart
}

/// "Against the record": how the run met its scenario's `[record]` ([`crate::backtest`]).
fn backtest_html(b: &crate::backtest::Backtest) -> String {
    let est = |e: &crate::stats::Estimate, f: &dyn Fn(f64) -> String| {
        format!(
            "{} [{}, {}]",
            f(e.value),
            e.lo.map_or("?".into(), f),
            e.hi.map_or("?".into(), f)
        )
    };
    let num = |x: f64| {
        if x.is_finite() {
            format!("{x:.2}")
        } else {
            "-".into()
        }
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<h2>Against the record</h2><p class=\"small\">The model at the record's own times ({}, the run's start standing for {}). The mean |log error| is each path's average of |ln(model / record)| over the record's points (1.0 means off by a factor of e, 2.3 by ten), as the median over paths with its 95% interval; the record's points are drawn dashed on the charts below.</p>",
        esc(&b.file),
        esc(&b.start)
    );
    h.push_str("<table><tr><th>series</th><th>record column</th><th>points</th><th>mean |log error|, median path [95% interval]</th><th>the fans' median</th><th>record points inside the 90% band</th></tr>");
    for s in &b.series {
        let _ = write!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{} [{}, {}]</td></tr>",
            esc(&s.metric),
            esc(&s.column),
            s.points,
            esc(&est(&s.mean_abs_log_error, &num)),
            num(s.median_fan_error),
            pct(s.inside_90.value),
            pct(s.inside_90.lo),
            pct(s.inside_90.hi)
        );
    }
    h.push_str("</table>");
    if !b.crossings.is_empty() {
        h.push_str("<p class=\"small\">Crossings: the first time the record, and each path, crossed a level (the paths that never did are counted, not timed).</p><table><tr><th>crossing</th><th>record (hours)</th><th>paths that crossed</th><th>model (hours), median [95% interval]</th><th>timing error (hours)</th></tr>");
        let hrs = |x: f64| {
            if x.is_finite() {
                format!("{x:.1}")
            } else {
                "-".into()
            }
        };
        for c in &b.crossings {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{}</td><td>{}</td></tr>",
                esc(&c.name),
                c.record_hours.map_or("never".into(), hrs),
                pct(c.crossed.value),
                pct(c.crossed.lo),
                pct(c.crossed.hi),
                if c.crossed.count == 0 {
                    "never".to_string()
                } else {
                    esc(&est(&c.model_hours, &hrs))
                },
                c.timing_error_hours
                    .map_or("-".into(), |x| format!("{x:+.1}"))
            );
        }
        h.push_str("</table>");
    }
    h
}

/// A CSV cell: floats always with a decimal point or an exponent (`72.0`, `1e-7`), so a
/// column's pandas dtype does not flip between int64 and float64 from one run to the next;
/// NaN as an empty cell, which every reader takes as missing.
pub trait Cell {
    /// The cell's text.
    fn cell(&self) -> String;
}

impl Cell for f64 {
    fn cell(&self) -> String {
        if self.is_nan() {
            String::new()
        } else {
            format!("{self:?}")
        }
    }
}

impl Cell for u64 {
    fn cell(&self) -> String {
        self.to_string()
    }
}

impl Cell for bool {
    fn cell(&self) -> String {
        self.to_string()
    }
}

impl Cell for &str {
    fn cell(&self) -> String {
        if self.contains([',', '"', '\n']) {
            format!("\"{}\"", self.replace('"', "\"\""))
        } else {
            self.to_string()
        }
    }
}

/// `(column, value)` pairs for [`csv`], from `"name" => expression` lines.
macro_rules! columns {
    ($($name:literal => $value:expr),* $(,)?) => {
        vec![$(($name, Cell::cell(&$value))),*]
    };
}

/// A CSV with one row per item: the header and every row come from the same `(column, value)`
/// list, so they cannot drift apart.
fn csv<T>(items: &[T], row: impl Fn(&T) -> Vec<(&'static str, String)>) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        let cells = row(item);
        if i == 0 {
            let header: Vec<&str> = cells.iter().map(|(name, _)| *name).collect();
            s.push_str(&header.join(","));
            s.push('\n');
        }
        let values: Vec<&str> = cells.iter().map(|(_, value)| value.as_str()).collect();
        s.push_str(&values.join(","));
        s.push('\n');
    }
    s
}

fn outcomes_csv(outcomes: &[Outcome]) -> String {
    csv(outcomes, |o: &Outcome| {
        OUTCOME_COLUMNS
            .iter()
            .map(|(name, c)| {
                let cell = match c {
                    OutcomeColumn::Int(f) => f(o).cell(),
                    OutcomeColumn::Float(f) => f(o).cell(),
                    OutcomeColumn::Bool(f) => f(o).cell(),
                };
                (*name, cell)
            })
            .collect()
    })
}

fn series_csv(path: &PathMetrics) -> String {
    csv(&path.series, |x: &Snapshot| {
        SERIES_COLUMNS
            .iter()
            .map(|(name, c)| {
                let cell = match c {
                    Column::Int(f) => f(x).cell(),
                    Column::Float(f) => f(x).cell(),
                };
                (*name, cell)
            })
            .collect()
    })
}

/// A fan value as a cell at the precision it was sampled at: paths keep their series as `f32`
/// (half the memory of a large ensemble) and the fans are order statistics of those samples,
/// so `0.97f32` is written `0.97`, not as the `f64` it widens to (`0.9700000286102295`).
fn sampled_cell(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{:?}", x as f32)
    }
}

fn fan_csv(e: &Ensemble) -> String {
    let mut s = String::from("metric,hours");
    for (_, q) in crate::stats::QUANTILES {
        let _ = write!(s, ",{q},{q}_lo,{q}_hi");
    }
    s.push('\n');
    for fan in &e.fans {
        for (h, q) in e.hours.iter().zip(&fan.estimates) {
            let _ = write!(s, "{},{}", fan.metric, h.cell());
            for est in &q.0 {
                let _ = write!(
                    s,
                    ",{},{},{}",
                    sampled_cell(est.value),
                    sampled_cell(est.lo.unwrap_or(f64::NAN)),
                    sampled_cell(est.hi.unwrap_or(f64::NAN))
                );
            }
            s.push('\n');
        }
    }
    s
}

fn below_csv(e: &Ensemble) -> String {
    let rows: Vec<(f64, &Proportion)> = e.hours.iter().copied().zip(&e.below_097).collect();
    csv(&rows, |(h, p): &(f64, &Proportion)| {
        columns![
            "hours" => *h,
            "share_below_097" => p.value,
            "share_below_097_lo" => p.lo,
            "share_below_097_hi" => p.hi,
            "paths_below" => p.count,
            "paths" => p.paths,
        ]
    })
}

fn since_break_csv(fans: &[AlignedFan]) -> String {
    let mut s = String::from("metric,hours_since_break,paths,p5,p25,p50,p75,p95\n");
    for fan in fans {
        for ((h, b), n) in fan.hours.iter().zip(&fan.bands).zip(&fan.paths) {
            let cells: Vec<String> = b.iter().copied().map(sampled_cell).collect();
            let _ = writeln!(s, "{},{},{},{}", fan.metric, h.cell(), n, cells.join(","));
        }
    }
    s
}

fn write(dir: &Path, name: &str, contents: &str, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, contents)?;
    files.push(path);
    Ok(())
}

/// The ensemble's run information as JSON.
pub fn ensemble_json(e: &Ensemble, command: &str) -> serde_json::Value {
    let s = &e.setup.scenario;
    serde_json::json!({
        "command": command,
        "scenario": s.name,
        "description": s.description,
        "preset": e.setup.preset.to_string(),
        "paths": e.config.paths,
        "seed": e.config.seed,
        "threads": e.threads,
        "blocks_per_path": s.blocks,
        "block_seconds": s.block_seconds,
        "elapsed_seconds": e.elapsed.as_secs_f64(),
        "blocks_per_second": e.blocks_per_second(),
        "summary": e.summary,
        "typical_path": e.median.as_ref().map(|m| m.outcome.path),
        "worst_path": e.worst.as_ref().map(|m| m.outcome.path),
        "refusals": e.refusals.iter().map(|(k, n, first)| serde_json::json!({"kind": k, "count": n, "example": first})).collect::<Vec<_>>(),
        "events_typical_path": e.median.as_ref().map(|m| m.notes.iter().map(|(b, t)| serde_json::json!({"block": b, "event": t})).collect::<Vec<_>>()),
        "provenance": crate::provenance::of_run(&e.setup, &e.config),
        "backtest": e.backtest.as_ref().map(crate::backtest::Backtest::to_json),
    })
}

/// Makes sure `dir` can take a report before anything runs: creates it (with its parents) and
/// writes and removes a probe file, so that an `--out` naming a file, or a directory that
/// cannot be written, fails at once rather than after the whole computation.
pub fn prepare_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(".usdm-write-check");
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Writes an ensemble's report, CSVs and JSON into `dir`.
pub fn write_ensemble(e: &Ensemble, dir: &Path, command: &str) -> io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    let html = dir.join("report.html");
    files.push(html.clone());
    write(dir, "outcomes.csv", &outcomes_csv(&e.outcomes), &mut files)?;
    if !e.fans.is_empty() {
        write(dir, "fan.csv", &fan_csv(e), &mut files)?;
        write(dir, "below_097.csv", &below_csv(e), &mut files)?;
    }
    if !e.since_break.is_empty() {
        write(
            dir,
            "since_break.csv",
            &since_break_csv(&e.since_break),
            &mut files,
        )?;
    }
    if let Some(m) = &e.median {
        write(dir, "typical_path.csv", &series_csv(m), &mut files)?;
    }
    if let Some(m) = &e.worst {
        write(dir, "worst_path.csv", &series_csv(m), &mut files)?;
    }
    let json = serde_json::to_string_pretty(&ensemble_json(e, command)).unwrap_or_default();
    write(dir, "summary.json", &json, &mut files)?;
    std::fs::write(&html, ensemble_html(e, command, &files))?;
    Ok(Written { html, files })
}

/// A fan chart of an [`AlignedFan`]: the shape of a crash in time since each path's break.
fn aligned_chart(fan: &AlignedFan, title: &str, y_label: &str, log_y: bool) -> Chart {
    let pts = |lo: usize, hi: usize| -> Vec<(f64, f64, f64)> {
        fan.hours
            .iter()
            .zip(&fan.bands)
            .map(|(h, b)| (*h, b[lo], b[hi]))
            .collect()
    };
    Chart {
        title: title.into(),
        x_label: "hours since the break".into(),
        y_label: y_label.into(),
        log_y,
        bands: vec![
            Band {
                label: "5th-95th pct".into(),
                color: PALETTE[3].into(),
                opacity: 0.15,
                points: pts(0, 4),
            },
            Band {
                label: "25th-75th pct".into(),
                color: PALETTE[3].into(),
                opacity: 0.3,
                points: pts(1, 3),
            },
        ],
        lines: vec![Line::new(
            "median",
            PALETTE[3],
            fan.hours
                .iter()
                .zip(&fan.bands)
                .map(|(h, b)| (*h, b[2]))
                .collect(),
        )],
        ..Chart::default()
    }
}

fn ensemble_html(e: &Ensemble, command: &str, files: &[PathBuf]) -> String {
    let s = &e.setup.scenario;
    let sum = &e.summary;
    let med = |name: &str| sum.median(name);
    let p95 = |name: &str| sum.stat(name).map_or(f64::NAN, |s| s.quantiles.0[4].value);
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{} under <code>{}</code></h1><p class=\"lead\">{}</p>",
        esc(&s.name),
        esc(&e.setup.preset.to_string()),
        esc(&s.description)
    );
    let depeg = med("max_depeg").value;
    let depeg_class = if depeg > 0.1 {
        "bad"
    } else if depeg > 0.03 {
        "warn"
    } else {
        "good"
    };
    // Any chance of a failure seen is a warning, never green.
    let risk_class = |p: &Proportion| {
        if p.value >= 0.05 {
            "bad"
        } else if p.count > 0 {
            "warn"
        } else {
            "good"
        }
    };
    b.push_str("<div class=\"cards\">");
    b.push_str(&card(
        &prob(&sum.p_break),
        "paths that broke the peg (below $0.97 at any block), 95% interval",
        risk_class(&sum.p_break),
    ));
    // Both sides of the peg: a path that never fell below $0.97 may still have traded above
    // $1.03 for hours (minting refused by the cap). Green only when no path left the band.
    b.push_str(&card(
        &prob(&sum.p_off_peg),
        &format!(
            "paths off the peg either way (outside {} to {} for more than {} in all), 95% interval",
            money(s.peg_low),
            money(s.peg_high),
            duration(s.off_peg_seconds)
        ),
        risk_class(&sum.p_off_peg),
    ));
    b.push_str(&card(
        &estimate("max_depeg", &med("max_depeg")),
        "median of the worst depeg per path",
        depeg_class,
    ));
    b.push_str(&card(
        &format_outcome("max_depeg", p95("max_depeg")),
        "95th percentile of the worst depeg",
        depeg_class,
    ));
    b.push_str(&card(
        &estimate("hours_below_097", &med("hours_below_097")),
        "median time below $0.97",
        "",
    ));
    b.push_str(&card(
        &estimate("xms_dilution", &med("xms_dilution")),
        "median XMS dilution",
        "",
    ));
    b.push_str(&card(
        &estimate("final_backing", &med("final_backing")),
        "median final backing ratio",
        "",
    ));
    b.push_str(&card(
        &estimate("max_usdm_price", &med("max_usdm_price")),
        "median highest USDm price",
        if med("max_usdm_price").value > 1.03 {
            "warn"
        } else {
            ""
        },
    ));
    b.push_str(&card(
        &estimate("hours_above_103", &med("hours_above_103")),
        "median time above $1.03",
        "",
    ));
    b.push_str(&card(
        &prob(&sum.p_xms_x100),
        "paths with XMS supply up 100-fold",
        risk_class(&sum.p_xms_x100),
    ));
    b.push_str(&card(
        &prob(&sum.p_death_spiral),
        "paths ending in a death spiral",
        risk_class(&sum.p_death_spiral),
    ));
    b.push_str("</div>");
    let _ = write!(
        b,
        "<p class=\"small\">{} of {} blocks ({} at {} s), seed {}, {}, {:.2} s of wall time ({} blocks/s). Reproduce with <code>{}</code>.</p>",
        plural(e.config.paths as usize, "path"),
        s.blocks,
        duration(s.blocks * s.block_seconds),
        s.block_seconds,
        e.config.seed,
        plural(e.threads, "thread"),
        e.elapsed.as_secs_f64(),
        short(e.blocks_per_second()),
        esc(command)
    );
    b.push_str("<h2>How to read this</h2><p class=\"small\">Every figure is an estimate from a finite number of paths: brackets give its 95% interval (Wilson score intervals for probabilities, order-statistic intervals for percentiles; <code>?</code> when there are too few paths to bound that end). Shaded bands span the 5th-95th and 25th-75th percentiles across all paths at each moment; the blue line is their median, inside the darkest band, its 95% interval. When paths crash at different times, the median at each moment can stay at $1 while most paths crash: read it with the share of paths below $0.97 over time and with the fans aligned at each path's first break. The orange line is the single worst path (largest depeg), run again in full. Charts marked <em>typical path</em> follow the path closest to the median bands (USDm's low and XMS's log price at every sample), so they agree with the fans. A death spiral is a path whose XMS supply grew at least 100-fold and whose USDm ends below $0.90.</p>");
    if sum.given_break.paths > 0 && sum.given_hold.paths > 0 {
        b.push_str("<h2>Split outcomes</h2><p class=\"small\">Some paths broke the peg (below $0.97) and some never fell that far; medians over all paths can fall in the gap between the two groups, so here is each group on its own. (Never falling below $0.97 is not holding the peg: see the time above $1.03 and the paths off the peg either way.)</p>");
    } else {
        b.push_str("<h2>Paths that broke the peg and paths that never fell below $0.97</h2>");
    }
    b.push_str(&conditional_table(sum));

    let worst = e.worst.as_ref();
    let median = e.median.as_ref();
    let typical = median.map_or(String::new(), |m| {
        format!("typical path #{}", m.outcome.path)
    });
    let w = |f: fn(&Snapshot) -> f64| worst.map(|m| series(m, f));
    if let Some(bt) = &e.backtest {
        b.push_str(&backtest_html(bt));
    }
    b.push_str("<h2>Price and peg</h2><div class=\"grid2\">");
    let mut peg = fan_chart(
        e,
        "usdm_low",
        "USDm price in its pool (each interval's low)",
        "USD",
        false,
        w(|s| s.usdm_low),
    );
    peg.rules = vec![(1.0, "$1".into()), (0.97, "$0.97".into())];
    b.push_str(&figure(
        peg.svg(),
        "USDm's market price, watched every block; each point is the lowest since the previous sample, so no dip hides between samples.",
    ));
    if !e.below_097.is_empty() {
        let share = Chart {
            title: "Share of paths below $0.97".into(),
            x_label: "hours".into(),
            y_label: "share of paths".into(),
            bands: vec![Band {
                label: "95% interval".into(),
                color: PALETTE[1].into(),
                opacity: 0.2,
                points: e
                    .hours
                    .iter()
                    .zip(&e.below_097)
                    .map(|(h, p)| (*h, p.lo, p.hi))
                    .collect(),
            }],
            lines: vec![Line::new(
                "share below $0.97",
                PALETTE[1],
                e.hours
                    .iter()
                    .zip(&e.below_097)
                    .map(|(h, p)| (*h, p.value))
                    .collect(),
            )],
            include_y: vec![0.0, 1.0],
            ..Chart::default()
        };
        b.push_str(&figure(
            share.svg(),
            "At each sample, the share of paths whose USDm low in that interval was below $0.97.",
        ));
    }
    for fan in &e.since_break {
        let (title, y, log, caption) = match fan.metric {
            "usdm_low" => (
                "USDm low, aligned at each path's first break",
                "USD",
                false,
                "Paths that broke the peg, re-timed so that 0 is each one's first sample below $0.97: the shape of the crash whatever its date.",
            ),
            _ => (
                "XMS price, aligned at each path's first break (log scale)",
                "USD",
                true,
                "The share token around the same moment.",
            ),
        };
        let mut chart = aligned_chart(fan, title, y, log);
        if fan.metric == "usdm_low" {
            chart.rules = vec![(1.0, "$1".into()), (0.97, "$0.97".into())];
        }
        b.push_str(&figure(chart.svg(), caption));
    }
    let xms = fan_chart(
        e,
        "xms_price",
        "XMS price (log scale)",
        "USD",
        true,
        w(|s| s.xms_price),
    );
    b.push_str(&figure(
        xms.svg(),
        "The share token's external market price.",
    ));
    b.push_str("</div><h2>Supplies against the cap</h2><div class=\"grid2\">");
    if let Some(m) = median {
        let chart = Chart {
            title: format!("USDm supply and supply cap ({typical})"),
            x_label: "hours".into(),
            y_label: "USDm".into(),
            lines: vec![
                Line::new("USDm supply", PALETTE[0], series(m, |s| s.usdm_supply)),
                Line::new("circulating", PALETTE[2], series(m, |s| s.circulating_usdm)),
                Line::dashed("supply cap", PALETTE[1], series(m, |s| s.supply_cap)),
            ],
            include_y: vec![0.0],
            ..Chart::default()
        };
        b.push_str(&figure(chart.svg(), "The cap is the previous epoch's average XMS market cap over the support ratio; minting above it is refused."));
    }
    let xs = fan_chart(
        e,
        "xms_supply",
        "XMS supply (log scale)",
        "XMS",
        true,
        w(|s| s.xms_supply),
    );
    b.push_str(&figure(
        xs.svg(),
        "Redemptions mint XMS: the supply's growth is the dilution holders suffer.",
    ));
    b.push_str("</div><h2>Treasury</h2><div class=\"grid2\">");
    if let Some(m) = median {
        let hours: Vec<f64> = m.series.iter().map(|s| s.hours).collect();
        let layers: Vec<(String, Vec<f64>)> = (0..5)
            .map(|t| {
                (
                    [
                        "tier 1 stablecoins",
                        "tier 2 BTC",
                        "tier 3 layer-1",
                        "tier 4 DeFi",
                        "tier 5 XMS",
                    ][t]
                        .to_string(),
                    m.series.iter().map(|s| s.tiers[t]).collect(),
                )
            })
            .collect();
        b.push_str(&figure(
            svg::stacked(
                &format!("Treasury value by tier ({typical})"),
                "hours",
                "USD",
                &hours,
                &layers,
            ),
            "What backs USDm, valued as the protocol values it (the lower of spot and TWAP).",
        ));
    }
    let mut backing = fan_chart(
        e,
        "backing",
        "Backing ratio",
        "treasury / circulating USDm",
        false,
        w(|s| s.backing),
    );
    backing.rules = vec![(1.0, "fully backed".into())];
    b.push_str(&figure(
        backing.svg(),
        "Treasury value over circulating USDm.",
    ));
    b.push_str("</div><h2>Flows</h2><div class=\"grid2\">");
    if let Some(m) = worst {
        let flow = |f: fn(&Snapshot) -> f64| -> Vec<(f64, f64)> {
            m.series.iter().skip(1).map(|s| (s.hours, f(s))).collect()
        };
        b.push_str(&figure(
            svg::flows(
                &format!("USDm redeemed per sample (worst path #{})", m.outcome.path),
                "USDm",
                &flow(|s| s.redeemed),
                PALETTE[0],
            ),
            "Redemptions burn USDm; under a ratio below 1 each one mints XMS.",
        ));
        b.push_str(&figure(
            svg::flows(
                &format!("XMS minted per sample (worst path #{})", m.outcome.path),
                "XMS",
                &flow(|s| s.xms_minted),
                PALETTE[1],
            ),
            "XMS minted at collection of redemptions.",
        ));
        let cr = Chart {
            title: format!("Collateral ratios (worst path #{})", m.outcome.path),
            x_label: "hours".into(),
            y_label: "ratio".into(),
            lines: vec![
                Line::new("mint", PALETTE[0], series(m, |s| s.mint_cr)),
                Line::dashed("redeem", PALETTE[1], series(m, |s| s.redeem_cr)),
            ],
            include_y: vec![0.0, 1.0],
            ..Chart::default()
        };
        b.push_str(&figure(
            cr.svg(),
            "Mars mints at 1 and redeems at 0; Frax moves one ratio with the USDm price.",
        ));
    }
    b.push_str("</div><h2>Outcomes across paths</h2><div class=\"grid2\">");
    let values = |f: fn(&Outcome) -> f64| -> Vec<f64> { e.outcomes.iter().map(f).collect() };
    b.push_str(&figure(
        svg::histogram(
            "Worst depeg per path",
            "max depeg (% below $1)",
            &values(|o| o.max_depeg),
            20,
            false,
            PALETTE[0],
            &|x| format!("{:.0}%", x * 100.0),
        ),
        "How far below $1 each path's USDm fell at its worst.",
    ));
    b.push_str(&figure(
        svg::histogram(
            "XMS dilution per path (log bins)",
            "final / initial XMS supply",
            &values(|o| o.xms_dilution),
            20,
            true,
            PALETTE[1],
            &times,
        ),
        "How many times the XMS supply grew.",
    ));
    b.push_str("</div>");
    b.push_str(&summary_table(sum));
    b.push_str("<h2>What the protocol refused</h2>");
    if e.refusals.iter().any(|r| r.1 > 0) {
        b.push_str("<table><tr><th>reason</th><th>refused attempts (all paths)</th><th>first message</th></tr>");
        for (kind, n, first) in &e.refusals {
            if *n > 0 {
                let _ = write!(
                    b,
                    "<tr><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
                    kind.label(),
                    n,
                    esc(first.as_deref().unwrap_or(""))
                );
            }
        }
        b.push_str("</table>");
    } else {
        b.push_str("<p class=\"small\">Nothing was refused on any path.</p>");
    }
    b.push_str("<p class=\"small\">Refusals are the protocol working: the supply cap binding, a circuit breaker tripping, a treasury short of the asset asked for. Agents adapt and try again a few blocks later, so these count attempts; how long the cap and the breakers actually bound is in the outcomes table.</p>");
    if let Some(m) = median {
        let _ = write!(b, "<h2>Events ({typical})</h2>");
        if m.notes.is_empty() {
            b.push_str("<p class=\"small\">The scenario schedules no events and governance took no action on this path.</p>");
        } else {
            b.push_str("<table><tr><th>hour</th><th>event</th></tr>");
            for (block, text) in &m.notes {
                let _ = write!(
                    b,
                    "<tr><td>{:.2}</td><td style=\"text-align:left\">{}</td></tr>",
                    (*block * s.block_seconds) as f64 / 3600.0,
                    esc(text)
                );
            }
            b.push_str("</table>");
        }
    }
    b.push_str(&assumptions(&crate::provenance::of_run(
        &e.setup, &e.config,
    )));
    b.push_str("<h2>Files</h2><ul class=\"small\">");
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let _ = write!(b, "<li><a href=\"{}\">{}</a></li>", esc(&name), esc(&name));
    }
    b.push_str("</ul>");
    page(&format!("usdm: {} under {}", s.name, e.setup.preset), &b)
}

pub use crate::convert::duration;

/// The point's typed axis values, `{axis name: value}` (see [`AxisValue::typed`]).
fn typed_axes(sw: &Sweep, labels: &[String]) -> serde_json::Map<String, serde_json::Value> {
    sw.axes
        .iter()
        .zip(labels)
        .map(|(a, l)| (a.name.clone(), AxisValue::typed(l)))
        .collect()
}

/// A sweep as JSON: what `sweep.json` holds and `usdm sweep --json` prints.
pub fn sweep_json(sw: &Sweep, command: &str) -> serde_json::Value {
    let mut presets: Vec<_> = sw.points.iter().map(|p| p.preset).collect();
    presets.dedup();
    presets.sort_by_key(|p| p.name());
    presets.dedup();
    let point_record = |p: &crate::sweep::SweepPoint| {
        let variant = sw.scenario.with_fields(&p.fields).ok();
        crate::provenance::of_point(
            variant.as_ref().unwrap_or(&sw.scenario),
            p.preset,
            &p.overrides,
            &p.fields,
        )
    };
    serde_json::json!({
        "command": command,
        "scenario": sw.scenario.name,
        "description": sw.scenario.description,
        "blocks_per_path": sw.scenario.blocks,
        "block_seconds": sw.scenario.block_seconds,
        "threads": sw.threads,
        "paths_per_point": sw.config.paths,
        "split_outcomes": crate::montecarlo::SPLIT_OUTCOMES,
        "until_ci": sw.precision.map(|p| p.width),
        "max_paths_per_point": sw.precision.map(|p| p.max_paths),
        "seed": sw.config.seed,
        "elapsed_seconds": sw.elapsed.as_secs_f64(),
        "axes": sw.axes.iter().map(|a| serde_json::json!({
            "name": a.name,
            "labels": a.values.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
            "values": a.values.iter().map(|v| AxisValue::typed(&v.0)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "points": sw.points.iter().map(|p| serde_json::json!({
            "axes": typed_axes(sw, &p.labels),
            "labels": p.labels,
            "preset": p.preset.to_string(),
            "paths": p.summary.paths,
            "summary": p.summary,
            "unresolved": p.unresolved,
            "provenance": point_record(p),
        })).collect::<Vec<_>>(),
        "provenance": crate::provenance::of_sweep(&sw.scenario, &presets, &sw.config),
    })
}

/// The sweep's split columns: for the paths that broke the peg and for those that never fell below $0.97,
/// how many, and each of [`SPLIT_OUTCOMES`](crate::montecarlo::SPLIT_OUTCOMES)' median with
/// its interval (`max_depeg_p50_given_break`, `..._lo`, `..._hi`). The Python package's
/// `SweepResult.points` has the same columns.
fn split_header() -> Vec<String> {
    let mut h = Vec::new();
    for given in ["given_break", "given_hold"] {
        h.push(format!("paths_{given}"));
        for n in crate::montecarlo::SPLIT_OUTCOMES {
            h.extend([
                format!("{n}_p50_{given}"),
                format!("{n}_p50_{given}_lo"),
                format!("{n}_p50_{given}_hi"),
            ]);
        }
    }
    h
}

fn split_cells(s: &Summary) -> Vec<String> {
    let mut row = Vec::new();
    for c in [&s.given_break, &s.given_hold] {
        row.push(c.paths.cell());
        for n in crate::montecarlo::SPLIT_OUTCOMES {
            let m = c.stat(n).map_or(Estimate::NONE, |st| st.quantiles.median());
            row.extend([
                m.value.cell(),
                m.lo.unwrap_or(f64::NAN).cell(),
                m.hi.unwrap_or(f64::NAN).cell(),
            ]);
        }
    }
    row
}

fn sweep_csv(sw: &Sweep) -> String {
    let mut csv = String::new();
    let mut header: Vec<String> = sw.axes.iter().map(|a| a.name.clone()).collect();
    header.push("paths".into());
    let probabilities = sw.points.first().map(|p| p.summary.probabilities());
    for (name, _) in probabilities.iter().flatten() {
        header.extend([name.to_string(), format!("{name}_lo"), format!("{name}_hi")]);
    }
    let names: Vec<&str> = sw
        .points
        .first()
        .map(|p| p.summary.stats.iter().map(|s| s.name).collect())
        .unwrap_or_default();
    for n in &names {
        header.push(format!("{n}_mean"));
        for (_, q) in crate::stats::QUANTILES {
            header.extend([
                format!("{n}_{q}"),
                format!("{n}_{q}_lo"),
                format!("{n}_{q}_hi"),
            ]);
        }
    }
    header.extend(split_header());
    header.push("unresolved".into());
    csv.push_str(&header.join(","));
    csv.push('\n');
    for p in &sw.points {
        let mut row: Vec<String> = p
            .labels
            .iter()
            .map(|l| match AxisValue::typed(l) {
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) => n.as_f64().unwrap_or(f64::NAN).cell(),
                _ => l.as_str().cell(),
            })
            .collect();
        row.push(p.summary.paths.cell());
        for (_, pr) in p.summary.probabilities() {
            row.extend([pr.value.cell(), pr.lo.cell(), pr.hi.cell()]);
        }
        for st in &p.summary.stats {
            row.push(st.mean.cell());
            for e in &st.quantiles.0 {
                row.extend([
                    e.value.cell(),
                    e.lo.unwrap_or(f64::NAN).cell(),
                    e.hi.unwrap_or(f64::NAN).cell(),
                ]);
            }
        }
        row.extend(split_cells(&p.summary));
        let flags: Vec<String> = p
            .unresolved
            .iter()
            .map(|u| format!("{} vs {}={}", u.estimate, u.axis, u.neighbour))
            .collect();
        row.push(flags.join("; ").as_str().cell());
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    csv
}

/// Writes a sweep's report, CSV and JSON into `dir`.
pub fn write_sweep(sw: &Sweep, dir: &Path, command: &str) -> io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    let html = dir.join("report.html");
    files.push(html.clone());
    write(dir, "sweep.csv", &sweep_csv(sw), &mut files)?;
    write(
        dir,
        "sweep.json",
        &serde_json::to_string_pretty(&sweep_json(sw, command)).unwrap_or_default(),
        &mut files,
    )?;
    std::fs::write(&html, sweep_html(sw, command, &files))?;
    Ok(Written { html, files })
}

/// What a heat map shows of each point: its value, the interval under it, and whether the
/// colour is the risk scale.
struct HeatValue<'a> {
    value: &'a dyn Fn(&Summary) -> f64,
    note: &'a dyn Fn(&Summary) -> String,
    risk: bool,
}

/// The heat-map grid of a sweep for one outcome: rows along the first axis, columns along the
/// second, one grid per combination of any further axes.
fn sweep_heatmaps(
    sw: &Sweep,
    title: &str,
    hv: HeatValue,
    range: Option<(f64, f64)>,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let axes = &sw.axes;
    let (rows_axis, cols_axis) = match axes.len() {
        0 => return String::new(),
        1 => (0, None),
        _ => (0, Some(1)),
    };
    let rows: Vec<String> = axes[rows_axis].values.iter().map(|v| v.0.clone()).collect();
    let cols: Vec<String> = match cols_axis {
        Some(c) => axes[c].values.iter().map(|v| v.0.clone()).collect(),
        None => vec![String::new()],
    };
    // Group points by the labels of axes beyond the first two.
    let mut facets: Vec<Vec<String>> = Vec::new();
    for p in &sw.points {
        let rest: Vec<String> = p.labels.iter().skip(2).cloned().collect();
        if !facets.contains(&rest) {
            facets.push(rest);
        }
    }
    let mut out = String::new();
    for facet in facets {
        let mut grid = vec![vec![f64::NAN; cols.len()]; rows.len()];
        let mut notes = vec![vec![String::new(); cols.len()]; rows.len()];
        for p in &sw.points {
            if p.labels.iter().skip(2).cloned().collect::<Vec<_>>() != facet {
                continue;
            }
            let r = rows.iter().position(|x| *x == p.labels[0]).unwrap_or(0);
            let c = match cols_axis {
                Some(_) => cols.iter().position(|x| *x == p.labels[1]).unwrap_or(0),
                None => 0,
            };
            grid[r][c] = (hv.value)(&p.summary);
            notes[r][c] = (hv.note)(&p.summary);
        }
        let facet_title = if facet.is_empty() {
            title.to_string()
        } else {
            let names: Vec<String> = axes
                .iter()
                .skip(2)
                .zip(&facet)
                .map(|(a, v)| format!("{} = {v}", a.name))
                .collect();
            format!("{title} ({})", names.join(", "))
        };
        out.push_str(&figure(
            svg::heatmap(
                &svg::HeatMap {
                    title: &facet_title,
                    row_label: &axes[rows_axis].name,
                    col_label: &cols_axis.map_or(String::new(), |c| axes[c].name.clone()),
                    rows: &rows,
                    cols: &cols,
                    values: &grid,
                    high_is_good: false,
                    range,
                    risk: hv.risk,
                    notes: &notes,
                },
                fmt,
            ),
            "",
        ));
    }
    out
}

fn sweep_html(sw: &Sweep, command: &str, files: &[PathBuf]) -> String {
    let s = &sw.scenario;
    let hours = (s.blocks * s.block_seconds) as f64 / 3600.0;
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Sweep of {}</h1><p class=\"lead\">{}</p><p class=\"small\">{} points x {} paths ({} blocks each), seed {}, {:.1} s of wall time. Reproduce with <code>{}</code>.</p>",
        esc(&s.name),
        esc(&s.description),
        sw.points.len(),
        match sw.precision {
            Some(p) => format!(
                "{} to {} (batches of {} until every probability's 95% interval is at most {} wide)",
                sw.points.iter().map(|p| p.summary.paths).min().unwrap_or(0),
                sw.points.iter().map(|p| p.summary.paths).max().unwrap_or(0),
                sw.config.paths,
                pct(p.width)
            ),
            None => sw.config.paths.to_string(),
        },
        s.blocks,
        sw.config.seed,
        sw.elapsed.as_secs_f64(),
        esc(command)
    );
    b.push_str("<p class=\"small\">Each cell is one point of the sweep: rows follow the first axis, columns the second; further axes get their own grids. Under each value is its 95% interval (Wilson for probabilities, order statistics for medians; <code>?</code> when there are too few paths to bound that end). Probabilities of a failure are coloured on a risk scale that is green only when no path failed: amber above 0, orange from 5%, red from 20%. Other outcomes go from green to red on fixed scales: 0-100% for depegs, x1 to x10,000 for dilution, the whole scenario for time below $0.97. In the table, a point marked * differs from a neighbour (one step along one axis) by less than the noise: their intervals overlap.</p>");
    let med = |name: &'static str| move |s: &Summary| s.median(name).value;
    let interval = |name: &'static str, f: &'static dyn Fn(f64) -> String| {
        move |s: &Summary| {
            let e = s.median(name);
            format!(
                "[{}, {}]",
                e.lo.map_or("?".into(), f),
                e.hi.map_or("?".into(), f)
            )
        }
    };
    let p_interval = |p: &Proportion| format!("[{}, {}]", pct(p.lo), pct(p.hi));
    for (heading, title, get) in [
        (
            "Probability that the peg broke",
            "P(below $0.97 at any block)",
            (|s: &Summary| s.p_break) as fn(&Summary) -> Proportion,
        ),
        (
            "Probability of a death spiral",
            "P(death spiral)",
            |s: &Summary| s.p_death_spiral,
        ),
        (
            "Probability of XMS supply up 100-fold",
            "P(XMS supply x100)",
            |s: &Summary| s.p_xms_x100,
        ),
    ] {
        let _ = write!(b, "<h2>{}</h2><div class=\"grid2\">", esc(heading));
        b.push_str(&sweep_heatmaps(
            sw,
            title,
            HeatValue {
                value: &|s: &Summary| get(s).value,
                note: &|s: &Summary| p_interval(&get(s)),
                risk: true,
            },
            Some((0.0, 1.0)),
            &pct,
        ));
        b.push_str("</div>");
    }
    b.push_str("<h2>Median worst depeg</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "median max depeg",
        HeatValue {
            value: &med("max_depeg"),
            // The value's own precision: rounding is monotone, so the shown interval contains
            // the shown value (at 0 decimals, 0.7% read as [1%, 1%]).
            note: &interval("max_depeg", &pct),
            risk: false,
        },
        Some((0.0, 1.0)),
        &pct,
    ));
    b.push_str("</div><h2>Median XMS dilution</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "median XMS dilution",
        HeatValue {
            value: &|s: &Summary| s.median("xms_dilution").value.max(1e-300).log10(),
            note: &interval("xms_dilution", &times),
            risk: false,
        },
        Some((0.0, 4.0)),
        &|x: f64| times(10f64.powf(x)),
    ));
    b.push_str("</div><h2>Median time below $0.97</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "median hours below $0.97",
        HeatValue {
            value: &med("hours_below_097"),
            note: &interval("hours_below_097", &hours1),
            risk: false,
        },
        Some((0.0, hours)),
        &hours1,
    ));
    b.push_str("</div>");
    // The split: when some paths break and others hold, the medians above can fall between
    // the two groups; these show each group apart (empty where no path of that kind ran).
    b.push_str("<h2>The paths that broke the peg, and those that never fell below $0.97</h2><p class=\"small\">Medians over each group of paths alone, with their 95% intervals; the count of paths in each group is in sweep.csv (<code>paths_given_break</code>, <code>paths_given_hold</code>). A blank cell: no path of that kind at that point.</p><div class=\"grid2\">");
    let given = |c: fn(&Summary) -> &Conditional, name: &'static str| {
        move |s: &Summary| {
            let c = c(s);
            if c.paths == 0 {
                return Estimate::NONE;
            }
            c.stat(name)
                .map_or(Estimate::NONE, |st| st.quantiles.median())
        }
    };
    let broke: fn(&Summary) -> &Conditional = |s| &s.given_break;
    let held: fn(&Summary) -> &Conditional = |s| &s.given_hold;
    for (title, get, range, f) in [
        (
            "hours below $0.97, paths that broke",
            given(broke, "hours_below_097"),
            (0.0, hours),
            &hours1 as &dyn Fn(f64) -> String,
        ),
        (
            "max depeg, paths that broke",
            given(broke, "max_depeg"),
            (0.0, 1.0),
            &pct as &dyn Fn(f64) -> String,
        ),
        (
            "max depeg, paths never below $0.97",
            given(held, "max_depeg"),
            (0.0, 1.0),
            &pct as &dyn Fn(f64) -> String,
        ),
    ] {
        let note = |s: &Summary| {
            let e = get(s);
            if e.value.is_nan() {
                return String::new();
            }
            format!(
                "[{}, {}]",
                e.lo.map_or("?".into(), &f),
                e.hi.map_or("?".into(), &f)
            )
        };
        b.push_str(&sweep_heatmaps(
            sw,
            &format!("median {title}"),
            HeatValue {
                value: &|s: &Summary| get(s).value,
                note: &note,
                risk: false,
            },
            Some(range),
            f,
        ));
    }
    b.push_str("</div><h2>Every point</h2><table><tr>");
    for a in &sw.axes {
        let _ = write!(b, "<th>{}</th>", esc(&a.name));
    }
    b.push_str("<th>paths</th><th>P(peg broke)</th><th>P(death spiral)</th><th>P(XMS supply x100)</th><th>max depeg p50</th><th>hours &lt; $0.97 p50</th><th>XMS dilution p50</th><th>final backing p50</th></tr>");
    for p in &sw.points {
        b.push_str("<tr>");
        for l in &p.labels {
            let _ = write!(b, "<td>{}</td>", esc(l));
        }
        let flag = |name: &str| {
            if p.unresolved.iter().any(|u| u.estimate == name) {
                "*"
            } else {
                ""
            }
        };
        let sm = &p.summary;
        let _ = write!(
            b,
            "<td>{}</td><td>{}{}</td><td>{}{}</td><td>{}{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            sm.paths,
            esc(&prob(&sm.p_break)),
            flag("p_break"),
            esc(&prob(&sm.p_death_spiral)),
            flag("p_death_spiral"),
            esc(&prob(&sm.p_xms_x100)),
            flag("p_xms_x100"),
            esc(&estimate("max_depeg", &sm.median("max_depeg"))),
            flag("max_depeg_p50"),
            esc(&estimate("hours_below_097", &sm.median("hours_below_097"))),
            esc(&estimate("xms_dilution", &sm.median("xms_dilution"))),
            esc(&estimate("final_backing", &sm.median("final_backing"))),
        );
    }
    b.push_str("</table>");
    b.push_str(&assumptions(&sweep_json(sw, command)["provenance"]));
    b.push_str("<h2>Files</h2><ul class=\"small\">");
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let _ = write!(b, "<li><a href=\"{}\">{}</a></li>", esc(&name), esc(&name));
    }
    b.push_str("</ul>");
    page(&format!("usdm sweep: {}", s.name), &b)
}

/// Every leaf of a JSON record as `dotted.key = value` rows (arrays indexed `[i]`).
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        serde_json::Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        serde_json::Value::String(t) => out.push((prefix.to_string(), t.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The core's 18-decimal fixed point (`"2500000000000000000"`) as a decimal (`2.5`), exactly:
/// every ratio and USDm amount in the parameters is one, and people read `2.5` at a glance.
/// `None` for anything that is not such an integer.
fn fixed18(text: &str) -> Option<String> {
    if text.len() < 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{text:0>19}");
    let (int, frac) = padded.split_at(padded.len() - 18);
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

fn kv_table(v: &serde_json::Value) -> String {
    let mut rows = Vec::new();
    flatten("", v, &mut rows);
    let mut t = String::from(
        "<table class=\"kv\"><tr><th>parameter</th><th>value</th><th>as a decimal (18-decimal fixed point)</th></tr>",
    );
    for (k, x) in rows {
        let _ = write!(
            t,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&k),
            esc(&x),
            fixed18(&x).map(|d| esc(&d)).unwrap_or_default()
        );
    }
    t.push_str("</table>");
    t
}

/// The report's "Assumptions": what produced it (see [`crate::provenance`]), from the same
/// record as the JSON, so the page can be audited and re-run from itself.
fn assumptions(p: &serde_json::Value) -> String {
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
    let mut b = String::from("<h2>Assumptions</h2>");
    let _ = write!(
        b,
        "<p class=\"small\">Built by usdm {} from commit <code>{}</code>. Everything below is in force for every path{}; the same record is in the JSON beside this page, and <code>usdm simulate --replay summary.json</code> re-runs a run from it, path for path.</p>",
        esc(&text("usdm_version")),
        esc(&text("git_commit")),
        if p.get("presets").is_some() { " before a point's own changes (each point's are in sweep.json)" } else { "" }
    );
    if let Some(o) = p.get("overrides_text").and_then(|o| o.as_array()) {
        let _ = write!(
            b,
            "<p class=\"small\">Preset <code>{}</code>; parameter changes on top of the scenario's: {}.</p>",
            esc(&text("preset")),
            if o.is_empty() { "none".to_string() } else { esc(&o.iter().filter_map(|c| c.as_str()).collect::<Vec<_>>().join(", ")) }
        );
    }
    if let Some(proto) = p.get("protocol") {
        b.push_str("<details><summary>Protocol parameters in force</summary>");
        b.push_str(&kv_table(proto));
        b.push_str("</details>");
    }
    if let Some(presets) = p.get("presets") {
        b.push_str("<details><summary>Protocol parameters in force, by preset</summary>");
        b.push_str(&kv_table(presets));
        b.push_str("</details>");
    }
    if let Some(sc) = p.get("scenario") {
        b.push_str("<details><summary>Market and agent parameters</summary>");
        b.push_str(&kv_table(sc));
        b.push_str("</details>");
    }
    let _ = write!(
        b,
        "<details><summary>The scenario as run (TOML, after <code>extends</code> and <code>--set</code>)</summary><pre>{}</pre></details>",
        esc(&text("scenario_toml"))
    );
    b
}

/// `1 path`, `3 paths`: counts in sentences read as English.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_formatted_for_people() {
        assert_eq!(format_outcome("max_depeg", 0.0512), "5.1%");
        assert_eq!(format_outcome("xms_dilution", 12_000.0), "x12k");
        assert_eq!(format_outcome("final_xms_price", 0.0001), "$1.00e-4");
        assert_eq!(format_outcome("hours_below_097", 3.26), "3.3 h");
        assert_eq!(format_outcome("max_depeg", f64::NAN), "-");
    }

    #[test]
    fn fixed_point_values_read_as_decimals_exactly() {
        assert_eq!(fixed18("2500000000000000000").as_deref(), Some("2.5"));
        assert_eq!(fixed18("1000000000000000000").as_deref(), Some("1"));
        assert_eq!(fixed18("2000000000000000").as_deref(), Some("0.002"));
        assert_eq!(fixed18("123").as_deref(), None);
        assert_eq!(fixed18("mars").as_deref(), None);
    }

    #[test]
    fn pages_are_self_contained() {
        let p = page("t", "<p>x</p>");
        assert!(p.starts_with("<!doctype html>"));
        // One inline script, nothing fetched.
        assert_eq!(p.matches("<script").count(), 1);
        assert!(!p.contains("src=") && !p.contains("href=\"http") && !p.contains("fetch("));
    }
}
