//! Redemption held at a ratio of its own (issue 22, item 2): Iron Finance minted at its 70%
//! target ratio and redeemed at its 75% effective ratio. Expected values are worked by hand.

mod common;
use common::*;
use usdm_core::prelude::*;
use usdm_core::ratio::RatioPolicy;

/// Frax with zero fees, $1 USDC and $4 XMS, 1,000 USDm minted at 100%, then minting at 70%
/// and redemption held at 75%.
fn iron_like() -> Suite {
    let mut s = Suite::frax_at("1");
    s.set_prices(&[("USDC", "1"), ("XMS", "4")]);
    s.roll_epoch();
    s.give("alice", "USDC", "1000");
    s.mint("alice", "USDC", "1000").unwrap();
    s.govern(GovAction::SetCollateralRatio { cr: ratio("0.7") });
    s.govern(GovAction::SetRedemptionRatio {
        cr: Some(ratio("0.75")),
    });
    s
}

#[test]
fn redemption_pays_its_own_ratio_while_minting_keeps_the_global_one() {
    let mut s = iron_like();
    assert_eq!(s.p.policy().mint_ratio(), ratio("0.7"));
    assert_eq!(s.p.policy().redeem_ratio(), ratio("0.75"));
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::RedemptionRatioSet { old, new: Some(new) } if *old == ratio("0.7") && *new == ratio("0.75")
    )));
    // 100 USDm: 75 USDC, and $25 of XMS at $4 = 6.25 XMS.
    let collected = s.redeem_and_collect("alice", "100", Some("USDC"));
    assert_eq!(collected.collateral, amt("75", 6));
    assert_eq!(collected.xms, usdm("6.25"));
    // Minting still asks 70% collateral: 70 USDC and $30 of XMS for 100 USDm.
    s.give("bob", "USDC", "70");
    s.give_xms("bob", "100");
    let q = s.mint("bob", "USDC", "70").unwrap();
    assert_eq!(q.usdm_out, usdm("100"));
    assert_eq!(q.xms_in, usdm("7.5"));
}

#[test]
fn none_returns_redemption_to_the_global_ratio() {
    let mut s = iron_like();
    s.govern(GovAction::SetRedemptionRatio { cr: None });
    assert_eq!(s.p.policy().redeem_ratio(), ratio("0.7"));
    // 100 USDm: 70 USDC and $30 of XMS at $4 = 7.5 XMS.
    let collected = s.redeem_and_collect("alice", "100", Some("USDC"));
    assert_eq!(collected.collateral, amt("70", 6));
    assert_eq!(collected.xms, usdm("7.5"));
}

#[test]
fn a_raised_floor_lifts_a_redemption_ratio_below_it() {
    let mut s = iron_like();
    s.govern(GovAction::SetParam {
        change: ParamChange::MinCr(ratio("0.8")),
    });
    assert_eq!(s.p.policy().mint_ratio(), ratio("0.8"));
    assert_eq!(s.p.policy().redeem_ratio(), ratio("0.8"));
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::RedemptionRatioSet { old, new: Some(new) } if *old == ratio("0.75") && *new == ratio("0.8")
    )));
}

#[test]
fn out_of_range_or_under_mars_it_is_refused_and_nothing_changes() {
    let s = iron_like();
    let mut floor = s.p.clone();
    floor
        .govern(
            &s.gov,
            GovAction::SetParam {
                change: ParamChange::MinCr(ratio("0.5")),
            },
            s.now,
        )
        .unwrap();
    let before = floor.clone();
    let err = floor
        .govern(
            &s.gov,
            GovAction::SetRedemptionRatio {
                cr: Some(ratio("0.4")),
            },
            s.now,
        )
        .unwrap_err();
    assert!(err.to_string().contains("min_cr to 100%"), "{err}");
    assert_eq!(floor, before, "a refused change left the state as it was");

    let mars = Suite::new(Preset::Mars);
    let mut p = mars.p.clone();
    let err = p
        .govern(
            &mars.gov,
            GovAction::SetRedemptionRatio {
                cr: Some(ratio("0.75")),
            },
            mars.now,
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFraxPolicy { .. }), "{err}");
    assert_eq!(p, mars.p);
}

#[test]
fn json_state_written_before_the_ratio_existed_reads_as_the_global_ratio() {
    // 0.1's single item and 0.2's parts are JSON without the field: they read as None.
    let old = r#"{"frax":{"cr":"700000000000000000","last_refresh":5}}"#;
    let read: RatioPolicy = serde_json::from_str(old).unwrap();
    assert_eq!(
        read,
        RatioPolicy::Frax {
            cr: ratio("0.7"),
            last_refresh: Some(5),
            redeem_cr: None,
        }
    );
    assert_eq!(read.redeem_ratio(), ratio("0.7"));
    let held = RatioPolicy::Frax {
        cr: ratio("0.7"),
        last_refresh: Some(5),
        redeem_cr: Some(ratio("0.75")),
    };
    let json = serde_json::to_string(&held).unwrap();
    assert_eq!(serde_json::from_str::<RatioPolicy>(&json).unwrap(), held);
}
