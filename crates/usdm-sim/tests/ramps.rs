//! Ramps of the support ratio in scenarios: the governance event, files that extend a built-in,
//! and what the ramp does to the cap compared with one step.

use std::sync::Arc;
use usdm_core::params::Preset;
use usdm_sim::metrics::{PathMetrics, Snapshot};
use usdm_sim::scenario::{EventKind, Scenario};
use usdm_sim::world::{RunOptions, Setup, World};

fn ramp_file(name: &str) -> Scenario {
    let path = format!(
        "{}/../../scenarios/ramps/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    Scenario::load(&path).unwrap()
}

/// One path of `s` cut to its first `hours`.
fn path(mut s: Scenario, hours: u64) -> PathMetrics {
    s.blocks = hours * 3600 / s.block_seconds;
    let setup = Arc::new(Setup::new(Arc::new(s), Preset::Mars, &[]).unwrap());
    World::new(setup, 42, 0, RunOptions::default())
        .run()
        .unwrap()
}

/// The sample nearest `hours`.
fn sample_at(m: &PathMetrics, hours: f64) -> &Snapshot {
    m.series
        .iter()
        .min_by(|a, b| (a.hours - hours).abs().total_cmp(&(b.hours - hours).abs()))
        .unwrap()
}

/// The supply cap at the sample nearest `hours`.
fn cap_at(m: &PathMetrics, hours: f64) -> f64 {
    sample_at(m, hours).supply_cap
}

/// The support ratio the cap implies at the sample nearest `hours`: XMS market cap / cap.
fn implied(m: &PathMetrics, hours: f64) -> f64 {
    let s = sample_at(m, hours);
    s.xms_mcap / s.supply_cap
}

#[test]
fn the_ramp_files_extend_their_built_ins_and_schedule_the_change() {
    let calm = Scenario::builtin("calm").unwrap().unwrap();
    for (name, want) in [
        ("calm-ramp-30d", Some(30 * 86_400)),
        ("calm-ramp-1d", Some(86_400)),
        ("calm-step", None),
    ] {
        let s = ramp_file(name);
        assert_eq!(s.name, name);
        // From the built-in: the market and prices; from the file: supply, duration, events.
        assert_eq!(s.prices, calm.prices);
        assert_eq!(s.usdm_supply, 80_000_000.0);
        assert_eq!(s.blocks, 31 * 86_400 / s.block_seconds);
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.events[0].at, 6 * 3600 / s.block_seconds);
        match (&s.events[0].kind, want) {
            (EventKind::StartSupportRamp { to, seconds }, Some(w)) => {
                assert_eq!(to.to_string(), "400%");
                assert_eq!(*seconds, w);
            }
            (EventKind::SetParam(change), None) => {
                assert_eq!(change.to_string(), "xms_support_ratio = 400%")
            }
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
    for name in ["xms-crash-step", "xms-crash-ramp-1d", "xms-crash-ramp-30d"] {
        assert_eq!(ramp_file(name).name, name);
    }
}

#[test]
fn ramp_events_and_extends_are_validated() {
    let base = "name = \"x\"\nduration = \"1d\"\n";
    let bad = |events: &str| {
        Scenario::parse(
            &format!("{base}[[events]]\nat = \"1h\"\n{events}\n"),
            "x.toml",
        )
        .unwrap_err()
    };
    let e = bad("governance = { ramp_support_ratio = 4.0 }");
    assert_eq!(e.field, "events.governance.over");
    assert!(e.message.contains("over = \"30d\""), "{e:?}");
    let e = bad("governance = { ramp_support_ratio = 0.5, over = \"1d\" }");
    assert_eq!(e.field, "events.governance.ramp_support_ratio");
    assert!(e.message.contains("1 to 100"), "{e:?}");
    let s = Scenario::parse(
        &format!("{base}[[events]]\nat = \"1h\"\ngovernance = {{ stop_ramp = true }}\n"),
        "x.toml",
    )
    .unwrap();
    assert_eq!(s.events[0].kind, EventKind::StopSupportRamp);
    let e = Scenario::parse("extends = \"nope\"\nname = \"x\"\n", "x.toml").unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (1, "extends"));
    assert!(e.message.contains("accepted: calm, btc-crash"), "{e:?}");
    // A file's own fields are checked after the merge, named by field.
    let e = Scenario::parse(
        "extends = \"calm\"\n[market]\nxms_volatilty = 1\n",
        "x.toml",
    )
    .unwrap_err();
    assert!(e.file.contains("extending"), "{e:?}");
    assert!(e.field.contains("xms_volatilty"), "{e:?}");
}

#[test]
fn a_ramp_lowers_the_cap_gradually_where_one_step_lowers_it_at_once() {
    let step = path(ramp_file("calm-step"), 60);
    let day = path(ramp_file("calm-ramp-1d"), 60);
    let month = path(ramp_file("calm-ramp-30d"), 60);
    // Before the vote all three share the path (same seed, same market).
    assert_eq!(cap_at(&step, 5.0), cap_at(&month, 5.0));
    assert_eq!(cap_at(&day, 5.0), cap_at(&month, 5.0));
    // Half a day after it the 30-day ramp is at 252.5%, the one-day ramp at 325%, the step at
    // 400%: the ratio each cap implies (XMS market cap over the cap; the cap uses the previous
    // epoch's average, so the match is close, not exact).
    for (m, want) in [(&step, 4.0), (&day, 3.25), (&month, 2.525)] {
        let got = implied(m, 18.0);
        assert!((got / want - 1.0).abs() < 0.02, "{got} vs {want}");
    }
    assert!((implied(&month, 5.0) / 2.5 - 1.0).abs() < 0.02);
    // The one-day ramp reaches the step's ratio at 30 h.
    assert!((implied(&day, 48.0) / 4.0 - 1.0).abs() < 0.02);
    // The start is on the path's notes.
    assert!(day
        .notes
        .iter()
        .any(|(_, n)| n.contains("ramp the support ratio to 400% over 24 hours")));
    // The premium counted while the cap is full never exceeds the highest price.
    for m in [&step, &day, &month] {
        let o = &m.outcome;
        assert!(o.max_premium_cap_full >= 0.0);
        assert!(
            o.max_premium_cap_full <= o.max_usdm_price - 1.0 + 1e-12,
            "{o:?}"
        );
    }
    // The step's cap binds (no headroom) for longer than the month-long ramp's.
    assert!(step.outcome.hours_cap_bound > month.outcome.hours_cap_bound);
}

#[test]
fn a_governance_event_takes_exactly_one_action() {
    for g in [
        "{ ramp_support_ratio = 4.0, over = \"1d\", set = \"epoch\", value = 60 }",
        "{ pause = \"mint\", over = \"1d\" }",
        "{ stop_ramp = true, value = 3 }",
    ] {
        let text =
            format!("name = \"x\"\nduration = \"1d\"\n[[events]]\nat = \"1h\"\ngovernance = {g}\n");
        let e = Scenario::parse(&text, "x.toml").unwrap_err();
        assert_eq!(e.field, "events.governance", "{g}: {e:?}");
        assert!(e.message.contains("one action an event"), "{e:?}");
    }
}
