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
fn treasury_xms_is_not_circulating() {
    // Mars: XMS deposited as tier-5 collateral is held by the protocol, not circulating.
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give("alice", "USDC", "100000");
    s.give_xms("alice", "100000");
    s.mint("alice", "USDC", "100000").unwrap();
    let before = s.p.circulating_xms(s.now.seconds).unwrap();
    s.mint("alice", "XMS", "1000").unwrap();
    assert_eq!(
        s.p.circulating_xms(s.now.seconds).unwrap(),
        Amount::new(before.raw() - amt("1000", 18).raw()),
        "treasury XMS is held by the protocol"
    );
    // Frax: the treasury never holds XMS (it is not collateral there), so a fractional
    // redemption cannot ask for it.
    let mut f = Suite::frax_at("0.5");
    f.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    f.roll_epoch();
    f.give("alice", "USDC", "100000");
    f.give_xms("alice", "100000");
    f.mint("alice", "USDC", "100000").unwrap();
    assert_eq!(
        f.mint("alice", "XMS", "10000"),
        Err(Error::ShareTokenNotCollateral)
    );
    assert!(matches!(
        f.redeem("alice", "1000", Some("XMS")),
        Err(Error::InsufficientTreasury { .. })
    ));
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

/// Review 2, finding 1: USDm pushed into someone else's pool (or a pool's locked minimum) is
/// not protocol-owned, so it cannot lift the supply-cap headroom.
#[test]
fn usdm_in_pools_the_treasury_does_not_own_still_circulates() {
    let mut s = Suite::new(Preset::Mars);
    s.zero_fees();
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.roll_epoch();
    s.give("attacker", "USDC", "2000000");
    s.mint("attacker", "USDC", "2000000").unwrap();
    s.give_xms("attacker", "10");
    let pool = s.create_pool("USDm", "XMS");
    s.add_liquidity_raw("attacker", pool, [Amount::new(1_001), Amount::new(1_001)])
        .unwrap();
    let headroom = s.p.cap_status(s.now).unwrap().headroom;
    s.swap("attacker", pool, "USDm", "1000000").unwrap();
    assert_eq!(
        s.p.protocol_owned_usdm(s.now).unwrap(),
        s.p.pool(pool).unwrap().protocol_fees[0]
    );
    // Headroom grows only by the 0.05% protocol fee the attacker paid in USDm (500 USDm),
    // which the protocol does own; the million USDm in the pool still circulates.
    let fee = s.p.pool(pool).unwrap().protocol_fees[0];
    assert_eq!(fee, usdm("500"));
    let after = s.p.cap_status(s.now).unwrap().headroom;
    assert_eq!(after, Usd::new(headroom.raw() + fee.raw()));
}

/// Review 2, finding 2: a swap through the treasury's pool cannot fake Frax excess or
/// shortfall, because pool claims are valued at fair reserves.
#[test]
fn swaps_cannot_move_frax_collateral_value() {
    let mut s = Suite::frax_at("1");
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("alice", "USDC", "3000000");
    s.mint("alice", "USDC", "2000000").unwrap();
    let pool = s.create_pool("USDm", "USDC");
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("1000000", 6),
    })
    .unwrap();
    let before =
        s.p.collateral_status_in(s.now, usdm_core::treasury::PriceMode::Low)
            .unwrap();
    // A huge swap shifts the pool's live reserves by about a million dollars each way.
    s.swap("alice", pool, "USDC", "1000000").unwrap();
    let after =
        s.p.collateral_status_in(s.now, usdm_core::treasury::PriceMode::Low)
            .unwrap();
    let moved = after.collateral.raw().abs_diff(before.collateral.raw());
    // Only the LP fee (0.25% of $1M, shared with the locked sliver) may move it.
    assert!(
        moved < usd("3000").raw(),
        "collateral moved by {}",
        Usd::new(moved)
    );
    let target_moved = after.target.raw().abs_diff(before.target.raw());
    assert!(
        target_moved < usd("3000").raw(),
        "target moved by {}",
        Usd::new(target_moved)
    );
}

/// Review 2, finding 3: XMS the treasury provides as liquidity stays out of circulation.
#[test]
fn protocol_xms_in_pools_and_strategies_does_not_circulate() {
    let mut s = Suite::new(Preset::Mars);
    s.zero_fees();
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.roll_epoch();
    s.give("alice", "USDC", "10000000");
    s.mint("alice", "USDC", "10000000").unwrap();
    s.give_xms("alice", "100000");
    s.mint("alice", "XMS", "100000").unwrap();
    let circulating = s.p.circulating_xms(s.now.seconds).unwrap();
    let pool = s.create_pool("USDm", "XMS");
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("50000", 18),
    })
    .unwrap();
    s.treasury_op(TreasuryOp::Allocate {
        strategy: "staking".into(),
        asset: XMS,
        amount: amt("40000", 18),
    })
    .unwrap();
    let after = s.p.circulating_xms(s.now.seconds).unwrap();
    assert!(
        after.raw() - circulating.raw() < 10u128.pow(6),
        "only the locked sliver may circulate: {after:?} vs {circulating:?}"
    );
}

/// Review 2, finding 5: XMS minted by recollateralization counts against the XMS breaker.
#[test]
fn recollateralization_respects_the_xms_breaker() {
    let mut s = Suite::frax_at("1");
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("alice", "USDC", "1000000");
    s.mint("alice", "USDC", "1000000").unwrap();
    s.treasury_op(TreasuryOp::Grant {
        asset: sym("USDC"),
        amount: amt("500000", 6),
        recipient: Account::new("x"),
        memo: "loss".into(),
    })
    .unwrap();
    // 0.001% of 100M XMS = 1,000 XMS per epoch.
    s.govern(GovAction::SetParam {
        change: ParamChange::BreakerXmsMinted(Some(Ratio::new(10_000_000_000_000).unwrap())),
    });
    s.give("bob", "USDC", "10000");
    let err = s.recollateralize("bob", "USDC", "10000").unwrap_err();
    assert!(
        matches!(
            err,
            Error::CircuitBreaker {
                breaker: "XMS minted",
                ..
            }
        ),
        "{err}"
    );
    s.recollateralize("bob", "USDC", "1000").unwrap();
}

/// Review 2, finding 6: absurd strategy reports are an error, not an overflow.
#[test]
fn absurd_strategy_balances_are_refused_not_wrapped() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.roll_epoch();
    s.give("alice", "USDC", "100");
    s.mint("alice", "USDC", "100").unwrap();
    for name in ["a", "b"] {
        s.treasury_op(TreasuryOp::Allocate {
            strategy: name.into(),
            asset: sym("USDC"),
            amount: amt("1", 6),
        })
        .unwrap();
        s.treasury_op(TreasuryOp::Report {
            strategy: name.into(),
            asset: sym("USDC"),
            balance: Amount::new(u128::MAX / 2 + 1),
        })
        .unwrap();
    }
    assert!(matches!(s.p.valuation(s.now), Err(Error::Overflow(_))));
}

/// Review 2, finding A: protocol liquidity needs a feed-priced asset.
#[test]
fn protocol_liquidity_refuses_pool_priced_assets() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("lp", "USDC", "3000000");
    s.mint("lp", "USDC", "2000000").unwrap();
    s.give_xms("lp", "100000");
    s.mint("lp", "XMS", "50000").unwrap();
    let pool = s.create_pool("USDm", "XMS");
    s.add_liquidity("lp", pool, ["100000", "40000"]).unwrap();
    s.govern(GovAction::SetPriceSource {
        symbol: XMS,
        source: PriceSource::Pool { pool },
    });
    let err = s
        .treasury_op(TreasuryOp::ProvideLiquidity {
            pool,
            asset_amount: amt("1000", 18),
        })
        .unwrap_err();
    assert!(matches!(err, Error::BadPriceSource { .. }), "{err}");
}
