//! `usdm_sim::calibrate`: a fit finds a value known by construction, is reproducible by seed,
//! and writes a scenario that parses back with the fit in it.

use usdm_core::params::Preset;
use usdm_sim::calibrate::{calibrate, CalibrateConfig, FitParam, Problem, Target};
use usdm_sim::scenario::Scenario;

/// Two quiet hours: the share token barely moves, so its final price is about its starting
/// price, and a fit of the starting price to a final-price range must land in that range.
const QUIET: &str = r#"
name = "quiet"
duration = "2h"
sample_every = "10m"
[protocol]
usdm_supply = 1_000_000
xms_price = 2.0
[market]
xms_volatility = 0.05
"#;

fn quiet(targets: &str) -> Vec<Problem> {
    vec![Problem {
        scenario: Scenario::parse(QUIET, "quiet.toml").unwrap(),
        preset: Preset::Mars,
        targets: Target::parse(targets).unwrap(),
    }]
}

fn config(seed: u64) -> CalibrateConfig {
    CalibrateConfig {
        fit: vec![FitParam::parse("protocol.xms_price=1..10").unwrap()],
        paths: 2,
        budget: 24,
        restarts: 2,
        seed,
        threads: Some(1),
        progress: false,
    }
}

#[test]
fn a_fit_lands_where_the_target_puts_it_and_is_reproducible() {
    let problems = quiet("final_xms_price=4..4.4");
    let cal = calibrate(&problems, &config(5)).unwrap();
    let best = &cal.restarts[cal.best];
    let price = best.values[0];
    // Final price = start price times a few percent of noise: the target's range, 4 to 4.4,
    // comes from a start between about 3.6 and 4.9.
    assert!((3.6..4.9).contains(&price), "fitted start price {price}");
    assert!(best.loss < 0.02, "loss {}", best.loss);
    assert!(best.fresh_loss < 0.1, "fresh loss {}", best.fresh_loss);
    // The starting point (xms_price = 2, final about 2) is ln(4/2) away.
    assert!(
        (cal.start_loss - 2f64.ln()).abs() < 0.1,
        "{}",
        cal.start_loss
    );
    assert_eq!(cal.restarts.len(), 2);
    assert_eq!(cal.restarts[1].seed, 6);
    // Same seed, same fit.
    let again = calibrate(&problems, &config(5)).unwrap();
    assert_eq!(again.restarts, cal.restarts);
    // The written scenario carries the fit and parses back.
    let (name, text) = &cal.scenarios[0];
    assert_eq!(name, "quiet");
    let back = Scenario::parse(text, "fitted.toml").unwrap();
    assert!((back.xms_price - price).abs() < 1e-9 * price);
    assert!(text.starts_with("# quiet calibrated by usdm"));
    let j = cal.to_json();
    assert_eq!(j["fit"][0]["key"], "protocol.xms_price");
    assert!(j["fit"][0]["lo"].as_f64().unwrap() <= j["fit"][0]["hi"].as_f64().unwrap());
}

#[test]
fn a_record_target_needs_a_record_and_bad_keys_are_refused_before_any_run() {
    let e = calibrate(&quiet("record"), &config(1)).unwrap_err();
    assert!(e.contains("[record]"), "{e}");
    let mut c = config(1);
    c.fit = vec![FitParam::parse("agents.nobody.share=0..1").unwrap()];
    let e = calibrate(&quiet("final_xms_price=4..4.4"), &c).unwrap_err();
    assert!(e.contains("nobody"), "{e}");
}

/// `quiet` wanting a final price of 3 to 3.2, and a copy named `quiet-too` wanting 6 to 6.4.
fn two_quiets() -> Vec<Problem> {
    let mut problems = quiet("final_xms_price=3..3.2");
    let mut other = quiet("final_xms_price=6..6.4").remove(0);
    other.scenario =
        Scenario::parse(&QUIET.replace("\"quiet\"", "\"quiet-too\""), "b.toml").unwrap();
    problems.push(other);
    problems
}

/// A joint fit: two scenarios that pull one parameter towards different values settle
/// between them, and each gets its own fitted file.
#[test]
fn a_joint_fit_weighs_both_scenarios() {
    let problems = two_quiets();
    let cal = calibrate(&problems, &config(9)).unwrap();
    let price = cal.restarts[cal.best].values[0];
    // Each alone would put the start at about 3.1 or 6.2; together, somewhere between.
    assert!((3.0..6.4).contains(&price), "{price}");
    assert_eq!(cal.scenarios.len(), 2);
    assert_eq!(cal.scenarios[1].0, "quiet-too");
    assert_eq!(cal.restarts[cal.best].parts.len(), 2);
    // Neither target can be met at once: the joint loss is at least ln(6/3.2).
    assert!(cal.restarts[cal.best].loss > (6.0f64 / 3.2).ln() - 0.05);
}

/// The same two scenarios with the price fitted for each on its own (`NAME:KEY`): both targets
/// are met at once, and each fitted file carries its own value.
#[test]
fn keys_for_one_scenario_let_a_joint_fit_meet_both() {
    let problems = two_quiets();
    let mut c = config(9);
    c.budget = 40;
    c.fit = usdm_sim::calibrate::fit_params(&[
        "quiet:protocol.xms_price=1..10".into(),
        "quiet-too:protocol.xms_price=1..10".into(),
    ])
    .unwrap();
    let cal = calibrate(&problems, &c).unwrap();
    let best = &cal.restarts[cal.best];
    assert!(best.loss < 0.05, "loss {}", best.loss);
    let (a, b) = (best.values[0], best.values[1]);
    assert!(
        (2.7..3.6).contains(&a) && (5.4..7.2).contains(&b),
        "{a} {b}"
    );
    let fitted = |i: usize| {
        Scenario::parse(&cal.scenarios[i].1, "f.toml")
            .unwrap()
            .xms_price
    };
    assert!((fitted(0) - a).abs() < 1e-9 * a && (fitted(1) - b).abs() < 1e-9 * b);
    // A key for a scenario that is not in the fit is refused.
    c.fit = usdm_sim::calibrate::fit_params(&["nowhere:protocol.xms_price=1..10".into()]).unwrap();
    let e = calibrate(&problems, &c).unwrap_err();
    assert!(e.contains("no scenario nowhere"), "{e}");
}
