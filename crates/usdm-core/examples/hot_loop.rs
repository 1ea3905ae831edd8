//! A fixed workload for instruction-count profiling (`valgrind --tool=callgrind`), which is
//! repeatable where wall-clock timings on a shared machine are not:
//! `cargo build --release --example hot_loop -p usdm-core &&
//!  valgrind --tool=callgrind target/release/examples/hot_loop mint 100000`
//! Workloads: `mint` (USDC, tier 1), `btc` (share-capped), `redeem` (redeem + collect, Mars),
//! `swap` (USDm/USDC, alternating directions), `valuation` (with a pool and a strategy).

use std::hint::black_box;
use usdm_core::prelude::*;

#[path = "../benches/fixture.rs"]
mod fixture;
use fixture::{amt, deployment, deployment_with_pools};

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "mint".into());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let (mut p, gov, mut now) = if matches!(workload.as_str(), "swap" | "valuation") {
        let (p, gov, now, _) = deployment_with_pools(Preset::Mars);
        (p, gov, now)
    } else {
        deployment(Preset::Mars)
    };
    let usdc = Symbol::new("USDC").unwrap();
    let btc = Symbol::new("BTC").unwrap();
    let usdc_req = MintRequest::collateral(usdc, amt("1000", 6), Amount::ZERO, Amount::ZERO);
    let btc_req = MintRequest::collateral(btc, amt("0.0001", 8), Amount::ZERO, Amount::ZERO);
    let redeem_req = RedeemRequest::new(amt("10", 18), None);
    let sell_usdc = SwapRequest {
        pool: 0,
        token_in: usdc,
        amount_in: amt("1000", 6),
        min_out: Amount::ZERO,
    };
    let sell_usdm = SwapRequest {
        pool: 0,
        token_in: USDM,
        amount_in: amt("1000", 18),
        min_out: Amount::ZERO,
    };
    let mut flip = false;
    for _ in 0..n {
        match workload.as_str() {
            "btc" => {
                black_box(p.mint(&gov, black_box(&btc_req), now).unwrap());
            }
            "swap" => {
                flip = !flip;
                let req = if flip { &sell_usdc } else { &sell_usdm };
                black_box(p.swap(&gov, black_box(req), now).unwrap());
            }
            "valuation" => {
                black_box(p.valuation(black_box(now)).unwrap());
            }
            "redeem" => {
                let id = p
                    .redeem(&gov, black_box(&redeem_req), now)
                    .unwrap()
                    .value
                    .id;
                now.height += 2;
                black_box(p.collect(id, now).unwrap());
            }
            _ => {
                black_box(p.mint(&gov, black_box(&usdc_req), now).unwrap());
            }
        }
    }
    println!(
        "{workload}: {n} operations; USDm supply {}",
        p.supply().usdm.to_decimal(18)
    );
}
