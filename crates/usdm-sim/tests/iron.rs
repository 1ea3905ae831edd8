//! Iron Finance, June 2021 (scenarios/iron-2021.toml): Iron's protocol, its state and timing
//! from the on-chain record, and the behaviour fitted jointly to Terra's shape and this record
//! (fit (d) of docs/findings.md, "Calibration, left one out"). The targets for Iron, and
//! what the built-in gives (in sample):
//! - the share token from its first 20% drawdown to below $1 within 24 hours: about 6 hours;
//! - its supply up 1,000-fold or more: it runs to the largest number it can hold (no pause);
//! - the stablecoin's supply at half its start or less: about a third;
//! - the share token ends below 0.1% of its start: at nothing.
//!
//! Out of sample (the behaviour carried from Terra as it stood before any fit, Iron's standing
//! bids scaled from Terra's) the targets are missed: the share token falls by about two thirds
//! and its supply grows by percents. Both verdicts are asserted loosely, so that a change to the
//! dynamics that moves them shows up here and in docs/findings.md together. Also asserted: the
//! TWAP's lag sets the depeg (the sweep), and the hub-refused `twap` pricing is what
//! the `iron` preset runs.

use std::sync::Arc;
use usdm_core::params::{ParamChange, Preset, SharePricing};
use usdm_sim::metrics::Outcome;
use usdm_sim::montecarlo::{self, McConfig};
use usdm_sim::scenario::{FieldChange, Scenario};
use usdm_sim::world::Setup;

fn outcomes(preset: Preset, overrides: &[ParamChange], paths: u64) -> Vec<Outcome> {
    outcomes_of(iron(), preset, overrides, paths)
}

fn iron() -> Scenario {
    Scenario::builtin("iron-2021").unwrap().unwrap()
}

/// Iron before any fit to its record: no farmers, Terra's memory of impact and Terra's standing
/// bids as the same share of the market cap (the scenario as the first out-of-sample test ran).
fn iron_with_terras_old_behaviour() -> Scenario {
    let changes = [
        ("agents.farmers.share", "0"),
        ("market.impact_permanence", "0.15"),
        ("market.xms_floor_depth", "167000000"),
    ]
    .map(|(k, v)| FieldChange::new(k, v));
    iron().with_fields(&changes).unwrap()
}

fn outcomes_of(s: Scenario, preset: Preset, overrides: &[ParamChange], paths: u64) -> Vec<Outcome> {
    let setup = Arc::new(Setup::new(Arc::new(s), preset, overrides).unwrap());
    let config = McConfig {
        paths,
        threads: Some(2),
        seed: 42,
        progress: false,
        check_invariants: false,
        series: false,
    };
    montecarlo::run(setup, &config).unwrap().outcomes
}

fn median(xs: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = xs.collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn iron_2021_collapses_as_its_record_did() {
    let s = iron();
    assert_eq!(s.preset, Preset::Iron);
    // The state at the record's first row (01:00 UTC, 16 June).
    assert_eq!(
        (s.xms_price, s.xms_supply, s.usdm_supply),
        (59.0, 104.8e6, 749e6)
    );
    let iron = outcomes(Preset::Iron, &[], 8);
    assert!(iron.iter().all(|o| o.broke_peg), "{iron:?}");
    // The targets for Iron, each met on the median path.
    let med = |f: fn(&Outcome) -> f64| median(iron.iter().map(f));
    assert!(med(|o| o.xms_dilution) >= 1_000.0, "{iron:?}");
    assert!(med(|o| o.final_xms_price) < 59.0 * 0.001, "{iron:?}");
    assert!(med(|o| o.usdm_supply_ratio) <= 0.5, "{iron:?}");
    // The stablecoin's low: the pool, not the record's lagging oracle (never below $0.937).
    let low = med(|o| o.min_usdm_price);
    assert!((0.8..0.97).contains(&low), "USDm low {low}");
    // Protocol-favouring payout pricing changes little here: in a falling market
    // max(spot, TWAP) is the TWAP.
    let pf = outcomes(
        Preset::Iron,
        &[ParamChange::RedemptionSharePricing(
            SharePricing::ProtocolFavouring,
        )],
        8,
    );
    let pf_low = median(pf.iter().map(|o| o.min_usdm_price));
    assert!((pf_low - low).abs() < 0.02, "{pf_low} vs {low}");
}

#[test]
fn out_of_sample_with_terras_old_behaviour_iron_breaks_the_peg_but_does_not_spiral() {
    let iron = outcomes_of(iron_with_terras_old_behaviour(), Preset::Iron, &[], 8);
    assert!(iron.iter().all(|o| o.broke_peg), "{iron:?}");
    let low = median(iron.iter().map(|o| o.min_usdm_price));
    assert!((0.93..0.975).contains(&low), "USDm low {low}");
    // The share token falls by about two thirds (the scripted first wave takes its market
    // down 42%; the rest is dynamics) but is nowhere near zero, and its supply grows by
    // percents, not 1,000-fold.
    let xms = median(iron.iter().map(|o| o.final_xms_price));
    assert!((10.0..45.0).contains(&xms), "final XMS price {xms}");
    let dilution = median(iron.iter().map(|o| o.xms_dilution));
    assert!((1.0..1.5).contains(&dilution), "dilution {dilution}");
    assert!(iron.iter().all(|o| !o.death_spiral));
}

#[test]
fn the_twap_lag_sets_the_depeg() {
    let depeg = |window: u64| {
        let o = outcomes(Preset::Iron, &[ParamChange::TwapWindow(window)], 4);
        median(o.iter().map(|o| o.max_depeg))
    };
    let (short, long) = (depeg(60), depeg(3_600));
    // A one-minute TWAP keeps redemption's arbitrage close to spot: the stablecoin dips about
    // 4% while the share token collapses; an hour's lag pays redeemers XMS at a price far above
    // the market and the peg gives way by more than 12%.
    assert!(short < 0.06, "{short}");
    assert!(long > 0.12, "{long}");
}

/// Issue 22, item 1: `iron-2021` carries Iron's on-chain record (scenarios/records/) and a run
/// is scored against it at the record's own times. The record's crossings, read off the CSV
/// by eye: TITAN's spot price first below $1 at 22:26 UTC (the run starts at 01:00), its supply
/// past 100 times its first recorded value (104.8M) at 23:58. The fitted model crosses both on
/// every path, within half a day of the record: asserted loosely, as the verdicts above are.
#[test]
fn iron_2021_is_scored_against_its_record() {
    let setup = Arc::new(Setup::new(Arc::new(iron()), Preset::Iron, &[]).unwrap());
    let config = McConfig {
        paths: 6,
        threads: Some(2),
        seed: 42,
        progress: false,
        check_invariants: false,
        series: true,
    };
    let e = montecarlo::run(setup, &config).unwrap();
    let b = e.backtest.expect("iron-2021 carries a record");
    let metrics: Vec<&str> = b.series.iter().map(|s| s.metric.as_str()).collect();
    assert_eq!(
        metrics,
        ["usdm_low", "usdm_supply", "xms_price", "xms_supply"]
    );
    // All 49 rows fall inside the two-day run, and none of these columns has a gap.
    assert!(b.series.iter().all(|s| s.points == 49), "{b:?}");
    let crossing = |name: &str| b.crossings.iter().find(|c| c.name == name).unwrap();
    let below_1 = crossing("share token below $1");
    assert!((below_1.record_hours.unwrap() - (21.0 + 26.0 / 60.0)).abs() < 1e-9);
    let x100 = crossing("share-token supply x100");
    assert!((x100.record_hours.unwrap() - (22.0 + 58.0 / 60.0)).abs() < 1e-9);
    for c in [below_1, x100] {
        assert_eq!(c.crossed.count, 6, "{c:?}");
        assert!(c.timing_error_hours.unwrap().abs() < 12.0, "{c:?}");
    }
    // The first wave is timed by the record (its scripted shock): the share token is 20% below
    // its start within an hour of when the record has it.
    let wave = crossing("share token 20% below its start");
    assert!(wave.timing_error_hours.unwrap().abs() < 1.0, "{wave:?}");
    // The state comes from the record, so the stablecoin's supply stays within a factor of 1.3
    // on average; the share token's supply, a factor of e within the day (it overshoots after).
    let series = |m: &str| b.series.iter().find(|s| s.metric == m).unwrap();
    let usdm = series("usdm_supply");
    assert!(usdm.mean_abs_log_error.value < 0.25, "{usdm:?}");
    let supply = series("xms_supply");
    assert!(supply.mean_abs_log_error.value < 1.0, "{supply:?}");
    let json = b.to_json();
    assert_eq!(json["series"].as_array().unwrap().len(), 4);
}
