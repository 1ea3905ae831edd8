//! Monte Carlo: many paths of one setup, in parallel, reproducibly.
//!
//! Path `i` draws from stream `i` of the seed, and results are gathered in path order, so the
//! output depends on the seed alone, never on the thread count or scheduling. After the run the
//! median and the worst path (by maximum depeg) are run again with full series for the report;
//! being deterministic, the re-run must reproduce their outcomes exactly, which is checked.

use crate::metrics::{Outcome, PathMetrics, RefusalKind, FAN_METRICS};
use crate::stats::{self, Estimate, Proportion, Quantiles};
use crate::world::{RunOptions, Setup, SimError, World};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to run an ensemble.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct McConfig {
    /// Number of paths.
    pub paths: u64,
    /// The seed.
    pub seed: u64,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Show a progress bar on standard error.
    pub progress: bool,
    /// Check invariants and token conservation after every block (slow).
    pub check_invariants: bool,
    /// Keep fan-chart series and re-run the median and worst paths in full.
    pub series: bool,
}

impl Default for McConfig {
    fn default() -> Self {
        McConfig {
            paths: 100,
            seed: 42,
            threads: None,
            progress: false,
            check_invariants: false,
            series: true,
        }
    }
}

/// Percentiles reported everywhere: 5th, 25th, 50th, 75th and 95th.
pub const PERCENTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// The 5/25/50/75/95th percentiles of `values` (NaNs ignored; all NaN if none are left), for
/// charts; [`stats::quantiles`] adds their intervals.
pub fn percentiles(values: &mut Vec<f64>) -> [f64; 5] {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return [f64::NAN; 5];
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    PERCENTILES.map(|q| {
        // Linear interpolation between closest ranks.
        let pos = q * (n - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = pos.ceil() as usize;
        values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
    })
}

/// Percentile bands of one metric over time, across paths.
#[derive(Clone, Debug, PartialEq)]
pub struct Fan {
    /// The metric.
    pub metric: &'static str,
    /// Percentiles per sample, in [`PERCENTILES`] order.
    pub bands: Vec<[f64; 5]>,
    /// The same percentiles with their 95% intervals, per sample.
    pub estimates: Vec<Quantiles>,
}

/// A fan re-timed at each path's first break of the peg: sample `k` of `hours` is `hours[k]`
/// after (or, negative, before) the first sample whose low was below $0.97, across the paths
/// that broke. However the paths spread in time, this shows the shape of a crash.
#[derive(Clone, Debug, PartialEq)]
pub struct AlignedFan {
    /// The metric.
    pub metric: &'static str,
    /// Hours since the break at each point.
    pub hours: Vec<f64>,
    /// Percentiles at each point, in [`PERCENTILES`] order.
    pub bands: Vec<[f64; 5]>,
    /// Paths that have a sample at each point (paths that broke late end early).
    pub paths: Vec<u64>,
}

/// Summary statistics of one outcome across paths: its mean and labelled percentiles, each
/// with a 95% interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    /// The outcome's name.
    pub name: &'static str,
    /// Paths with a value (a NaN, e.g. the time to a break that never came, is left out).
    pub paths: u64,
    /// Mean.
    pub mean: f64,
    /// The 5th, 25th, 50th, 75th and 95th percentiles with their intervals.
    pub quantiles: Quantiles,
}

impl Stat {
    /// The point estimates of the percentiles, in [`PERCENTILES`] order.
    pub fn percentiles(&self) -> [f64; 5] {
        self.quantiles.values()
    }
}

impl serde::Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(18))?;
        m.serialize_entry("name", self.name)?;
        m.serialize_entry("paths", &self.paths)?;
        m.serialize_entry("mean", &self.mean)?;
        self.quantiles.serialize_into(&mut m)?;
        m.end()
    }
}

/// An outcome's name and how to read it from an [`Outcome`].
type OutcomeField = (&'static str, fn(&Outcome) -> f64);

/// The outcomes summarised, in report order.
pub const OUTCOME_FIELDS: [OutcomeField; 17] = [
    ("max_depeg", |o| o.max_depeg),
    ("min_usdm_price", |o| o.min_usdm_price),
    ("hours_below_097", |o| o.hours_below_097),
    ("hours_to_break", |o| o.hours_to_break),
    ("max_usdm_price", |o| o.max_usdm_price),
    ("hours_above_103", |o| o.hours_above_103),
    ("hours_off_peg", |o| o.hours_off_peg),
    ("xms_dilution", |o| o.xms_dilution),
    ("final_backing", |o| o.final_backing),
    ("final_usdm_price", |o| o.final_usdm_price),
    ("final_xms_price", |o| o.final_xms_price),
    ("usdm_supply_ratio", |o| o.usdm_supply_ratio),
    ("usdm_redeemed", |o| o.usdm_redeemed),
    ("xms_minted", |o| o.xms_minted),
    ("hours_cap_bound", |o| o.hours_cap_bound),
    ("hours_breaker_bound", |o| o.hours_breaker_bound),
    ("max_premium_cap_full", |o| o.max_premium_cap_full),
];

/// The statistics of every outcome over `outcomes`.
fn stats_of(outcomes: &[&Outcome]) -> Vec<Stat> {
    // Most outcomes are defined on every path: their intervals share one set of ranks.
    let ranks = stats::Ranks::new(outcomes.len());
    OUTCOME_FIELDS
        .iter()
        .map(|(name, f)| {
            let mut finite: Vec<f64> = outcomes
                .iter()
                .map(|o| f(o))
                .filter(|x| !x.is_nan())
                .collect();
            let mean = if finite.is_empty() {
                f64::NAN
            } else {
                finite.iter().sum::<f64>() / finite.len() as f64
            };
            Stat {
                name,
                paths: finite.len() as u64,
                mean,
                quantiles: ranks.quantiles(&mut finite),
            }
        })
        .collect()
}

/// The outcomes of a subset of paths (those that broke the peg, or held it).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Conditional {
    /// Paths in the subset.
    pub paths: u64,
    /// Per-outcome statistics over the subset (NaN estimates when it is empty).
    pub stats: Vec<Stat>,
}

impl Conditional {
    /// The statistic named `name`.
    pub fn stat(&self, name: &str) -> Option<&Stat> {
        self.stats.iter().find(|s| s.name == name)
    }
}

/// The outcomes shown for the paths that broke the peg and for those that held it (the
/// report's and the terminal's split tables, the sweep's split columns): when outcomes split,
/// the median of all paths can fall between the two groups and describe neither.
pub const SPLIT_OUTCOMES: [&str; 7] = [
    "max_depeg",
    "hours_below_097",
    "hours_to_break",
    "xms_dilution",
    "final_usdm_price",
    "max_usdm_price",
    "final_backing",
];

/// The outcomes summarised.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Paths run.
    pub paths: u64,
    /// Share of paths that broke the peg: USDm below $0.97 at any block.
    pub p_break: Proportion,
    /// Share of paths off the peg either way: longer than the scenario's `peg.off_after`
    /// (an hour) outside its band (below $0.97 or above $1.03). A run holds the peg only
    /// when both this and `p_break` are low.
    pub p_off_peg: Proportion,
    /// Share of paths ending in a death spiral.
    pub p_death_spiral: Proportion,
    /// Share of paths whose XMS supply grew at least 100-fold, whatever USDm did at the end (a
    /// death spiral also needs USDm below $0.90; a run can hyperinflate XMS and still end near
    /// the peg).
    pub p_xms_x100: Proportion,
    /// Per-outcome statistics over every path.
    pub stats: Vec<Stat>,
    /// The same over the paths that broke the peg: when outcomes split, the median of all
    /// paths can fall in the gap between two groups and describe neither.
    pub given_break: Conditional,
    /// The same over the paths that never fell below $0.97 (the downside held; the upside
    /// may not have: see `p_off_peg`).
    pub given_hold: Conditional,
}

impl Summary {
    /// Summarises `outcomes`.
    pub fn of(outcomes: &[Outcome]) -> Summary {
        let all: Vec<&Outcome> = outcomes.iter().collect();
        let (broke, held): (Vec<&Outcome>, Vec<&Outcome>) =
            outcomes.iter().partition(|o| o.broke_peg);
        Summary {
            paths: outcomes.len() as u64,
            p_break: Proportion::new(broke.len() as u64, outcomes.len() as u64),
            p_off_peg: Proportion::of(outcomes, |o| o.off_peg),
            p_death_spiral: Proportion::of(outcomes, |o| o.death_spiral),
            p_xms_x100: Proportion::of(outcomes, |o| {
                o.xms_dilution >= crate::metrics::SPIRAL_DILUTION
            }),
            stats: stats_of(&all),
            given_break: Conditional {
                paths: broke.len() as u64,
                stats: stats_of(&broke),
            },
            given_hold: Conditional {
                paths: held.len() as u64,
                stats: stats_of(&held),
            },
        }
    }

    /// The statistic named `name`.
    pub fn stat(&self, name: &str) -> Option<&Stat> {
        self.stats.iter().find(|s| s.name == name)
    }

    /// The median of `name` with its interval (an estimate of nothing if unknown).
    pub fn median(&self, name: &str) -> Estimate {
        self.stat(name)
            .map_or(Estimate::NONE, |s| s.quantiles.median())
    }

    /// The probabilities reported, by name.
    pub fn probabilities(&self) -> [(&'static str, &Proportion); 4] {
        [
            ("p_break", &self.p_break),
            ("p_off_peg", &self.p_off_peg),
            ("p_death_spiral", &self.p_death_spiral),
            ("p_xms_x100", &self.p_xms_x100),
        ]
    }
}

/// An ensemble's results.
#[derive(Debug)]
pub struct Ensemble {
    /// The setup every path started from.
    pub setup: Arc<Setup>,
    /// The configuration.
    pub config: McConfig,
    /// Every path's outcome, in path order.
    pub outcomes: Vec<Outcome>,
    /// The outcomes summarised.
    pub summary: Summary,
    /// Hours at each sample.
    pub hours: Vec<f64>,
    /// Fan charts, one per [`FAN_METRICS`] entry (empty without series).
    pub fans: Vec<Fan>,
    /// The share of paths whose USDm low was below $0.97 in each sample, with its interval.
    pub below_097: Vec<Proportion>,
    /// The USDm low and XMS price fans re-timed at each path's first break.
    pub since_break: Vec<AlignedFan>,
    /// Refusals by kind, summed over paths.
    pub refusals: Vec<(RefusalKind, u64, Option<String>)>,
    /// The typical path, in full: the one closest to the fans' medians (USDm's low and XMS's
    /// log price at every sample), so its charts agree with the fans; see [`typical_path`].
    pub median: Option<PathMetrics>,
    /// The worst path (by maximum depeg), in full.
    pub worst: Option<PathMetrics>,
    /// The run against the scenario's `[record]`, if it has one (and series were kept).
    pub backtest: Option<crate::backtest::Backtest>,
    /// Wall time of the ensemble (not counting the re-runs).
    pub elapsed: Duration,
    /// Threads used.
    pub threads: usize,
}

impl Ensemble {
    /// Blocks simulated per second of wall time.
    pub fn blocks_per_second(&self) -> f64 {
        (self.config.paths * self.setup.scenario.blocks) as f64
            / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A progress bar over `total` paths labelled `what`, or a hidden one (`--quiet`, JSON output,
/// tests) that costs nothing.
pub(crate) fn progress_bar(total: u64, show: bool, what: &str) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} paths, {elapsed} elapsed, about {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// The most worker threads accepted: four per available core. More only contend for the
/// cores (idle rayon workers spin), so a larger request is a mistake worth refusing.
pub fn max_threads() -> usize {
    4 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Checks a requested thread count: at least 1 and at most [`max_threads`].
pub fn check_threads(threads: Option<usize>) -> Result<(), String> {
    match threads {
        Some(0) => Err("--threads must be at least 1".into()),
        Some(n) if n > max_threads() => Err(format!(
            "--threads {n}: at most {} (4 per core on this machine's {} cores); more threads only contend for the cores",
            max_threads(),
            max_threads() / 4
        )),
        _ => Ok(()),
    }
}

/// Runs `f` on a pool of `threads` threads (or the global pool, one thread per core).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> T {
    match threads {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
        {
            Ok(pool) => pool.install(f),
            Err(_) => f(),
        },
        None => f(),
    }
}

/// How a caller watches and stops a run from another thread: paths done so far, and a flag
/// that stops it between paths (Ctrl-C in Python, a closed notebook cell).
#[derive(Clone, Debug, Default)]
pub struct Control {
    /// Paths finished.
    pub done: Arc<std::sync::atomic::AtomicU64>,
    /// Set to stop: paths not yet started are skipped and the run returns
    /// [`SimError::Cancelled`].
    pub cancel: Arc<std::sync::atomic::AtomicBool>,
}

/// Runs paths `range` of `setup`; outcomes (and fan series if asked) in path order.
pub(crate) fn run_paths(
    setup: &Arc<Setup>,
    config: &McConfig,
    range: std::ops::Range<u64>,
    pb: &indicatif::ProgressBar,
) -> Result<Vec<PathMetrics>, SimError> {
    run_paths_with(setup, config, range, pb, &Control::default())
}

fn run_paths_with(
    setup: &Arc<Setup>,
    config: &McConfig,
    range: std::ops::Range<u64>,
    pb: &indicatif::ProgressBar,
    control: &Control,
) -> Result<Vec<PathMetrics>, SimError> {
    use std::sync::atomic::Ordering;
    let options = RunOptions {
        check_invariants: config.check_invariants,
        keep_series: false,
    };
    range
        .into_par_iter()
        .map(|i| {
            if control.cancel.load(Ordering::Relaxed) {
                return Err(SimError::Cancelled);
            }
            let mut m = World::new(setup.clone(), config.seed, i, options).run()?;
            if !config.series {
                m.fan = Vec::new();
            }
            pb.inc(1);
            control.done.fetch_add(1, Ordering::Relaxed);
            Ok(m)
        })
        .collect()
}

/// Runs paths `range` of `setup` (path `i` draws from stream `i` of the seed, so a range run
/// anywhere gives the same paths as the same indices of a whole run): the unit of work that a
/// distributed run hands to each worker, merged by [`assemble`].
pub fn run_range(
    setup: &Arc<Setup>,
    config: &McConfig,
    range: std::ops::Range<u64>,
    control: &Control,
) -> Result<Vec<PathMetrics>, SimError> {
    with_threads(config.threads, || {
        run_paths_with(
            setup,
            config,
            range,
            &indicatif::ProgressBar::hidden(),
            control,
        )
    })
}

/// Runs an ensemble.
pub fn run(setup: Arc<Setup>, config: &McConfig) -> Result<Ensemble, SimError> {
    run_with(setup, config, &Control::default())
}

/// Runs an ensemble that `control` can watch and stop.
pub fn run_with(
    setup: Arc<Setup>,
    config: &McConfig,
    control: &Control,
) -> Result<Ensemble, SimError> {
    let pb = progress_bar(
        config.paths,
        config.progress,
        &format!("{} / {}", setup.scenario.name, setup.preset),
    );
    let started = Instant::now();
    let (paths, threads) = with_threads(config.threads, || {
        (
            run_paths_with(&setup, config, 0..config.paths, &pb, control),
            rayon::current_num_threads(),
        )
    });
    let paths = paths?;
    let elapsed = started.elapsed();
    pb.finish_and_clear();
    assemble(setup, config, paths, elapsed, threads)
}

/// Builds an ensemble from its paths, in path order `0..paths.len()` (from [`run_range`]
/// chunks concatenated in order, wherever they ran): the summary, fans, refusals, and the
/// typical and worst paths re-run in full here.
pub fn assemble(
    setup: Arc<Setup>,
    config: &McConfig,
    paths: Vec<PathMetrics>,
    elapsed: Duration,
    threads: usize,
) -> Result<Ensemble, SimError> {
    if let Some((i, m)) = paths
        .iter()
        .enumerate()
        .find(|(i, m)| m.outcome.path != *i as u64)
    {
        return Err(SimError::Setup {
            scenario: setup.scenario.name.clone(),
            reason: format!(
                "paths to merge must be in order from 0: position {i} holds path {}",
                m.outcome.path
            ),
        });
    }
    let config = &McConfig {
        paths: paths.len() as u64,
        ..config.clone()
    };
    let outcomes: Vec<Outcome> = paths.iter().map(|m| m.outcome).collect();
    let mut refusals: Vec<(RefusalKind, u64, Option<String>)> =
        RefusalKind::ALL.iter().map(|k| (*k, 0, None)).collect();
    for m in &paths {
        for (i, r) in refusals.iter_mut().enumerate() {
            r.1 += m.refusals[i];
            if r.2.is_none() {
                r.2 = m.first_refusal[i].clone();
            }
        }
    }
    let samples = paths.first().map_or(0, |m| m.fan.len());
    let hours: Vec<f64> = (0..samples)
        .map(|i| {
            let s = &setup.scenario;
            let block = (i as u64 * s.sample_every).min(s.blocks);
            (block * s.block_seconds) as f64 / 3600.0
        })
        .collect();
    let fans: Vec<Fan> = if config.series && samples > 0 {
        let ranks = stats::Ranks::new(paths.len());
        FAN_METRICS
            .iter()
            .enumerate()
            .map(|(k, metric)| {
                let estimates: Vec<Quantiles> = (0..samples)
                    .map(|t| {
                        let mut v: Vec<f64> = paths
                            .iter()
                            .filter_map(|m| m.fan.get(t).map(|x| f64::from(x[k])))
                            .collect();
                        ranks.quantiles(&mut v)
                    })
                    .collect();
                Fan {
                    metric,
                    bands: estimates.iter().map(Quantiles::values).collect(),
                    estimates,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let below_097: Vec<Proportion> = if config.series {
        (0..samples)
            .map(|t| {
                Proportion::of(&paths, |m| {
                    m.fan.get(t).is_some_and(|x| f64::from(x[0]) < 0.97)
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let sample_hours = {
        let s = &setup.scenario;
        (s.sample_every * s.block_seconds) as f64 / 3600.0
    };
    let since_break = if config.series {
        [(0usize, "usdm_low"), (1, "xms_price")]
            .iter()
            .filter_map(|&(k, metric)| aligned_fan(&paths, k, metric, sample_hours))
            .collect()
    } else {
        Vec::new()
    };
    let typical = if config.series && !fans.is_empty() {
        typical_path(&paths, &fans)
    } else {
        None
    };
    let backtest = match &setup.scenario.record {
        Some(record) if !fans.is_empty() => {
            let series: Vec<&[[f32; 6]]> = paths.iter().map(|m| &m.fan[..]).collect();
            let bands: Vec<Vec<[f64; 5]>> = fans.iter().map(|f| f.bands.clone()).collect();
            Some(crate::backtest::score(record, &hours, &series, &bands))
        }
        _ => None,
    };
    drop(paths);

    let (median, worst) = if config.series && !outcomes.is_empty() {
        let mut order: Vec<usize> = (0..outcomes.len()).collect();
        order.sort_by(|a, b| {
            outcomes[*a]
                .max_depeg
                .total_cmp(&outcomes[*b].max_depeg)
                .then(
                    outcomes[*a]
                        .xms_dilution
                        .total_cmp(&outcomes[*b].xms_dilution),
                )
                .then(a.cmp(b))
        });
        let rerun = |i: usize| -> Result<PathMetrics, SimError> {
            let m = World::new(
                setup.clone(),
                config.seed,
                i as u64,
                RunOptions {
                    check_invariants: config.check_invariants,
                    keep_series: true,
                },
            )
            .run()?;
            let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
            let (x, y) = (m.outcome, outcomes[i]);
            if !(same(x.max_depeg, y.max_depeg) && same(x.xms_dilution, y.xms_dilution)) {
                return Err(SimError::Invariant {
                    path: i as u64,
                    block: setup.scenario.blocks,
                    message: "re-running the path gave a different outcome: the simulation is not deterministic".into(),
                });
            }
            Ok(m)
        };
        (
            Some(rerun(typical.unwrap_or(order[order.len() / 2]))?),
            Some(rerun(order[order.len() - 1])?),
        )
    } else {
        (None, None)
    };
    Ok(Ensemble {
        summary: Summary::of(&outcomes),
        setup,
        config: config.clone(),
        outcomes,
        hours,
        fans,
        below_097,
        since_break,
        refusals,
        median,
        worst,
        backtest,
        elapsed,
        threads,
    })
}

/// The index of the path closest to the fans' medians: the mean absolute distance of its USDm
/// low from the median low, plus that of its log10 XMS price from the median's, over every
/// sample (ties to the lower index). A path chosen by its largest depeg alone can crash at 4 h
/// while the median band moves at 50 h; this one moves with the band.
pub fn typical_path(paths: &[PathMetrics], fans: &[Fan]) -> Option<usize> {
    let low = &fans.first()?.bands;
    let xms = &fans.get(1)?.bands;
    let lg = |x: f64| x.max(1e-12).log10();
    let distance = |m: &PathMetrics| -> f64 {
        let mut d = 0.0;
        for (t, x) in m.fan.iter().enumerate() {
            let (l, p) = (f64::from(x[0]), f64::from(x[1]));
            let (ml, mp) = (
                low.get(t).map_or(l, |b| b[2]),
                xms.get(t).map_or(p, |b| b[2]),
            );
            if l.is_finite() && ml.is_finite() {
                d += (l - ml).abs();
            }
            if p.is_finite() && mp.is_finite() {
                d += (lg(p) - lg(mp)).abs();
            }
        }
        d / m.fan.len().max(1) as f64
    };
    (0..paths.len()).min_by(|a, b| {
        distance(&paths[*a])
            .total_cmp(&distance(&paths[*b]))
            .then(a.cmp(b))
    })
}

/// Metric `k` of the fan series re-timed at each path's first sample with a low below $0.97,
/// from a day before the break (or the start) to the end; a point is kept while at least half
/// of the paths that broke have a sample there. `None` when no path broke.
fn aligned_fan(
    paths: &[PathMetrics],
    k: usize,
    metric: &'static str,
    sample_hours: f64,
) -> Option<AlignedFan> {
    let breaks: Vec<(usize, &PathMetrics)> = paths
        .iter()
        .filter_map(|m| {
            m.fan
                .iter()
                .position(|x| f64::from(x[0]) < 0.97)
                .map(|t| (t, m))
        })
        .collect();
    if breaks.is_empty() || sample_hours <= 0.0 {
        return None;
    }
    let before = ((24.0 / sample_hours).ceil() as i64).max(1);
    let longest = breaks.iter().map(|(_, m)| m.fan.len()).max().unwrap_or(0) as i64;
    let need = breaks.len().div_ceil(2);
    let mut fan = AlignedFan {
        metric,
        hours: Vec::new(),
        bands: Vec::new(),
        paths: Vec::new(),
    };
    for offset in -before..longest {
        let mut v: Vec<f64> = breaks
            .iter()
            .filter_map(|(t, m)| {
                let i = *t as i64 + offset;
                (i >= 0)
                    .then(|| m.fan.get(i as usize))
                    .flatten()
                    .map(|x| f64::from(x[k]))
            })
            .collect();
        if v.len() < need {
            continue;
        }
        fan.paths.push(v.len() as u64);
        fan.hours.push(offset as f64 * sample_hours);
        fan.bands.push(percentiles(&mut v));
    }
    Some(fan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_and_skip_nans() {
        let mut v: Vec<f64> = (0..=100).map(f64::from).collect();
        v.push(f64::NAN);
        assert_eq!(percentiles(&mut v), [5.0, 25.0, 50.0, 75.0, 95.0]);
        assert!(percentiles(&mut vec![f64::NAN])[2].is_nan());
        assert_eq!(percentiles(&mut vec![3.0])[0], 3.0);
    }

    #[test]
    fn a_hyperinflation_that_ends_near_the_peg_is_not_a_death_spiral() {
        let path = |xms_dilution, final_usdm_price, death_spiral| Outcome {
            xms_dilution,
            final_usdm_price,
            death_spiral,
            ..Outcome::default()
        };
        let s = Summary::of(&[
            path(1.2, 1.0, false),
            path(5_000.0, 1.05, false),
            path(8_000.0, 0.2, true),
            path(99.0, 0.5, false),
        ]);
        assert_eq!(s.p_xms_x100.value, 0.5);
        assert_eq!(s.p_death_spiral.value, 0.25);
        assert_eq!((s.p_death_spiral.count, s.p_death_spiral.paths), (1, 4));
    }

    /// A path whose USDm low is 1.0 until sample `at`, then 0.5 (XMS at 1.0 throughout).
    fn crash_at(at: Option<usize>, samples: usize) -> PathMetrics {
        let mut m = PathMetrics::default();
        m.fan = (0..samples)
            .map(|t| {
                let low = if at.is_some_and(|a| t >= a) { 0.5 } else { 1.0 };
                [low, 1.0, 0.0, 0.0, 0.0, 0.0]
            })
            .collect();
        m
    }

    /// Issue 12: paths that crash at different times left the fan's median at $1; aligned at
    /// each path's first break, every one of them is below $0.97 at hour 0.
    #[test]
    fn fans_aligned_at_the_break_show_the_crash_whenever_it_came() {
        let paths = vec![
            crash_at(Some(10), 100),
            crash_at(Some(50), 100),
            crash_at(Some(90), 100),
            crash_at(None, 100),
        ];
        let fan = aligned_fan(&paths, 0, "usdm_low", 1.0).unwrap();
        let at = |h: f64| fan.hours.iter().position(|x| *x == h).unwrap();
        assert_eq!(fan.bands[at(0.0)], [0.5; 5]);
        assert_eq!(fan.bands[at(-1.0)], [1.0; 5]);
        assert_eq!(fan.paths[at(0.0)], 3);
        // Kept while at least two of the three broken paths have a sample: up to 49 h after.
        assert_eq!(fan.hours.last(), Some(&49.0));
        assert!(aligned_fan(&[crash_at(None, 10)], 0, "usdm_low", 1.0).is_none());
    }

    #[test]
    fn the_typical_path_is_the_one_closest_to_the_median_bands() {
        let paths = vec![
            crash_at(Some(1), 50),
            crash_at(Some(40), 50),
            crash_at(None, 50),
        ];
        let band = |k: usize| Fan {
            metric: FAN_METRICS[k],
            bands: (0..50)
                .map(|t| {
                    let mut v: Vec<f64> = paths.iter().map(|m| f64::from(m.fan[t][k])).collect();
                    percentiles(&mut v)
                })
                .collect(),
            estimates: Vec::new(),
        };
        // The median low is 1.0 until sample 40, then 0.5: exactly the second path.
        assert_eq!(typical_path(&paths, &[band(0), band(1)]), Some(1));
    }
}
