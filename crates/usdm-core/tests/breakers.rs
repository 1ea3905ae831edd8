//! Circuit breakers under the mars-guarded preset: a run on redemptions is slowed, each
//! refusal says when capacity returns, and the unguarded preset never trips.

mod common;
use common::*;
use usdm_core::prelude::*;

fn run(preset: Preset) -> Suite {
    let mut s = Suite::new(preset);
    s.zero_fees();
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.roll_epoch();
    s.give("whale", "USDC", "10000000");
    s.mint("whale", "USDC", "10000000").unwrap();
    s
}

#[test]
fn the_xms_breaker_limits_a_run_and_says_when_capacity_returns() {
    let mut s = run(Preset::MarsGuarded);
    s.govern(GovAction::SetParam {
        change: ParamChange::BreakerRedemptionOutflow(None),
    });
    // 0.1% of 100M XMS = 100,000 XMS per epoch = $250,000 of redemptions at $2.50.
    s.redeem("whale", "200000", None).unwrap();
    let err = s.redeem("whale", "100000", None).unwrap_err();
    let Error::CircuitBreaker {
        breaker, retry_in, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*breaker, "XMS minted");
    let wait = retry_in.expect("within one epoch's capacity");
    assert!(wait > 0 && wait <= 180, "{wait}");
    assert!(err.to_string().contains("returns in"), "{err}");
    s.advance_seconds(wait);
    s.redeem("whale", "100000", None).unwrap();
}

#[test]
fn the_outflow_breaker_caps_usdm_redeemed_per_epoch() {
    let mut s = run(Preset::MarsGuarded);
    s.govern(GovAction::SetParam {
        change: ParamChange::BreakerXmsMinted(None),
    });
    // 1% of $10M circulating = $100,000 per epoch; a larger single redemption never fits.
    let err = s.redeem("whale", "100001", None).unwrap_err();
    assert!(
        matches!(
            err,
            Error::CircuitBreaker {
                breaker: "redemption outflow",
                retry_in: None,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("split it"), "{err}");
    s.redeem("whale", "100000", None).unwrap();
}

#[test]
fn the_unguarded_preset_never_trips() {
    let mut s = run(Preset::Mars);
    for _ in 0..10 {
        s.redeem("whale", "500000", None).unwrap();
    }
}

#[test]
fn breakers_are_governance_parameters() {
    let mut s = run(Preset::Mars);
    s.govern(GovAction::SetParam {
        change: ParamChange::BreakerRedemptionOutflow(Some(Ratio::bps(10))),
    });
    assert!(matches!(
        s.redeem("whale", "10001", None),
        Err(Error::CircuitBreaker { .. })
    ));
    let err =
        s.p.clone()
            .govern(
                &s.gov.clone(),
                GovAction::SetParam {
                    change: ParamChange::BreakerXmsMinted(Some(Ratio::ZERO)),
                },
                s.now,
            )
            .unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
    assert_eq!(
        "mars-guarded".parse::<Preset>().unwrap(),
        Preset::MarsGuarded
    );
}
