//! Reports: a self-contained HTML page with charts, and the same data as CSV and JSON for
//! anyone who wants to plot it their own way.

pub mod svg;

use crate::metrics::{Outcome, PathMetrics, Snapshot};
use crate::montecarlo::{Ensemble, Summary};
use crate::sweep::Sweep;
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
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e7;width:100%;font-size:13.5px}
th,td{padding:5px 9px;border-bottom:1px solid #eceff3;text-align:right}th{background:#f0f2f5}
td:first-child,th:first-child{text-align:left}
code{background:#eef0f3;padding:1px 4px;border-radius:4px}
details{margin:8px 0}.small{font-size:13px;color:#5b6475}
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n",
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

/// How each outcome is shown.
pub fn format_outcome(name: &str, x: f64) -> String {
    match name {
        "max_depeg" => pct(x),
        "hours_below_097" | "hours_cap_bound" | "hours_breaker_bound" => {
            if x.is_finite() {
                format!("{x:.1} h")
            } else {
                "-".into()
            }
        }
        "xms_dilution" | "final_backing" => times(x),
        "min_usdm_price" | "final_usdm_price" | "final_xms_price" => money(x),
        _ => short(x),
    }
}

/// A readable name for an outcome.
pub fn outcome_title(name: &str) -> &'static str {
    match name {
        "max_depeg" => "max depeg",
        "min_usdm_price" => "lowest USDm price",
        "hours_below_097" => "time below $0.97",
        "xms_dilution" => "XMS dilution",
        "final_backing" => "final backing ratio",
        "final_usdm_price" => "final USDm price",
        "final_xms_price" => "final XMS price",
        "usdm_redeemed" => "USDm redeemed",
        "xms_minted" => "XMS minted",
        "hours_cap_bound" => "time the supply cap was full",
        "hours_breaker_bound" => "time a breaker held redemptions",
        _ => "outcome",
    }
}

fn summary_table(s: &Summary) -> String {
    let mut t = String::from(
        "<table><tr><th>outcome</th><th>median</th><th>5th pct</th><th>95th pct</th><th>mean</th></tr>",
    );
    for st in &s.stats {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            outcome_title(st.name),
            esc(&format_outcome(st.name, st.percentiles[2])),
            esc(&format_outcome(st.name, st.percentiles[0])),
            esc(&format_outcome(st.name, st.percentiles[4])),
            esc(&format_outcome(st.name, st.mean)),
        );
    }
    let _ = write!(
        t,
        "<tr><td>probability of XMS supply up 100-fold</td><td colspan=\"4\">{}</td></tr><tr><td>probability of a death spiral</td><td colspan=\"4\">{}</td></tr></table>",
        pct(s.p_xms_x100),
        pct(s.p_death_spiral)
    );
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
    chart
}

/// `(column, value)` pairs for [`csv`], from `"name" => expression` lines.
macro_rules! columns {
    ($($name:literal => $value:expr),* $(,)?) => {
        vec![$(($name, $value.to_string())),*]
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
        columns![
            "path" => o.path,
            "max_depeg" => o.max_depeg,
            "min_usdm_price" => o.min_usdm_price,
            "hours_below_097" => o.hours_below_097,
            "xms_dilution" => o.xms_dilution,
            "final_backing" => o.final_backing,
            "final_usdm_price" => o.final_usdm_price,
            "final_xms_price" => o.final_xms_price,
            "usdm_supply_ratio" => o.usdm_supply_ratio,
            "usdm_redeemed" => o.usdm_redeemed,
            "xms_minted" => o.xms_minted,
            "cap_refusals" => o.cap_refusals,
            "breaker_trips" => o.breaker_trips,
            "hours_cap_bound" => o.hours_cap_bound,
            "hours_breaker_bound" => o.hours_breaker_bound,
            "death_spiral" => o.death_spiral,
        ]
    })
}

fn series_csv(path: &PathMetrics) -> String {
    csv(&path.series, |x: &Snapshot| {
        columns![
            "block" => x.block,
            "hours" => x.hours,
            "usdm_price" => x.usdm_price,
            "usdm_low" => x.usdm_low,
            "xms_price" => x.xms_price,
            "xms_pool_price" => x.xms_pool_price,
            "xms_oracle" => x.xms_oracle,
            "usdm_supply" => x.usdm_supply,
            "circulating_usdm" => x.circulating_usdm,
            "supply_cap" => x.supply_cap,
            "headroom" => x.headroom,
            "xms_supply" => x.xms_supply,
            "xms_mcap" => x.xms_mcap,
            "treasury_value" => x.treasury_value,
            "tier1" => x.tiers[0],
            "tier2" => x.tiers[1],
            "tier3" => x.tiers[2],
            "tier4" => x.tiers[3],
            "tier5" => x.tiers[4],
            "backing" => x.backing,
            "mint_cr" => x.mint_cr,
            "redeem_cr" => x.redeem_cr,
            "redeemed" => x.redeemed,
            "xms_minted" => x.xms_minted,
            "usdm_minted" => x.usdm_minted,
            "holders_left" => x.holders_left,
            "arb_cash" => x.arb_cash,
            "arb_usdm" => x.arb_usdm,
            "cap_refusals" => x.cap_refusals,
            "breaker_trips" => x.breaker_trips,
        ]
    })
}

fn fan_csv(e: &Ensemble) -> String {
    let mut s = String::from("metric,hours,p5,p25,p50,p75,p95\n");
    for fan in &e.fans {
        for (h, b) in e.hours.iter().zip(&fan.bands) {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{}",
                fan.metric, h, b[0], b[1], b[2], b[3], b[4]
            );
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
        "refusals": e.refusals.iter().map(|(k, n, first)| serde_json::json!({"kind": k, "count": n, "example": first})).collect::<Vec<_>>(),
        "events_median_path": e.median.as_ref().map(|m| m.notes.iter().map(|(b, t)| serde_json::json!({"block": b, "event": t})).collect::<Vec<_>>()),
    })
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
    }
    if let Some(m) = &e.median {
        write(dir, "median_path.csv", &series_csv(m), &mut files)?;
    }
    if let Some(m) = &e.worst {
        write(dir, "worst_path.csv", &series_csv(m), &mut files)?;
    }
    let json = serde_json::to_string_pretty(&ensemble_json(e, command)).unwrap_or_default();
    write(dir, "summary.json", &json, &mut files)?;
    std::fs::write(&html, ensemble_html(e, command, &files))?;
    Ok(Written { html, files })
}

fn ensemble_html(e: &Ensemble, command: &str, files: &[PathBuf]) -> String {
    let s = &e.setup.scenario;
    let sum = &e.summary;
    let med = |name: &str| sum.stat(name).map_or(f64::NAN, |s| s.percentiles[2]);
    let p95 = |name: &str| sum.stat(name).map_or(f64::NAN, |s| s.percentiles[4]);
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{} under <code>{}</code></h1><p class=\"lead\">{}</p>",
        esc(&s.name),
        esc(&e.setup.preset.to_string()),
        esc(&s.description)
    );
    let depeg = med("max_depeg");
    let depeg_class = if depeg > 0.1 {
        "bad"
    } else if depeg > 0.03 {
        "warn"
    } else {
        "good"
    };
    let spiral_class = if sum.p_death_spiral > 0.0 {
        "bad"
    } else {
        "good"
    };
    b.push_str("<div class=\"cards\">");
    b.push_str(&card(
        &pct(depeg),
        "median of the worst depeg per path",
        depeg_class,
    ));
    b.push_str(&card(
        &pct(p95("max_depeg")),
        "95th percentile of the worst depeg",
        depeg_class,
    ));
    b.push_str(&card(
        &format_outcome("hours_below_097", med("hours_below_097")),
        "median time below $0.97",
        "",
    ));
    b.push_str(&card(
        &times(med("xms_dilution")),
        "median XMS dilution",
        "",
    ));
    b.push_str(&card(
        &times(med("final_backing")),
        "median final backing ratio",
        "",
    ));
    b.push_str(&card(
        &pct(sum.p_xms_x100),
        "paths with XMS supply up 100-fold",
        if sum.p_xms_x100 > 0.0 { "warn" } else { "good" },
    ));
    b.push_str(&card(
        &pct(sum.p_death_spiral),
        "paths ending in a death spiral",
        spiral_class,
    ));
    b.push_str("</div>");
    let _ = write!(
        b,
        "<p class=\"small\">{} of {} blocks ({:.1} days at {} s), seed {}, {}, {:.2} s of wall time ({} blocks/s). Reproduce with <code>{}</code>.</p>",
        plural(e.config.paths as usize, "path"),
        s.blocks,
        (s.blocks * s.block_seconds) as f64 / 86_400.0,
        s.block_seconds,
        e.config.seed,
        plural(e.threads, "thread"),
        e.elapsed.as_secs_f64(),
        short(e.blocks_per_second()),
        esc(command)
    );
    b.push_str("<h2>How to read this</h2><p class=\"small\">Shaded bands span the 5th-95th and 25th-75th percentiles across all paths at each moment; the blue line is their median. The orange line is the single worst path (largest depeg), run again in full. Supply, treasury and flow charts follow the median path (by largest depeg) unless they say otherwise. A death spiral is a path whose XMS supply grew at least 100-fold and whose USDm ends below $0.90.</p>");

    let worst = e.worst.as_ref();
    let median = e.median.as_ref();
    let w = |f: fn(&Snapshot) -> f64| worst.map(|m| series(m, f));
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
            title: "USDm supply and supply cap (median path)".into(),
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
                "Treasury value by tier (median path)",
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
        let label = |s: &Snapshot| format!("{:.0}h", s.hours);
        let redeemed: Vec<(String, f64)> = m
            .series
            .iter()
            .skip(1)
            .map(|s| (label(s), s.redeemed))
            .collect();
        b.push_str(&figure(
            svg::bars(
                "USDm redeemed per sample (worst path)",
                "hours",
                "USDm",
                &redeemed,
                PALETTE[0],
            ),
            "Redemptions burn USDm; under a ratio below 1 each one mints XMS.",
        ));
        let minted: Vec<(String, f64)> = m
            .series
            .iter()
            .skip(1)
            .map(|s| (label(s), s.xms_minted))
            .collect();
        b.push_str(&figure(
            svg::bars(
                "XMS minted per sample (worst path)",
                "hours",
                "XMS",
                &minted,
                PALETTE[1],
            ),
            "XMS minted at collection of redemptions.",
        ));
        let cr = Chart {
            title: "Collateral ratios (worst path)".into(),
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
            "max depeg",
            &values(|o| o.max_depeg),
            20,
            false,
            PALETTE[0],
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
        ),
        "How many times the XMS supply grew.",
    ));
    b.push_str("</div>");
    b.push_str(&summary_table(sum));
    b.push_str("<h2>What the protocol refused</h2><table><tr><th>reason</th><th>refused attempts (all paths)</th><th>first message</th></tr>");
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
    b.push_str("</table><p class=\"small\">Refusals are the protocol working: the supply cap binding, a circuit breaker tripping, a treasury short of the asset asked for. Agents adapt and try again a few blocks later, so these count attempts; how long the cap and the breakers actually bound is in the outcomes table.</p>");
    if let Some(m) = median {
        b.push_str("<h2>Events (median path)</h2><table><tr><th>hour</th><th>event</th></tr>");
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

/// Writes a sweep's report, CSV and JSON into `dir`.
pub fn write_sweep(sw: &Sweep, dir: &Path, command: &str) -> io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    let html = dir.join("report.html");
    files.push(html.clone());
    let mut csv = String::new();
    for a in &sw.axes {
        let _ = write!(csv, "{},", a.name);
    }
    csv.push_str("paths,p_death_spiral,p_xms_x100");
    let names: Vec<&str> = sw
        .points
        .first()
        .map(|p| p.summary.stats.iter().map(|s| s.name).collect())
        .unwrap_or_default();
    for n in &names {
        let _ = write!(csv, ",{n}_p5,{n}_p50,{n}_p95,{n}_mean");
    }
    csv.push('\n');
    for p in &sw.points {
        for l in &p.labels {
            let _ = write!(csv, "{l},");
        }
        let _ = write!(
            csv,
            "{},{},{}",
            p.summary.paths, p.summary.p_death_spiral, p.summary.p_xms_x100
        );
        for st in &p.summary.stats {
            let _ = write!(
                csv,
                ",{},{},{},{}",
                st.percentiles[0], st.percentiles[2], st.percentiles[4], st.mean
            );
        }
        csv.push('\n');
    }
    write(dir, "sweep.csv", &csv, &mut files)?;
    let json = serde_json::json!({
        "command": command,
        "scenario": sw.scenario.name,
        "paths_per_point": sw.config.paths,
        "seed": sw.config.seed,
        "elapsed_seconds": sw.elapsed.as_secs_f64(),
        "axes": sw.axes.iter().map(|a| serde_json::json!({"name": a.name, "values": a.values.iter().map(|v| v.0.clone()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "points": sw.points.iter().map(|p| serde_json::json!({"labels": p.labels, "preset": p.preset.to_string(), "summary": p.summary})).collect::<Vec<_>>(),
    });
    write(
        dir,
        "sweep.json",
        &serde_json::to_string_pretty(&json).unwrap_or_default(),
        &mut files,
    )?;
    std::fs::write(&html, sweep_html(sw, command, &files))?;
    Ok(Written { html, files })
}

/// The heat-map grid of a sweep for one outcome: rows along the first axis, columns along the
/// second, one grid per combination of any further axes.
fn sweep_heatmaps(
    sw: &Sweep,
    title: &str,
    value: &dyn Fn(&Summary) -> f64,
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
        for p in &sw.points {
            if p.labels.iter().skip(2).cloned().collect::<Vec<_>>() != facet {
                continue;
            }
            let r = rows.iter().position(|x| *x == p.labels[0]).unwrap_or(0);
            let c = match cols_axis {
                Some(_) => cols.iter().position(|x| *x == p.labels[1]).unwrap_or(0),
                None => 0,
            };
            grid[r][c] = value(&p.summary);
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
        sw.config.paths,
        s.blocks,
        sw.config.seed,
        sw.elapsed.as_secs_f64(),
        esc(command)
    );
    b.push_str("<p class=\"small\">Each cell is one point of the sweep: rows follow the first axis, columns the second; further axes get their own grids. Green is better, red worse, on fixed scales: 0-100% for probabilities and depegs, x1 to x10,000 for dilution, the whole scenario for time below $0.97. Values are across paths: the probabilities of a death spiral and of XMS supply growing 100-fold (which may end near the peg), and medians of the other outcomes.</p>");
    let med =
        |name: &'static str| move |s: &Summary| s.stat(name).map_or(f64::NAN, |x| x.percentiles[2]);
    b.push_str("<h2>Probability of a death spiral</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "P(death spiral)",
        &|s: &Summary| s.p_death_spiral,
        Some((0.0, 1.0)),
        &pct,
    ));
    b.push_str("</div><h2>Probability of XMS supply up 100-fold</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "P(XMS supply x100)",
        &|s: &Summary| s.p_xms_x100,
        Some((0.0, 1.0)),
        &pct,
    ));
    b.push_str("</div><h2>Median worst depeg</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "median max depeg",
        &med("max_depeg"),
        Some((0.0, 1.0)),
        &pct,
    ));
    b.push_str("</div><h2>Median XMS dilution</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "median XMS dilution",
        &|s: &Summary| {
            s.stat("xms_dilution")
                .map_or(f64::NAN, |x| x.percentiles[2].max(1e-300).log10())
        },
        Some((0.0, 4.0)),
        &|x: f64| times(10f64.powf(x)),
    ));
    b.push_str("</div><h2>Median time below $0.97</h2><div class=\"grid2\">");
    b.push_str(&sweep_heatmaps(
        sw,
        "median hours below $0.97",
        &med("hours_below_097"),
        Some((0.0, hours)),
        &|x: f64| format!("{x:.1} h"),
    ));
    b.push_str("</div><h2>Every point</h2><table><tr>");
    for a in &sw.axes {
        let _ = write!(b, "<th>{}</th>", esc(&a.name));
    }
    b.push_str("<th>P(death spiral)</th><th>P(XMS supply x100)</th><th>max depeg p50 [p5, p95]</th><th>hours &lt; $0.97 p50</th><th>XMS dilution p50 [p95]</th><th>final backing p50</th></tr>");
    for p in &sw.points {
        b.push_str("<tr>");
        for l in &p.labels {
            let _ = write!(b, "<td>{}</td>", esc(l));
        }
        let st = |n: &str| {
            p.summary
                .stat(n)
                .map(|s| s.percentiles)
                .unwrap_or([f64::NAN; 5])
        };
        let d = st("max_depeg");
        let x = st("xms_dilution");
        let _ = write!(
            b,
            "<td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{}</td><td>{} [{}]</td><td>{}</td></tr>",
            pct(p.summary.p_death_spiral),
            pct(p.summary.p_xms_x100),
            pct(d[2]),
            pct(d[0]),
            pct(d[4]),
            format_outcome("hours_below_097", st("hours_below_097")[2]),
            times(x[2]),
            times(x[4]),
            times(st("final_backing")[2]),
        );
    }
    b.push_str("</table><h2>Files</h2><ul class=\"small\">");
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
    fn pages_are_self_contained() {
        let p = page("t", "<p>x</p>");
        assert!(p.starts_with("<!doctype html>"));
        assert!(!p.contains("<script") && !p.contains("src=") && !p.contains("href=\"http"));
    }
}
