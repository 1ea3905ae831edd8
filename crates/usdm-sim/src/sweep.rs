//! Parameter sweeps: the cartesian product of axes (presets and parameter values), with a
//! Monte Carlo ensemble at every point, all paths of all points sharing one seed.

use crate::metrics::Outcome;
use crate::montecarlo::{self, McConfig, Summary};
use crate::scenario::{param_from_text, FieldChange, Scenario, ScenarioError};
use crate::world::{Setup, SimError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use usdm_core::params::{ParamChange, Preset};

/// One value along an axis.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisValue {
    /// Run under this preset.
    Preset(Preset),
    /// Apply this parameter change after the scenario's own.
    Param(ParamChange),
    /// Run a variant of the scenario with this field changed (market or agent assumptions).
    Field(FieldChange),
}

/// One dimension of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The name shown in reports (`preset` or the parameter's key).
    pub name: String,
    /// `(label, value)` in the order given.
    pub values: Vec<(String, AxisValue)>,
}

impl AxisValue {
    /// The value as typed data for CSV and JSON: a preset's name, a number, or `null` for a
    /// breaker that is `off` (so a column of breaker thresholds loads as numbers).
    pub fn typed(label: &str) -> serde_json::Value {
        if label == "off" {
            return serde_json::Value::Null;
        }
        match label.trim_end_matches('%').parse::<f64>() {
            Ok(x) if x.is_finite() => {
                let x = if label.ends_with('%') { x / 100.0 } else { x };
                serde_json::json!(x)
            }
            _ => serde_json::json!(label),
        }
    }
}

impl Axis {
    /// Presets from a comma-separated list (`mars,mars-guarded,frax`).
    pub fn presets(list: &str) -> Result<Axis, String> {
        let mut values = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let preset: Preset = name.parse().map_err(|e| format!("--preset {name}: {e}"))?;
            if values.iter().any(|(n, _)| n == name) {
                return Err(format!("--preset lists {name} twice"));
            }
            values.push((name.to_string(), AxisValue::Preset(preset)));
        }
        if values.is_empty() {
            return Err("--preset needs at least one preset".into());
        }
        Ok(Axis {
            name: "preset".into(),
            values,
        })
    }

    /// A parameter axis from `key=v1,v2,...` (values as in a scenario's `[protocol.params]`).
    pub fn param(spec: &str, block_seconds: u64) -> Result<Axis, ScenarioError> {
        let bad = |message: String| ScenarioError {
            file: "<command line>".into(),
            line: 0,
            field: spec.to_string(),
            message,
        };
        let (key, list) = spec.split_once('=').ok_or_else(|| {
            bad("expected key=value1,value2,... (e.g. xms_support_ratio=1.5,2.5,4)".into())
        })?;
        let mut values = Vec::new();
        for v in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let change = param_from_text(key.trim(), v, block_seconds)?;
            if values
                .iter()
                .any(|(_, c)| *c == AxisValue::Param(change.clone()))
            {
                return Err(bad(format!("{v} is listed twice")));
            }
            values.push((v.to_string(), AxisValue::Param(change)));
        }
        if values.is_empty() {
            return Err(bad("no values given".into()));
        }
        Ok(Axis {
            name: key.trim().to_string(),
            values,
        })
    }
}

impl Axis {
    /// A protocol parameter (`xms_support_ratio=1.5,2.5`) or, for a dotted key, a scenario
    /// field (`market.xms_market_depth=0.05,0.1`, `agents.holders.share=0.2,0.4`), each value
    /// checked against `scenario` now, before anything runs.
    pub fn parse(spec: &str, scenario: &Scenario) -> Result<Axis, ScenarioError> {
        match spec.split_once('=') {
            Some((key, list)) if key.contains('.') => {
                let key = key.trim();
                let mut values: Vec<(String, AxisValue)> = Vec::new();
                for v in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let change = FieldChange::new(key, v);
                    scenario.with_fields(std::slice::from_ref(&change))?;
                    if values.iter().any(|(l, _)| l == v) {
                        return Err(ScenarioError {
                            file: "<command line>".into(),
                            line: 0,
                            field: spec.to_string(),
                            message: format!("{v} is listed twice"),
                        });
                    }
                    values.push((v.to_string(), AxisValue::Field(change)));
                }
                if values.is_empty() {
                    return Err(ScenarioError {
                        file: "<command line>".into(),
                        line: 0,
                        field: spec.to_string(),
                        message: "no values given".into(),
                    });
                }
                Ok(Axis {
                    name: key.to_string(),
                    values,
                })
            }
            _ => Axis::param(spec, scenario.block_seconds),
        }
    }
}

/// Refuses two axes that vary the same thing (the same preset axis, protocol parameter or
/// scenario field): every point would run the later axis's value under labels taken from the
/// earlier one, a silently wrong result.
pub fn check_distinct(axes: &[Axis]) -> Result<(), String> {
    /// What an axis varies, independent of how its key was spelled.
    fn target(axis: &Axis) -> Option<String> {
        match &axis.values.first()?.1 {
            AxisValue::Preset(_) => Some("preset".into()),
            AxisValue::Param(change) => Some(format!("{:?}", std::mem::discriminant(change))),
            AxisValue::Field(_) => Some(axis.name.clone()),
        }
    }
    for (i, axis) in axes.iter().enumerate() {
        if let Some(earlier) = axes[..i].iter().find(|a| target(a) == target(axis)) {
            return Err(format!(
                "{} is swept twice ({} and {}): give all its values in one axis, e.g. {}=v1,v2,v3",
                axis.name,
                labels(earlier),
                labels(axis),
                axis.name
            ));
        }
    }
    Ok(())
}

/// An axis as it was given, `key=v1,v2`.
fn labels(axis: &Axis) -> String {
    let values: Vec<&str> = axis.values.iter().map(|(l, _)| l.as_str()).collect();
    format!("{}={}", axis.name, values.join(","))
}

/// One point of a sweep and its ensemble.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// The value label on each axis, in axis order.
    pub labels: Vec<String>,
    /// The preset run.
    pub preset: Preset,
    /// The parameter changes applied.
    pub overrides: Vec<ParamChange>,
    /// The scenario fields changed.
    pub fields: Vec<FieldChange>,
    /// Every path's outcome.
    pub outcomes: Vec<Outcome>,
    /// The outcomes summarised.
    pub summary: Summary,
    /// Estimates that differ from a neighbouring point's (one step along one axis) while
    /// their 95% intervals overlap: the sweep has not resolved that difference.
    pub unresolved: Vec<Unresolved>,
}

/// A difference between neighbouring sweep points that lies within the noise.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Unresolved {
    /// The estimate (`p_break`, `p_death_spiral`, `p_xms_x100` or `max_depeg_p50`).
    pub estimate: &'static str,
    /// The axis along which the neighbour lies.
    pub axis: String,
    /// The neighbour's label on that axis.
    pub neighbour: String,
}

/// How many paths a point runs when a precision target is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The widest 95% interval accepted for each probability reported (0.05 = 5 points).
    pub width: f64,
    /// The most paths a point may run.
    pub max_paths: u64,
}

/// A finished sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The axes.
    pub axes: Vec<Axis>,
    /// Every point, the first axis varying slowest.
    pub points: Vec<SweepPoint>,
    /// Paths per point (the first batch, under a precision target), seed, threads.
    pub config: McConfig,
    /// The precision target, if any.
    pub precision: Option<Precision>,
    /// Worker threads used.
    pub threads: usize,
    /// Wall time.
    pub elapsed: Duration,
}

impl Sweep {
    /// Total blocks simulated.
    pub fn blocks(&self) -> u64 {
        self.points.iter().map(|p| p.summary.paths).sum::<u64>() * self.scenario.blocks
    }
}

/// Every combination of the axes' values, the first axis varying slowest.
pub fn combinations(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for axis in axes {
        let mut next = Vec::with_capacity(out.len() * axis.values.len());
        for prefix in &out {
            for i in 0..axis.values.len() {
                let mut c = prefix.clone();
                c.push(i);
                next.push(c);
            }
        }
        out = next;
    }
    out
}

/// Whether `a` and `b` differ while their intervals overlap.
fn unresolved_pair(a: &Summary, b: &Summary) -> Vec<&'static str> {
    let mut out = Vec::new();
    for ((name, p), (_, q)) in a.probabilities().iter().zip(b.probabilities().iter()) {
        if p.value != q.value && p.lo <= q.hi && q.lo <= p.hi {
            out.push(*name);
        }
    }
    let (x, y) = (a.median("max_depeg"), b.median("max_depeg"));
    if x.value != y.value && x.overlaps(&y) {
        out.push("max_depeg_p50");
    }
    out
}

/// Flags every point's unresolved differences from its neighbours along each axis.
fn flag_neighbours(axes: &[Axis], combos: &[Vec<usize>], points: &mut [SweepPoint]) {
    for i in 0..points.len() {
        let mut flags = Vec::new();
        for (a, axis) in axes.iter().enumerate() {
            for step in [-1i64, 1] {
                let k = combos[i][a] as i64 + step;
                if k < 0 || k as usize >= axis.values.len() {
                    continue;
                }
                let mut target = combos[i].clone();
                target[a] = k as usize;
                let Some(j) = combos.iter().position(|c| *c == target) else {
                    continue;
                };
                for estimate in unresolved_pair(&points[i].summary, &points[j].summary) {
                    flags.push(Unresolved {
                        estimate,
                        axis: axis.name.clone(),
                        neighbour: axis.values[k as usize].0.clone(),
                    });
                }
            }
        }
        points[i].unresolved = flags;
    }
}

/// The widest 95% interval among a summary's probabilities.
pub fn widest_interval(s: &Summary) -> f64 {
    s.probabilities()
        .iter()
        .map(|(_, p)| p.width())
        .fold(0.0, f64::max)
}

/// Runs `config.paths` paths at every point of the sweep; under a precision target, adds
/// batches of `config.paths` paths (the next path indices, so the result depends on the seed
/// and the target alone) until every probability's interval is at most `width` wide or the
/// point has run `max_paths`.
pub fn run(
    scenario: Arc<Scenario>,
    axes: Vec<Axis>,
    config: &McConfig,
    precision: Option<Precision>,
) -> Result<Sweep, SimError> {
    check_distinct(&axes).map_err(|reason| SimError::Setup {
        scenario: scenario.name.clone(),
        reason,
    })?;
    let specs = point_specs(&scenario, &axes);
    let total = specs.len() as u64 * config.paths;
    let pb = montecarlo::progress_bar(total, config.progress, &scenario.name);
    let started = Instant::now();
    let mut points = Vec::with_capacity(specs.len());
    for spec in specs {
        pb.set_message(format!("{} / {}", scenario.name, spec.labels.join(" / ")));
        points.push(run_point(&scenario, spec, config, precision, &pb)?);
    }
    pb.finish_and_clear();
    let threads = montecarlo::with_threads(config.threads, rayon::current_num_threads);
    Ok(assemble(
        scenario,
        axes,
        config,
        precision,
        points,
        started.elapsed(),
        threads,
    ))
}

/// What one point of a sweep runs: its labels, preset, parameter changes and scenario fields.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpec {
    /// The value label on each axis, in axis order.
    pub labels: Vec<String>,
    /// The preset run.
    pub preset: Preset,
    /// The parameter changes applied.
    pub overrides: Vec<ParamChange>,
    /// The scenario fields changed.
    pub fields: Vec<FieldChange>,
}

/// Every point of the sweep, the first axis varying slowest.
pub fn point_specs(scenario: &Scenario, axes: &[Axis]) -> Vec<PointSpec> {
    combinations(axes)
        .into_iter()
        .map(|combo| {
            let mut spec = PointSpec {
                labels: Vec::new(),
                preset: scenario.preset,
                overrides: Vec::new(),
                fields: Vec::new(),
            };
            for (axis, &i) in axes.iter().zip(&combo) {
                let (label, value) = &axis.values[i];
                spec.labels.push(label.clone());
                match value {
                    AxisValue::Preset(p) => spec.preset = *p,
                    AxisValue::Param(c) => spec.overrides.push(c.clone()),
                    AxisValue::Field(f) => spec.fields.push(f.clone()),
                }
            }
            spec
        })
        .collect()
}

/// Runs one point: `config.paths` paths, and under a precision target more batches (see
/// [`run`]). The unit of work a distributed sweep hands to each worker.
pub fn run_point(
    scenario: &Arc<Scenario>,
    spec: PointSpec,
    config: &McConfig,
    precision: Option<Precision>,
    pb: &indicatif::ProgressBar,
) -> Result<SweepPoint, SimError> {
    let point_config = McConfig {
        series: false,
        progress: false,
        ..config.clone()
    };
    let variant = if spec.fields.is_empty() {
        scenario.clone()
    } else {
        Arc::new(
            scenario
                .with_fields(&spec.fields)
                .map_err(|e| SimError::Setup {
                    scenario: scenario.name.clone(),
                    reason: e.to_string(),
                })?,
        )
    };
    let setup = Arc::new(Setup::new(variant, spec.preset, &spec.overrides)?);
    let batch = |range: std::ops::Range<u64>| -> Result<Vec<Outcome>, SimError> {
        let metrics = montecarlo::with_threads(config.threads, || {
            montecarlo::run_paths(&setup, &point_config, range, pb)
        })?;
        Ok(metrics.iter().map(|m| m.outcome).collect())
    };
    let mut outcomes = batch(0..config.paths)?;
    let mut summary = Summary::of(&outcomes);
    if let Some(target) = precision {
        while widest_interval(&summary) > target.width && (outcomes.len() as u64) < target.max_paths
        {
            let n = outcomes.len() as u64;
            let add = config.paths.min(target.max_paths - n);
            pb.inc_length(add);
            outcomes.extend(batch(n..n + add)?);
            summary = Summary::of(&outcomes);
        }
    }
    Ok(SweepPoint {
        labels: spec.labels,
        preset: spec.preset,
        overrides: spec.overrides,
        fields: spec.fields,
        summary,
        outcomes,
        unresolved: Vec::new(),
    })
}

/// A sweep from its points, in [`point_specs`] order (wherever they ran): flags the
/// differences between neighbours that lie within the noise.
pub fn assemble(
    scenario: Arc<Scenario>,
    axes: Vec<Axis>,
    config: &McConfig,
    precision: Option<Precision>,
    mut points: Vec<SweepPoint>,
    elapsed: Duration,
    threads: usize,
) -> Sweep {
    flag_neighbours(&axes, &combinations(&axes), &mut points);
    Sweep {
        scenario,
        axes,
        points,
        config: config.clone(),
        precision,
        threads,
        elapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_vary_the_last_axis_fastest() {
        let axes = vec![
            Axis::presets("mars,frax").unwrap(),
            Axis::param("xms_support_ratio=1.5,2.5,4", 3).unwrap(),
        ];
        let c = combinations(&axes);
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], vec![0, 0]);
        assert_eq!(c[1], vec![0, 1]);
        assert_eq!(c[5], vec![1, 2]);
    }

    #[test]
    fn an_axis_given_twice_is_refused_whatever_its_spelling() {
        let s = Scenario::builtin("calm").unwrap().unwrap();
        let ratio = |spec: &str| Axis::parse(spec, &s).unwrap();
        let axes = [ratio("xms_support_ratio=1,2"), ratio("xms_support_ratio=3")];
        let e = check_distinct(&axes).unwrap_err();
        assert!(e.contains("xms_support_ratio is swept twice"), "{e}");
        assert!(
            e.contains("xms_support_ratio=1,2 and xms_support_ratio=3"),
            "{e}"
        );
        let presets = [
            Axis::presets("mars").unwrap(),
            Axis::presets("frax").unwrap(),
        ];
        assert!(check_distinct(&presets)
            .unwrap_err()
            .contains("preset is swept twice"));
        let fields = [
            ratio("market.xms_market_depth=0.1"),
            ratio("market.xms_market_depth=0.2"),
        ];
        assert!(check_distinct(&fields).is_err());
        // Different things are fine.
        let fine = [
            Axis::presets("mars").unwrap(),
            ratio("xms_support_ratio=1,2"),
            ratio("market.xms_market_depth=0.1"),
        ];
        assert_eq!(check_distinct(&fine), Ok(()));
    }

    #[test]
    fn axes_parse_values_and_refuse_bad_ones() {
        let a = Axis::param("breaker_xms_minted=off,0.001", 3).unwrap();
        assert_eq!(a.values.len(), 2);
        assert_eq!(
            a.values[0].1,
            AxisValue::Param(ParamChange::BreakerXmsMinted(None))
        );
        let e = Axis::param("xms_support_ratio=0.5", 3).unwrap_err();
        assert!(e.message.contains("between 1 and 100"), "{e}");
        assert!(Axis::param("nonsense", 3).is_err());
        assert!(Axis::param("xms_support_ratio=2,2.0", 3)
            .unwrap_err()
            .message
            .contains("twice"));
        assert!(Axis::presets("mars,mars").unwrap_err().contains("twice"));
        assert!(Axis::presets("mars,terra").unwrap_err().contains("terra"));
    }
}
