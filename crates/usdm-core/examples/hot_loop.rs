//! A fixed workload for instruction-count profiling (`valgrind --tool=callgrind`), which is
//! repeatable where wall-clock timings on a shared machine are not:
//! `cargo build --release --example hot_loop -p usdm-core &&
//!  valgrind --tool=callgrind target/release/examples/hot_loop mint 100000`
//! Workloads: `mint` (USDC, tier 1), `btc` (share-capped), `redeem` (redeem + collect, Mars).

use std::hint::black_box;
use usdm_core::prelude::*;

#[path = "../benches/fixture.rs"]
mod fixture;
use fixture::{amt, deployment};

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "mint".into());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let (mut p, gov, mut now) = deployment(Preset::Mars);
    let usdc = Symbol::new("USDC").unwrap();
    let btc = Symbol::new("BTC").unwrap();
    let usdc_req = MintRequest::collateral(usdc, amt("1000", 6), Amount::ZERO, Amount::ZERO);
    let btc_req = MintRequest::collateral(btc, amt("0.0001", 8), Amount::ZERO, Amount::ZERO);
    let redeem_req = RedeemRequest::new(amt("10", 18), None);
    for _ in 0..n {
        match workload.as_str() {
            "btc" => {
                black_box(p.mint(&gov, black_box(&btc_req), now).unwrap());
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
