//! What produced a run, recorded beside its results so that a report can be audited and
//! re-run from itself: the build (version and git commit), the resolved scenario (its full
//! TOML after `extends` and `--set`), the preset and the parameter changes, every protocol
//! parameter in force, every market and agent parameter, and the run's paths and seed.
//!
//! Built-in scenarios are compiled into the binary and change between builds, so a name alone
//! cannot say what ran: the record carries the text. [`Replay::from_record`] reads a record
//! back (`usdm simulate --replay summary.json`), and the same seed gives the same paths.

use std::sync::Arc;

use serde_json::{json, Value};
use usdm_core::params::{ParamChange, Params, Preset};

use crate::montecarlo::McConfig;
use crate::scenario::Scenario;
use crate::world::Setup;

/// The usdm version the simulator was built as.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the simulator was built from (`-dirty` when the tree had uncommitted
/// changes at build time, `unknown` outside a git checkout); see `build.rs`.
pub const GIT_COMMIT: &str = env!("USDM_GIT_COMMIT");

/// The protocol parameters in force when a run starts from `preset` with `scenario`'s own
/// parameter changes and then `overrides`, through the core's own validation
/// ([`Params::with_change`]); what [`Setup::new`] applies by governance.
pub fn params_in_force(
    preset: Preset,
    scenario: &Scenario,
    overrides: &[ParamChange],
) -> Result<Params, String> {
    let mut params = preset.params();
    for change in scenario.params.iter().chain(overrides) {
        params = params
            .with_change(change)
            .map_err(|e| format!("{change}: {e}"))?
            .0;
    }
    Ok(params)
}

/// The protocol as a preset runs it: the ratio policy, the ratio a preset holds fixed, and
/// every parameter.
fn protocol_json(preset: Preset, params: &Params) -> Value {
    json!({
        "policy": preset.policy(),
        "fixed_collateral_ratio": preset.fixed_collateral_ratio().map(|r| r.to_string()),
        "fixed_redemption_ratio": preset.fixed_redemption_ratio().map(|r| r.to_string()),
        "params": params,
    })
}

/// The build: version and commit.
fn build_json() -> Value {
    json!({ "usdm_version": VERSION, "git_commit": GIT_COMMIT })
}

/// The record of one ensemble (`summary.json`'s `provenance`).
pub fn of_run(setup: &Setup, config: &McConfig) -> Value {
    let mut v = build_json();
    let s = &*setup.scenario;
    v["scenario_toml"] = json!(s.source);
    v["preset"] = json!(setup.preset.to_string());
    v["overrides"] = json!(setup.overrides);
    v["overrides_text"] = json!(setup
        .overrides
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>());
    v["paths"] = json!(config.paths);
    v["seed"] = json!(config.seed);
    v["series"] = json!(config.series);
    // The parameters as the warmed-up protocol holds them (not recomputed): what the paths ran.
    v["protocol"] = protocol_json(setup.preset, setup.protocol().params());
    v["protocol"]["policy_state"] = json!(setup.protocol().policy());
    v["protocol"]["pauses"] = json!(setup.protocol().governance().pauses);
    v["scenario"] = json!(s);
    v
}

/// The record of a sweep (`sweep.json`'s `provenance`): the base scenario the axes change, and
/// for each preset swept the parameters in force before any axis applies. Each point records
/// its own changes and parameters beside its results ([`of_point`]).
pub fn of_sweep(scenario: &Scenario, presets: &[Preset], config: &McConfig) -> Value {
    let mut v = build_json();
    v["scenario_toml"] = json!(scenario.source);
    v["paths_per_point"] = json!(config.paths);
    v["seed"] = json!(config.seed);
    v["scenario"] = json!(scenario);
    v["presets"] = presets
        .iter()
        .map(|p| {
            let params = params_in_force(*p, scenario, &[]);
            (
                p.to_string(),
                match params {
                    Ok(params) => protocol_json(*p, &params),
                    Err(e) => json!({ "error": e }),
                },
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    v
}

/// What one sweep point changed and the protocol parameters it ran (its scenario is the
/// sweep's with `fields` written in).
pub fn of_point(
    scenario: &Scenario,
    preset: Preset,
    overrides: &[ParamChange],
    fields: &[crate::scenario::FieldChange],
) -> Value {
    let params = match params_in_force(preset, scenario, overrides) {
        Ok(p) => json!(p),
        Err(e) => json!({ "error": e }),
    };
    json!({
        "overrides": overrides,
        "fields": fields
            .iter()
            .map(|f| json!({ "key": f.key, "value": f.value.to_string() }))
            .collect::<Vec<_>>(),
        "params": params,
    })
}

/// A recorded run, read back: what [`Setup::new`] and [`crate::montecarlo::run`] need to run
/// it again, path for path.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The scenario, parsed from the recorded TOML.
    pub scenario: Arc<Scenario>,
    /// The preset.
    pub preset: Preset,
    /// The parameter changes applied after the scenario's own.
    pub overrides: Vec<ParamChange>,
    /// Paths.
    pub paths: u64,
    /// Seed.
    pub seed: u64,
    /// The build that recorded it, when it is not this one (`version commit`).
    pub other_build: Option<String>,
}

impl Replay {
    /// Reads a run's record: `summary.json` as written, or `usdm --json simulate`'s output
    /// (`file` names it in errors).
    pub fn from_record(text: &str, file: &str) -> Result<Replay, String> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| format!("{file}: not JSON ({e})"))?;
        let p = doc.get("provenance").ok_or_else(|| {
            format!("{file}: no provenance; give the summary.json of a `usdm simulate` run made by usdm 0.3 or later")
        })?;
        let field = |k: &str| {
            p.get(k)
                .ok_or_else(|| format!("{file}: provenance.{k} is missing"))
        };
        let toml = field("scenario_toml")?
            .as_str()
            .ok_or_else(|| format!("{file}: provenance.scenario_toml is not text"))?;
        let name = doc.get("scenario").and_then(Value::as_str).unwrap_or("run");
        let scenario = Scenario::parse(toml, &format!("{file} (scenario {name})"))
            .map_err(|e| e.to_string())?;
        let preset: Preset = field("preset")?
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|e| format!("{file}: provenance.preset: {e}"))?;
        let overrides: Vec<ParamChange> = serde_json::from_value(field("overrides")?.clone())
            .map_err(|e| format!("{file}: provenance.overrides: {e}"))?;
        let whole = |k: &str| {
            field(k)?
                .as_u64()
                .ok_or_else(|| format!("{file}: provenance.{k} is not a whole number"))
        };
        let (version, commit) = (
            p.get("usdm_version").and_then(Value::as_str).unwrap_or("?"),
            p.get("git_commit").and_then(Value::as_str).unwrap_or("?"),
        );
        let other_build = (version != VERSION || commit != GIT_COMMIT)
            .then(|| format!("usdm {version} ({commit})"));
        Ok(Replay {
            scenario: Arc::new(scenario),
            preset,
            overrides,
            paths: whole("paths")?,
            seed: whole("seed")?,
            other_build,
        })
    }
}
