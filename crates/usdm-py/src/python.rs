//! The Python module `usdm._usdm`. Every function releases the GIL while the simulator runs;
//! a watcher on the calling thread reports progress to an optional callback and turns Ctrl-C
//! into a stop between paths. The Python package (`python/usdm`) wraps these in DataFrames.

use crate::chunk;
use crate::input::{self, Refusal, Source};
use clap::Parser;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use usdm_sim::metrics::{Column, OutcomeColumn, PathMetrics, OUTCOME_COLUMNS, SERIES_COLUMNS};
use usdm_sim::montecarlo::{self, Control, Ensemble, McConfig};
use usdm_sim::report;
use usdm_sim::sweep::{self, Axis, Precision, Sweep};
use usdm_sim::world::SimError;

create_exception!(_usdm, UsdmError, PyValueError, "A request usdm refused.");
create_exception!(
    _usdm,
    UsageError,
    UsdmError,
    "A malformed request: a name that does not exist, a value that does not parse (the CLI's exit code 2)."
);
create_exception!(
    _usdm,
    RefusedError,
    UsdmError,
    "A well-formed request that cannot be run or quoted (the CLI's exit code 1)."
);

fn refusal(r: Refusal) -> PyErr {
    match r {
        Refusal::Usage(m) => UsageError::new_err(m),
        Refusal::Refused(m) => RefusedError::new_err(m),
    }
}

fn sim_error(e: SimError) -> PyErr {
    match e {
        SimError::Cancelled => pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted"),
        e => RefusedError::new_err(e.to_string()),
    }
}

fn source<'a>(scenario: &'a str, is_json: bool) -> Source<'a> {
    if is_json {
        Source::Json(scenario)
    } else {
        Source::NameOrPath(scenario)
    }
}

fn config(paths: u64, seed: u64, threads: Option<usize>, series: bool) -> PyResult<McConfig> {
    if paths == 0 {
        return Err(UsageError::new_err("paths must be at least 1"));
    }
    montecarlo::check_threads(threads).map_err(UsageError::new_err)?;
    Ok(McConfig {
        paths,
        seed,
        threads,
        progress: false,
        check_invariants: false,
        series,
    })
}

/// Runs `work` with the GIL released; every 100 ms calls `progress(done, total)` and checks for
/// Ctrl-C, which stops the run between paths and raises `KeyboardInterrupt`.
fn watch<T: Send>(
    py: Python<'_>,
    total: u64,
    progress: Option<&PyObject>,
    control: &Control,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    let (out, interrupted) = py.allow_threads(|| {
        std::thread::scope(|scope| {
            let handle = scope.spawn(work);
            let mut interrupted = false;
            while !handle.is_finished() {
                std::thread::sleep(Duration::from_millis(100));
                Python::with_gil(|py| {
                    if let Some(cb) = progress {
                        let _ = cb.call1(py, (control.done.load(Ordering::Relaxed), total));
                    }
                    if py.check_signals().is_err() {
                        control.cancel.store(true, Ordering::Relaxed);
                        interrupted = true;
                    }
                });
            }
            (handle.join(), interrupted)
        })
    });
    if let Some(cb) = progress {
        let _ = cb.call1(py, (control.done.load(Ordering::Relaxed), total));
    }
    if interrupted {
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(
            "interrupted: the paths already started finished, the rest were skipped",
        ));
    }
    out.map_err(panic_error)
}

/// A panic caught from a worker thread as Python's `PanicException`, with its message: the
/// `sim` profile unwinds, so a bug in the simulator surfaces as an exception in the caller
/// (or a failed Ray task) instead of killing the interpreter.
fn panic_error(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic with no message".into());
    pyo3::panic::PanicException::new_err(format!("internal error in the simulator: {message}"))
}

/// For the tests that a Rust panic reaches Python as `PanicException`: panics `here` (in the
/// calling thread, caught at the call's boundary) or in a worker thread of a watched run.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>, in_worker: bool) -> PyResult<()> {
    if !in_worker {
        panic!("a panic the tests asked for");
    }
    watch(py, 1, None, &Control::default(), || -> () {
        panic!("a panic the tests asked for, in a worker")
    })
}

fn columns<'py, T>(
    py: Python<'py>,
    rows: &[T],
    ints: impl Fn(&T, usize) -> Option<u64>,
    names: &[&str],
    floats: impl Fn(&T, usize) -> Option<f64>,
    bools: impl Fn(&T, usize) -> Option<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, name) in names.iter().enumerate() {
        if rows.first().is_some_and(|r| ints(r, k).is_some()) {
            let v: Vec<u64> = rows.iter().filter_map(|r| ints(r, k)).collect();
            d.set_item(*name, v)?;
        } else if rows.first().is_some_and(|r| bools(r, k).is_some()) {
            let v: Vec<bool> = rows.iter().filter_map(|r| bools(r, k)).collect();
            d.set_item(*name, v)?;
        } else {
            let v: Vec<f64> = rows.iter().filter_map(|r| floats(r, k)).collect();
            d.set_item(*name, v)?;
        }
    }
    Ok(d)
}

/// A finished Monte Carlo run.
#[pyclass(module = "usdm._usdm", frozen)]
pub struct Run {
    ensemble: Ensemble,
    command: String,
}

#[pymethods]
impl Run {
    /// The same document as `summary.json` (and `usdm --json simulate`), as JSON text.
    fn summary_json(&self) -> String {
        report::ensemble_json(&self.ensemble, &self.command).to_string()
    }

    /// One column per outcome (the columns of `outcomes.csv`), one row per path.
    fn outcomes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let names: Vec<&str> = OUTCOME_COLUMNS.iter().map(|c| c.0).collect();
        columns(
            py,
            &self.ensemble.outcomes,
            |o, k| match OUTCOME_COLUMNS[k].1 {
                OutcomeColumn::Int(f) => Some(f(o)),
                _ => None,
            },
            &names,
            |o, k| match OUTCOME_COLUMNS[k].1 {
                OutcomeColumn::Float(f) => Some(f(o)),
                _ => None,
            },
            |o, k| match OUTCOME_COLUMNS[k].1 {
                OutcomeColumn::Bool(f) => Some(f(o)),
                _ => None,
            },
        )
    }

    /// The fan charts in long form: metric, hours, p5, p5_lo, p5_hi, ... p95_hi (as `fan.csv`).
    fn fan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let e = &self.ensemble;
        let mut metric = Vec::new();
        let mut hours = Vec::new();
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 15];
        for fan in &e.fans {
            for (h, q) in e.hours.iter().zip(&fan.estimates) {
                metric.push(fan.metric);
                hours.push(*h);
                for (k, est) in q.0.iter().enumerate() {
                    cols[3 * k].push(est.value);
                    cols[3 * k + 1].push(est.lo.unwrap_or(f64::NAN));
                    cols[3 * k + 2].push(est.hi.unwrap_or(f64::NAN));
                }
            }
        }
        d.set_item("metric", metric)?;
        d.set_item("hours", hours)?;
        for (k, (_, q)) in usdm_sim::stats::QUANTILES.iter().enumerate() {
            d.set_item(*q, cols[3 * k].clone())?;
            d.set_item(format!("{q}_lo"), cols[3 * k + 1].clone())?;
            d.set_item(format!("{q}_hi"), cols[3 * k + 2].clone())?;
        }
        Ok(d)
    }

    /// A path's full series (`"typical"` or `"worst"`), one column per metric, one row per
    /// sample; `None` when series were not kept.
    fn series<'py>(&self, py: Python<'py>, which: &str) -> PyResult<Option<Bound<'py, PyDict>>> {
        let m: Option<&PathMetrics> = match which {
            "typical" => self.ensemble.median.as_ref(),
            "worst" => self.ensemble.worst.as_ref(),
            other => {
                return Err(UsageError::new_err(format!(
                    "series '{other}': accepted: typical, worst"
                )))
            }
        };
        let Some(m) = m else { return Ok(None) };
        let names: Vec<&str> = SERIES_COLUMNS.iter().map(|c| c.0).collect();
        columns(
            py,
            &m.series,
            |x, k| match SERIES_COLUMNS[k].1 {
                Column::Int(f) => Some(f(x)),
                Column::Float(_) => None,
            },
            &names,
            |x, k| match SERIES_COLUMNS[k].1 {
                Column::Float(f) => Some(f(x)),
                Column::Int(_) => None,
            },
            |_, _| None,
        )
        .map(Some)
    }

    /// Writes the HTML report, CSVs and `summary.json` into `dir`; returns the report's path.
    fn report(&self, py: Python<'_>, dir: &str) -> PyResult<String> {
        let dir = std::path::PathBuf::from(dir);
        py.allow_threads(|| report::write_ensemble(&self.ensemble, &dir, &self.command))
            .map(|w| w.html.display().to_string())
            .map_err(|e| {
                RefusedError::new_err(format!("cannot write the report to {}: {e}", dir.display()))
            })
    }
}

/// Runs `paths` paths of a scenario (see `usdm.simulate`).
#[pyfunction]
#[pyo3(signature = (scenario, is_json, preset, paths, seed, sets, threads, command, progress=None, series=true))]
#[allow(clippy::too_many_arguments)]
fn simulate(
    py: Python<'_>,
    scenario: &str,
    is_json: bool,
    preset: Option<&str>,
    paths: u64,
    seed: u64,
    sets: Vec<String>,
    threads: Option<usize>,
    command: String,
    progress: Option<PyObject>,
    series: bool,
) -> PyResult<Run> {
    let config = config(paths, seed, threads, series)?;
    let setup = input::setup(source(scenario, is_json), preset, &sets).map_err(refusal)?;
    let control = Control::default();
    let e = watch(py, paths, progress.as_ref(), &control, || {
        montecarlo::run_with(setup, &config, &control)
    })?
    .map_err(sim_error)?;
    Ok(Run {
        ensemble: e,
        command,
    })
}

/// Runs paths `start..end` and returns them encoded (the task of a distributed run).
#[pyfunction]
#[pyo3(signature = (scenario, is_json, preset, sets, seed, start, end, series, threads=None))]
#[allow(clippy::too_many_arguments)]
fn run_chunk<'py>(
    py: Python<'py>,
    scenario: &str,
    is_json: bool,
    preset: Option<&str>,
    sets: Vec<String>,
    seed: u64,
    start: u64,
    end: u64,
    series: bool,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    if end <= start {
        return Err(UsageError::new_err(format!("empty chunk {start}..{end}")));
    }
    let config = config(end - start, seed, threads, series)?;
    let setup = input::setup(source(scenario, is_json), preset, &sets).map_err(refusal)?;
    let control = Control::default();
    let bytes = watch(py, end - start, None, &control, || {
        montecarlo::run_range(&setup, &config, start..end, &control).map(|p| chunk::encode(&p))
    })?
    .map_err(sim_error)?;
    Ok(PyBytes::new(py, &bytes))
}

/// Merges encoded chunks (in path order from 0) into a run, as a local run would have given.
#[pyfunction]
#[pyo3(signature = (scenario, is_json, preset, sets, seed, chunks, series, threads, elapsed, command))]
#[allow(clippy::too_many_arguments)]
fn merge(
    py: Python<'_>,
    scenario: &str,
    is_json: bool,
    preset: Option<&str>,
    sets: Vec<String>,
    seed: u64,
    chunks: Vec<Vec<u8>>,
    series: bool,
    threads: usize,
    elapsed: f64,
    command: String,
) -> PyResult<Run> {
    let setup = input::setup(source(scenario, is_json), preset, &sets).map_err(refusal)?;
    let e = py
        .allow_threads(|| -> Result<Ensemble, String> {
            let mut paths = Vec::new();
            for c in &chunks {
                paths.extend(chunk::decode(c)?);
            }
            let config = McConfig {
                paths: paths.len() as u64,
                seed,
                threads: None,
                progress: false,
                check_invariants: false,
                series,
            };
            montecarlo::assemble(
                setup,
                &config,
                paths,
                Duration::from_secs_f64(elapsed.max(0.0)),
                threads,
            )
            .map_err(|e| e.to_string())
        })
        .map_err(RefusedError::new_err)?;
    Ok(Run {
        ensemble: e,
        command,
    })
}

/// A finished sweep.
#[pyclass(module = "usdm._usdm", frozen)]
pub struct SweepRun {
    sweep: Sweep,
    command: String,
}

#[pymethods]
impl SweepRun {
    /// The same document as `sweep.json` (and `usdm --json sweep`), as JSON text.
    fn json(&self) -> String {
        report::sweep_json(&self.sweep, &self.command).to_string()
    }

    /// Writes the HTML report, `sweep.csv` and `sweep.json` into `dir`; returns the report's path.
    fn report(&self, py: Python<'_>, dir: &str) -> PyResult<String> {
        let dir = std::path::PathBuf::from(dir);
        py.allow_threads(|| report::write_sweep(&self.sweep, &dir, &self.command))
            .map(|w| w.html.display().to_string())
            .map_err(|e| {
                RefusedError::new_err(format!("cannot write the report to {}: {e}", dir.display()))
            })
    }
}

/// The scenario and axes of a sweep, parsed as `usdm sweep` parses them.
fn sweep_input(
    scenario: &str,
    is_json: bool,
    axes: &[String],
) -> PyResult<(Arc<usdm_sim::scenario::Scenario>, Vec<Axis>)> {
    let s = Arc::new(input::load(source(scenario, is_json)).map_err(refusal)?);
    let mut out = Vec::new();
    for spec in axes {
        match spec.split_once('=') {
            Some(("preset", list)) => out.push(Axis::presets(list).map_err(UsageError::new_err)?),
            _ => out.push(
                Axis::parse(spec, &s)
                    .map_err(|e| UsageError::new_err(usdm_sim::scenario::set_error(spec, e)))?,
            ),
        }
    }
    if out.is_empty() {
        return Err(UsageError::new_err("a sweep needs at least one axis"));
    }
    usdm_sim::sweep::check_distinct(&out).map_err(|e| UsageError::new_err(format!("axes: {e}")))?;
    Ok((s, out))
}

fn precision(until_ci: Option<f64>, max_paths: u64, paths: u64) -> PyResult<Option<Precision>> {
    match until_ci {
        None => Ok(None),
        Some(w) if w > 0.0 && w < 1.0 && max_paths >= paths => Ok(Some(Precision {
            width: w,
            max_paths,
        })),
        Some(w) => Err(UsageError::new_err(format!(
            "until_ci {w}: a width between 0 and 1 with max_paths ({max_paths}) at least paths ({paths})"
        ))),
    }
}

/// Runs a sweep (see `usdm.sweep`).
#[pyfunction]
#[pyo3(signature = (scenario, is_json, axes, paths, seed, threads, until_ci, max_paths, command, progress=None))]
#[allow(clippy::too_many_arguments)]
fn sweep_run(
    py: Python<'_>,
    scenario: &str,
    is_json: bool,
    axes: Vec<String>,
    paths: u64,
    seed: u64,
    threads: Option<usize>,
    until_ci: Option<f64>,
    max_paths: u64,
    command: String,
    progress: Option<PyObject>,
) -> PyResult<SweepRun> {
    let config = config(paths, seed, threads, false)?;
    let (s, axes) = sweep_input(scenario, is_json, &axes)?;
    let target = precision(until_ci, max_paths, paths)?;
    let specs = sweep::point_specs(&s, &axes);
    let total = specs.len() as u64;
    let control = Control::default();
    let started = Instant::now();
    let points = watch(py, total, progress.as_ref(), &control, || {
        let mut points = Vec::new();
        for spec in specs {
            if control.cancel.load(Ordering::Relaxed) {
                return Err(SimError::Cancelled);
            }
            points.push(sweep::run_point(
                &s,
                spec,
                &config,
                target,
                &indicatif::ProgressBar::hidden(),
            )?);
            control.done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(points)
    })?
    .map_err(sim_error)?;
    let threads = montecarlo::with_threads(config.threads, rayon::current_num_threads);
    Ok(SweepRun {
        sweep: sweep::assemble(s, axes, &config, target, points, started.elapsed(), threads),
        command,
    })
}

/// The number of points of a sweep.
#[pyfunction]
fn sweep_size(scenario: &str, is_json: bool, axes: Vec<String>) -> PyResult<usize> {
    let (s, axes) = sweep_input(scenario, is_json, &axes)?;
    Ok(sweep::point_specs(&s, &axes).len())
}

/// Runs point `index` of a sweep and returns its outcomes encoded (a distributed sweep's task).
#[pyfunction]
#[pyo3(signature = (scenario, is_json, axes, index, paths, seed, until_ci, max_paths, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sweep_point<'py>(
    py: Python<'py>,
    scenario: &str,
    is_json: bool,
    axes: Vec<String>,
    index: usize,
    paths: u64,
    seed: u64,
    until_ci: Option<f64>,
    max_paths: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let config = config(paths, seed, threads, false)?;
    let (s, axes) = sweep_input(scenario, is_json, &axes)?;
    let target = precision(until_ci, max_paths, paths)?;
    let spec = sweep::point_specs(&s, &axes)
        .into_iter()
        .nth(index)
        .ok_or_else(|| UsageError::new_err(format!("no sweep point {index}")))?;
    let control = Control::default();
    let bytes = watch(py, 1, None, &control, || {
        sweep::run_point(&s, spec, &config, target, &indicatif::ProgressBar::hidden())
            .map(|p| chunk::encode_outcomes(&p.outcomes))
    })?
    .map_err(sim_error)?;
    Ok(PyBytes::new(py, &bytes))
}

/// Merges encoded sweep points (in point order) into a sweep.
#[pyfunction]
#[pyo3(signature = (scenario, is_json, axes, paths, seed, until_ci, max_paths, points, threads, elapsed, command))]
#[allow(clippy::too_many_arguments)]
fn sweep_merge(
    scenario: &str,
    is_json: bool,
    axes: Vec<String>,
    paths: u64,
    seed: u64,
    until_ci: Option<f64>,
    max_paths: u64,
    points: Vec<Vec<u8>>,
    threads: usize,
    elapsed: f64,
    command: String,
) -> PyResult<SweepRun> {
    let config = config(paths, seed, None, false)?;
    let (s, axes) = sweep_input(scenario, is_json, &axes)?;
    let target = precision(until_ci, max_paths, paths)?;
    let specs = sweep::point_specs(&s, &axes);
    if specs.len() != points.len() {
        return Err(UsageError::new_err(format!(
            "{} points given for a sweep of {}",
            points.len(),
            specs.len()
        )));
    }
    let mut merged = Vec::new();
    for (spec, bytes) in specs.into_iter().zip(&points) {
        let outcomes = chunk::decode_outcomes(bytes).map_err(RefusedError::new_err)?;
        merged.push(sweep::SweepPoint {
            labels: spec.labels,
            preset: spec.preset,
            overrides: spec.overrides,
            fields: spec.fields,
            summary: montecarlo::Summary::of(&outcomes),
            outcomes,
            unresolved: Vec::new(),
        });
    }
    Ok(SweepRun {
        sweep: sweep::assemble(
            s,
            axes,
            &config,
            target,
            merged,
            Duration::from_secs_f64(elapsed.max(0.0)),
            threads,
        ),
        command,
    })
}

/// The CLI's `usdm quote ...` parser, so Python's quotes go through the same flags and code.
#[derive(Parser)]
#[command(name = "usdm-quote")]
struct QuoteLine {
    #[command(subcommand)]
    cmd: usdm_cli::quote::QuoteCmd,
}

/// An exact quote from `usdm quote` arguments (`["mint", "--cr", "0.8", ...]`), as the JSON
/// text `usdm --json quote ...` prints.
#[pyfunction]
fn quote(args: Vec<String>) -> PyResult<String> {
    let line = QuoteLine::try_parse_from(std::iter::once("quote".to_string()).chain(args))
        .map_err(|e| {
            let text = e.render().to_string();
            UsageError::new_err(
                text.lines()
                    .next()
                    .unwrap_or("bad quote arguments")
                    .trim_start_matches("error: ")
                    .to_string(),
            )
        })?;
    usdm_cli::quote::quote_json(&line.cmd)
        .map(|v| v.to_string())
        .map_err(|e| {
            if e.usage {
                UsageError::new_err(e.message)
            } else {
                RefusedError::new_err(e.message)
            }
        })
}

/// A calibration (`usdm calibrate`): `scenarios` as `(text, is_json)` pairs, `fit` and
/// `targets` as the CLI's `--fit` and `--target` specs; returns the result as the JSON text
/// `usdm --json calibrate` prints, with each fitted scenario's TOML under `scenario_texts`.
#[pyfunction]
#[pyo3(signature = (scenarios, preset, fit, targets, paths, budget, restarts, seed, threads, held=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    scenarios: Vec<(String, bool)>,
    preset: Option<String>,
    fit: Vec<String>,
    targets: Vec<String>,
    paths: u64,
    budget: usize,
    restarts: usize,
    seed: u64,
    threads: Option<usize>,
    held: Vec<String>,
) -> PyResult<String> {
    use usdm_sim::calibrate as cal;
    if scenarios.is_empty() {
        return Err(UsageError::new_err("give at least one scenario"));
    }
    let mut given = Vec::new();
    for (i, (text, is_json)) in scenarios.iter().enumerate() {
        let s = input::load(source(text, *is_json)).map_err(refusal)?;
        let label = if *is_json {
            format!("<dict {}>", i + 1)
        } else {
            text.clone()
        };
        given.push((label, s));
    }
    let preset = preset
        .map(|p| {
            p.parse::<usdm_core::params::Preset>()
                .map_err(|e| UsageError::new_err(format!("preset {p}: {e}")))
        })
        .transpose()?;
    montecarlo::check_threads(threads).map_err(UsageError::new_err)?;
    let fit = cal::fit_params(&fit).map_err(UsageError::new_err)?;
    let given = cal::with_settings(given, &held).map_err(UsageError::new_err)?;
    let problems = cal::problems(given, preset, &targets).map_err(UsageError::new_err)?;
    cal::check_bounds(&problems, &fit).map_err(UsageError::new_err)?;
    if paths == 0 || restarts == 0 || budget < 2 {
        return Err(UsageError::new_err(
            "paths and restarts must be at least 1, budget at least 2",
        ));
    }
    let config = cal::CalibrateConfig {
        fit,
        paths,
        budget,
        restarts,
        seed,
        threads,
        progress: false,
    };
    let result = py
        .allow_threads(|| cal::calibrate(&problems, &config))
        .map_err(RefusedError::new_err)?;
    let mut v = result.to_json();
    v["scenario_texts"] = serde_json::json!(result
        .scenarios
        .iter()
        .map(|(n, t)| (n.clone(), serde_json::json!(t)))
        .collect::<serde_json::Map<_, _>>());
    Ok(v.to_string())
}

/// A `usdm recommend` request from the JSON object the Python wrapper builds: the CLI's flags
/// by name (`from` is the hub's `config` answer itself).
fn recommend_request(text: &str) -> PyResult<usdm_sim::recommend::Request> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| UsageError::new_err(format!("the request is not JSON: {e}")))?;
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let uint = |k: &str| v[k].as_u64();
    Ok(usdm_sim::recommend::Request {
        ensemble: v["ensemble"].as_str().map(std::path::PathBuf::from),
        candidates: uint("candidates").map(|x| x as usize),
        paths: uint("paths"),
        max_paths: uint("max_paths"),
        max: strings("max"),
        min: strings("min"),
        from: Some(v["from"].clone()).filter(|x| !x.is_null()),
        max_step: v["max_step"].as_str().map(str::to_string),
        pick: uint("pick").map(|x| x as usize),
        seed: uint("seed").unwrap_or(42),
        threads: uint("threads").map(|x| x as usize),
        quick: v["quick"].as_bool().unwrap_or(false),
        progress: false,
    })
}

fn recommend_failure(f: usdm_sim::recommend::Failure) -> PyErr {
    match f {
        usdm_sim::recommend::Failure::Usage(m) => UsageError::new_err(m),
        usdm_sim::recommend::Failure::Refused(m) => RefusedError::new_err(m),
    }
}

/// A search for governed parameters (`usdm recommend`), `request` a JSON object of the CLI's
/// flags; `executor`, if given, is called with each batch of jobs (JSON `[[candidate, member,
/// path], ...]`) and returns their scores (JSON, in job order): how the search runs on Ray.
/// Returns `front.json`'s document as JSON text (without `files`).
#[pyfunction]
#[pyo3(signature = (request, executor=None))]
fn recommend(py: Python<'_>, request: String, executor: Option<PyObject>) -> PyResult<String> {
    use usdm_sim::recommend as rec;
    let req = recommend_request(&request)?;
    rec::prepare(&req).map_err(recommend_failure)?;
    let answer = py
        .allow_threads(|| match executor {
            None => rec::answer(&req, None, |_| Ok(()), None),
            Some(f) => {
                let mut exec = |jobs: &[rec::Job]| -> Result<Vec<rec::PathScore>, String> {
                    let text = serde_json::to_string(jobs).map_err(|e| e.to_string())?;
                    let out: String = Python::with_gil(|py| {
                        f.call1(py, (text,)).and_then(|r| r.extract::<String>(py))
                    })
                    .map_err(|e| format!("the executor failed: {e}"))?;
                    serde_json::from_str(&out).map_err(|e| format!("the executor's scores: {e}"))
                };
                rec::answer(&req, None, |_| Ok(()), Some(&mut exec))
            }
        })
        .map_err(recommend_failure)?;
    Ok(answer.json.to_string())
}

/// The scores of some of a search's jobs (JSON `[[candidate, member, path], ...]`), run here on
/// one thread: a Ray task's share of a round. Returns them as JSON, in job order.
#[pyfunction]
fn recommend_paths(py: Python<'_>, request: String, jobs: String) -> PyResult<String> {
    let req = recommend_request(&request)?;
    let jobs: Vec<usdm_sim::recommend::Job> =
        serde_json::from_str(&jobs).map_err(|e| UsageError::new_err(format!("jobs: {e}")))?;
    let scores = py
        .allow_threads(|| usdm_sim::recommend::paths_of(&req, &jobs))
        .map_err(recommend_failure)?;
    serde_json::to_string(&scores).map_err(|e| RefusedError::new_err(e.to_string()))
}

/// The built-in scenarios: `[(name, toml)]`.
#[pyfunction]
fn builtin_scenarios() -> Vec<(String, String)> {
    usdm_sim::scenario::BUILTIN
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

#[pymodule]
fn _usdm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("UsdmError", m.py().get_type::<UsdmError>())?;
    m.add("UsageError", m.py().get_type::<UsageError>())?;
    m.add("RefusedError", m.py().get_type::<RefusedError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Run>()?;
    m.add_class::<SweepRun>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(run_chunk, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_size, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_point, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_merge, m)?)?;
    m.add_function(wrap_pyfunction!(quote, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(recommend, m)?)?;
    m.add_function(wrap_pyfunction!(recommend_paths, m)?)?;
    m.add_function(wrap_pyfunction!(builtin_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    Ok(())
}
