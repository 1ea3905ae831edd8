//! `usdm recommend`: the parameters a protocol team should instantiate, with the evidence (the
//! search is `usdm_sim::recommend`; this parses flags, writes the files and prints the front).

use crate::format::{CliError, CliResult};
use crate::table::Table;
use clap::Args;
use std::path::{Path, PathBuf};
use usdm_sim::recommend::{self as rec, Checkpoint, Failure, OBJECTIVES};

/// `usdm recommend`.
#[derive(Args, Debug)]
pub struct RecommendArgs {
    /// The scenarios and their weights: a TOML file of `[[member]]` tables (`scenario`,
    /// `weight`, `calm`). Default: the built-ins, calm markets half the weight.
    #[arg(long)]
    ensemble: Option<PathBuf>,
    /// Candidates to search, the reference (the values in force, or `mars-guarded`) included.
    #[arg(long)]
    candidates: Option<usize>,
    /// Paths per scenario in the first round (every round doubles them for the candidates
    /// still in contention).
    #[arg(long)]
    paths: Option<u64>,
    /// Paths per scenario a candidate may reach.
    #[arg(long)]
    max_paths: Option<u64>,
    /// An upper bound on an objective's interval, `OBJECTIVE=VALUE` (repeatable), tested
    /// against the interval's upper end: `--max p_death_spiral=1%`.
    #[arg(long = "max", value_name = "OBJECTIVE=VALUE")]
    max: Vec<String>,
    /// A lower bound, tested against the interval's lower end: `--min capital_efficiency=0.5`.
    #[arg(long = "min", value_name = "OBJECTIVE=VALUE")]
    min: Vec<String>,
    /// The hub's `config` query answer (JSON): search from the parameters in force, and write
    /// the governance messages that move the hub to the chosen point.
    #[arg(long)]
    from: Option<PathBuf>,
    /// With `--from`: how far a value may move from the one in force, `10%` or `0.1`.
    #[arg(long)]
    max_step: Option<String>,
    /// The candidate whose messages are written (default: the front's lowest P(death spiral),
    /// then lowest P(off peg), then highest capital efficiency).
    #[arg(long)]
    pick: Option<usize>,
    /// Seed of the paths (the same for every candidate) and of the candidates.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// A small search (12 candidates, 4 to 8 paths a scenario), a minute or two.
    #[arg(long)]
    quick: bool,
    /// Continue the search in `--out` from its `checkpoint.json` (the same flags it was
    /// started with).
    #[arg(long)]
    resume: bool,
    /// Directory for `front.json`, `front.csv`, `candidates.csv`, `instantiate.json`,
    /// `configure.json`, `governance.json` (with `--from`), `report.html`, `checkpoint.json`.
    #[arg(long, default_value = "usdm-recommend")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn write(file: PathBuf, text: &str) -> CliResult<PathBuf> {
    std::fs::write(&file, text)
        .map_err(|e| CliError::new(format!("cannot write {}: {e}", file.display())))
        .map(|_| file)
}

/// Writes the checkpoint through a temporary file, so a stop mid-write leaves the last one.
fn save_checkpoint(path: &Path, c: &Checkpoint) -> Result<(), String> {
    let text = serde_json::to_string(c).map_err(|e| e.to_string())?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn read_json(path: &Path, what: &str) -> CliResult<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("{what} {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{what} {}: not JSON: {e}", path.display())))
}

/// Runs `usdm recommend`.
pub fn recommend(a: &RecommendArgs, json: bool) -> CliResult<()> {
    let req = rec::Request {
        ensemble: a.ensemble.clone(),
        candidates: a.candidates,
        paths: a.paths,
        max_paths: a.max_paths,
        max: a.max.clone(),
        min: a.min.clone(),
        from: a
            .from
            .as_deref()
            .map(|f| read_json(f, "--from"))
            .transpose()?,
        max_step: a.max_step.clone(),
        pick: a.pick,
        seed: a.seed,
        threads: a.threads,
        quick: a.quick,
        progress: !a.quiet && !json,
    };
    let failure = |f: Failure| match f {
        Failure::Usage(m) => CliError::usage(m),
        Failure::Refused(m) => CliError::new(m),
    };
    // Every flag checked before the output directory is touched.
    rec::prepare(&req).map_err(failure)?;
    usdm_sim::report::prepare_dir(&a.out).map_err(|e| {
        CliError::usage(format!(
            "--out {}: cannot write there ({e}); name a directory that is or can be created and written",
            a.out.display()
        ))
    })?;
    let checkpoint = a.out.join("checkpoint.json");
    let resume = if a.resume {
        let v = read_json(&checkpoint, "--resume: the checkpoint")?;
        Some(
            serde_json::from_value::<Checkpoint>(v)
                .map_err(|e| CliError::usage(format!("--resume: {}: {e}", checkpoint.display())))?,
        )
    } else {
        None
    };
    let mut last_save: Option<std::time::Instant> = None;
    let save = |c: &Checkpoint| -> Result<(), String> {
        if last_save.is_some_and(|t| t.elapsed().as_secs() < 5) {
            return Ok(());
        }
        last_save = Some(std::time::Instant::now());
        save_checkpoint(&checkpoint, c)
    };
    let answer = rec::answer(&req, resume, save, None).map_err(failure)?;
    let r = &answer.recommendation;
    // The final state, whatever the save interval skipped.
    save_checkpoint(&checkpoint, &r.checkpoint).map_err(CliError::new)?;
    let mut v = answer.json.clone();
    let mut files = vec![
        write(a.out.join("front.csv"), &r.csv(true))?,
        write(a.out.join("candidates.csv"), &r.csv(false))?,
        write(a.out.join("report.html"), &rec::report_html(r))?,
    ];
    if let Some(inst) = &answer.instantiate {
        files.push(write(
            a.out.join("instantiate.json"),
            &serde_json::to_string_pretty(inst)?,
        )?);
        files.push(write(
            a.out.join("configure.json"),
            &serde_json::to_string_pretty(&answer.configure)?,
        )?);
    }
    if let Some(moves) = &answer.governance {
        files.push(write(
            a.out.join("governance.json"),
            &serde_json::to_string_pretty(moves)?,
        )?);
    }
    files.push(checkpoint.clone());
    files.push(a.out.join("front.json"));
    v["files"] = serde_json::json!(files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>());
    write(a.out.join("front.json"), &serde_json::to_string_pretty(&v)?)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "{} candidates over {}: {} paths, {:.0} s",
        r.candidates.len(),
        r.ensemble_label(),
        r.paths_run,
        r.elapsed.as_secs_f64()
    );
    println!();
    let mut head = vec![
        "candidate".to_string(),
        "status".to_string(),
        "paths".to_string(),
    ];
    head.extend(OBJECTIVES.iter().map(|(n, ..)| n.to_string()));
    let mut t = Table::new(head);
    let cell = |o: &rec::Interval| {
        if o.value.is_finite() {
            format!("{} [{}, {}]", short(o.value), short(o.lo), short(o.hi))
        } else {
            "-".into()
        }
    };
    for i in r.front() {
        let mut row = vec![
            format!(
                "{}{}",
                r.candidates[i].id,
                if r.chosen == Some(i) { " (chosen)" } else { "" }
            ),
            format!("{:?}", r.status[i]).to_lowercase(),
            r.scores[i]
                .iter()
                .map(|s| s.len())
                .min()
                .unwrap_or(0)
                .to_string(),
        ];
        row.extend(r.objectives[i].iter().map(cell));
        t.row(row);
    }
    print!("{}", t.render());
    println!();
    println!("  [..]: 95% interval; unresolved: beaten on the estimates but not with intervals apart (not ranked)");
    if let Some(i) = r.chosen {
        let c = &r.candidates[i];
        println!(
            "  chosen: candidate {} (hub preset {}): usdm simulate SCENARIO {}",
            c.id,
            c.deploy_preset().name(),
            c.flags().join(" ")
        );
    } else {
        println!(
            "  no candidate meets every bound on its whole interval: relax a bound or add paths"
        );
    }
    println!(
        "  wrote {}",
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// A number in four significant digits.
fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e4 {
        format!("{x:.3e}")
    } else {
        let d = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{x:.d$}")
    }
}
