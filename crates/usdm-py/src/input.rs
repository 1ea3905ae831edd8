//! A scenario as Python gives it: a built-in name, a TOML file, or a dict with the scenario
//! format's fields (sent here as JSON), and the setup of a run from it.

use std::sync::Arc;
use usdm_core::params::Preset;
use usdm_sim::scenario::{changes_from_sets, Scenario, ScenarioError};
use usdm_sim::world::Setup;

/// Why an input was refused: a malformed request (a name that does not exist, a value that
/// does not parse) or a well-formed one the simulator cannot run, as the CLI's exit codes 2
/// and 1.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// A malformed request.
    Usage(String),
    /// A request that cannot be run.
    Refused(String),
}

/// Where a scenario comes from.
pub enum Source<'a> {
    /// A built-in name or a TOML file.
    NameOrPath(&'a str),
    /// The scenario's fields as JSON (a Python dict).
    Json(&'a str),
}

/// Loads a scenario; errors carry the file (`<dict>` for a dict), the line and the field.
pub fn load(source: Source) -> Result<Scenario, Refusal> {
    match source {
        Source::NameOrPath(name) => Scenario::load(name).map_err(|e| {
            if e.line == 0 && e.message.starts_with("neither a built-in") {
                Refusal::Usage(e.to_string())
            } else {
                Refusal::Refused(e.to_string())
            }
        }),
        Source::Json(json) => {
            let value: serde_json::Value = serde_json::from_str(json)
                .map_err(|e| Refusal::Usage(format!("scenario dict: {e}")))?;
            let toml_value = toml::Value::try_from(&value).map_err(|e| {
                Refusal::Usage(format!(
                    "scenario dict: {e} (use the scenario format's fields: strings, numbers, lists and tables; no None)"
                ))
            })?;
            let text = toml::to_string(&toml_value)
                .map_err(|e| Refusal::Usage(format!("scenario dict: {e}")))?;
            Scenario::parse(&text, "<dict>")
                .map_err(|e: ScenarioError| Refusal::Refused(e.to_string()))
        }
    }
}

/// The setup of a run: the scenario, the preset (the scenario's own when `None`) and the
/// `key=value` changes, exactly as `usdm simulate SCENARIO --preset P --set ...` takes them.
pub fn setup(source: Source, preset: Option<&str>, sets: &[String]) -> Result<Arc<Setup>, Refusal> {
    let scenario = load(source)?;
    let preset = match preset {
        None => scenario.preset,
        Some(p) => p
            .parse::<Preset>()
            .map_err(|e| Refusal::Usage(format!("preset {p}: {e}")))?,
    };
    let (overrides, fields) = changes_from_sets(sets, &scenario).map_err(Refusal::Usage)?;
    let scenario = Arc::new(
        scenario
            .with_fields(&fields)
            .map_err(|e| Refusal::Refused(e.to_string()))?,
    );
    Setup::new(scenario, preset, &overrides)
        .map(Arc::new)
        .map_err(|e| Refusal::Refused(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dict_is_a_scenario_and_its_errors_name_the_field() {
        let s = load(Source::Json(
            r#"{"name": "d", "duration": "2h", "market": {"xms_market_depth": 0.2}}"#,
        ))
        .unwrap();
        assert_eq!(s.name, "d");
        assert_eq!(s.blocks, 2 * 3600 / 3);
        let e = load(Source::Json(
            r#"{"name": "d", "duration": "2h", "market": {"usdm_pool_depth": 7}}"#,
        ))
        .unwrap_err();
        match e {
            Refusal::Refused(m) => assert!(
                m.contains("<dict>") && m.contains("market.usdm_pool_depth"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_presets_and_sets_are_checked_like_the_cli() {
        assert!(matches!(
            load(Source::NameOrPath("nope")),
            Err(Refusal::Usage(_))
        ));
        let e = setup(Source::NameOrPath("calm"), Some("terra"), &[]).unwrap_err();
        assert!(
            matches!(e, Refusal::Usage(ref m) if m.contains("mars, mars-guarded, frax")),
            "{e:?}"
        );
        let e = setup(Source::NameOrPath("calm"), None, &["epoch=5".into()]).unwrap_err();
        assert!(
            matches!(e, Refusal::Usage(ref m) if m.contains("10 to 86,400 seconds")),
            "{e:?}"
        );
        assert!(setup(
            Source::NameOrPath("calm"),
            Some("frax"),
            &["xms_support_ratio=4".into()]
        )
        .is_ok());
    }
}
