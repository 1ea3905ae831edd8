//! Issue 11's scaling check, through the wasm: the hub's gas for mint, redeem, collect and
//! post_price with 10,000 pending redemptions (from 1,000 owners) and 1,000 liquidity holders
//! on the registered pair is within 2% of the same on a deployment with none of them.

use cosmwasm_std::coin;
use cw20::Cw20ExecuteMsg;
use usdm_vm_tests::bench::{deploy, Shape};
use usdm_vm_tests::deploy::{units, Chain};

const PENDING: usize = 10_000;
const OWNERS: usize = 1_000;
const HOLDERS: usize = 1_000;

/// The hub's own gas for each measured message, run in the same order on `c`.
fn measure(c: &Chain) -> Vec<(&'static str, u64)> {
    let alice = c.addr("alice");
    c.fund(&alice, 10u128.pow(13), "uusdc");
    let mut out = Vec::new();
    let tx = c
        .mint_native(&alice, "USDC", coin(1_000 * 10u128.pow(6), "uusdc"))
        .expect("mint");
    out.push(("mint, tier 1, native", tx.contract_gas("hub")));
    let (id, tx) = c.redeem(&alice, units(100, 18), None).expect("redeem");
    out.push(("redeem (cw20 hook)", tx.contract_gas("hub")));
    c.advance(2);
    let tx = c.collect(&alice, id).expect("collect");
    out.push(("collect", tx.contract_gas("hub")));
    c.w.advance(1, 3);
    let tx = c
        .try_post_price("XMS", "2.5".parse().unwrap())
        .expect("post_price");
    out.push(("post_price", tx.contract_gas("hub")));
    out
}

/// Fills `c` with `PENDING` redemptions from `OWNERS` owners and `HOLDERS` liquidity
/// providers on the pair, without moving the clock.
fn load(c: &Chain) {
    let whale = c.addr("whale");
    let usdm = c.usdm.clone();
    let per_owner = PENDING / OWNERS;
    for k in 0..OWNERS {
        let owner = c.addr(&format!("owner{k:05}"));
        c.w.execute(
            &whale,
            &usdm,
            &Cw20ExecuteMsg::Transfer {
                recipient: owner.to_string(),
                amount: units(2 * per_owner as u128, 18),
            },
            &[],
        )
        .expect("USDm to an owner");
        for _ in 0..per_owner {
            c.redeem(&owner, units(2, 18), None).expect("a pending redemption");
        }
    }
    let pair = c.w.label_addr("pair").expect("the pair");
    for k in 0..HOLDERS {
        let lp = c.addr(&format!("lp{k:05}"));
        c.fund(&lp, 10 * 10u128.pow(6), "uusdc");
        c.w.execute(
            &whale,
            &usdm,
            &Cw20ExecuteMsg::Transfer {
                recipient: lp.to_string(),
                amount: units(10, 18),
            },
            &[],
        )
        .expect("USDm to a provider");
        c.provide_liquidity(&lp, &pair, units(10, 18), 10 * 10u128.pow(6))
            .expect("liquidity");
    }
}

#[test]
fn gas_does_not_grow_with_pending_redemptions_or_liquidity_holders() {
    let shape = Shape {
        assets: 16,
        pools: 1,
        pending: 0,
        preset: "mars",
    };
    let empty = deploy(shape).expect("deployment");
    let busy = deploy(shape).expect("deployment");
    load(&busy);
    let pending: usdm_interface::hub::PendingResponse = busy
        .query(&usdm_interface::hub::QueryMsg::PendingRedemptions {
            owner: None,
            start_after: None,
            limit: Some(1),
        })
        .expect("pending");
    assert!(!pending.redemptions.is_empty());
    let (_, hub_keys) = busy.w.stored(&busy.hub);
    assert!(hub_keys > 2 * PENDING, "{hub_keys} keys in the hub's storage");

    let before = measure(&empty);
    let after = measure(&busy);
    for ((op, g0), (_, g1)) in before.iter().zip(&after) {
        let growth = (*g1 as f64 - *g0 as f64) / *g0 as f64;
        eprintln!("{op}: {g0} with none, {g1} with {PENDING} pending and {HOLDERS} holders ({:+.3}%)", growth * 100.0);
        assert!(
            growth.abs() <= 0.02,
            "{op}: {g0} gas with none, {g1} with {PENDING} pending and {HOLDERS} holders"
        );
    }
}
