//! The governed support-ratio ramp through the protocol: governance starts, stops and
//! completes it; each epoch's cap is the average market cap over the ratio on the line at the
//! epoch's start. Expected values are computed here from the formula, not by the core.

mod common;
use common::*;
use proptest::prelude::*;
use usdm_core::prelude::*;
use usdm_core::supply_cap::EpochRoll;

const WAD: u128 = 1_000_000_000_000_000_000;
const DAY: u64 = 86_400;

fn sr(bps: u32) -> SupportRatio {
    SupportRatio::bps(bps)
}

/// A suite with prices posted and the first cap in place; the XMS market cap is $250M.
fn suite() -> Suite {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    s
}

/// Advances `seconds` an epoch at a time, so every epoch has fresh prices and an average.
fn walk(s: &mut Suite, seconds: u64) {
    let epoch = s.p.params().epoch_seconds;
    for _ in 0..seconds.div_ceil(epoch) {
        s.advance_seconds(epoch);
    }
}

fn try_govern(s: &mut Suite, caller: &str, action: GovAction) -> Result<()> {
    let (who, now) = (Account::new(caller), s.now);
    let r = run_core!(s, "govern", |p| p.govern(&who, action.clone(), now))?;
    s.events.extend(r.events);
    s.check();
    Ok(())
}

fn start(to: SupportRatio, seconds: u64) -> GovAction {
    GovAction::StartSupportRamp { to, seconds }
}

fn rolls(events: &[Event]) -> Vec<EpochRoll> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::EpochRolled(r) => Some(*r),
            _ => None,
        })
        .collect()
}

/// The ratio on the line at `t`, rounded up: `(from·(end−t) + to·(t−start)) / (end−start)`.
fn expected_ratio(from: u128, to: u128, start: u64, end: u64, t: u64) -> u128 {
    if t <= start {
        return from;
    }
    if t >= end {
        return to;
    }
    let num = from * u128::from(end - t) + to * u128::from(t - start);
    num.div_ceil(u128::from(end - start))
}

/// `average / ratio` in dollars, rounded down (256-bit intermediate).
fn cap_of(average: u128, ratio: u128) -> u128 {
    (ethnum::U256::from(average) * ethnum::U256::from(WAD) / ethnum::U256::from(ratio)).as_u128()
}

#[test]
fn a_ramp_moves_the_cap_epoch_by_epoch_and_completes_once() {
    let mut s = suite();
    let limits = RampLimits::default();
    assert_eq!(limits.min_seconds, DAY);
    // 250% to 400% at the default 10% of 250% a day: at least six days.
    let err = try_govern(&mut s, "gov", start(sr(40_000), 6 * DAY - 1)).unwrap_err();
    assert!(
        err.to_string()
            .contains("accepted: 518400 to 31536000 seconds"),
        "{err}"
    );
    let t0 = s.now.seconds;
    s.events.clear();
    try_govern(&mut s, "gov", start(sr(40_000), 6 * DAY)).unwrap();
    let ramp = SupportRamp {
        from: sr(25_000),
        to: sr(40_000),
        start: t0,
        end: t0 + 6 * DAY,
        chain: None,
    };
    assert!(s.events.contains(&Event::SupportRampStarted { ramp }));
    let status = s.p.support_ratio(s.now);
    assert_eq!(status.ratio, sr(25_000));
    assert_eq!(status.ramp, Some(ramp));
    // The parameter shows the target at once; the ratio in force follows the line.
    assert_eq!(s.p.params().xms_support_ratio, sr(40_000));

    // A day later (in epochs of 180 s) the ratio is 275%; the cap is $250M / ratio.
    s.events.clear();
    walk(&mut s, 60);
    // The adapter's path (state in parts) agreed so far; the rest runs on the whole state.
    s.lazy = false;
    walk(&mut s, DAY);
    let status = s.p.support_ratio(s.now);
    let exp = expected_ratio(25 * WAD / 10, 4 * WAD, t0, t0 + 6 * DAY, s.now.seconds);
    assert_eq!(status.ratio.raw(), exp);
    let rolled = rolls(&s.events);
    assert!(!rolled.is_empty());
    for r in &rolled {
        let ratio = expected_ratio(25 * WAD / 10, 4 * WAD, t0, t0 + 6 * DAY, r.started_at);
        assert_eq!(r.support_ratio.raw(), ratio, "epoch {}", r.epoch);
        let avg = r.average_mcap.unwrap().raw();
        // Cap rounds down, from a ratio that rounded up.
        assert_eq!(r.supply_cap.unwrap().raw(), cap_of(avg, ratio));
    }
    let cap = s.p.cap_status(s.now).unwrap().supply_cap.unwrap();
    assert!(cap < usd("100000000") && cap > usd("90000000"), "{cap:?}");

    // Setting the ratio or starting another ramp while this one runs is refused.
    let set = GovAction::SetParam {
        change: ParamChange::XmsSupportRatio(sr(30_000)),
    };
    let err = try_govern(&mut s, "gov", set.clone()).unwrap_err();
    assert!(err.to_string().contains("stop it before setting"), "{err}");
    let err = try_govern(&mut s, "gov", start(sr(30_000), 10 * DAY)).unwrap_err();
    assert!(err.to_string().contains("one ramp at a time"), "{err}");

    // Past the end: completed exactly once, at the target, the cap at $250M / 400%.
    s.events.clear();
    walk(&mut s, 5 * DAY + 600);
    let completed: Vec<_> = s
        .events
        .iter()
        .filter(|e| matches!(e, Event::SupportRampCompleted { .. }))
        .collect();
    assert_eq!(
        completed,
        [&Event::SupportRampCompleted {
            ratio: sr(40_000),
            at: t0 + 6 * DAY
        }]
    );
    let status = s.p.support_ratio(s.now);
    assert_eq!((status.ratio, status.ramp), (sr(40_000), None));
    assert_eq!(
        s.p.cap_status(s.now).unwrap().supply_cap,
        Some(usd("62500000"))
    );
    s.events.clear();
    s.advance_seconds(600);
    assert!(!s
        .events
        .iter()
        .any(|e| matches!(e, Event::SupportRampCompleted { .. })));
    // Free to set in one step again.
    try_govern(&mut s, "gov", set).unwrap();
    assert_eq!(s.p.support_ratio(s.now).ratio, sr(30_000));
}

#[test]
fn stopping_leaves_the_ratio_where_the_ramp_reached() {
    let mut s = suite();
    let t0 = s.now.seconds;
    try_govern(&mut s, "gov", start(sr(40_000), 30 * DAY)).unwrap();
    s.advance_seconds(10 * DAY);
    let t = s.now.seconds;
    let reached = expected_ratio(25 * WAD / 10, 4 * WAD, t0, t0 + 30 * DAY, t);
    s.events.clear();
    try_govern(&mut s, "gov", GovAction::StopSupportRamp).unwrap();
    assert!(s.events.contains(&Event::SupportRampStopped {
        ratio: SupportRatio::new(reached).unwrap(),
        target: sr(40_000),
    }));
    assert_eq!(s.p.params().xms_support_ratio.raw(), reached);
    assert_eq!(s.p.support_ratio(s.now).ramp, None);
    // It stays there: the next epochs use it.
    s.events.clear();
    s.advance_seconds(DAY);
    assert!(rolls(&s.events)
        .iter()
        .all(|r| r.support_ratio.raw() == reached));
    // Nothing left to stop.
    let err = try_govern(&mut s, "gov", GovAction::StopSupportRamp).unwrap_err();
    assert!(err.to_string().contains("no ramp is running"), "{err}");
}

#[test]
fn refusals_leave_the_state_untouched() {
    let mut s = suite();
    let before = s.p.clone();
    let err = try_govern(&mut s, "mallory", start(sr(30_000), 10 * DAY)).unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    let err = try_govern(&mut s, "mallory", GovAction::StopSupportRamp).unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    // Shorter than the minimum, faster than the rate, longer than a year, no move at all.
    for (to, seconds, says) in [
        (sr(25_500), DAY - 1, "at least 86400 s"),
        (sr(100_000), 10 * DAY, "at most 10% of 250% a day"),
        (sr(26_000), 366 * DAY, "to 31536000 seconds"),
        (sr(25_000), 10 * DAY, "already 250%"),
    ] {
        let err = try_govern(&mut s, "gov", start(to, seconds)).unwrap_err();
        assert!(err.to_string().contains(says), "{err} lacks {says}");
    }
    // A target beyond the ratio's bounds cannot even be built.
    assert!(SupportRatio::new(101 * WAD).is_err());
    assert_eq!(s.p, before);
    // Governance may lift the rate bound (it bounds every later start).
    try_govern(
        &mut s,
        "gov",
        GovAction::SetParam {
            change: ParamChange::RampMaxDailyChange(ratio("0.6")),
        },
    )
    .unwrap();
    try_govern(&mut s, "gov", start(sr(40_000), DAY)).unwrap();
    let err = try_govern(
        &mut s,
        "gov",
        GovAction::SetParam {
            change: ParamChange::RampMinSeconds(60),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("3,600 to 2,592,000"), "{err}");
}

#[derive(Clone, Debug)]
enum Op {
    Start {
        to_bps: u32,
        extra_days: u64,
    },
    Stop,
    Advance {
        seconds: u64,
    },
    /// Time passes with no operation: the next governance action rolls the epochs itself.
    Idle {
        seconds: u64,
    },
    SetRatio {
        bps: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (10_000..=100_000u32, 0..20u64).prop_map(|(to_bps, extra_days)| Op::Start { to_bps, extra_days }),
        1 => Just(Op::Stop),
        5 => (1..(3 * DAY)).prop_map(|seconds| Op::Advance { seconds }),
        2 => (1..(2 * DAY)).prop_map(|seconds| Op::Idle { seconds }),
        1 => (10_000..=100_000u32).prop_map(|bps| Op::SetRatio { bps }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Over random starts, stops, one-step changes and gaps: every epoch's ratio is the line's
    /// value at the epoch's start (or the ratio set), within the ramp's ends, and the cap is the
    /// average market cap over it, rounded down.
    #[test]
    fn every_epoch_cap_is_the_formula_at_the_interpolated_ratio(ops in proptest::collection::vec(op(), 1..14)) {
        let mut s = suite();
        s.lazy = false;
        // The test's own model: the ratio set, and the running line.
        let mut ratio = 25 * WAD / 10;
        let mut line: Option<(u128, u128, u64, u64)> = None;
        let at = |line: &Option<(u128, u128, u64, u64)>, ratio: u128, t: u64| match *line {
            Some((from, to, a, b)) if t < b => expected_ratio(from, to, a, b, t),
            _ => ratio,
        };
        for op in ops {
            s.events.clear();
            let now = s.now.seconds;
            // Epochs an operation rolls are rolled before it acts: check them against the
            // model as it stood before the operation.
            let (line0, ratio0) = (line, ratio);
            match op {
                Op::Start { to_bps, extra_days } => {
                    let from = at(&line, ratio, now);
                    let to = u128::from(to_bps) * WAD / 10_000;
                    // The least duration at 10% of the lower end a day, at least a day.
                    let per_day = from.min(to) / 10;
                    let least = ((from.abs_diff(to) * u128::from(DAY)).div_ceil(per_day) as u64).max(DAY);
                    let seconds = least + extra_days * DAY;
                    let r = try_govern(&mut s, "gov", start(SupportRatio::new(to).unwrap(), seconds));
                    let running = matches!(line, Some((_, _, _, b)) if now < b);
                    if running || from == to || seconds > 365 * DAY {
                        prop_assert!(r.is_err());
                    } else {
                        prop_assert!(r.is_ok(), "{r:?}");
                        line = Some((from, to, now, now + seconds));
                        ratio = to;
                    }
                }
                Op::Stop => {
                    let r = try_govern(&mut s, "gov", GovAction::StopSupportRamp);
                    match line {
                        Some((_, _, _, b)) if now < b => {
                            prop_assert!(r.is_ok());
                            ratio = at(&line, ratio, now);
                            line = None;
                        }
                        _ => prop_assert!(r.is_err()),
                    }
                }
                Op::SetRatio { bps } => {
                    let r = try_govern(&mut s, "gov", GovAction::SetParam {
                        change: ParamChange::XmsSupportRatio(sr(bps)),
                    });
                    match line {
                        Some((_, _, _, b)) if now < b => prop_assert!(r.is_err()),
                        _ => {
                            prop_assert!(r.is_ok());
                            ratio = u128::from(bps) * WAD / 10_000;
                            line = None;
                        }
                    }
                }
                Op::Advance { seconds } => s.advance_seconds(seconds),
                Op::Idle { seconds } => s.now = s.now.advance(seconds.div_ceil(3), 3),
            }
            prop_assert_eq!(s.p.support_ratio(s.now).ratio.raw(), at(&line, ratio, s.now.seconds));
            for r in rolls(&s.events) {
                let want = at(&line0, ratio0, r.started_at);
                prop_assert_eq!(r.support_ratio.raw(), want, "epoch {}", r.epoch);
                if let Some((from, to, _, _)) = line0 {
                    prop_assert!(want >= from.min(to) && want <= from.max(to));
                }
                if let (Some(avg), Some(cap)) = (r.average_mcap, r.supply_cap) {
                    prop_assert_eq!(cap.raw(), cap_of(avg.raw(), want));
                }
            }
        }
    }
}
