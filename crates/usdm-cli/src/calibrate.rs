//! `usdm calibrate`: fits a scenario's behavioural parameters to its record or to shape
//! targets (the work is `usdm_sim::calibrate`; this parses flags and prints the fit).

use crate::format::{CliError, CliResult};
use crate::table::Table;
use clap::Args;
use std::path::PathBuf;
use usdm_sim::calibrate::{self, CalibrateConfig};
use usdm_sim::montecarlo;
use usdm_sim::scenario::Scenario;

/// `usdm calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Built-in scenarios or scenario files: one, or several for a joint fit (every candidate
    /// runs in each and the losses add up).
    #[arg(required = true)]
    scenarios: Vec<String>,
    /// Preset the candidates run (default: each scenario's own).
    #[arg(long)]
    preset: Option<String>,
    /// A scenario field to fit within bounds, `KEY=LO..HI` (repeatable), e.g.
    /// `agents.farmers.share=0.2..0.9`, set in every scenario of the fit, or
    /// `SCENARIO:KEY=LO..HI` for one scenario's own (a market fact in a joint fit); a range
    /// spanning 20-fold or more is searched in log space.
    #[arg(long = "fit", value_name = "[SCENARIO:]KEY=LO..HI", required = true)]
    fit: Vec<String>,
    /// A scenario field held at a value for the whole fit, `KEY=VALUE` or `SCENARIO:KEY=VALUE`
    /// (repeatable): an assumption a study pins, e.g. `iron-2021:market.xms_floor_depth=167000000`.
    #[arg(long = "set", value_name = "[SCENARIO:]KEY=VALUE")]
    set: Vec<String>,
    /// What to fit (repeatable; the losses add up): `record` (the scenario's `[record]`), a named
    /// shape (`terra-shape`, `iron-shape`), or an outcome's median within a range,
    /// `STAT=LO..HI` with either end open (`xms_dilution=1000..`). With several scenarios,
    /// `SCENARIO:TARGET` gives a target to one of them (`terra-2022:terra-shape`); a target
    /// without a scenario applies to all. Default: `record`, for a scenario that has one.
    #[arg(long = "target", value_name = "TARGET")]
    target: Vec<String>,
    /// Monte Carlo paths per candidate (the same paths for every candidate of a restart).
    #[arg(long, default_value_t = 20)]
    paths: u64,
    /// Candidates evaluated per restart.
    #[arg(long, default_value_t = 40)]
    budget: usize,
    /// Restarts, each on its own seed (the spread of the fit across them is its uncertainty).
    #[arg(long, default_value_t = 3)]
    restarts: usize,
    /// Directory for the fitted scenarios (`NAME.toml` for each) and `calibration.json`.
    #[arg(long, default_value = "usdm-calibration")]
    out: PathBuf,
    /// Seed of the first restart (restart r uses seed + r).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `usdm calibrate`.
pub fn calibrate(a: &CalibrateArgs, json: bool) -> CliResult<()> {
    let mut scenarios = Vec::new();
    for name in &a.scenarios {
        scenarios.push(Scenario::load(name).map_err(|e| {
            if e.line == 0 && e.message.starts_with("neither a built-in") {
                CliError::usage(e.to_string())
            } else {
                CliError::new(e.to_string())
            }
        })?);
    }
    let preset = a
        .preset
        .as_ref()
        .map(|p| {
            p.parse()
                .map_err(|e| CliError::usage(format!("--preset {p}: {e}")))
        })
        .transpose()?;
    montecarlo::check_threads(a.threads).map_err(CliError::usage)?;
    let fit = calibrate::fit_params(&a.fit).map_err(CliError::usage)?;
    let given =
        calibrate::with_settings(a.scenarios.iter().cloned().zip(scenarios).collect(), &a.set)
            .map_err(CliError::usage)?;
    let problems = calibrate::problems(given, preset, &a.target).map_err(CliError::usage)?;
    calibrate::check_bounds(&problems, &fit).map_err(CliError::usage)?;
    if a.paths == 0 || a.restarts == 0 || a.budget < 2 {
        return Err(CliError::usage(
            "--paths and --restarts must be at least 1, --budget at least 2".into(),
        ));
    }
    // Refuse an unwritable --out before any computation.
    usdm_sim::report::prepare_dir(&a.out).map_err(|e| {
        CliError::usage(format!(
            "--out {}: cannot write there ({e}); name a directory that is or can be created and written",
            a.out.display()
        ))
    })?;
    let config = CalibrateConfig {
        fit,
        paths: a.paths,
        budget: a.budget,
        restarts: a.restarts,
        seed: a.seed,
        threads: a.threads,
        progress: !a.quiet && !json,
    };
    let cal = calibrate::calibrate(&problems, &config).map_err(CliError::new)?;
    let write = |file: PathBuf, text: &str| {
        std::fs::write(&file, text)
            .map_err(|e| CliError::new(format!("cannot write {}: {e}", file.display())))
            .map(|_| file)
    };
    let mut files = Vec::new();
    for (name, text) in &cal.scenarios {
        files.push(write(a.out.join(format!("{name}.toml")), text)?);
    }
    let mut v = cal.to_json();
    v["scenario_files"] = serde_json::json!(files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>());
    write(
        a.out.join("calibration.json"),
        &serde_json::to_string_pretty(&v)?,
    )?;
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let names: Vec<String> = cal
        .problems
        .iter()
        .map(|(n, p, _)| format!("{n} under {p}"))
        .collect();
    println!(
        "{}: {} restarts of {} candidates, {} paths each, in {:.0} s",
        names.join(" and "),
        config.restarts,
        config.budget,
        config.paths,
        cal.elapsed.as_secs_f64()
    );
    println!();
    let mut t = Table::new([
        "fitted",
        "best",
        "median across restarts",
        "range across restarts",
        "bounds",
    ]);
    for (i, p) in config.fit.iter().enumerate() {
        let (value, median, lo, hi) = cal.spread(i);
        t.row([
            p.label(),
            num(value),
            num(median),
            format!("[{}, {}]", num(lo), num(hi)),
            format!(
                "{} to {}{}",
                num(p.lo),
                num(p.hi),
                if p.log { " (log)" } else { "" }
            ),
        ]);
    }
    print!("{}", t.render());
    println!();
    let best = &cal.restarts[cal.best];
    let mut t = Table::new(["target", "loss (0: met)"]);
    for ((name, _, targets), parts) in cal.problems.iter().zip(&best.parts) {
        for (target, loss) in targets.iter().zip(parts) {
            t.row([format!("{name}: {}", target.label()), format!("{loss:.3}")]);
        }
    }
    t.row([
        "total, on the fitting seed".to_string(),
        format!("{:.3}", best.loss),
    ]);
    t.row([
        "total, on fresh paths".to_string(),
        format!("{:.3}", best.fresh_loss),
    ]);
    t.row([
        "the scenarios as they were".to_string(),
        format!("{:.3}", cal.start_loss),
    ]);
    print!("{}", t.render());
    println!();
    let mut t = Table::new(["restart", "seed", "loss", "on fresh paths"]);
    for (i, r) in cal.restarts.iter().enumerate() {
        t.row([
            format!("{}{}", i + 1, if i == cal.best { " (best)" } else { "" }),
            r.seed.to_string(),
            format!("{:.3}", r.loss),
            format!("{:.3}", r.fresh_loss),
        ]);
    }
    print!("{}", t.render());
    println!();
    for ((_, preset, _), file) in cal.problems.iter().zip(&files) {
        println!(
            "  fitted: {} (usdm simulate {} --preset {preset})",
            file.display(),
            file.display()
        );
    }
    println!("  data:   {}", a.out.join("calibration.json").display());
    Ok(())
}

/// A fitted value with enough digits to set it again.
fn num(v: f64) -> String {
    if v != 0.0 && (v.abs() < 0.001 || v.abs() >= 1e6) {
        format!("{v:.3e}")
    } else {
        format!("{}", (v * 1e6).round() / 1e6)
    }
}
