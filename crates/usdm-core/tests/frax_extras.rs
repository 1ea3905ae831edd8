//! Frax recollateralize and buyback.

mod common;
use common::*;
use usdm_core::prelude::*;

/// Frax at ratio 1, fees zero, 1M USDm minted with 1M USDC, XMS at $2.
fn frax() -> Suite {
    let mut s = Suite::frax_at("1");
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("alice", "USDC", "1000000");
    s.mint("alice", "USDC", "1000000").unwrap();
    s
}

#[test]
fn recollateralize_fills_the_shortfall_for_xms_plus_bonus() {
    let mut s = frax();
    // Half the treasury's USDC is granted away: collateral $500k against a $1M target.
    s.treasury_op(TreasuryOp::Grant {
        asset: sym("USDC"),
        amount: amt("500000", 6),
        recipient: Account::new("x"),
        memo: "loss".into(),
    })
    .unwrap();
    let status = s.p.collateral_status(s.now).unwrap();
    assert_eq!(status.shortfall(), usd("500000"));
    s.give("bob", "USDC", "600000");
    let err = s.recollateralize("bob", "USDC", "500001").unwrap_err();
    assert!(matches!(err, Error::FraxOpTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("at most 500000 USDC"), "{err}");
    let t = s.recollateralize("bob", "USDC", "100000").unwrap();
    // $100,000 x 1.0075 / $2 = 50,375 XMS.
    assert_eq!(t.xms, usdm("50375"));
    assert_eq!(
        s.p.collateral_status(s.now).unwrap().shortfall(),
        usd("400000")
    );
    s.recollateralize("bob", "USDC", "400000").unwrap();
    let err = s.recollateralize("bob", "USDC", "1").unwrap_err();
    assert!(matches!(err, Error::NoShortfall { .. }), "{err}");
}

#[test]
fn buyback_sells_excess_collateral_for_burned_xms() {
    let mut s = frax();
    s.govern(GovAction::SetCollateralRatio { cr: ratio("0.6") });
    let status = s.p.collateral_status(s.now).unwrap();
    assert_eq!(status.excess(), usd("400000"));
    s.give_xms("carol", "300000");
    let err = s.buyback("carol", "USDC", "200001").unwrap_err();
    assert!(matches!(err, Error::FraxOpTooLarge { .. }), "{err}");
    let supply = s.p.supply().xms;
    let t = s.buyback("carol", "USDC", "100000").unwrap();
    assert_eq!(t.collateral, amt("200000", 6));
    assert_eq!(
        s.p.supply().xms,
        Amount::new(supply.raw() - usdm("100000").raw()),
        "XMS burned"
    );
    s.buyback("carol", "USDC", "100000").unwrap();
    assert!(matches!(
        s.buyback("carol", "USDC", "1"),
        Err(Error::NoExcess { .. })
    ));
}

#[test]
fn frax_extras_are_pausable_and_frax_only() {
    let mut s = frax();
    s.govern(GovAction::Pause {
        target: PauseTarget::Recollateralize,
    });
    s.give("bob", "USDC", "1");
    assert_eq!(
        s.recollateralize("bob", "USDC", "1").unwrap_err(),
        Error::FraxOpPaused("recollateralization")
    );
    s.govern(GovAction::Pause {
        target: PauseTarget::Buyback,
    });
    s.give_xms("bob", "1");
    assert_eq!(
        s.buyback("bob", "USDC", "1").unwrap_err(),
        Error::FraxOpPaused("buyback")
    );
    let mut m = Suite::new(Preset::Mars);
    m.give("bob", "USDC", "1");
    assert!(matches!(
        m.recollateralize("bob", "USDC", "1"),
        Err(Error::NotFraxPolicy { .. })
    ));
}
