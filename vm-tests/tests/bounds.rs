//! Issue 20: at the state's bounds (32 whitelisted assets, 8 registered pairs, 1,000 pending
//! redemptions) a share-capped mint, which values the whole treasury, costs at most 250k of the
//! hub's own gas, and no message reads any of the hub's keys twice (`bench::measure` asserts
//! that for every message it runs).

use usdm_vm_tests::bench::{measure, Shape};

#[test]
fn a_share_capped_mint_at_the_bounds_costs_at_most_250k() {
    let shape = Shape {
        assets: 32,
        pools: 8,
        pending: 1_000,
        preset: "mars",
    };
    let measured = measure(shape).expect("the deployment at the bounds");
    let mint = measured
        .iter()
        .find(|m| m.message == "mint, tier 2, share-capped")
        .expect("the share-capped mint");
    eprintln!("share-capped mint at the bounds: {} gas of the hub's own", mint.own());
    assert!(
        mint.own() <= 250_000,
        "a share-capped mint at the bounds costs {} of the hub's own gas",
        mint.own()
    );
    for m in &measured {
        eprintln!("{}: {} own, {} total", m.message, m.own(), m.tx.total_gas());
    }
}
