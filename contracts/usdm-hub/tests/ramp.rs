//! The support-ratio ramp on chain: governance starts and stops it within the limits, the
//! query shows the ratio, the target and the end, and each epoch's cap follows the line.

mod common;
use common::*;
use usdm_interface::governance::{GovMsg, ParamMsg};
use usdm_interface::hub::{QueryMsg, SupportRatioResponse};

const DAY: u64 = 86_400;
const WAD: u128 = 1_000_000_000_000_000_000;

fn ratio(s: &Suite) -> SupportRatioResponse {
    s.query(&QueryMsg::SupportRatio {})
}

fn has_event(r: &cw_multi_test::AppResponse, kind: &str) -> bool {
    r.events.iter().any(|e| e.ty == format!("wasm-usdm-{kind}"))
}

#[test]
fn a_ramp_runs_from_the_governor_within_its_limits() {
    let mut s = Suite::new("mars");
    s.open_market();
    assert_eq!(
        ratio(&s),
        SupportRatioResponse {
            ratio: dec("2.5"),
            ramp: None
        }
    );

    // Out of bounds: faster than 10% of 250% a day, shorter than a day, no move.
    for (to, seconds, says) in [
        ("4", 5 * DAY, "accepted: 518400 to 31536000 seconds"),
        ("2.51", 3_600, "at least 86400 s"),
        ("2.5", 10 * DAY, "already 250%"),
        ("101", 400 * DAY, "xms_support_ratio"),
    ] {
        let before = s.snapshot();
        let e = err(s
            .govern(GovMsg::StartSupportRamp {
                to: dec(to),
                seconds,
            })
            .unwrap_err());
        assert!(e.contains(says), "{e} lacks {says}");
        assert_eq!(s.snapshot(), before);
    }

    let t0 = s.now();
    let r = s
        .govern(GovMsg::StartSupportRamp {
            to: dec("4"),
            seconds: 30 * DAY,
        })
        .unwrap();
    assert!(has_event(&r, "support_ramp_started"), "{:?}", r.events);
    let q = ratio(&s);
    assert_eq!(q.ratio, dec("2.5"));
    let ramp = q.ramp.expect("running");
    assert_eq!((ramp.from, ramp.to), (dec("2.5"), dec("4")));
    assert_eq!((ramp.start, ramp.end), (t0, t0 + 30 * DAY));

    // One ramp at a time, and no one-step change while it runs.
    let e = err(s
        .govern(GovMsg::StartSupportRamp {
            to: dec("3"),
            seconds: 30 * DAY,
        })
        .unwrap_err());
    assert!(e.contains("one ramp at a time"), "{e}");
    let e = err(s
        .govern(GovMsg::SetParam {
            param: ParamMsg::XmsSupportRatio(dec("3")),
        })
        .unwrap_err());
    assert!(e.contains("stop it before setting"), "{e}");

    // Ten days on, the epoch's cap is the average over the line's ratio at its start,
    // 250% + 150% × 10/30 = 300% (rounded up to the base unit, the cap down).
    s.advance(10 * DAY / BLOCK_SECONDS);
    s.roll_epoch();
    let cap = s.supply_cap();
    let epoch_start = s.now() + cap.seconds_to_next_epoch - 180;
    let elapsed = u128::from(epoch_start - t0);
    let line = (25 * WAD / 10 * u128::from(30 * DAY - (epoch_start - t0)) + 4 * WAD * elapsed)
        .div_ceil(u128::from(30 * DAY));
    let avg = cap.average_xms_mcap.unwrap().atomics().u128();
    let want = cosmwasm_std::Uint256::from(avg) * cosmwasm_std::Uint256::from(WAD)
        / cosmwasm_std::Uint256::from(line);
    assert_eq!(cosmwasm_std::Uint256::from(cap.supply_cap.unwrap()), want);
    let now_ratio = ratio(&s).ratio.atomics().u128();
    assert!(now_ratio > 3 * WAD && now_ratio < 3 * WAD + WAD / 100);

    // Stopped by the governor: the ratio stays where the line had reached.
    let r = s.govern(GovMsg::StopSupportRamp {}).unwrap();
    assert!(has_event(&r, "support_ramp_stopped"));
    let q = ratio(&s);
    assert_eq!(q.ramp, None);
    assert_eq!(q.ratio.atomics().u128(), now_ratio);
    let e = err(s.govern(GovMsg::StopSupportRamp {}).unwrap_err());
    assert!(e.contains("no ramp is running"), "{e}");

    // The limits are parameters: lifted, a one-day ramp to 400% is accepted, and it completes.
    s.govern(GovMsg::SetParam {
        param: ParamMsg::RampMaxDailyChange(dec("0.5")),
    })
    .unwrap();
    s.govern(GovMsg::StartSupportRamp {
        to: dec("4"),
        seconds: DAY,
    })
    .unwrap();
    s.app.update_block(|b| {
        b.height += DAY / BLOCK_SECONDS;
        b.time = b.time.plus_seconds(DAY);
    });
    let r = s.govern(GovMsg::SetParam {
        param: ParamMsg::RampMinSeconds(7_200),
    });
    assert!(has_event(&r.unwrap(), "support_ramp_completed"));
    assert_eq!(
        ratio(&s),
        SupportRatioResponse {
            ratio: dec("4"),
            ramp: None
        }
    );
    let e = err(s
        .govern(GovMsg::SetParam {
            param: ParamMsg::RampMinSeconds(60),
        })
        .unwrap_err());
    assert!(e.contains("3,600 to 2,592,000"), "{e}");
}
