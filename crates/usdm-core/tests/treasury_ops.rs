//! Treasury operations: protocol-owned liquidity, strategies, grants, external governance,
//! and their effect on treasury value, composition, backing and circulating USDm.

mod common;
use common::*;
use usdm_core::prelude::*;

fn treasury() -> (Suite, PoolId) {
    let mut s = Suite::new(Preset::Mars);
    s.zero_fees();
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("alice", "USDC", "10000000");
    s.mint("alice", "USDC", "10000000").unwrap();
    let pool = s.create_pool("USDm", "USDC");
    (s, pool)
}

#[test]
fn protocol_liquidity_mints_protocol_owned_usdm_that_does_not_circulate() {
    let (mut s, pool) = treasury();
    let circulating = s.p.circulating_usdm(s.now).unwrap();
    let value = s.p.valuation(s.now).unwrap().total;
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("1000000", 6),
    })
    .unwrap();
    let p = s.p.pool(pool).unwrap();
    assert_eq!(p.reserves, [usdm("1000000"), amt("1000000", 6)]);
    // The treasury holds all shares but the 1,000 locked forever (10^-15 of the pool).
    assert_eq!(
        s.p.protocol_owned_usdm(s.now).unwrap(),
        usdm("999999.999999999")
    );
    // Only the locked sliver, which the treasury does not own, counts as circulating.
    assert_eq!(
        s.p.circulating_usdm(s.now).unwrap(),
        Usd::new(circulating.raw() + usdm("0.000000001").raw()),
        "POL does not circulate"
    );
    assert_eq!(s.p.supply().usdm, usdm("11000000"));
    // The USDC in the pool still counts in treasury value (minus the locked sliver).
    let v = s.p.valuation(s.now).unwrap();
    assert!(
        v.total >= value.saturating_sub(usd("0.000001")) && v.total <= value,
        "{} vs {}",
        v.total,
        value
    );
    assert!(!v.positions[0].in_pools.is_zero());
}

#[test]
fn liquidity_is_added_only_near_the_oracle_price_and_withdrawal_burns_usdm() {
    let (mut s, pool) = treasury();
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("1000000", 6),
    })
    .unwrap();
    // A trader pushes USDC 2% above par in the pool (USDm is sold).
    s.swap("alice", pool, "USDm", "10000").unwrap();
    let err = s
        .treasury_op(TreasuryOp::ProvideLiquidity {
            pool,
            asset_amount: amt("1000", 6),
        })
        .unwrap_err();
    assert!(matches!(err, Error::PoolPriceOffOracle { .. }), "{err}");
    assert!(err.to_string().contains("1%"), "{err}");
    // Withdrawing everything burns the USDm the pool returns.
    let shares = s.p.pool(pool).unwrap().shares_of(&treasury_account());
    let supply = s.p.supply().usdm;
    s.treasury_op(TreasuryOp::WithdrawLiquidity { pool, shares })
        .unwrap();
    let burned = s.events.iter().rev().find_map(|e| match e {
        Event::TreasuryLiquidityWithdrawn { usdm_burned, .. } => Some(*usdm_burned),
        _ => None,
    });
    assert_eq!(
        s.p.supply().usdm,
        Amount::new(supply.raw() - burned.unwrap().raw())
    );
    // What stays protocol-owned: the unswept USDm fees.
    let fees = s.p.pool(pool).unwrap().protocol_fees[0];
    assert_eq!(s.p.protocol_owned_usdm(s.now).unwrap(), fees);
    let err = s
        .treasury_op(TreasuryOp::WithdrawLiquidity {
            pool,
            shares: Amount::new(1),
        })
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientShares { .. }));
}

#[test]
fn liquidity_needs_a_usdm_pool_with_a_treasury_asset() {
    let (mut s, _) = treasury();
    let xms_usdc = s.create_pool("XMS", "USDC");
    let err = s
        .treasury_op(TreasuryOp::ProvideLiquidity {
            pool: xms_usdc,
            asset_amount: amt("1", 6),
        })
        .unwrap_err();
    assert!(err.to_string().contains("pairs USDm"), "{err}");
    let err = s
        .treasury_op(TreasuryOp::ProvideLiquidity {
            pool: 0,
            asset_amount: amt("20000000", 6),
        })
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientTreasury { .. }), "{err}");
}

#[test]
fn strategies_count_their_reported_balance() {
    let (mut s, _) = treasury();
    let before = s.p.valuation(s.now).unwrap().total;
    let op = |strategy: &str, amount: &str| TreasuryOp::Allocate {
        strategy: strategy.into(),
        asset: sym("USDC"),
        amount: amt(amount, 6),
    };
    s.treasury_op(op("aave-v3", "2000000")).unwrap();
    assert_eq!(
        s.p.valuation(s.now).unwrap().total,
        before,
        "allocation moves value, does not change it"
    );
    s.treasury_op(TreasuryOp::Report {
        strategy: "aave-v3".into(),
        asset: sym("USDC"),
        balance: amt("2100000", 6),
    })
    .unwrap();
    let v = s.p.valuation(s.now).unwrap();
    assert_eq!(
        v.total,
        Usd::new(before.raw() + usd("100000").raw()),
        "yield counts"
    );
    assert_eq!(v.positions[0].in_strategies, amt("2100000", 6));
    s.treasury_op(TreasuryOp::Recall {
        strategy: "aave-v3".into(),
        asset: sym("USDC"),
        amount: amt("2100000", 6),
    })
    .unwrap();
    assert!(s.p.strategies().is_empty());
    assert_eq!(s.p.holding(0).unwrap().balance, amt("10100000", 6));
    let err = s
        .treasury_op(TreasuryOp::Recall {
            strategy: "aave-v3".into(),
            asset: sym("USDC"),
            amount: amt("1", 6),
        })
        .unwrap_err();
    assert!(matches!(err, Error::UnknownStrategy { .. }), "{err}");
    s.treasury_op(op("aave-v3", "10")).unwrap();
    let err = s
        .treasury_op(TreasuryOp::Recall {
            strategy: "aave-v3".into(),
            asset: sym("USDC"),
            amount: amt("11", 6),
        })
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientTreasury { .. }), "{err}");
    assert!(
        s.treasury_op(op("", "1")).is_err(),
        "empty names are refused"
    );
}

#[test]
fn grants_and_external_governance_leave_an_audit_trail() {
    let (mut s, _) = treasury();
    s.treasury_op(TreasuryOp::Grant {
        asset: sym("USDC"),
        amount: amt("50000", 6),
        recipient: Account::new("dev-fund"),
        memo: "Q3 audit".into(),
    })
    .unwrap();
    assert_eq!(
        s.balance(&Account::new("dev-fund"), sym("USDC")),
        amt("50000", 6)
    );
    assert!(s
        .events
        .iter()
        .any(|e| matches!(e, Event::GrantPaid { memo, .. } if memo == "Q3 audit")));
    s.treasury_op(TreasuryOp::ExternalGovernance {
        target: "curve-dao".into(),
        action: "vote yes on gauge 42".into(),
        tokens: vec![(sym("USDC"), amt("1000", 6))],
    })
    .unwrap();
    assert!(s.events.iter().any(
        |e| matches!(e, Event::ExternalGovernanceRecorded { target, .. } if target == "curve-dao")
    ));
    let err = s
        .treasury_op(TreasuryOp::ExternalGovernance {
            target: "x".into(),
            action: "y".into(),
            tokens: vec![(sym("BTC"), amt("1", 8))],
        })
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientTreasury { .. }), "{err}");
    let err = s
        .treasury_op(TreasuryOp::Grant {
            asset: sym("USDC"),
            amount: amt("1", 6),
            recipient: Account::new("x"),
            memo: "bad\u{0}memo".into(),
        })
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "memo", .. }),
        "{err}"
    );
}

#[test]
fn treasury_ops_are_governance_only_and_pausable() {
    let (mut s, pool) = treasury();
    let op = TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("1", 6),
    };
    let err =
        s.p.clone()
            .treasury_op(&Account::new("mallory"), op.clone(), s.now)
            .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }));
    s.govern(GovAction::Pause {
        target: PauseTarget::TreasuryOps,
    });
    assert_eq!(
        s.treasury_op(op.clone()).unwrap_err(),
        Error::TreasuryOpsPaused
    );
    s.govern(GovAction::Unpause {
        target: PauseTarget::TreasuryOps,
    });
    s.treasury_op(op).unwrap();
}

#[test]
fn backing_and_composition_include_pools_and_strategies() {
    let (mut s, pool) = treasury();
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("4000000", 6),
    })
    .unwrap();
    s.treasury_op(TreasuryOp::Allocate {
        strategy: "t-bills".into(),
        asset: sym("USDC"),
        amount: amt("3000000", 6),
    })
    .unwrap();
    let v = s.p.valuation(s.now).unwrap();
    let usdc = &v.positions[0];
    assert_eq!(usdc.idle, amt("3000000", 6));
    assert_eq!(usdc.in_strategies, amt("3000000", 6));
    assert!(usdc.in_pools > amt("3999999", 6));
    assert_eq!(v.by_tier[0], v.total, "all of it is tier 1");
    let backing = s.p.backing_ratio(s.now).unwrap().unwrap();
    assert!(
        backing.raw() > 999_999_999_000_000_000 && backing.raw() <= 1_000_000_000_000_000_000,
        "{backing}"
    );
}
