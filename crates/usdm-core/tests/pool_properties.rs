//! Property tests for Mars Swap and the treasury:
//! - the pool invariant x*y never decreases across swaps, and the value of a share
//!   (sqrt(x*y) / shares) never decreases across swaps, deposits and withdrawals;
//! - liquidity shares stay fair: with no trading, no provider ever withdraws more of either
//!   token than they deposited, however adds and removes interleave;
//! - treasury accounting balances across random sequences of every core operation (the suite
//!   checks invariants and token conservation, pools and strategies included, after each).

mod common;
use common::*;
use ethnum::U256;
use proptest::prelude::*;
use usdm_core::prelude::*;

const LPS: [&str; 3] = ["lp0", "lp1", "lp2"];

/// A Mars deployment with a USDm/USDC pool seeded by lp0 and funded providers.
fn pool_suite() -> (Suite, PoolId) {
    let mut s = Suite::new(Preset::Mars);
    s.zero_fees();
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    for lp in LPS {
        s.give(lp, "USDC", "20000000");
        s.mint(lp, "USDC", "10000000").unwrap();
    }
    let pool = s.create_pool("USDm", "USDC");
    s.add_liquidity("lp0", pool, ["1000000", "1000000"])
        .unwrap();
    (s, pool)
}

fn k(p: &Pool) -> U256 {
    U256::from(p.reserves[0].raw()) * U256::from(p.reserves[1].raw())
}

/// sqrt(k_new)/T_new >= sqrt(k_old)/T_old, compared as k_new*T_old^2 >= k_old*T_new^2.
fn share_value_not_lower(old: &Pool, new: &Pool) -> bool {
    let (t0, t1) = (
        U256::from(old.total_shares.raw()),
        U256::from(new.total_shares.raw()),
    );
    match (k(new).checked_mul(t0 * t0), k(old).checked_mul(t1 * t1)) {
        (Some(a), Some(b)) => a >= b,
        _ => true, // beyond 256 bits: out of this test's range
    }
}

#[derive(Clone, Debug)]
enum PoolOp {
    Swap {
        who: usize,
        usdc_in: bool,
        micro: u128,
    },
    Add {
        who: usize,
        micro: u128,
    },
    Remove {
        who: usize,
        share_bps: u32,
    },
}

fn pool_op() -> impl Strategy<Value = PoolOp> {
    let size = prop_oneof![1..1_000u128, 1..1_000_000_000u128, 1..500_000_000_000u128];
    prop_oneof![
        4 => (0..3usize, any::<bool>(), size.clone()).prop_map(|(who, usdc_in, micro)| PoolOp::Swap { who, usdc_in, micro }),
        2 => (0..3usize, size).prop_map(|(who, micro)| PoolOp::Add { who, micro }),
        2 => (0..3usize, 1..=10_000u32).prop_map(|(who, share_bps)| PoolOp::Remove { who, share_bps }),
    ]
}

fn apply(s: &mut Suite, pool: PoolId, op: &PoolOp) {
    match *op {
        PoolOp::Swap {
            who,
            usdc_in,
            micro,
        } => {
            let (token, amount) = if usdc_in {
                (sym("USDC"), Amount::new(micro))
            } else {
                (USDM, Amount::new(micro * 1_000_000_000_000))
            };
            let amount = amount.min(s.balance(&Account::new(LPS[who]), token));
            if !amount.is_zero() {
                let _ = s.swap_raw(LPS[who], pool, token, amount);
            }
        }
        PoolOp::Add { who, micro } => {
            let max = [Amount::new(micro * 1_000_000_000_000), Amount::new(micro)];
            let _ = s.add_liquidity_raw(LPS[who], pool, max);
        }
        PoolOp::Remove { who, share_bps } => {
            let held = s.p.pool(pool).unwrap().shares_of(&Account::new(LPS[who]));
            let shares = Amount::new(held.raw() / 10_000 * u128::from(share_bps));
            if !shares.is_zero() {
                let _ = s.remove_liquidity(LPS[who], pool, shares);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_pool_invariant_never_decreases_across_swaps(ops in proptest::collection::vec(pool_op(), 1..50)) {
        let (mut s, pool) = pool_suite();
        for op in &ops {
            let before = s.p.pool(pool).unwrap().clone();
            apply(&mut s, pool, op);
            let after = s.p.pool(pool).unwrap();
            if matches!(op, PoolOp::Swap { .. }) {
                prop_assert!(k(after) >= k(&before), "x*y fell after {op:?}");
            }
            prop_assert!(share_value_not_lower(&before, after), "share value fell after {op:?}");
        }
    }

    /// One provider's deposits and withdrawals never reduce another provider's claim on either
    /// token (rounding only ever leaves value with the others), and a deposit withdrawn at once
    /// never returns more than was put in.
    #[test]
    fn liquidity_shares_stay_fair(ops in proptest::collection::vec(pool_op(), 1..60)) {
        let (mut s, pool) = pool_suite();
        for op in ops.iter().filter(|o| !matches!(o, PoolOp::Swap { .. })) {
            let actor = match op {
                PoolOp::Add { who, .. } | PoolOp::Remove { who, .. } | PoolOp::Swap { who, .. } => *who,
            };
            let claims = |s: &Suite| -> Vec<[Amount; 2]> {
                let p = s.p.pool(pool).unwrap();
                LPS.iter().map(|lp| p.claim(p.shares_of(&Account::new(*lp)))).collect()
            };
            let before = claims(&s);
            apply(&mut s, pool, op);
            let after = claims(&s);
            for (i, (b, a)) in before.iter().zip(&after).enumerate() {
                if i != actor {
                    prop_assert!(a[0] >= b[0] && a[1] >= b[1], "{} lost claim when {} acted: {op:?}", LPS[i], LPS[actor]);
                }
            }
        }
        // Round trip: deposit then withdraw the minted shares at once.
        let q = s.add_liquidity("lp2", pool, ["1234.567", "1234.567"]);
        if let Ok(q) = q {
            let out = s.remove_liquidity("lp2", pool, q.shares).unwrap();
            prop_assert!(out[0] <= q.amounts[0] && out[1] <= q.amounts[1], "round trip gained: {out:?} > {:?}", q.amounts);
        }
    }
}

// ---- treasury accounting across every operation ---------------------------------------------

#[derive(Clone, Debug)]
enum AnyOp {
    Mint {
        who: usize,
        usdc: u64,
    },
    Redeem {
        who: usize,
        bps: u32,
    },
    Collect,
    Swap {
        who: usize,
        pool: usize,
        first: bool,
        bps: u32,
    },
    AddLiquidity {
        who: usize,
        pool: usize,
        bps: u32,
    },
    RemoveLiquidity {
        who: usize,
        pool: usize,
        bps: u32,
    },
    ProvideLiquidity {
        usdc: u64,
    },
    WithdrawLiquidity {
        bps: u32,
    },
    Allocate {
        usdc: u64,
    },
    Report {
        delta_bps: i32,
    },
    Recall {
        bps: u32,
    },
    Grant {
        usdc: u64,
    },
    Recollateralize {
        who: usize,
        bps: u32,
    },
    Buyback {
        who: usize,
        xms: u64,
    },
    Sweep {
        pool: usize,
    },
    SetCr {
        bps: u32,
    },
    MovePrice {
        xms_bps: i32,
    },
    Advance {
        blocks: u64,
    },
}

fn any_op() -> impl Strategy<Value = AnyOp> {
    let who = 0..3usize;
    let pool = 0..2usize;
    prop_oneof![
        (who.clone(), 1..2_000_000u64).prop_map(|(who, usdc)| AnyOp::Mint { who, usdc }),
        (who.clone(), 1..=10_000u32).prop_map(|(who, bps)| AnyOp::Redeem { who, bps }),
        Just(AnyOp::Collect),
        (who.clone(), pool.clone(), any::<bool>(), 1..=2_000u32).prop_map(
            |(who, pool, first, bps)| AnyOp::Swap {
                who,
                pool,
                first,
                bps
            }
        ),
        (who.clone(), pool.clone(), 1..=5_000u32)
            .prop_map(|(who, pool, bps)| AnyOp::AddLiquidity { who, pool, bps }),
        (who.clone(), pool.clone(), 1..=10_000u32)
            .prop_map(|(who, pool, bps)| AnyOp::RemoveLiquidity { who, pool, bps }),
        (1..2_000_000u64).prop_map(|usdc| AnyOp::ProvideLiquidity { usdc }),
        (1..=10_000u32).prop_map(|bps| AnyOp::WithdrawLiquidity { bps }),
        (1..2_000_000u64).prop_map(|usdc| AnyOp::Allocate { usdc }),
        (-2_000..2_000i32).prop_map(|delta_bps| AnyOp::Report { delta_bps }),
        (1..=10_000u32).prop_map(|bps| AnyOp::Recall { bps }),
        (1..100_000u64).prop_map(|usdc| AnyOp::Grant { usdc }),
        (who.clone(), 1..=10_000u32).prop_map(|(who, bps)| AnyOp::Recollateralize { who, bps }),
        (who, 1..200_000u64).prop_map(|(who, xms)| AnyOp::Buyback { who, xms }),
        pool.prop_map(|pool| AnyOp::Sweep { pool }),
        (2_000..=10_000u32).prop_map(|bps| AnyOp::SetCr { bps }),
        (-2_000..2_000i32).prop_map(|xms_bps| AnyOp::MovePrice { xms_bps }),
        (1..80u64).prop_map(|blocks| AnyOp::Advance { blocks }),
    ]
}

/// Frax, fees on, two pools (USDm/USDC with protocol liquidity, XMS/USDm), funded users.
fn everything() -> (Suite, [PoolId; 2]) {
    let mut s = Suite::new(Preset::Frax);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    for u in LPS {
        s.give(u, "USDC", "50000000");
        s.give_xms(u, "2000000");
        s.mint(u, "USDC", "5000000").unwrap();
    }
    let a = s.create_pool("USDm", "USDC");
    let b = s.create_pool("XMS", "USDm");
    s.add_liquidity("lp0", a, ["1000000", "1000000"]).unwrap();
    s.add_liquidity("lp1", b, ["400000", "1000000"]).unwrap();
    (s, [a, b])
}

fn bps_of(a: Amount, bps: u32) -> Amount {
    Amount::new(a.raw() / 10_000 * u128::from(bps))
}

fn apply_any(s: &mut Suite, pools: [PoolId; 2], op: &AnyOp) {
    let usdc = |n: u64| Amount::new(u128::from(n) * 1_000_000);
    match *op {
        AnyOp::Mint { who, usdc: n } => {
            let max_xms = s.balance(&Account::new(LPS[who]), XMS);
            let _ = s.mint_request(
                LPS[who],
                &MintRequest::collateral(sym("USDC"), usdc(n), max_xms, Amount::ZERO),
            );
        }
        AnyOp::Redeem { who, bps } => {
            let amount = bps_of(s.balance(&Account::new(LPS[who]), USDM), bps);
            if !amount.is_zero() {
                let _ = s.redeem_request(LPS[who], &RedeemRequest::new(amount, Some(sym("USDC"))));
            }
        }
        AnyOp::Collect => {
            s.advance(2);
            let ids: Vec<u64> = s.p.redemptions().iter().map(|r| r.id).collect();
            for id in ids {
                s.collect(id).unwrap();
            }
        }
        AnyOp::Swap {
            who,
            pool,
            first,
            bps,
        } => {
            let p = s.p.pool(pools[pool]).unwrap().clone();
            let token = p.tokens[usize::from(!first)];
            let amount = bps_of(s.balance(&Account::new(LPS[who]), token), bps);
            if !amount.is_zero() {
                let _ = s.swap_raw(LPS[who], pools[pool], token, amount);
            }
        }
        AnyOp::AddLiquidity { who, pool, bps } => {
            let p = s.p.pool(pools[pool]).unwrap().clone();
            let acct = Account::new(LPS[who]);
            let max = [
                bps_of(s.balance(&acct, p.tokens[0]), bps),
                bps_of(s.balance(&acct, p.tokens[1]), bps),
            ];
            let _ = s.add_liquidity_raw(LPS[who], pools[pool], max);
        }
        AnyOp::RemoveLiquidity { who, pool, bps } => {
            let shares = bps_of(
                s.p.pool(pools[pool])
                    .unwrap()
                    .shares_of(&Account::new(LPS[who])),
                bps,
            );
            if !shares.is_zero() {
                let _ = s.remove_liquidity(LPS[who], pools[pool], shares);
            }
        }
        AnyOp::ProvideLiquidity { usdc: n } => {
            let _ = s.treasury_op(TreasuryOp::ProvideLiquidity {
                pool: pools[0],
                asset_amount: usdc(n),
            });
        }
        AnyOp::WithdrawLiquidity { bps } => {
            let shares = bps_of(
                s.p.pool(pools[0]).unwrap().shares_of(&treasury_account()),
                bps,
            );
            if !shares.is_zero() {
                let _ = s.treasury_op(TreasuryOp::WithdrawLiquidity {
                    pool: pools[0],
                    shares,
                });
            }
        }
        AnyOp::Allocate { usdc: n } => {
            let _ = s.treasury_op(TreasuryOp::Allocate {
                strategy: "vault".into(),
                asset: sym("USDC"),
                amount: usdc(n),
            });
        }
        AnyOp::Report { delta_bps } => {
            if let Some(st) = s.p.strategy("vault", sym("USDC")).cloned() {
                let delta = bps_of(st.reported, delta_bps.unsigned_abs());
                let balance = if delta_bps >= 0 {
                    Amount::new(st.reported.raw() + delta.raw())
                } else {
                    st.reported.saturating_sub(delta)
                };
                let _ = s.treasury_op(TreasuryOp::Report {
                    strategy: "vault".into(),
                    asset: sym("USDC"),
                    balance,
                });
            }
        }
        AnyOp::Recall { bps } => {
            if let Some(st) = s.p.strategy("vault", sym("USDC")).cloned() {
                let amount = bps_of(st.reported, bps);
                if !amount.is_zero() {
                    let _ = s.treasury_op(TreasuryOp::Recall {
                        strategy: "vault".into(),
                        asset: sym("USDC"),
                        amount,
                    });
                }
            }
        }
        AnyOp::Grant { usdc: n } => {
            let _ = s.treasury_op(TreasuryOp::Grant {
                asset: sym("USDC"),
                amount: usdc(n),
                recipient: Account::new("grantee"),
                memo: "grant".into(),
            });
        }
        AnyOp::Recollateralize { who, bps } => {
            // A share of the open shortfall, in whole USDC at $1.
            if let Ok(status) = s.p.collateral_status(s.now) {
                let dollars =
                    status.shortfall().raw() / 1_000_000_000_000_000_000 / 10_000 * u128::from(bps);
                if dollars > 0 {
                    let _ = s.recollateralize(LPS[who], "USDC", &dollars.to_string());
                }
            }
        }
        AnyOp::Buyback { who, xms } => {
            if s.balance(&Account::new(LPS[who]), XMS) >= amt(&xms.to_string(), 18) {
                let _ = s.buyback(LPS[who], "USDC", &xms.to_string());
            }
        }
        AnyOp::Sweep { pool } => {
            s.sweep(pools[pool]);
        }
        AnyOp::SetCr { bps } => s.govern(GovAction::SetCollateralRatio {
            cr: Ratio::from_bps(bps).unwrap(),
        }),
        AnyOp::MovePrice { xms_bps } => {
            let p = s.prices[&XMS].raw();
            let delta = p / 10_000 * u128::from(xms_bps.unsigned_abs());
            let next = if xms_bps >= 0 { p + delta } else { p - delta };
            s.set_price("XMS", &Price::new(next).unwrap().to_decimal());
        }
        AnyOp::Advance { blocks } => s.advance(blocks),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The suite checks invariants and conservation (wallets, pools, strategies, treasury
    /// custody, supplies) after every step; a refused step must change nothing.
    #[test]
    fn treasury_accounting_balances_across_every_operation(ops in proptest::collection::vec(any_op(), 1..60)) {
        let (mut s, pools) = everything();
        for op in &ops {
            apply_any(&mut s, pools, op);
        }
        s.check();
    }
}

/// The soak run of every treasury, pool and Frax operation at scale (see `properties.rs`).
#[test]
#[ignore]
fn soak_treasury_accounting() {
    common::soak(
        "treasury accounting",
        1_000_000,
        proptest::collection::vec(any_op(), 1..60),
        |ops| {
            let (mut s, pools) = everything();
            for op in ops {
                apply_any(&mut s, pools, op);
                s.check();
            }
        },
    );
}

/// The every-operation generator must exercise every operation successfully, many times.
#[test]
fn generated_sequences_exercise_every_treasury_operation() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[9; 32]),
    );
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..40 {
        let ops = proptest::collection::vec(any_op(), 50..60)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let (mut s, pools) = everything();
        let first = s.events.len();
        for op in &ops {
            apply_any(&mut s, pools, op);
        }
        for e in &s.events[first..] {
            let kind = match e {
                Event::Minted { .. } => "mint",
                Event::RedemptionCollected { .. } => "collect",
                Event::Swapped { .. } => "swap",
                Event::LiquidityAdded { .. } => "add",
                Event::LiquidityRemoved { .. } => "remove",
                Event::TreasuryLiquidityProvided { .. } => "provide",
                Event::TreasuryLiquidityWithdrawn { .. } => "withdraw",
                Event::StrategyAllocated { .. } => "allocate",
                Event::StrategyReported { .. } => "report",
                Event::StrategyRecalled { .. } => "recall",
                Event::GrantPaid { .. } => "grant",
                Event::Recollateralized { .. } => "recollateralize",
                Event::BoughtBack { .. } => "buyback",
                Event::PoolFeesSwept { .. } => "sweep",
                _ => "other",
            };
            *counts.entry(kind).or_default() += 1;
        }
    }

    for kind in [
        "mint",
        "collect",
        "swap",
        "add",
        "remove",
        "provide",
        "withdraw",
        "allocate",
        "report",
        "recall",
        "grant",
        "recollateralize",
        "buyback",
        "sweep",
    ] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) >= 5,
            "too few successful {kind}: {counts:?}"
        );
    }
}
