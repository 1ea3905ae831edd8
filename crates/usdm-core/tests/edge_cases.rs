//! Behaviours at the edges that a review found wanting, kept as regression tests.

mod common;
use common::*;
use usdm_core::prelude::*;

#[test]
fn raising_the_frax_floor_lifts_a_ratio_below_it_at_once() {
    let mut s = Suite::frax_at("0.5");
    s.govern(GovAction::SetParam {
        change: ParamChange::MinCr(ratio("0.8")),
    });
    assert_eq!(s.p.policy().mint_ratio(), ratio("0.8"));
    assert!(s
        .events
        .iter()
        .any(|e| matches!(e, Event::CollateralRatioSet { new, .. } if *new == ratio("0.8"))));
    // A floor below the ratio leaves it alone.
    s.govern(GovAction::SetParam {
        change: ParamChange::MinCr(ratio("0.1")),
    });
    assert_eq!(s.p.policy().mint_ratio(), ratio("0.8"));
}

#[test]
fn at_ratio_zero_the_named_asset_does_not_choose_the_fee() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "0.5")]);
    s.roll_epoch();
    s.give("alice", "USDC", "1000");
    s.mint("alice", "USDC", "1000").unwrap();
    s.govern(GovAction::UpdateAsset {
        symbol: sym("USDC"),
        update: AssetUpdate {
            redeem_fee: Some(Some(Ratio::bps(5))),
            ..AssetUpdate::default()
        },
    });
    let pending = s.redeem("alice", "100", Some("USDC")).unwrap();
    // XMS's 0.30% applies, not USDC's 0.05%: worked example F.
    assert_eq!(pending.xms, usdm("199.4"));
    assert_eq!(pending.asset, None);
}

#[test]
fn escrowed_xms_is_not_circulating() {
    let mut s = Suite::frax_at("0.5");
    s.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give("alice", "USDC", "100000");
    s.give_xms("alice", "100000");
    s.mint("alice", "USDC", "100000").unwrap();
    // Put XMS in the treasury (tier 5 collateral), then redeem asking for XMS as collateral.
    s.govern(GovAction::SetParam {
        change: ParamChange::TierMaxShare {
            tier: Tier::ProtocolToken,
            share: Ratio::ONE,
        },
    });
    s.mint("alice", "XMS", "10000").unwrap();
    let before = s.p.circulating_xms();
    let pending = s.redeem("alice", "1000", Some("XMS")).unwrap();
    assert!(!pending.collateral.is_zero());
    assert_eq!(
        s.p.circulating_xms(),
        before,
        "escrow is still held by the protocol"
    );
    s.advance(2);
    s.collect(pending.id).unwrap();
    assert!(s.p.circulating_xms() > before, "paid out at collection");
}

#[test]
fn a_market_cap_too_large_to_represent_fails_closed() {
    let g = Genesis::new(Preset::Mars, Account::new("gov"), START)
        .with_assets(example_assets())
        .with_feeder(Account::new("feeder"))
        .with_xms_supply(Amount::new(u128::MAX / 2));
    let mut s = Suite::with_genesis(g);
    s.set_prices(&[("USDC", "1"), ("XMS", "1000000")]);
    s.roll_epoch();
    let status = s.p.cap_status(s.now).unwrap();
    assert_eq!(
        status.supply_cap, None,
        "an overflowing market cap must not become an unlimited cap"
    );
    s.give("alice", "USDC", "1");
    assert!(matches!(
        s.mint("alice", "USDC", "1"),
        Err(Error::NoSupplyCap { .. })
    ));
}

#[test]
fn burning_more_xms_than_circulates_is_its_own_error() {
    let g = Genesis::new(Preset::Frax, Account::new("gov"), START)
        .with_assets(example_assets())
        .with_feeder(Account::new("feeder"))
        .with_xms_supply(amt("10", 18));
    let mut s = Suite::with_genesis(g);
    s.zero_fees();
    s.govern(GovAction::SetCollateralRatio { cr: ratio("0.5") });
    s.set_prices(&[("USDC", "1"), ("XMS", "1000000000")]);
    s.roll_epoch();
    s.give("alice", "USDC", "100000000000");
    let req = MintRequest::collateral(
        sym("USDC"),
        amt("100000000000", 6),
        Amount::new(u128::MAX),
        Amount::ZERO,
    );
    let err = s.mint_request("alice", &req).unwrap_err();
    assert!(matches!(err, Error::ExceedsSupply { .. }), "{err}");
    assert!(err.to_string().contains("in circulation"), "{err}");
}
