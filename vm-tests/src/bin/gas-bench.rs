//! `cargo run --bin gas-bench` (in vm-tests/, with the bundled toolchain): the SDK gas of the hub's main messages through the
//! wasm artifacts, as a wasmd chain would charge it (see `src/gas.rs` for the constants), and
//! how it grows with the number of whitelisted assets and of pending redemptions. Prints the
//! Markdown tables BENCHMARKS.md publishes.

use usdm_vm_tests::bench::{measure, Measured, Shape};
use usdm_vm_tests::gas::GAS_MULTIPLIER;

fn k(gas: u64) -> String {
    format!("{:.1}k", gas as f64 / 1000.0)
}

fn main() {
    let pending: Vec<usize> = std::env::var("USDM_GAS_PENDING")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 100, 1_000]);
    let headline = Shape {
        assets: 16,
        pools: 1,
        pending: 0,
        preset: "mars",
    };
    let mut runs: Vec<(Shape, Result<Vec<Measured>, String>)> = Vec::new();
    // 4 and 16 assets with one pair, and the bounds: 32 assets and 8 pairs.
    for (assets, pools) in [(4, 1), (16, 1), (32, 8)] {
        for &p in &pending {
            for preset in ["mars", "frax"] {
                let shape = Shape {
                    assets,
                    pools,
                    pending: p,
                    preset,
                };
                eprintln!("measuring {shape:?}");
                let m = measure(shape);
                if let Err(e) = &m {
                    eprintln!("  {e}");
                }
                match runs
                    .iter_mut()
                    .find(|(s, _)| {
                        s.assets == assets && s.pools == pools && s.pending == p && s.preset == "mars"
                    })
                {
                    Some((_, Ok(mars))) => {
                        if let Ok(mut m) = m {
                            mars.append(&mut m);
                        }
                    }
                    Some((_, Err(_))) => {}
                    None => runs.push((shape, m)),
                }
            }
        }
    }
    let (_, head) = runs
        .iter()
        .find(|(s, _)| s.assets == headline.assets && s.pending == headline.pending)
        .expect("the headline shape");
    let head = head.as_ref().expect("the headline shape deploys");

    println!(
        "### Gas per message: 16 whitelisted assets, one registered pair, no pending redemptions\n"
    );
    println!("SDK gas (VM gas / {GAS_MULTIPLIER}, plus 60,000 per contract call, KV store and event costs).\n");
    println!("| message | the message's contract | of which VM | KV store | events | other contracts (submessages, queries' own instances, the cw20 send) | total |");
    println!("|---|---:|---:|---:|---:|---|---:|");
    for m in head {
        let own: Vec<_> = m.tx.calls_of(m.contract).collect();
        let vm: u64 = own.iter().map(|c| c.vm_sdk_gas()).sum();
        let kv: u64 = own.iter().map(|c| c.kv.gas).sum();
        let ev: u64 = own.iter().map(|c| c.events).sum();
        let subs: Vec<String> =
            m.tx.other_gas(m.contract)
                .iter()
                .map(|(c, g)| format!("{c} {}", k(*g)))
                .collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            m.message,
            k(m.own()),
            k(vm),
            k(kv),
            k(ev),
            if subs.is_empty() {
                "none".into()
            } else {
                subs.join(", ")
            },
            k(m.tx.total_gas())
        );
    }
    println!("\n### How the message's own gas grows with the state\n");
    let cols: Vec<&(Shape, Result<Vec<Measured>, String>)> = runs.iter().collect();
    print!("| message |");
    for (s, _) in &cols {
        print!(
            " {} assets, {} pool{}, {} pending |",
            s.assets,
            s.pools,
            if s.pools == 1 { "" } else { "s" },
            s.pending
        );
    }
    println!();
    print!("|---|");
    for _ in &cols {
        print!("---:|");
    }
    println!();
    for m in head {
        print!("| {} |", m.message);
        for (_, ms) in &cols {
            let g = match ms {
                Ok(ms) => ms
                    .iter()
                    .find(|x| x.message == m.message)
                    .map_or("-".to_string(), |x| k(x.own())),
                Err(_) => "fails".to_string(),
            };
            print!(" {g} |");
        }
        println!();
    }
    for (s, r) in &runs {
        if let Err(e) = r {
            println!("\n{} assets, {} pending: {e}", s.assets, s.pending);
        }
    }
}
