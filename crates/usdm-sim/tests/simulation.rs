//! The simulator end to end: determinism whatever the thread count, invariants after every
//! block under every preset, the Terra-shaped scenario's verdict on breakers, sweeps and
//! reports.

use std::sync::Arc;
use usdm_core::params::{ParamChange, Preset};
use usdm_sim::metrics::Outcome;
use usdm_sim::montecarlo::{self, McConfig};
use usdm_sim::scenario::Scenario;
use usdm_sim::sweep::{self, Axis};
use usdm_sim::world::{RunOptions, Setup, World};

/// A built-in scenario cut to its first `hours`.
fn shortened(name: &str, hours: u64) -> Arc<Scenario> {
    let mut s = Scenario::builtin(name).unwrap().unwrap();
    s.blocks = hours * 3600 / s.block_seconds;
    Arc::new(s)
}

/// A run that starts at once: a whale and a loss of confidence in the first half hour, XMS
/// falling, thin markets. Every agent acts within two hours.
const STRESS: &str = r#"
name = "stress"
duration = "2h"
sample_every = "5m"
[protocol]
usdm_supply = 10_000_000
xms_supply = 10_000_000
xms_price = 2.5
collateral = { USDC = 0.6, BTC = 0.2, ETH = 0.15, XMS = 0.05 }
[market]
xms_market_depth = 0.05
xms_volatility = 1.5
xms_script = [["10m", 1.0], ["2h", 0.5]]
[prices.BTC]
price = 60_000
volatility = 0.8
[prices.ETH]
price = 3_000
volatility = 0.9
[agents.holders]
share = 0.5
cohorts = 12
threshold_min = 0.002
threshold_max = 0.03
exit_rate = 0.002
contagion = 2.0
redeem_share = 0.5
[agents.xms_holders]
threshold = 0.05
window = "15m"
sell_rate = 0.001
[[events]]
at = "10m"
whale_exit = { usdm = 500_000, over = "10m", redeem_share = 0.5 }
[[events]]
at = "15m"
confidence_shock = { threshold_scale = 0.3 }
[[events]]
when = { usdm_price_below = 0.9 }
governance = { set = "redemption_delay", value = 3 }
"#;

fn config(paths: u64, threads: usize) -> McConfig {
    McConfig {
        paths,
        seed: 7,
        threads: Some(threads),
        progress: false,
        check_invariants: false,
        series: true,
    }
}

fn same(a: &[Outcome], b: &[Outcome]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            format!("{x:?}") == format!("{y:?}") // NaN-aware, bit-exact through Debug
        })
}

#[test]
fn same_seed_same_results_whatever_the_thread_count() {
    let s = Arc::new(Scenario::parse(STRESS, "stress.toml").unwrap());
    let setup = Arc::new(Setup::new(s, Preset::Mars, &[]).unwrap());
    let one = montecarlo::run(setup.clone(), &config(6, 1)).unwrap();
    let two = montecarlo::run(setup.clone(), &config(6, 2)).unwrap();
    assert!(same(&one.outcomes, &two.outcomes));
    assert_eq!(format!("{:?}", one.fans), format!("{:?}", two.fans));
    assert_eq!(
        one.median.as_ref().map(|m| m.series.len()),
        two.median.as_ref().map(|m| m.series.len())
    );
    // A different seed gives different paths.
    let other = montecarlo::run(
        setup,
        &McConfig {
            seed: 8,
            ..config(6, 2)
        },
    )
    .unwrap();
    assert!(!same(&one.outcomes, &other.outcomes));
    // Paths differ from each other too.
    assert_ne!(
        format!("{:?}", one.outcomes[0].max_depeg),
        format!("{:?}", one.outcomes[1].max_depeg)
    );
}

#[test]
fn invariants_and_token_conservation_hold_after_every_block() {
    let stress = Arc::new(Scenario::parse(STRESS, "stress.toml").unwrap());
    let cases = [
        stress,
        shortened("bank-run", 3),
        shortened("btc-crash", 2),
        shortened("calm", 1),
        // The whole of the two crises, spiral included: the invariants must hold while XMS
        // supply grows ten-thousandfold and the pause stops redemptions.
        shortened("xms-crash", 72),
        shortened("terra-2022", 7 * 24),
        shortened("iron-2021", 24),
    ];
    for s in cases {
        for preset in Preset::ALL {
            let setup = Arc::new(Setup::new(s.clone(), preset, &[]).unwrap());
            let options = RunOptions {
                check_invariants: true,
                keep_series: true,
            };
            let m = World::new(setup, 3, 0, options)
                .run()
                .unwrap_or_else(|e| panic!("{} under {preset}: {e}", s.name));
            assert_eq!(m.series.len() as u64, s.blocks / s.sample_every + 1);
            // Below a 100% mint ratio (`iron` mints at 70%) minting burns XMS: supply may fall.
            if preset.fixed_collateral_ratio().is_none() {
                assert!(m.outcome.xms_dilution >= 1.0, "{} under {preset}", s.name);
            } else {
                assert!(m.outcome.xms_dilution > 0.5, "{} under {preset}", s.name);
            }
        }
    }
}

#[test]
fn the_stress_run_exercises_every_agent_and_the_conditional_event() {
    let s = Arc::new(Scenario::parse(STRESS, "stress.toml").unwrap());
    let setup = Arc::new(Setup::new(s, Preset::Mars, &[]).unwrap());
    let m = World::new(setup, 3, 0, RunOptions::default())
        .run()
        .unwrap();
    let total = |f: fn(&usdm_sim::metrics::Snapshot) -> f64| m.series.iter().map(f).sum::<f64>();
    assert!(total(|s| s.redeemed) > 0.0, "nobody redeemed");
    assert!(total(|s| s.xms_minted) > 0.0, "no XMS minted");
    assert!(total(|s| s.holders_left) > 0.0, "no holder ran");
    assert!(m.outcome.max_depeg > 0.03, "{:?}", m.outcome);
    assert!(
        m.notes
            .iter()
            .any(|(_, n)| n.contains("set redemption_delay")),
        "the conditional governance event never fired: {:?}",
        m.notes
    );
}

#[test]
fn the_bank_run_redeems_about_a_third_of_usdm_within_hours() {
    // The issue asks for a run in which about 30% of USDm is redeemed within hours. Count the
    // USDm redeemed in the first six hours against the supply the run started from, and check
    // that the run is the shock's doing: the peg holds before it (at 1h), and most of the
    // redemptions come in the two hours after it.
    let s = shortened("bank-run", 6);
    for preset in [Preset::Mars, Preset::Frax] {
        let setup = Arc::new(Setup::new(s.clone(), preset, &[]).unwrap());
        let m = World::new(
            setup,
            7,
            0,
            RunOptions {
                check_invariants: false,
                keep_series: true,
            },
        )
        .run()
        .unwrap();
        let start = m.series[0].usdm_supply;
        let redeemed: f64 = m.series.iter().map(|s| s.redeemed).sum();
        let share = redeemed / start;
        assert!(
            (0.2..=0.45).contains(&share),
            "{preset}: {:.1}% of USDm redeemed in six hours",
            share * 100.0
        );
        let before = m
            .series
            .iter()
            .filter(|s| s.hours < 1.0)
            .map(|s| s.usdm_low)
            .fold(f64::INFINITY, f64::min);
        assert!(before > 0.97, "{preset}: USDm at {before} before the shock");
        let after: f64 = m
            .series
            .iter()
            .filter(|s| s.hours > 1.0 && s.hours <= 3.0)
            .map(|s| s.redeemed)
            .sum();
        assert!(after > 0.8 * redeemed, "{preset}: {after} of {redeemed}");
    }
}

#[test]
fn terra_unguarded_dilutes_xms_far_more_than_guarded() {
    let s = Arc::new(Scenario::builtin("terra-2022").unwrap().unwrap());
    let run = |preset| {
        let setup = Arc::new(Setup::new(s.clone(), preset, &[]).unwrap());
        World::new(
            setup,
            42,
            0,
            RunOptions {
                check_invariants: false,
                keep_series: false,
            },
        )
        .run()
        .unwrap()
        .outcome
    };
    let mars = run(Preset::Mars);
    let guarded = run(Preset::MarsGuarded);
    // The shape of May 5-13 2022: supply up about ten thousand times (here 2,000-30,000), the
    // share token from $85 to about $0.0001 (here below $0.002), the stablecoin at cents (its
    // low was $0.04; here below $0.10).
    assert!(
        (2_000.0..=30_000.0).contains(&mars.xms_dilution),
        "{mars:?}"
    );
    assert!(mars.final_xms_price < 0.002, "{mars:?}");
    assert!(mars.min_usdm_price < 0.1, "{mars:?}");
    assert!(mars.death_spiral, "{mars:?}");
    // The breakers hold dilution to a small multiple.
    assert!(guarded.xms_dilution < 100.0, "{guarded:?}");
    assert!(mars.xms_dilution > 50.0 * guarded.xms_dilution);
    assert!(!guarded.death_spiral);
}

#[test]
fn sweeps_cover_the_cartesian_product() {
    let s = Arc::new(Scenario::parse(STRESS, "stress.toml").unwrap());
    let axes = vec![
        Axis::presets("mars,frax").unwrap(),
        Axis::param("xms_support_ratio=1.5,4", s.block_seconds).unwrap(),
    ];
    let sw = sweep::run(s, axes, &config(2, 2), None).unwrap();
    assert_eq!(sw.points.len(), 4);
    assert_eq!(sw.points[1].labels, vec!["mars", "4"]);
    assert_eq!(sw.points[3].preset, Preset::Frax);
    assert!(matches!(
        sw.points[3].overrides[..],
        [ParamChange::XmsSupportRatio(_)]
    ));
    for p in &sw.points {
        assert_eq!(p.outcomes.len(), 2);
        assert!(p.summary.stat("max_depeg").is_some());
    }
}

#[test]
fn sweeps_over_scenario_fields_run_variants_of_the_scenario() {
    let s = Arc::new(Scenario::parse(STRESS, "stress.toml").unwrap());
    // Market assumptions are an axis like any parameter: a deeper XMS market absorbs the
    // redemptions' XMS with a smaller fall.
    let axes = vec![Axis::parse("market.xms_market_depth=0.02,0.5", &s).unwrap()];
    let sw = sweep::run(s.clone(), axes, &config(2, 2), None).unwrap();
    assert_eq!(sw.points.len(), 2);
    assert_eq!(sw.points[0].fields[0].key, "market.xms_market_depth");
    let final_xms = |i: usize| {
        sw.points[i]
            .summary
            .stat("final_xms_price")
            .unwrap()
            .percentiles()[2]
    };
    assert!(
        final_xms(1) > final_xms(0),
        "{} vs {}",
        final_xms(1),
        final_xms(0)
    );

    // The variant is validated as a whole, and the error names the field.
    let e = Axis::parse("market.usdm_pool_depth=0.1,7", &s).unwrap_err();
    assert_eq!(e.field, "market.usdm_pool_depth", "{e}");
    assert!(e.message.contains("between 0 and 1"), "{e}");
    let e = Axis::parse("events.at=1h", &s).unwrap_err();
    assert!(e.message.contains("not a table"), "{e}");
    // A bare word is a string, so durations need no quotes.
    let v = s
        .with_fields(&[usdm_sim::scenario::FieldChange::new(
            "market.xms_resilience",
            "2h",
        )])
        .unwrap();
    assert_eq!(v.xms_resilience, 2 * 3600 / v.block_seconds);
    assert_eq!(v.name, s.name);
}

#[test]
fn reports_are_written_with_charts_and_data() {
    let s = Arc::new(Scenario::parse(STRESS, "stress.toml").unwrap());
    let setup = Arc::new(Setup::new(s.clone(), Preset::MarsGuarded, &[]).unwrap());
    let e = montecarlo::run(setup, &config(3, 2)).unwrap();
    let dir = std::env::temp_dir().join(format!("usdm-report-test-{}", std::process::id()));
    let w = usdm_sim::report::write_ensemble(&e, &dir, "usdm simulate stress.toml").unwrap();
    let html = std::fs::read_to_string(&w.html).unwrap();
    assert!(html.contains("stress under <code>mars-guarded</code>"));
    assert!(html.matches("<svg").count() >= 8, "too few charts");
    assert!(!html.contains("NaN"));
    let csv = std::fs::read_to_string(dir.join("outcomes.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    let series = std::fs::read_to_string(dir.join("typical_path.csv")).unwrap();
    assert_eq!(
        series.lines().count() as u64,
        s.blocks / s.sample_every + 2,
        "header and one row per sample"
    );
    // Every CSV row has as many fields as its header (a column added to one and not the other
    // would shift every value after it).
    for name in [
        "outcomes.csv",
        "typical_path.csv",
        "worst_path.csv",
        "fan.csv",
        "below_097.csv",
        "since_break.csv",
    ] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            assert_eq!(name, "since_break.csv", "{name} missing");
            continue;
        };
        let mut lines = text.lines();
        let width = lines.next().unwrap().split(',').count();
        assert!(width > 3, "{name}: header too narrow");
        for (i, line) in lines.enumerate() {
            assert_eq!(line.split(',').count(), width, "{name} row {}", i + 1);
        }
    }
    // Issue 21: the fans are sampled as f32 and were written widened to f64
    // (0.9700000286102295); each cell now reads back as the f32 it was.
    // (The leading columns are the metric, the hours and, after a break, the paths.)
    for (name, leading) in [("fan.csv", 2), ("since_break.csv", 3)] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        for cell in text
            .lines()
            .skip(1)
            .flat_map(|l| l.split(',').skip(leading))
        {
            if let Ok(x) = cell.parse::<f64>() {
                let narrow = x as f32;
                assert_eq!(
                    cell,
                    format!("{narrow:?}"),
                    "{name}: {cell} is not an f32's shortest form"
                );
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["paths"], 3);
    assert_eq!(json["preset"], "mars-guarded");

    let sw = sweep::run(
        s.clone(),
        vec![
            Axis::presets("mars,mars-guarded").unwrap(),
            Axis::param("breaker_xms_minted=off,0.001", s.block_seconds).unwrap(),
        ],
        &config(1, 1),
        None,
    )
    .unwrap();
    let w = usdm_sim::report::write_sweep(&sw, &dir, "usdm sweep stress.toml").unwrap();
    let html = std::fs::read_to_string(&w.html).unwrap();
    assert!(html.contains("P(death spiral)"));
    assert!(
        html.matches("<svg").count() >= 5,
        "one heat map per outcome"
    );
    assert!(html.contains("P(XMS supply x100)"));
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5);
    let width = csv.lines().next().unwrap().split(',').count();
    assert!(csv.lines().all(|l| l.split(',').count() == width), "{csv}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn runs_use_the_presets_support_ratio_unless_the_scenario_sets_one() {
    // The warm-up mints the starting supply at the loosest ratio; the run must not keep it.
    for preset in Preset::ALL {
        let setup = Setup::new(shortened("calm", 1), preset, &[]).unwrap();
        assert_eq!(
            setup.protocol().params().xms_support_ratio,
            preset.params().xms_support_ratio,
            "{preset}"
        );
    }
    let terra = Arc::new(Scenario::builtin("terra-2022").unwrap().unwrap());
    let setup = Setup::new(terra, Preset::Mars, &[]).unwrap();
    assert_eq!(
        setup.protocol().params().xms_support_ratio.to_string(),
        "150%",
        "terra-2022 sets its own"
    );
}

#[test]
fn setup_refuses_what_cannot_be_built_and_says_why() {
    let text = STRESS.replace("usdm_supply = 10_000_000", "usdm_supply = 30_000_000");
    let s = Arc::new(Scenario::parse(&text, "big.toml").unwrap());
    let e = Setup::new(s, Preset::Mars, &[]).unwrap_err().to_string();
    assert!(e.contains("exceeds what the XMS market cap"), "{e}");
    let text = STRESS.replace("share = 0.5\ncohorts", "share = 0.99\ncohorts");
    let s = Arc::new(Scenario::parse(&text, "crowded.toml").unwrap());
    let e = Setup::new(s, Preset::Mars, &[]).unwrap_err().to_string();
    assert!(e.contains("agents.holders.share"), "{e}");
}

/// Issue 22, item 3 (in part): holders who sell a premium. In `calm` the supply cap is full
/// from the start, nobody may mint, and with no one selling a premium USDm trades above $1.03
/// for about a day of the three. Premium sellers shorten that, keep the invariants and token
/// conservation, and are off unless a scenario sets them (the built-ins' results stand).
#[test]
fn premium_sellers_shorten_the_time_above_the_band_and_conserve_tokens() {
    let calm = Scenario::builtin("calm").unwrap().unwrap();
    assert_eq!(calm.premium_sellers.share, 0.0);
    let with = Arc::new(
        calm.with_fields(&[usdm_sim::scenario::FieldChange::new(
            "agents.premium_sellers.share",
            "0.5",
        )])
        .unwrap(),
    );
    assert_eq!(with.premium_sellers.share, 0.5);
    let hours_above = |s: Arc<Scenario>| {
        let setup = Arc::new(Setup::new(s, Preset::Mars, &[]).unwrap());
        let e = montecarlo::run(setup, &config(6, 2)).unwrap();
        let mut v: Vec<f64> = e.outcomes.iter().map(|o| o.hours_above_103).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (without, sellers) = (hours_above(Arc::new(calm)), hours_above(with.clone()));
    assert!(
        without > 5.0,
        "without premium sellers: {without} h above $1.03"
    );
    assert!(
        sellers < 0.5 * without,
        "{sellers} h with them against {without} h without"
    );
    let mut short = (*with).clone();
    short.blocks = 12 * 3600 / short.block_seconds;
    let short = Arc::new(short);
    let setup = Arc::new(Setup::new(short, Preset::Mars, &[]).unwrap());
    let options = RunOptions {
        check_invariants: true,
        keep_series: false,
    };
    World::new(setup, 5, 0, options).run().unwrap();
}

/// Issue 22, item 3: share-token farmers. In `iron-2021` (large holders leave at 09:00 and
/// TITAN's market takes a held shock) farmers who sell on drawdown push the share token lower
/// than the scenario without them, on the same paths (their own random stream), while every
/// token stays accounted for. Off unless a scenario sets them (`terra-2022` and `iron-2021`
/// carry the calibrated few).
#[test]
fn farmers_sell_the_share_token_down_and_conserve_tokens() {
    let iron = Scenario::builtin("iron-2021").unwrap().unwrap();
    // The built-in carries the calibrated few (5% of the float); here, none against many.
    assert_eq!(iron.farmers.share, 0.05);
    let field = usdm_sim::scenario::FieldChange::new;
    let with = iron
        .with_fields(&[
            field("agents.farmers.share", "0.8"),
            field("market.impact_permanence", "0.5"),
        ])
        .unwrap();
    let without = iron
        .with_fields(&[
            field("agents.farmers.share", "0"),
            field("market.impact_permanence", "0.5"),
        ])
        .unwrap();
    assert_eq!(with.farmers.share, 0.8);
    let cut = |mut s: Scenario| {
        s.blocks = 16 * 3600 / s.block_seconds;
        Arc::new(s)
    };
    let final_price = |s: Arc<Scenario>| {
        let setup = Arc::new(Setup::new(s, Preset::Iron, &[]).unwrap());
        let options = RunOptions {
            check_invariants: true,
            keep_series: false,
        };
        World::new(setup, 7, 0, options)
            .run()
            .unwrap()
            .outcome
            .final_xms_price
    };
    let (a, b) = (final_price(cut(without)), final_price(cut(with)));
    assert!(
        b < 0.5 * a,
        "with farmers the share token ends at ${b:.2}, without at ${a:.2}"
    );
}

/// A bad `[agents.farmers]` is refused with the field named and what would be accepted.
#[test]
fn farmer_fields_are_checked() {
    let calm = Scenario::builtin("calm").unwrap().unwrap();
    for (key, value, says) in [
        ("agents.farmers.share", "1.5", "between 0 and 1"),
        ("agents.farmers.entry_min", "2", "must not exceed entry_max"),
        ("agents.farmers.cohorts", "0", "use 1 to 1,000"),
        ("agents.farmers.sell_rate", "-1", "between 0 and 1"),
    ] {
        let e = calm
            .with_fields(&[usdm_sim::scenario::FieldChange::new(key, value)])
            .unwrap_err();
        assert!(e.field.contains(key.rsplit('.').next().unwrap()), "{e}");
        assert!(e.message.contains(says), "{key}={value}: {e}");
    }
}
