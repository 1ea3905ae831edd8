//! Criterion benchmarks of the core's hot paths: mint (uncapped and share-capped tiers),
//! redeem + collect, and an epoch roll followed by a capped mint.
//!
//! Run with `cargo bench -p usdm-core`; figures and the machine go in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use usdm_core::prelude::*;

mod fixture;
use fixture::{amt, deployment, deployment_with_pools};

fn bench_mint(c: &mut Criterion) {
    let mut g = c.benchmark_group("mint");
    g.throughput(Throughput::Elements(1));
    for (name, asset, amount, d) in [
        ("usdc_tier1_uncapped", "USDC", "1000", 6),
        ("btc_tier2_share_capped", "BTC", "0.0001", 8),
    ] {
        let (mut p, user, now) = deployment(Preset::Mars);
        let req = MintRequest::collateral(
            Symbol::new(asset).unwrap(),
            amt(amount, d),
            Amount::ZERO,
            Amount::ZERO,
        );
        g.bench_function(name, |b| {
            b.iter(|| black_box(p.mint(&user, black_box(&req), now).unwrap()))
        });
    }
    let (mut p, user, now) = deployment(Preset::Frax);
    p.govern(
        &user,
        GovAction::SetCollateralRatio {
            cr: Ratio::bps(8_000),
        },
        now,
    )
    .unwrap();
    let req = MintRequest::collateral(
        Symbol::new("USDC").unwrap(),
        amt("1000", 6),
        Amount::new(u128::MAX),
        Amount::ZERO,
    );
    g.bench_function("usdc_fractional_frax", |b| {
        b.iter(|| black_box(p.mint(&user, black_box(&req), now).unwrap()))
    });
    g.finish();
}

fn bench_redeem(c: &mut Criterion) {
    let mut g = c.benchmark_group("redeem_and_collect");
    g.throughput(Throughput::Elements(1));
    for (name, preset, asset) in [
        ("mars_into_xms", Preset::Mars, None),
        ("frax_fractional_usdc", Preset::Frax, Some("USDC")),
    ] {
        let (mut p, user, mut now) = deployment(preset);
        if preset == Preset::Frax {
            p.govern(
                &user,
                GovAction::SetCollateralRatio {
                    cr: Ratio::bps(8_000),
                },
                now,
            )
            .unwrap();
        }
        let req = RedeemRequest::new(amt("10", 18), asset.map(|s| Symbol::new(s).unwrap()));
        // Blocks advance by the redemption delay within the same second, so prices stay fresh
        // and no epoch boundary is crossed: the figure is the operations' own cost.
        g.bench_function(name, |b| {
            b.iter(|| {
                let pending = p.redeem(&user, black_box(&req), now).unwrap().value;
                now.height += 2;
                black_box(p.collect(pending.id, now).unwrap());
            })
        });
    }
    g.finish();
}

fn bench_epoch_roll(c: &mut Criterion) {
    let mut g = c.benchmark_group("epoch_roll");
    g.throughput(Throughput::Elements(1));
    let (mut p, gov, mut now) = deployment(Preset::Mars);
    let xms = XMS;
    let usdc = Symbol::new("USDC").unwrap();
    let px = Price::parse("2.5").unwrap();
    let req = MintRequest::collateral(usdc, amt("1000", 6), Amount::ZERO, Amount::ZERO);
    // Each iteration: a new epoch, the XMS feed posts (rolling the epoch and fixing the cap),
    // the USDC feed posts, and a mint is checked against the new cap.
    g.bench_function("roll_post_and_capped_mint", |b| {
        b.iter(|| {
            now = now.advance(60, 3);
            p.post_price(&gov, xms, px, now.seconds, now).unwrap();
            p.post_price(&gov, usdc, Price::ONE_DOLLAR, now.seconds, now)
                .unwrap();
            black_box(p.mint(&gov, &req, now).unwrap());
        })
    });
    let (p, _, now) = deployment(Preset::Mars);
    g.bench_function("cap_status_query_many_epochs_ahead", |b| {
        b.iter(|| black_box(p.cap_status(black_box(now.advance(1_000_000, 3))).unwrap()))
    });
    g.finish();
}

fn bench_swap(c: &mut Criterion) {
    let mut g = c.benchmark_group("swap");
    g.throughput(Throughput::Elements(1));
    let (mut p, trader, now, pool) = deployment_with_pools(Preset::Mars);
    let usdc = Symbol::new("USDC").unwrap();
    // Alternate directions so the pool stays balanced however many iterations run.
    let sell_usdc = SwapRequest {
        pool,
        token_in: usdc,
        amount_in: amt("1000", 6),
        min_out: Amount::ZERO,
    };
    let sell_usdm = SwapRequest {
        pool,
        token_in: USDM,
        amount_in: amt("1000", 18),
        min_out: Amount::ZERO,
    };
    let mut flip = false;
    g.bench_function("usdm_usdc_exact_in", |b| {
        b.iter(|| {
            flip = !flip;
            let req = if flip { &sell_usdc } else { &sell_usdm };
            black_box(p.swap(&trader, black_box(req), now).unwrap());
        })
    });
    let (p, _, _, _) = deployment_with_pools(Preset::Mars);
    g.bench_function("quote_only", |b| {
        b.iter(|| black_box(p.quote_swap(black_box(&sell_usdc)).unwrap()))
    });
    g.finish();
}

fn bench_treasury(c: &mut Criterion) {
    let mut g = c.benchmark_group("treasury");
    g.throughput(Throughput::Elements(1));
    let (p, _, now) = deployment(Preset::Mars);
    g.bench_function("valuation_idle_only", |b| {
        b.iter(|| black_box(p.valuation(black_box(now)).unwrap()))
    });
    let (p, _, now, _) = deployment_with_pools(Preset::Mars);
    g.bench_function("valuation_with_pool_and_strategy", |b| {
        b.iter(|| black_box(p.valuation(black_box(now)).unwrap()))
    });
    g.bench_function("backing_ratio", |b| {
        b.iter(|| black_box(p.backing_ratio(black_box(now)).unwrap()))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_mint,
    bench_redeem,
    bench_epoch_roll,
    bench_swap,
    bench_treasury
);
criterion_main!(benches);
