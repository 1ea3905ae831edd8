//! Runs one path of a scenario and prints its samples (a development aid).
use std::sync::Arc;
use usdm_sim::scenario::Scenario;
use usdm_sim::world::{RunOptions, Setup, World};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("bank-run", |s| s.as_str());
    let preset = args.get(2).map_or("mars", |s| s.as_str()).parse().unwrap();
    let check = args.iter().any(|a| a == "--check");
    let s = Arc::new(Scenario::load(name).unwrap());
    let setup = Arc::new(Setup::new(s, preset, &[]).unwrap());
    let t = std::time::Instant::now();
    let m = World::new(
        setup,
        1,
        0,
        RunOptions {
            check_invariants: check,
            keep_series: true,
        },
    )
    .run()
    .unwrap();
    eprintln!("{:?}", t.elapsed());
    if std::env::var("SUMMARY").is_ok() {
        let first_break = m
            .series
            .iter()
            .find(|s| s.usdm_price < 0.95)
            .map_or(-1.0, |s| s.hours);
        let days: Vec<String> = m
            .series
            .iter()
            .filter(|s| (s.hours % 24.0).abs() < 1e-9)
            .map(|s| {
                format!(
                    "{:.3e}/{:.2}/{:.1e}",
                    s.xms_price,
                    s.usdm_price,
                    s.xms_supply / m.series[0].xms_supply
                )
            })
            .collect();
        let xmin = m
            .series
            .iter()
            .map(|s| s.xms_price)
            .fold(f64::INFINITY, f64::min);
        let halt = m
            .notes
            .iter()
            .find(|n| n.1.contains("Pause"))
            .map_or(-1.0, |n| n.0 as f64 * 3.0 / 3600.0);
        print!("halt {halt:.1}h xmin {xmin:.1e} ");
        println!(
            "break {first_break:.1}h min_usdm {:.3} dilution {:.3e} final_xms {:.3e} | {}",
            m.outcome.min_usdm_price,
            m.outcome.xms_dilution,
            m.outcome.final_xms_price,
            days.join(" ")
        );
        return;
    }
    let every = (m.series.len() / 40).max(1);
    println!(
        "{:>7} {:>8} {:>10} {:>12} {:>12} {:>12} {:>8} {:>6} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "hours",
        "usdm",
        "xms",
        "usdm_supply",
        "xms_supply",
        "cap",
        "backing",
        "cr",
        "redeemed",
        "xms_minted",
        "arb_cash",
        "arb_usdm",
        "left"
    );
    let from: f64 = std::env::var("FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1.0);
    let to: f64 = std::env::var("TO")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1.0);
    let rows: Vec<_> = if from >= 0.0 {
        m.series
            .iter()
            .filter(|s| s.hours >= from && s.hours <= to)
            .collect()
    } else {
        m.series.iter().step_by(every).collect()
    };
    for s in rows {
        println!("{:>7.2} {:>8.4} {:>10.4} {:>12.0} {:>12.0} {:>12.0} {:>8.3} {:>6.3} {:>12.0} {:>12.0} {:>12.0} {:>12.0} {:>12.0}", s.hours, s.usdm_price, s.xms_price, s.usdm_supply, s.xms_supply, s.supply_cap, s.backing, s.mint_cr, s.redeemed, s.xms_minted, s.arb_cash, s.arb_usdm, s.holders_left);
    }
    println!("{:#?}", m.outcome);
    println!("refusals {:?}", m.refusals);
    for r in m.first_refusal.iter().flatten() {
        println!("  {r}");
    }
    for n in &m.notes {
        println!("  {} {}", n.0, n.1);
    }
}
