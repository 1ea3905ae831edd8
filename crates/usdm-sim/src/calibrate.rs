//! Calibration: fits a scenario's behavioural parameters to a record, to shape targets, or to
//! both, with CMA-ES (the `cmaes` crate, derivative-free and robust to noise).
//!
//! - Every candidate of one restart runs the same paths (common random numbers: one seed per
//!   restart, and the farmers draw from their own stream), so two candidates differ by their
//!   parameters, not by luck, and the optimiser sees a deterministic function.
//! - Restarts use different seeds: the spread of the fitted values across them is the fit's
//!   uncertainty (what changes when the paths do), and each restart's best is scored again on
//!   paths no candidate was fitted on, so an over-fitted seed shows.
//! - The loss is a sum of targets, each 0 when met: the record's score (mean |log error| of
//!   the series plus the crossings' timing), and ranges on outcome medians, measured in log
//!   distance outside the range.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use usdm_core::params::Preset;

use crate::backtest::{Backtest, Crossing, Record};
use crate::montecarlo::{self, Ensemble, Fan, McConfig};
use crate::scenario::{FieldChange, Scenario};
use crate::world::Setup;

/// A parameter to fit: a scenario field (`agents.farmers.share`) within bounds, in every
/// scenario of the fit or, named (`iron-2021:market.impact_permanence`), in one: a joint fit
/// can share the holders' behaviour and give each market its own facts.
#[derive(Clone, Debug, PartialEq)]
pub struct FitParam {
    /// The scenario it is fitted in alone (`None`: all of them).
    pub only: Option<String>,
    /// The dotted scenario key, as `--set` takes it.
    pub key: String,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
    /// Searched in log space (bounds positive and at least 20 apart as a ratio): rates and
    /// depths span orders of magnitude.
    pub log: bool,
}

impl FitParam {
    /// Parses `KEY=LO..HI` or `SCENARIO:KEY=LO..HI`.
    pub fn parse(spec: &str) -> Result<FitParam, String> {
        let usage = || {
            format!("{spec}: expected [SCENARIO:]KEY=LO..HI, e.g. agents.farmers.share=0.1..0.9")
        };
        let (key, range) = spec.split_once('=').ok_or_else(usage)?;
        let (only, key) = match key.split_once(':') {
            Some((who, key)) => (Some(who.trim().to_string()), key.trim()),
            None => (None, key.trim()),
        };
        if !key.contains('.') {
            return Err(format!(
                "{spec}: fit a scenario field (a dotted key such as agents.farmers.sell_rate); protocol parameters are what `usdm sweep` and `usdm recommend` compare"
            ));
        }
        let (lo, hi) = range.split_once("..").ok_or_else(usage)?;
        let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
        let (lo, hi) = (num(lo).ok_or_else(usage)?, num(hi).ok_or_else(usage)?);
        if lo >= hi {
            return Err(format!("{spec}: the lower bound must be below the upper"));
        }
        Ok(FitParam {
            only,
            key: key.to_string(),
            lo,
            hi,
            log: lo > 0.0 && hi / lo >= 20.0,
        })
    }

    /// The value at `x` in the unit interval (clamped).
    pub fn value(&self, x: f64) -> f64 {
        let x = x.clamp(0.0, 1.0);
        if self.log {
            (self.lo.ln() + (self.hi.ln() - self.lo.ln()) * x).exp()
        } else {
            self.lo + (self.hi - self.lo) * x
        }
    }

    /// The key as given (`iron-2021:market.impact_permanence` for one scenario's).
    pub fn label(&self) -> String {
        match &self.only {
            Some(who) => format!("{who}:{}", self.key),
            None => self.key.clone(),
        }
    }

    /// True if this parameter is set in the scenario called `name`.
    pub fn applies_to(&self, name: &str) -> bool {
        self.only.as_deref().is_none_or(|who| who == name)
    }

    /// Where `v` sits in the unit interval (clamped).
    pub fn unit(&self, v: f64) -> f64 {
        let x = if self.log {
            (v.max(f64::MIN_POSITIVE).ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        x.clamp(0.0, 1.0)
    }
}

/// What a fit aims at.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The scenario's `[record]`: each series' mean |log error| (median over paths), averaged,
    /// plus per crossing the record made: the share of paths that missed it, and for those
    /// that crossed the timing error in days (at most 1).
    Record,
    /// An outcome's median over paths within `[lo, hi]` (either end open).
    Range {
        /// The outcome (`xms_dilution`, `min_usdm_price`, `final_xms_price`, ...).
        stat: String,
        /// Lower end.
        lo: Option<f64>,
        /// Upper end.
        hi: Option<f64>,
    },
}

/// Named sets of shape targets (`--target terra-shape`): the shapes of the two collapses the
/// README states, so a fit to them is one word on the command line.
pub const SHAPES: [(&str, &[&str]); 2] = [
    (
        // Terra, May 2022: LUNA down more than 99.99% from $85, its supply x5,000 to x50,000,
        // UST's low at most $0.10.
        "terra-shape",
        &[
            "final_xms_price=..0.0085",
            "xms_dilution=5000..50000",
            "min_usdm_price=..0.10",
        ],
    ),
    (
        // Iron, June 2021: TITAN's supply x1,000 or more, IRON's supply at half or less, TITAN
        // below 0.1% of its $59 start.
        "iron-shape",
        &[
            "xms_dilution=1000..",
            "usdm_supply_ratio=..0.5",
            "final_xms_price=..0.059",
        ],
    ),
];

impl Target {
    /// Parses `record`, a named shape (expanded), or `STAT=LO..HI` with either end open.
    pub fn parse(spec: &str) -> Result<Vec<Target>, String> {
        let spec = spec.trim();
        if spec == "record" {
            return Ok(vec![Target::Record]);
        }
        if let Some((_, list)) = SHAPES.iter().find(|(n, _)| *n == spec) {
            return list.iter().map(|s| Target::range(s)).collect();
        }
        Ok(vec![Target::range(spec)?])
    }

    fn range(spec: &str) -> Result<Target, String> {
        let names: Vec<&str> = SHAPES.iter().map(|(n, _)| *n).collect();
        let usage = || {
            format!(
                "{spec}: expected `record`, {}, or STAT=LO..HI (either end may be left open), e.g. xms_dilution=1000..",
                names.join(", ")
            )
        };
        let (stat, range) = spec.split_once('=').ok_or_else(usage)?;
        let (lo, hi) = range.split_once("..").ok_or_else(usage)?;
        let end = |s: &str| -> Result<Option<f64>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(usage)
        };
        let (lo, hi) = (end(lo)?, end(hi)?);
        if lo.is_none() && hi.is_none() {
            return Err(usage());
        }
        if let (Some(a), Some(b)) = (lo, hi) {
            if a > b {
                return Err(format!("{spec}: the lower end must not exceed the upper"));
            }
        }
        let stat = stat.trim();
        let known: Vec<&str> = crate::metrics::OUTCOME_COLUMNS
            .iter()
            .filter(|(_, c)| matches!(c, crate::metrics::OutcomeColumn::Float(_)))
            .map(|(n, _)| *n)
            .collect();
        if !known.contains(&stat) {
            return Err(format!(
                "{spec}: no outcome `{stat}`; use one of {}",
                known.join(", ")
            ));
        }
        Ok(Target::Range {
            stat: stat.to_string(),
            lo,
            hi,
        })
    }

    /// A short label (`record`, `xms_dilution in [1000, ..]`).
    pub fn label(&self) -> String {
        match self {
            Target::Record => "record".into(),
            Target::Range { stat, lo, hi } => {
                let e = |v: &Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
                format!("{stat}={}..{}", e(lo), e(hi))
            }
        }
    }

    /// This target's loss on an ensemble: 0 when met.
    fn loss(&self, e: &Ensemble) -> f64 {
        match self {
            Target::Record => e.backtest.as_ref().map_or(f64::NAN, |b| {
                record_loss(b, &e.fans, e.setup.scenario.record.as_ref())
            }),
            Target::Range { stat, lo, hi } => {
                let m = e.summary.median(stat).value;
                if !m.is_finite() {
                    // No path has the outcome (a break that never came): as far off as can be.
                    return 10.0;
                }
                let below = lo.map_or(0.0, |lo| log_gap(lo, m));
                let above = hi.map_or(0.0, |hi| log_gap(m, hi));
                below + above
            }
        }
    }
}

/// How far `small` lies below `large`, in natural-log units (0 if it does not); values at or
/// below zero are taken at a millionth of the other.
fn log_gap(small: f64, large: f64) -> f64 {
    if small <= large {
        return 0.0;
    }
    let floor = |v: f64, other: f64| {
        if v > 0.0 {
            v
        } else {
            other.abs().max(1e-12) * 1e-6
        }
    };
    (floor(small, large) / floor(large, small)).ln().abs()
}

/// The record's part of the loss: the series' median path error, averaged, plus per crossing
/// the record made: for the paths that crossed, their timing error in days (capped at one
/// day); for those that did not, half a point plus half the log distance by which the fans'
/// median stayed short of the level, in units of ln 100 (capped at one). A miss costs more
/// the further away it stays, so a search sees which way a crossing lies.
pub fn record_loss(b: &Backtest, fans: &[Fan], record: Option<&Record>) -> f64 {
    let series: Vec<f64> = b
        .series
        .iter()
        .map(|s| s.mean_abs_log_error.value)
        .filter(|v| v.is_finite())
        .collect();
    let mut loss = if series.is_empty() {
        0.0
    } else {
        series.iter().sum::<f64>() / series.len() as f64
    };
    for c in &b.crossings {
        if c.record_hours.is_none() {
            continue;
        }
        let crossed = if c.crossed.value.is_finite() {
            c.crossed.value
        } else {
            0.0
        };
        let timing = c
            .timing_error_hours
            .map_or(1.0, |h| (h.abs() / 24.0).min(1.0));
        let short = record
            .and_then(|r| r.crossings.iter().find(|x| x.name == c.name))
            .and_then(|x| shortfall(x, fans))
            .unwrap_or(1.0);
        loss += crossed * timing + (1.0 - crossed) * (0.5 + 0.5 * short);
    }
    loss
}

/// How far the fans' median stayed from a crossing's level: the log distance in units of
/// ln 100, capped at 1 (0 if the median crossed).
fn shortfall(c: &Crossing, fans: &[Fan]) -> Option<f64> {
    let fan = fans.iter().find(|f| f.metric == c.metric)?;
    let median: Vec<f64> = fan.bands.iter().map(|b| b[2]).collect();
    let first = *median.first()?;
    let gap = match (c.below, c.below_multiple, c.above_multiple) {
        (Some(level), _, _) => log_gap(median.iter().copied().fold(f64::INFINITY, f64::min), level),
        (_, Some(m), _) => log_gap(
            median.iter().copied().fold(f64::INFINITY, f64::min),
            first * m,
        ),
        (_, _, Some(m)) => log_gap(
            first * m,
            median.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
        _ => return None,
    };
    Some((gap / 100f64.ln()).min(1.0))
}

/// One scenario a fit runs, under a preset, scored against its targets. A joint fit gives
/// several: every candidate's values are set in each, and the losses add up.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The scenario.
    pub scenario: Scenario,
    /// The preset its candidates run.
    pub preset: Preset,
    /// Its targets.
    pub targets: Vec<Target>,
}

/// The scenarios with fields held at a value for the whole fit (`--set [SCENARIO:]KEY=VALUE`,
/// repeatable): what a study pins, such as a market fact carried from another scenario, so
/// that the fit starts from the assumptions it names rather than from the file's. `given` are
/// the names or paths as given; `SCENARIO:` names one of them by either, no prefix sets all.
pub fn with_settings(
    mut given: Vec<(String, Scenario)>,
    specs: &[String],
) -> Result<Vec<(String, Scenario)>, String> {
    for spec in specs {
        let usage = || {
            format!("--set {spec}: expected [SCENARIO:]KEY=VALUE, e.g. market.xms_floor_depth=167000000")
        };
        let (key, value) = spec.split_once('=').ok_or_else(usage)?;
        let (only, key) = match key.split_once(':') {
            Some((who, key)) => (Some(who.trim()), key.trim()),
            None => (None, key.trim()),
        };
        if !key.contains('.') {
            return Err(format!(
                "--set {spec}: hold a scenario field (a dotted key such as market.xms_floor_depth); protocol parameters go to the scenario's [protocol.params]"
            ));
        }
        if let Some(who) = only {
            if !given.iter().any(|(g, s)| s.name == who || g == who) {
                let names: Vec<&str> = given.iter().map(|(g, _)| g.as_str()).collect();
                return Err(format!(
                    "--set {spec}: {who} is not one of the scenarios given ({})",
                    names.join(", ")
                ));
            }
        }
        let change = FieldChange::new(key, value.trim());
        for (g, s) in given.iter_mut() {
            if only.is_none_or(|who| s.name == who || g == who) {
                *s = s
                    .with_fields(std::slice::from_ref(&change))
                    .map_err(|e| format!("--set {spec}: {e}"))?;
            }
        }
    }
    Ok(given)
}

/// Builds the problems from scenarios and target specs as `usdm calibrate` takes them:
/// `given` are the names or paths as given (a target `NAME:TARGET` names one by either), each
/// scenario runs `preset` or its own, a target without a name applies to all, and a scenario
/// left without a target fits its record. Errors are malformed requests.
pub fn problems(
    scenarios: Vec<(String, Scenario)>,
    preset: Option<Preset>,
    target_specs: &[String],
) -> Result<Vec<Problem>, String> {
    let mut names: Vec<&str> = scenarios.iter().map(|(_, s)| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("scenario {} is given twice; give each once", w[0]));
    }
    let mut targets: Vec<Vec<Target>> = vec![Vec::new(); scenarios.len()];
    for spec in target_specs {
        let (only, t) = match spec.split_once(':') {
            Some((who, t)) => {
                let i = scenarios
                    .iter()
                    .position(|(given, s)| s.name == who || given == who)
                    .ok_or_else(|| {
                        let given: Vec<&str> = scenarios.iter().map(|(g, _)| g.as_str()).collect();
                        format!(
                            "--target {spec}: {who} is not one of the scenarios given ({})",
                            given.join(", ")
                        )
                    })?;
                (Some(i), t)
            }
            None => (None, spec.as_str()),
        };
        let parsed = Target::parse(t).map_err(|e| format!("--target {e}"))?;
        for (i, list) in targets.iter_mut().enumerate() {
            if only.is_none_or(|j| j == i) {
                list.extend(parsed.iter().cloned());
            }
        }
    }
    let mut out = Vec::new();
    for ((_, scenario), mut targets) in scenarios.into_iter().zip(targets) {
        let name = scenario.name.clone();
        if targets.is_empty() {
            if scenario.record.is_none() {
                return Err(format!(
                    "{name} has no [record] to fit by default; give it a target (--target {name}:terra-shape, --target {name}:xms_dilution=1000..)"
                ));
            }
            targets.push(Target::Record);
        }
        if targets.contains(&Target::Record) && scenario.record.is_none() {
            return Err(format!(
                "--target record: {name} has no [record]; give shape targets (--target terra-shape, --target xms_dilution=1000..)"
            ));
        }
        out.push(Problem {
            preset: preset.unwrap_or(scenario.preset),
            scenario,
            targets,
        });
    }
    Ok(out)
}

/// Parses `--fit` specs, refusing a key given twice.
pub fn fit_params(specs: &[String]) -> Result<Vec<FitParam>, String> {
    let fit = specs
        .iter()
        .map(|f| FitParam::parse(f).map_err(|e| format!("--fit {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut keys: Vec<String> = fit.iter().map(FitParam::label).collect();
    keys.sort_unstable();
    if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!(
            "--fit {} is given twice; fit each field once",
            w[0]
        ));
    }
    // One key both shared and per scenario would be set twice in that scenario.
    for f in fit.iter().filter(|f| f.only.is_some()) {
        if fit.iter().any(|g| g.only.is_none() && g.key == f.key) {
            return Err(format!(
                "--fit {}: {} is also fitted in every scenario; fit it either for all or for each",
                f.label(),
                f.key
            ));
        }
    }
    Ok(fit)
}

/// Checks, before anything runs, that every scenario of the fit takes each key it is fitted
/// in at both ends of its bounds: an unknown key or a bound the scenario refuses (a share
/// above 1) is a malformed request, not a candidate to score badly.
pub fn check_bounds(problems: &[Problem], fit: &[FitParam]) -> Result<(), String> {
    for f in fit {
        for p in problems.iter().filter(|p| f.applies_to(&p.scenario.name)) {
            for end in [f.lo, f.hi] {
                let change = FieldChange::new(&f.key, &format!("{end}"));
                if let Err(e) = p.scenario.with_fields(&[change]) {
                    let field = if e.field == "-" { &f.key } else { &e.field };
                    return Err(format!(
                        "--fit {}={}..{}: {} refuses {end}: {field}: {}",
                        f.label(),
                        f.lo,
                        f.hi,
                        p.scenario.name,
                        e.message
                    ));
                }
            }
        }
    }
    Ok(())
}

/// How a calibration runs.
#[derive(Clone, Debug)]
pub struct CalibrateConfig {
    /// The parameters fitted (each set in every problem's scenario, or in the one it names).
    pub fit: Vec<FitParam>,
    /// Paths per candidate and problem.
    pub paths: u64,
    /// Candidates evaluated per restart (the optimiser's budget).
    pub budget: usize,
    /// Restarts, each on its own seed.
    pub restarts: usize,
    /// The first restart's seed (restart `r` uses `seed + r`).
    pub seed: u64,
    /// Worker threads for the paths.
    pub threads: Option<usize>,
    /// Show progress (with an ETA) on standard error.
    pub progress: bool,
}

/// One evaluated candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The fitted parameters' values, in `fit` order.
    pub values: Vec<f64>,
    /// The total loss on the seed it was fitted on.
    pub loss: f64,
    /// Each problem's targets' losses, in order.
    pub parts: Vec<Vec<f64>>,
    /// The total loss on fresh paths (a seed no candidate saw).
    pub fresh_loss: f64,
    /// The seed it was fitted on.
    pub seed: u64,
}

/// A finished calibration.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// The problems: scenario names, presets and targets.
    pub problems: Vec<(String, Preset, Vec<Target>)>,
    /// The configuration.
    pub config: CalibrateConfig,
    /// Each restart's best candidate.
    pub restarts: Vec<Candidate>,
    /// The restart whose best has the lowest loss on fresh paths.
    pub best: usize,
    /// The loss of the scenarios as they stand (the starting point), on the first seed.
    pub start_loss: f64,
    /// Candidates evaluated in all.
    pub evaluations: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Per problem, its scenario's name and the scenario with the best fit as TOML (with a
    /// header saying how it was made).
    pub scenarios: Vec<(String, String)>,
}

impl Calibration {
    /// Per fitted parameter: the best value and the median, lowest and highest across
    /// restarts (the spread across seeds is the fit's uncertainty).
    pub fn spread(&self, i: usize) -> (f64, f64, f64, f64) {
        let mut v: Vec<f64> = self.restarts.iter().map(|c| c.values[i]).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        (self.restarts[self.best].values[i], median, v[0], v[n - 1])
    }

    /// The result as JSON (`usdm calibrate --json`, `calibration.json`, Python's
    /// `usdm.calibrate`).
    pub fn to_json(&self) -> Value {
        let c = &self.config;
        let best = &self.restarts[self.best];
        json!({
            "problems": self.problems.iter().zip(&best.parts).map(|((name, preset, targets), parts)| json!({
                "scenario": name,
                "preset": preset.to_string(),
                "targets": targets.iter().zip(parts).map(|(t, l)| json!({
                    "target": t.label(), "loss": l,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "paths": c.paths,
            "budget": c.budget,
            "restarts": c.restarts,
            "seed": c.seed,
            "evaluations": self.evaluations,
            "elapsed_seconds": self.elapsed.as_secs_f64(),
            "start_loss": self.start_loss,
            "loss": best.loss,
            "fresh_loss": best.fresh_loss,
            "fit": c.fit.iter().enumerate().map(|(i, p)| {
                let (value, median, lo, hi) = self.spread(i);
                json!({
                    "key": p.label(), "lo_bound": p.lo, "hi_bound": p.hi, "log": p.log,
                    "value": value, "median": median, "lo": lo, "hi": hi,
                })
            }).collect::<Vec<_>>(),
            "per_restart": self.restarts.iter().map(|r| json!({
                "seed": r.seed, "loss": r.loss, "fresh_loss": r.fresh_loss, "values": r.values,
            })).collect::<Vec<_>>(),
            "provenance": {
                "version": crate::provenance::VERSION,
                "git_commit": crate::provenance::GIT_COMMIT,
            },
        })
    }
}

/// A scenario's current value of a dotted key, if it sets one as a number.
fn current_value(scenario: &Scenario, key: &str) -> Option<f64> {
    let doc: toml::Table = toml::from_str(&scenario.source).ok()?;
    let mut parts = key.split('.').peekable();
    let mut table = &doc;
    while let Some(part) = parts.next() {
        let v = table.get(part)?;
        if parts.peek().is_none() {
            return v.as_float().or(v.as_integer().map(|i| i as f64));
        }
        table = v.as_table()?;
    }
    None
}

/// The scenario with the fitted values set.
pub fn with_values(
    scenario: &Scenario,
    fit: &[FitParam],
    values: &[f64],
) -> Result<Scenario, String> {
    let changes: Vec<FieldChange> = fit
        .iter()
        .zip(values)
        .filter(|(p, _)| p.applies_to(&scenario.name))
        .map(|(p, v)| FieldChange::new(&p.key, &format!("{v:e}")))
        .collect();
    scenario.with_fields(&changes).map_err(|e| e.to_string())
}

/// Runs `scenario` under `preset` on `paths` paths from `seed` and scores it against
/// `targets`: the total loss and each target's.
pub fn evaluate(
    scenario: Scenario,
    preset: Preset,
    targets: &[Target],
    paths: u64,
    seed: u64,
    threads: Option<usize>,
) -> Result<(f64, Vec<f64>), String> {
    let needs_record = targets.contains(&Target::Record);
    if needs_record && scenario.record.is_none() {
        return Err(format!(
            "the target `record` needs a scenario with a [record]; {} has none (give shape targets instead, e.g. {})",
            scenario.name, SHAPES[0].0
        ));
    }
    let setup = Setup::new(Arc::new(scenario), preset, &[]).map_err(|e| e.to_string())?;
    let config = McConfig {
        paths,
        seed,
        threads,
        progress: false,
        check_invariants: false,
        series: needs_record,
    };
    let e = montecarlo::run(Arc::new(setup), &config).map_err(|e| e.to_string())?;
    let parts: Vec<f64> = targets.iter().map(|t| t.loss(&e)).collect();
    Ok((parts.iter().sum(), parts))
}

/// The penalty per unit of distance a candidate lies outside the unit box (it is evaluated at
/// the nearest point inside, so the optimiser is led back without leaving the bounds).
const OUTSIDE: f64 = 10.0;

/// Every problem run with `values`: the total loss and each problem's targets' losses.
fn evaluate_all(
    problems: &[Problem],
    c: &CalibrateConfig,
    values: &[f64],
    seed: u64,
) -> Result<(f64, Vec<Vec<f64>>), String> {
    let mut total = 0.0;
    let mut parts = Vec::with_capacity(problems.len());
    for p in problems {
        let s = with_values(&p.scenario, &c.fit, values)?;
        let (loss, each) = evaluate(s, p.preset, &p.targets, c.paths, seed, c.threads)?;
        total += loss;
        parts.push(each);
    }
    Ok((total, parts))
}

/// Fits `config.fit` to every problem's targets at once.
pub fn calibrate(problems: &[Problem], config: &CalibrateConfig) -> Result<Calibration, String> {
    let c = config;
    if problems.is_empty() {
        return Err("no scenario to fit".into());
    }
    if c.fit.is_empty() {
        return Err("nothing to fit: give at least one --fit KEY=LO..HI".into());
    }
    if let Some(p) = problems.iter().find(|p| p.targets.is_empty()) {
        return Err(format!(
            "{}: no target; give record, a shape or STAT=LO..HI",
            p.scenario.name
        ));
    }
    if c.paths == 0 || c.restarts == 0 || c.budget < 2 {
        return Err("paths and restarts must be at least 1, and the budget at least 2".into());
    }
    // A key for one scenario must name one of them.
    if let Some(f) = c.fit.iter().find(|f| {
        f.only
            .as_ref()
            .is_some_and(|who| !problems.iter().any(|p| &p.scenario.name == who))
    }) {
        let names: Vec<&str> = problems.iter().map(|p| p.scenario.name.as_str()).collect();
        return Err(format!(
            "--fit {}: no scenario {} in this fit ({})",
            f.label(),
            f.only.as_deref().unwrap_or(""),
            names.join(", ")
        ));
    }
    // Start where the first scenario that sets a key has it (else mid-range), and check that
    // every scenario takes every key before spending anything.
    let start: Vec<f64> = c
        .fit
        .iter()
        .map(|f| {
            problems
                .iter()
                .filter(|p| f.applies_to(&p.scenario.name))
                .find_map(|p| current_value(&p.scenario, &f.key))
                .map_or(0.5, |v| f.unit(v))
        })
        .collect();
    let start_values: Vec<f64> = c.fit.iter().zip(&start).map(|(p, x)| p.value(*x)).collect();
    check_bounds(problems, &c.fit)?;
    for p in problems {
        with_values(&p.scenario, &c.fit, &start_values)?;
    }
    let started = Instant::now();
    let total = (c.restarts * (c.budget + 1)) as u64 + 1;
    let pb = crate::montecarlo::progress_bar(total, c.progress, "calibrating");
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} candidates, {elapsed} elapsed, about {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let (start_loss, _) = evaluate_all(problems, c, &start_values, c.seed)?;
    pb.inc(1);
    let mut restarts = Vec::with_capacity(c.restarts);
    let mut evaluations = 1;
    for r in 0..c.restarts {
        let seed = c.seed.wrapping_add(r as u64);
        let mut failure: Option<String> = None;
        let mut best: Option<(Vec<f64>, f64, Vec<Vec<f64>>)> = None;
        let mut evals = 0usize;
        {
            let objective = |x: &cmaes::DVector<f64>| -> f64 {
                let outside: f64 = x.iter().map(|v| (v - v.clamp(0.0, 1.0)).abs()).sum();
                let values: Vec<f64> = c
                    .fit
                    .iter()
                    .zip(x.iter())
                    .map(|(p, v)| p.value(*v))
                    .collect();
                evals += 1;
                pb.inc(1);
                match evaluate_all(problems, c, &values, seed) {
                    Ok((loss, parts)) if loss.is_finite() => {
                        if best.as_ref().is_none_or(|b| loss < b.1) {
                            best = Some((values, loss, parts));
                            pb.set_message(format!(
                                "calibrating (restart {} of {}, best loss {loss:.3})",
                                r + 1,
                                c.restarts
                            ));
                        }
                        loss + OUTSIDE * outside
                    }
                    Ok(_) => 1e6,
                    Err(e) => {
                        failure.get_or_insert(e);
                        1e6
                    }
                }
            };
            let mut es = cmaes::CMAESOptions::new(start.clone(), 0.3)
                .max_function_evals(c.budget)
                .seed(seed)
                .build(objective)
                .map_err(|e| format!("the optimiser refused its options: {e:?}"))?;
            let _ = es.run();
        }
        evaluations += evals;
        let Some((values, loss, parts)) = best else {
            return Err(failure.unwrap_or_else(|| "no candidate could be evaluated".into()));
        };
        // The same candidate on paths it was not fitted on.
        let fresh_seed = c.seed.wrapping_add(1_000_003).wrapping_add(r as u64);
        let (fresh_loss, _) = evaluate_all(problems, c, &values, fresh_seed)?;
        evaluations += 1;
        pb.inc(1);
        restarts.push(Candidate {
            values,
            loss,
            parts,
            fresh_loss,
            seed,
        });
    }
    pb.finish_and_clear();
    let best = (0..restarts.len())
        .min_by(|a, b| restarts[*a].fresh_loss.total_cmp(&restarts[*b].fresh_loss))
        .unwrap_or(0);
    let mut cal = Calibration {
        problems: problems
            .iter()
            .map(|p| (p.scenario.name.clone(), p.preset, p.targets.clone()))
            .collect(),
        config: c.clone(),
        restarts,
        best,
        start_loss,
        evaluations,
        elapsed: started.elapsed(),
        scenarios: Vec::new(),
    };
    for p in problems {
        let fitted = with_values(&p.scenario, &c.fit, &cal.restarts[best].values)?;
        let text = format!(
            "{}{}",
            header(&cal, &p.scenario.name, p.preset),
            fitted.source
        );
        cal.scenarios.push((p.scenario.name.clone(), text));
    }
    Ok(cal)
}

/// The comment a fitted scenario file starts with: how it was made and how well it fits.
fn header(cal: &Calibration, name: &str, preset: Preset) -> String {
    let c = &cal.config;
    let b = &cal.restarts[cal.best];
    let targets: Vec<String> = cal
        .problems
        .iter()
        .map(|(n, _, t)| {
            let t: Vec<String> = t.iter().map(Target::label).collect();
            format!("{n}: {}", t.join(", "))
        })
        .collect();
    let mut h = format!(
        "# {name} calibrated by usdm {} ({}) under the {preset} preset: {} restarts of {} candidates,\n# {} paths each, seeds from {}. Loss {:.4} on the fitting seed, {:.4} on fresh paths (as it\n# was: {:.4}). Targets: {}.\n# Fitted (best; median and range across restarts):\n",
        crate::provenance::VERSION,
        crate::provenance::GIT_COMMIT,
        c.restarts,
        c.budget,
        c.paths,
        c.seed,
        b.loss,
        b.fresh_loss,
        cal.start_loss,
        targets.join("; "),
    );
    for (i, p) in c.fit.iter().enumerate() {
        let (value, median, lo, hi) = cal.spread(i);
        if !p.applies_to(name) {
            continue;
        }
        h.push_str(&format!(
            "#   {} = {value:.6e} (median {median:.6e}, range [{lo:.6e}, {hi:.6e}])\n",
            p.key
        ));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_settings_pin_one_scenario_or_all_and_refuse_what_they_cannot_set() {
        let given = || {
            ["terra-2022", "iron-2021"]
                .map(|n| (n.to_string(), Scenario::load(n).unwrap()))
                .to_vec()
        };
        let floor = |v: &[(String, Scenario)], i: usize| v[i].1.xms_floor_depth;
        let before = given();
        let held = with_settings(
            given(),
            &["iron-2021:market.xms_floor_depth=167000000".into()],
        )
        .unwrap();
        assert_eq!(floor(&held, 1), 167e6);
        assert_eq!(floor(&held, 0), floor(&before, 0), "Terra untouched");
        let all = with_settings(given(), &["market.xms_floor_depth=5e6".into()]).unwrap();
        assert_eq!((floor(&all, 0), floor(&all, 1)), (5e6, 5e6));
        for (spec, says) in [
            (
                "luna:market.xms_floor_depth=1",
                "not one of the scenarios given",
            ),
            ("xms_floor_depth=1", "dotted key"),
            ("market.xms_floor_depth", "expected [SCENARIO:]KEY=VALUE"),
            ("market.xms_floor_depth=-1", "market.xms_floor_depth"),
        ] {
            let e = with_settings(given(), &[spec.to_string()]).unwrap_err();
            assert!(e.contains(says), "{spec}: {e}");
        }
    }

    #[test]
    fn fit_specs_parse_and_map_the_unit_interval_onto_their_bounds() {
        let p = FitParam::parse("agents.farmers.share=0.2..0.6").unwrap();
        assert!(!p.log);
        assert_eq!(p.value(0.0), 0.2);
        assert_eq!(p.value(1.0), 0.6);
        assert!((p.value(0.5) - 0.4).abs() < 1e-12);
        assert_eq!(p.value(7.0), 0.6, "clamped");
        assert!((p.unit(0.3) - 0.25).abs() < 1e-12);
        let q = FitParam::parse("agents.farmers.sell_rate=0.0001..0.01").unwrap();
        assert!(q.log, "a 100-fold range is searched in log space");
        assert!((q.value(0.5) - 0.001).abs() < 1e-12);
        assert!(FitParam::parse("xms_support_ratio=1..3").is_err());
        assert!(FitParam::parse("agents.farmers.share=0.6..0.2").is_err());
        assert!(FitParam::parse("agents.farmers.share").is_err());
        let one = FitParam::parse("iron-2021:market.impact_permanence=0.05..0.95").unwrap();
        assert_eq!(one.only.as_deref(), Some("iron-2021"));
        assert_eq!(one.key, "market.impact_permanence");
        assert_eq!(one.label(), "iron-2021:market.impact_permanence");
        assert!(one.applies_to("iron-2021") && !one.applies_to("terra-2022"));
        let both = fit_params(&[
            "market.impact_permanence=0.1..0.9".into(),
            "iron-2021:market.impact_permanence=0.1..0.9".into(),
        ]);
        assert!(both.unwrap_err().contains("either for all or for each"));
    }

    #[test]
    fn targets_parse_shapes_expand_and_unknown_outcomes_are_named() {
        assert_eq!(Target::parse("record").unwrap(), vec![Target::Record]);
        assert_eq!(Target::parse("terra-shape").unwrap().len(), 3);
        assert_eq!(
            Target::parse("xms_dilution=1000..").unwrap(),
            vec![Target::Range {
                stat: "xms_dilution".into(),
                lo: Some(1000.0),
                hi: None
            }]
        );
        let e = Target::parse("dilution=1..").unwrap_err();
        assert!(e.contains("xms_dilution"), "{e}");
        assert!(Target::parse("xms_dilution=..").is_err());
    }

    /// A record scored by hand: two series with errors 0.2 and 0.4, one crossing the record
    /// made and three paths in four crossed 2 hours late, one the record made that no path
    /// crossed while the fans' median stayed 10x short of it, and one the record never made.
    #[test]
    fn the_record_loss_adds_series_error_timing_and_misses() {
        use crate::backtest::{CrossingScore, SeriesScore};
        use crate::stats::{Estimate, Proportion, Quantiles};
        let est = |v: f64| Estimate {
            value: v,
            lo: Some(v),
            hi: Some(v),
        };
        let series = |e: f64| SeriesScore {
            metric: "xms_price".into(),
            column: "c".into(),
            points: 3,
            mean_abs_log_error: est(e),
            median_fan_error: e,
            inside_90: Proportion::new(1, 3),
            record: Vec::new(),
        };
        let crossing =
            |name: &str, record: Option<f64>, crossed: u64, err: Option<f64>| CrossingScore {
                name: name.into(),
                record_hours: record,
                crossed: Proportion::new(crossed, 4),
                model_hours: est(10.0),
                timing_error_hours: err,
            };
        let b = Backtest {
            file: "r.csv".into(),
            start: "2021-06-16T01:00Z".into(),
            series: vec![series(0.2), series(0.4)],
            crossings: vec![
                crossing("late", Some(8.0), 3, Some(2.0)),
                crossing("missed", Some(20.0), 0, None),
                crossing("never in the record", None, 0, None),
            ],
        };
        let missed = Crossing {
            name: "missed".into(),
            metric: "xms_price".into(),
            below: Some(1.0),
            below_multiple: None,
            above_multiple: None,
        };
        let record = Record {
            file: "r.csv".into(),
            start: "2021-06-16T01:00Z".into(),
            series: Vec::new(),
            crossings: vec![missed],
            hours: Vec::new(),
            columns: Default::default(),
        };
        // The median falls from $50 to $10: 10x above the $1 level at its lowest.
        let fan = Fan {
            metric: "xms_price",
            bands: vec![[0.0, 0.0, 50.0, 0.0, 0.0], [0.0, 0.0, 10.0, 0.0, 0.0]],
            estimates: vec![Quantiles([Estimate::NONE; 5]); 2],
        };
        let series_part = (0.2 + 0.4) / 2.0;
        let late = 0.75 * (2.0 / 24.0) + 0.25 * (0.5 + 0.5 * 1.0);
        let short = 10f64.ln() / 100f64.ln();
        let missed_part = 0.5 + 0.5 * short;
        let loss = record_loss(&b, &[fan], Some(&record));
        assert!(
            (loss - (series_part + late + missed_part)).abs() < 1e-12,
            "{loss}"
        );
    }

    #[test]
    fn a_range_target_costs_the_log_distance_outside_it() {
        assert_eq!(log_gap(10.0, 100.0), 0.0);
        assert!((log_gap(1000.0, 10.0) - 100f64.ln()).abs() < 1e-12);
        // A value at zero against a positive bound is far but finite.
        assert!(log_gap(1.0, 0.0).is_finite() && log_gap(1.0, 0.0) > 10.0);
    }
}
