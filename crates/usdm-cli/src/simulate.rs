//! `usdm simulate`, `usdm sweep`, `usdm bench` and `usdm scenarios`: the stress-test simulator
//! on the command line. The work is in `usdm-sim`; this module parses flags, prints tables and
//! says where the report is.

use crate::format::{CliError, CliResult};
use crate::table::Table;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use usdm_core::params::{ParamChange, Preset, SharePricing};
use usdm_core::units::Ratio;
use usdm_sim::montecarlo::{self, Ensemble, McConfig, Summary};
use usdm_sim::report::{self, format_outcome, outcome_title};
use usdm_sim::scenario::{FieldChange, Scenario, ScenarioError, BUILTIN, DEFAULT_SCENARIO};
use usdm_sim::sweep::{self, Axis};
use usdm_sim::world::Setup;

/// Flags shared by every simulation command.
#[derive(Args, Debug, Clone)]
pub struct RunFlags {
    /// Seed of the random paths (same seed, same results, whatever the thread count).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Check the protocol's invariants and token conservation after every block (slow).
    #[arg(long)]
    check_invariants: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// `usdm simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// A built-in scenario (see `usdm scenarios`) or a scenario file.
    #[arg(default_value = DEFAULT_SCENARIO)]
    scenario: String,
    /// Preset to run (default: the scenario's own): mars, mars-guarded, frax or iron.
    #[arg(long)]
    preset: Option<String>,
    /// Change a parameter for this run, `key=value` (repeatable), e.g.
    /// `breaker_xms_minted=0.002` or `xms_support_ratio=4` (applied after the scenario's own),
    /// or, with a dotted key, a scenario field: `market.xms_market_depth=0.05`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Number of Monte Carlo paths.
    #[arg(long, default_value_t = 100)]
    paths: u64,
    /// Directory for the report, CSV and JSON files.
    #[arg(long, default_value = "usdm-report")]
    out: PathBuf,
    /// Full series to write: `typical` (the typical and the worst path, as CSV) or `all` (also
    /// every path's, as series.parquet: one row per path and sample, for pandas or DuckDB).
    #[arg(long, default_value = "typical", value_parser = ["typical", "all"])]
    series: String,
    /// Re-run a recorded run exactly: the summary.json of an earlier run (or its `--json`
    /// output), whose provenance gives the scenario's full text, the preset, the parameter
    /// changes, the paths and the seed. Same build, same paths.
    #[arg(long, value_name = "SUMMARY_JSON", conflicts_with_all = ["scenario", "preset", "set", "paths", "seed"])]
    replay: Option<PathBuf>,
    #[command(flatten)]
    run: RunFlags,
}

/// The scenario `usdm sweep` runs with no argument.
const DEFAULT_SWEEP_SCENARIO: &str = "xms-crash";
/// The axis `usdm sweep` varies with no `--set`: the support ratio from below the starting
/// cap to well above it (the crash scenarios start with USDm exactly at the cap at 250%, so
/// every ratio from there up refuses all minting and gives the same result).
const DEFAULT_SWEEP_AXIS: &str = "xms_support_ratio=1.5,2,2.5,5";

/// `usdm sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// A built-in scenario or a scenario file (by default the XMS crash, where the support
    /// ratio matters: the cap shrinks with XMS).
    #[arg(default_value = DEFAULT_SWEEP_SCENARIO)]
    scenario: String,
    /// Presets to compare, comma-separated.
    #[arg(long, default_value = "mars,mars-guarded,frax")]
    preset: String,
    /// An axis `key=v1,v2,...` (repeatable): a protocol parameter, e.g.
    /// `xms_support_ratio=1.5,2.5,4` or `breaker_xms_minted=off,0.001,0.01`, or with a dotted key
    /// a scenario field, e.g. `market.xms_market_depth=0.05,0.1` or `agents.holders.share=0.2,0.4`.
    /// Default: the support ratio at 150%, 200%, 250% and 500%.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    set: Vec<String>,
    /// Monte Carlo paths per point (with --until-ci: the first batch, and each batch added).
    #[arg(long, default_value_t = 100)]
    paths: u64,
    /// A precision target: add batches of --paths paths to a point until the 95% interval of
    /// every probability it reports is at most this wide (0.05 = 5 points), or --max-paths.
    #[arg(long, value_name = "WIDTH")]
    until_ci: Option<String>,
    /// The most paths a point may run under --until-ci.
    #[arg(long, default_value_t = 2000)]
    max_paths: u64,
    /// Directory for the report, CSV and JSON files.
    #[arg(long, default_value = "usdm-sweep")]
    out: PathBuf,
    /// Also print the split outcomes: medians over the paths that broke the peg and over those
    /// that never fell below $0.97, at every point (always in sweep.csv, sweep.json and the report).
    #[arg(long)]
    split: bool,
    #[command(flatten)]
    run: RunFlags,
}

/// `usdm reference`.
#[derive(Args, Debug)]
pub struct ReferenceArgs {
    /// Independent runs.
    #[arg(long, default_value_t = 300)]
    runs: u64,
    /// Steps per run.
    #[arg(long, default_value_t = 1000)]
    steps: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

/// `usdm bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A built-in scenario or a scenario file.
    #[arg(default_value = "xms-crash")]
    scenario: String,
    /// Preset to run (default: the scenario's own).
    #[arg(long)]
    preset: Option<String>,
    /// Number of paths.
    #[arg(long, default_value_t = 1000)]
    paths: u64,
    #[command(flatten)]
    run: RunFlags,
}

fn load(name: &str) -> CliResult<Arc<Scenario>> {
    Scenario::load(name).map(Arc::new).map_err(|e| {
        // A name that is neither built in nor a file is a malformed command line; a file that
        // is read but wrong is a refused request.
        if e.line == 0 && e.message.starts_with("neither a built-in") {
            CliError::usage(e.to_string())
        } else {
            CliError::new(e.to_string())
        }
    })
}

fn preset_of(s: &Scenario, flag: &Option<String>) -> CliResult<Preset> {
    match flag {
        None => Ok(s.preset),
        Some(p) => p
            .parse()
            .map_err(|e| CliError::usage(format!("--preset {p}: {e}"))),
    }
}

fn config(paths: u64, run: &RunFlags, series: bool) -> CliResult<McConfig> {
    if paths == 0 {
        return Err(CliError::usage("--paths must be at least 1".into()));
    }
    montecarlo::check_threads(run.threads).map_err(CliError::usage)?;
    Ok(McConfig {
        paths,
        seed: run.seed,
        threads: run.threads,
        progress: !run.quiet,
        check_invariants: run.check_invariants,
        series,
    })
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("usdm {}", args.join(" "))
}

fn summary_table(s: &Summary) -> Table {
    let mut t = Table::new(["outcome", "median [95% interval]", "5th pct", "95th pct"]);
    for st in &s.stats {
        let q = &st.quantiles.0;
        t.row([
            outcome_title(st.name).to_string(),
            report::estimate(st.name, &q[2]),
            format_outcome(st.name, q[0].value),
            format_outcome(st.name, q[4].value),
        ]);
    }
    for (label, p) in [
        ("peg broke (below $0.97)", &s.p_break),
        ("off peg either way (outside the band)", &s.p_off_peg),
        ("XMS supply up 100-fold", &s.p_xms_x100),
        ("death spiral", &s.p_death_spiral),
    ] {
        t.row([
            label.to_string(),
            format!("{} of paths", report::prob(p)),
            String::new(),
            String::new(),
        ]);
    }
    t
}

/// `usdm sweep --split`: at every point, the key outcomes of the paths that broke the peg and
/// of those that never fell below $0.97.
fn sweep_split_table(sw: &sweep::Sweep) -> Table {
    const SHOWN: [(&str, &str); 3] = [
        ("max_depeg", "max depeg"),
        ("hours_below_097", "h < $0.97"),
        ("xms_dilution", "XMS dilution"),
    ];
    let mut headers: Vec<String> = sw.axes.iter().map(|a| a.name.clone()).collect();
    for side in ["broke", "never below $0.97"] {
        headers.push(format!("{side} (paths)"));
        headers.extend(SHOWN.map(|(_, title)| format!("{title} | {side}")));
    }
    let mut t = Table::new(headers);
    for p in &sw.points {
        let mut row = p.labels.clone();
        for c in [&p.summary.given_break, &p.summary.given_hold] {
            row.push(c.paths.to_string());
            for (name, _) in SHOWN {
                row.push(if c.paths == 0 {
                    "-".to_string()
                } else {
                    c.stat(name).map_or("-".into(), |st| {
                        report::estimate(name, &st.quantiles.median())
                    })
                });
            }
        }
        t.row(row);
    }
    t
}

/// The key outcomes of the paths that broke the peg and of those that never fell below $0.97.
fn split_table(s: &Summary) -> Table {
    let mut t = Table::new([
        "median [95% interval]".to_string(),
        format!("broke the peg ({} paths)", s.given_break.paths),
        format!("never below $0.97 ({} paths)", s.given_hold.paths),
    ]);
    for name in montecarlo::SPLIT_OUTCOMES {
        let cell = |c: &montecarlo::Conditional| {
            if c.paths == 0 {
                "-".to_string()
            } else {
                c.stat(name).map_or("-".into(), |st| {
                    report::estimate(name, &st.quantiles.median())
                })
            }
        };
        t.row([
            outcome_title(name).to_string(),
            cell(&s.given_break),
            cell(&s.given_hold),
        ]);
    }
    t
}

fn print_ensemble(e: &Ensemble, fields: &[FieldChange]) {
    let s = &e.setup.scenario;
    println!(
        "{} under {}: {} paths x {} blocks ({}), seed {}",
        s.name,
        e.setup.preset,
        e.config.paths,
        s.blocks,
        report::duration(s.blocks * s.block_seconds),
        e.config.seed
    );
    let changes: Vec<String> = fields
        .iter()
        .map(|f| format!("{} = {}", f.key, f.value))
        .chain(e.setup.overrides.iter().map(|c| c.to_string()))
        .collect();
    if !changes.is_empty() {
        println!("  with {}", changes.join(", "));
    }
    println!("{}", summary_table(&e.summary));
    if e.summary.given_break.paths > 0 && e.summary.given_hold.paths > 0 {
        println!(
            "  split outcomes: the paths that broke the peg and those that never fell below $0.97"
        );
        println!("{}", split_table(&e.summary));
    }
    if let Some(b) = &e.backtest {
        print_backtest(b);
    }
    let refused: Vec<String> = e
        .refusals
        .iter()
        .filter(|r| r.1 > 0)
        .map(|(k, n, _)| format!("{} {n}", k.label()))
        .collect();
    if !refused.is_empty() {
        println!("  refusals over all paths: {}", refused.join(", "));
    }
    println!(
        "  {:.2} s on {}: {:.2}M blocks/s",
        e.elapsed.as_secs_f64(),
        report::plural(e.threads, "thread"),
        e.blocks_per_second() / 1e6
    );
}

/// The run against its scenario's record (see `usdm_sim::backtest`).
fn print_backtest(b: &usdm_sim::backtest::Backtest) {
    let est = |e: &usdm_sim::stats::Estimate, digits: usize| {
        let f = |x: f64| format!("{x:.digits$}");
        format!(
            "{} [{}, {}]",
            f(e.value),
            e.lo.map_or("?".into(), f),
            e.hi.map_or("?".into(), f)
        )
    };
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    println!(
        "  against the record ({}; the start is {}): mean |ln(model / record)| at its times",
        b.file, b.start
    );
    let mut t = Table::new([
        "series (record column)",
        "points",
        "per path, median [95% interval]",
        "fans' median",
        "inside the 90% band",
    ]);
    for s in &b.series {
        t.row([
            format!("{} ({})", s.metric, s.column),
            s.points.to_string(),
            est(&s.mean_abs_log_error, 2),
            format!("{:.2}", s.median_fan_error),
            format!(
                "{} [{}, {}]",
                pct(s.inside_90.value),
                pct(s.inside_90.lo),
                pct(s.inside_90.hi)
            ),
        ]);
    }
    println!("{t}");
    if !b.crossings.is_empty() {
        let mut t = Table::new([
            "crossing",
            "record",
            "paths that crossed",
            "model, median [95% interval]",
            "timing error",
        ]);
        for c in &b.crossings {
            t.row([
                c.name.clone(),
                c.record_hours
                    .map_or("never".into(), |h| format!("{h:.1} h")),
                format!(
                    "{} [{}, {}]",
                    pct(c.crossed.value),
                    pct(c.crossed.lo),
                    pct(c.crossed.hi)
                ),
                if c.crossed.count == 0 {
                    "never".into()
                } else {
                    format!("{} h", est(&c.model_hours, 1))
                },
                c.timing_error_hours
                    .map_or("-".into(), |x| format!("{x:+.1} h")),
            ]);
        }
        println!("{t}");
    }
}

/// `--out`, checked before anything runs (a usage error: the flag names a file, or a
/// directory that cannot be written).
fn out_dir(dir: &std::path::Path) -> CliResult<()> {
    report::prepare_dir(dir).map_err(|e| {
        CliError::usage(format!(
            "--out {}: cannot write a report there ({e}); name a directory that is or can be created and written",
            dir.display()
        ))
    })
}

/// Runs `usdm simulate`.
pub fn simulate(a: &SimulateArgs, json: bool) -> CliResult<()> {
    let mut config = config(a.paths, &a.run, true)?;
    let (scenario, preset, overrides, fields) = match &a.replay {
        Some(file) => {
            let r = replay(file)?;
            config.paths = r.paths;
            config.seed = r.seed;
            if let Some(build) = &r.other_build {
                eprintln!(
                    "note: {} was recorded by {build}; this is usdm {} ({}), whose paths may differ",
                    file.display(),
                    usdm_sim::provenance::VERSION,
                    usdm_sim::provenance::GIT_COMMIT
                );
            }
            (r.scenario, r.preset, r.overrides, Vec::new())
        }
        None => {
            let scenario = load(&a.scenario)?;
            let preset = preset_of(&scenario, &a.preset)?;
            let (overrides, fields) = overrides(&a.set, &scenario)?;
            let scenario = Arc::new(
                scenario
                    .with_fields(&fields)
                    .map_err(|e| CliError::new(e.to_string()))?,
            );
            (scenario, preset, overrides, fields)
        }
    };
    out_dir(&a.out)?;
    let setup = Arc::new(
        Setup::new(scenario, preset, &overrides).map_err(|e| CliError::new(e.to_string()))?,
    );
    let e = montecarlo::run(setup.clone(), &config).map_err(|e| CliError::new(e.to_string()))?;
    let command = command_line();
    let written = report::write_ensemble(&e, &a.out, &command).map_err(|err| {
        CliError::new(format!(
            "cannot write the report to {}: {err}",
            a.out.display()
        ))
    })?;
    let parquet = if a.series == "all" {
        let file = a.out.join("series.parquet");
        let rows = usdm_sim::export::write_series(&setup, &config, &file)
            .map_err(|e| CliError::new(e.to_string()))?;
        Some((file, rows))
    } else {
        None
    };
    if json {
        let mut v = report::ensemble_json(&e, &command);
        v["report"] = serde_json::json!(written.html.display().to_string());
        if let Some((file, rows)) = &parquet {
            v["series_parquet"] =
                serde_json::json!({"file": file.display().to_string(), "rows": rows});
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_ensemble(&e, &fields);
        println!("  report: {}", written.html.display());
        println!(
            "  data:   {} (outcomes.csv, fan.csv, below_097.csv, since_break.csv, typical_path.csv, worst_path.csv, summary.json)",
            a.out.display()
        );
        if let Some((file, rows)) = &parquet {
            println!(
                "  series: {} ({rows} rows: every path's samples)",
                file.display()
            );
        }
    }
    Ok(())
}

/// A recorded run read back for `--replay` (an unreadable or unrecorded file is a usage
/// error: the flag names the wrong thing).
fn replay(file: &std::path::Path) -> CliResult<usdm_sim::provenance::Replay> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::usage(format!(
            "--replay {}: cannot read it ({e}); give the summary.json an earlier `usdm simulate` wrote",
            file.display()
        ))
    })?;
    usdm_sim::provenance::Replay::from_record(&text, &file.display().to_string())
        .map_err(|e| CliError::usage(format!("--replay: {e}")))
}

/// What `--set key=value` flags change (see [`usdm_sim::scenario::changes_from_sets`]); a bad
/// one is a malformed command line.
fn overrides(
    sets: &[String],
    scenario: &Scenario,
) -> CliResult<(Vec<ParamChange>, Vec<FieldChange>)> {
    usdm_sim::scenario::changes_from_sets(sets, scenario).map_err(CliError::usage)
}

/// A refused `--set`: the flag, then the field at fault when a scenario field was set.
fn set_error(spec: &str, e: ScenarioError) -> CliError {
    CliError::usage(usdm_sim::scenario::set_error(spec, e))
}

/// Runs `usdm sweep`.
pub fn sweep(a: &SweepArgs, json: bool) -> CliResult<()> {
    let config = config(a.paths, &a.run, false)?;
    let scenario = load(&a.scenario)?;
    let mut axes = vec![Axis::presets(&a.preset).map_err(CliError::usage)?];
    let sets = if a.set.is_empty() {
        vec![DEFAULT_SWEEP_AXIS.to_string()]
    } else {
        a.set.clone()
    };
    for spec in &sets {
        axes.push(Axis::parse(spec, &scenario).map_err(|e| set_error(spec, e))?);
    }
    sweep::check_distinct(&axes).map_err(|e| CliError::usage(format!("--set: {e}")))?;
    out_dir(&a.out)?;
    let precision = match &a.until_ci {
        None => None,
        Some(w) => {
            let width: f64 = w
                .trim()
                .parse()
                .ok()
                .filter(|x: &f64| *x > 0.0 && *x < 1.0)
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "--until-ci '{w}': give the widest interval accepted as a fraction between 0 and 1, e.g. 0.05"
                    ))
                })?;
            if a.max_paths < a.paths {
                return Err(CliError::usage(format!(
                    "--max-paths {} is below --paths {}: a point runs at least one batch",
                    a.max_paths, a.paths
                )));
            }
            Some(sweep::Precision {
                width,
                max_paths: a.max_paths,
            })
        }
    };
    let sw =
        sweep::run(scenario, axes, &config, precision).map_err(|e| CliError::new(e.to_string()))?;
    let command = command_line();
    let written = report::write_sweep(&sw, &a.out, &command).map_err(|err| {
        CliError::new(format!(
            "cannot write the report to {}: {err}",
            a.out.display()
        ))
    })?;
    if json {
        let mut v = report::sweep_json(&sw, &command);
        v["report"] = serde_json::json!(written.html.display().to_string());
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let paths = match sw.precision {
        Some(p) => format!(
            "{}-{} paths (until every 95% interval is at most {:.1} points wide, at most {})",
            sw.points.iter().map(|p| p.summary.paths).min().unwrap_or(0),
            sw.points.iter().map(|p| p.summary.paths).max().unwrap_or(0),
            p.width * 100.0,
            p.max_paths
        ),
        None => format!("{} paths", sw.config.paths),
    };
    println!(
        "sweep of {}: {} points x {}, seed {}",
        sw.scenario.name,
        sw.points.len(),
        paths,
        sw.config.seed
    );
    let mut headers: Vec<String> = sw.axes.iter().map(|a| a.name.clone()).collect();
    headers.extend(
        [
            "paths",
            "P(broke)",
            "P(off peg)",
            "P(spiral)",
            "max depeg p50",
            "h < $0.97 p50",
            "XMS dilution p50",
        ]
        .map(String::from),
    );
    let mut t = Table::new(headers);
    let mut any_flag = false;
    for p in &sw.points {
        let flag = |name: &str| {
            if p.unresolved.iter().any(|u| u.estimate == name) {
                "*"
            } else {
                ""
            }
        };
        any_flag |= !p.unresolved.is_empty();
        let sm = &p.summary;
        let mut row = p.labels.clone();
        row.push(sm.paths.to_string());
        row.push(format!("{}{}", report::prob(&sm.p_break), flag("p_break")));
        row.push(format!(
            "{}{}",
            report::prob(&sm.p_off_peg),
            flag("p_off_peg")
        ));
        row.push(format!(
            "{}{}",
            report::prob(&sm.p_death_spiral),
            flag("p_death_spiral")
        ));
        row.push(format!(
            "{}{}",
            report::estimate("max_depeg", &sm.median("max_depeg")),
            flag("max_depeg_p50")
        ));
        row.push(report::estimate(
            "hours_below_097",
            &sm.median("hours_below_097"),
        ));
        row.push(report::estimate("xms_dilution", &sm.median("xms_dilution")));
        t.row(row);
    }
    println!("{t}");
    if a.split {
        println!("  split outcomes: medians over the paths that broke the peg and over those that never fell below $0.97");
        println!("{}", sweep_split_table(&sw));
    }
    println!("  [..]: 95% interval (? where too few paths bound that end)");
    if any_flag {
        println!(
            "  *: differs from a neighbouring point by less than the noise (the intervals overlap)"
        );
    }
    println!(
        "  {:.1} s, {:.2}M blocks/s",
        sw.elapsed.as_secs_f64(),
        sw.blocks() as f64 / sw.elapsed.as_secs_f64().max(1e-9) / 1e6
    );
    println!("  report: {}", written.html.display());
    Ok(())
}

/// The machine, for benchmark records.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores available")
}

/// Runs `usdm bench`: an ensemble with no report, timed.
pub fn bench(a: &BenchArgs, json: bool) -> CliResult<()> {
    let config = config(a.paths, &a.run, false)?;
    let scenario = load(&a.scenario)?;
    let preset = preset_of(&scenario, &a.preset)?;
    let setup =
        Arc::new(Setup::new(scenario, preset, &[]).map_err(|e| CliError::new(e.to_string()))?);
    let e = montecarlo::run(setup, &config).map_err(|e| CliError::new(e.to_string()))?;
    let s = &e.setup.scenario;
    let blocks = e.config.paths * s.blocks;
    if json {
        let v = serde_json::json!({
            "scenario": s.name, "preset": e.setup.preset.to_string(), "paths": e.config.paths,
            "blocks_per_path": s.blocks, "blocks": blocks, "elapsed_seconds": e.elapsed.as_secs_f64(),
            "blocks_per_second": e.blocks_per_second(), "threads": e.threads, "machine": machine(),
            "p_break": e.summary.p_break,
            "p_off_peg": e.summary.p_off_peg,
            "p_death_spiral": e.summary.p_death_spiral,
            "p_xms_x100": e.summary.p_xms_x100,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{} under {}: {} paths x {} blocks = {} blocks in {:.2} s on {}",
            s.name,
            e.setup.preset,
            e.config.paths,
            s.blocks,
            blocks,
            e.elapsed.as_secs_f64(),
            report::plural(e.threads, "thread")
        );
        println!(
            "  {:.2}M blocks/s, {:.0} ns per block per thread",
            e.blocks_per_second() / 1e6,
            e.elapsed.as_secs_f64() * 1e9 * e.threads as f64 / blocks as f64
        );
        println!("  machine: {}", machine());
    }
    Ok(())
}

/// `usdm scenarios`: list the built-ins, or print one.
#[derive(Args, Debug)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    action: Option<ScenariosCmd>,
}

#[derive(clap::Subcommand, Debug)]
enum ScenariosCmd {
    /// Print a built-in scenario's TOML, to read or to copy and edit
    /// (`usdm scenarios show calm > my.toml`).
    Show {
        /// The built-in scenario.
        name: String,
    },
    /// The presets a run may use (`--preset`): policy, fixed ratio, pricing of redemption's
    /// XMS, breakers.
    Presets,
}

/// Runs `usdm scenarios`.
pub fn scenarios_cmd(a: &ScenariosArgs, json: bool) -> CliResult<()> {
    match &a.action {
        None => scenarios(json),
        Some(ScenariosCmd::Presets) => presets(json),
        Some(ScenariosCmd::Show { name }) => {
            let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) else {
                return Err(CliError::usage(format!(
                    "no built-in scenario '{name}'; built-in scenarios: {}",
                    BUILTIN
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({"name": name, "toml": text}))?
                );
            } else {
                print!("{text}");
            }
            Ok(())
        }
    }
}

/// Lists the presets with what sets them apart.
fn presets(json: bool) -> CliResult<()> {
    let mut t = Table::new([
        "preset",
        "policy",
        "collateral ratio",
        "redemption's XMS priced at",
        "breakers",
    ]);
    let mut list = Vec::new();
    for preset in Preset::ALL {
        let params = preset.params();
        let policy = match preset.policy() {
            usdm_core::params::PolicyKind::Mars => "mars",
            usdm_core::params::PolicyKind::Frax => "frax",
        };
        let ratio = match (preset.fixed_collateral_ratio(), preset.policy()) {
            (Some(cr), _) => match preset.fixed_redemption_ratio() {
                Some(r) if r != cr => format!("mint {cr}, redeem {r}, fixed (controller paused)"),
                _ => format!("{cr} fixed (controller paused)"),
            },
            (None, usdm_core::params::PolicyKind::Frax) => "100% at start, controller free".into(),
            (None, _) => "mint 100%, redeem 0%".into(),
        };
        let pricing = match params.redemption_share_pricing {
            SharePricing::ProtocolFavouring => "max(spot, TWAP)",
            SharePricing::Twap => "TWAP alone (unsafe; refused on chain)",
        };
        let b = &params.breakers;
        let breakers = if b.redemption_outflow.is_none() && b.xms_minted.is_none() {
            "off".to_string()
        } else {
            let show = |r: Option<Ratio>| r.map_or("off".to_string(), |r| r.to_string());
            format!(
                "outflow {}, XMS minted {} per epoch",
                show(b.redemption_outflow),
                show(b.xms_minted)
            )
        };
        t.row([
            preset.name().to_string(),
            policy.to_string(),
            ratio.clone(),
            pricing.to_string(),
            breakers.clone(),
        ]);
        list.push(serde_json::json!({
            "name": preset.name(),
            "policy": policy,
            "fixed_collateral_ratio": preset.fixed_collateral_ratio().map(|r| r.to_decimal()),
            "fixed_redemption_ratio": preset.fixed_redemption_ratio().map(|r| r.to_decimal()),
            "redemption_share_pricing": params.redemption_share_pricing.name(),
            "breakers": {
                "redemption_outflow": b.redemption_outflow.map(|r| r.to_decimal()),
                "xms_minted": b.xms_minted.map(|r| r.to_decimal()),
            },
        }));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        print!("{t}");
    }
    Ok(())
}

/// Lists the built-in scenarios.
pub fn scenarios(json: bool) -> CliResult<()> {
    let mut t = Table::new(["scenario", "length", "description"]);
    let mut list = Vec::new();
    for (name, _) in BUILTIN {
        let s = Scenario::builtin(name)
            .ok_or_else(|| CliError::new(format!("missing built-in {name}")))?
            .map_err(|e| CliError::new(e.to_string()))?;
        let days = (s.blocks * s.block_seconds) as f64 / 86_400.0;
        t.row([
            format!(
                "{}{}",
                s.name,
                if s.name == DEFAULT_SCENARIO {
                    " (default)"
                } else {
                    ""
                }
            ),
            format!("{days:.0} d"),
            s.description.clone(),
        ]);
        list.push(serde_json::json!({"name": s.name, "days": days, "description": s.description}));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        print!("{t}");
        println!(
            "  run one: usdm simulate NAME [--preset mars|mars-guarded|frax|iron] [--paths N]"
        );
        println!("  print one to copy and edit: usdm scenarios show NAME > my.toml");
        println!("  the presets: usdm scenarios presets");
        println!("  write your own: see scenarios/README.md");
    }
    Ok(())
}

/// Runs `usdm reference`: the small model shared with the cadCAD benchmark (`bench/`).
pub fn reference(a: &ReferenceArgs, json: bool) -> CliResult<()> {
    if a.runs == 0 {
        return Err(CliError::usage("--runs must be at least 1".into()));
    }
    montecarlo::check_threads(a.threads).map_err(CliError::usage)?;
    let params = usdm_sim::reference::RefParams::default();
    let started = std::time::Instant::now();
    let outcomes = montecarlo::with_threads(a.threads, || {
        usdm_sim::reference::run(&params, a.runs, a.steps, a.seed)
    });
    let seconds = started.elapsed().as_secs_f64();
    if json {
        let v = serde_json::json!({
            "runs": a.runs, "steps": a.steps, "seed": a.seed, "elapsed_seconds": seconds,
            "threads": a.threads.unwrap_or_else(rayon_threads), "params": params, "outcomes": outcomes,
        });
        println!("{}", serde_json::to_string(&v)?);
    } else {
        let mut d: Vec<f64> = outcomes.iter().map(|o| o.dilution).collect();
        let q = montecarlo::percentiles(&mut d);
        println!(
            "reference model: {} runs x {} steps in {:.3} s ({:.0} ns per step per thread)",
            a.runs,
            a.steps,
            seconds,
            seconds * 1e9 * a.threads.unwrap_or_else(rayon_threads) as f64
                / (a.runs * a.steps).max(1) as f64
        );
        println!(
            "  XMS dilution: median {}, 5th pct {}, 95th pct {}",
            format_outcome("xms_dilution", q[2]),
            format_outcome("xms_dilution", q[0]),
            format_outcome("xms_dilution", q[4])
        );
        println!("  compare with cadCAD: bench/run.sh");
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
