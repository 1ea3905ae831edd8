//! The `usdm` binary end to end: quotes give the SPEC's numbers, bad input exits non-zero with
//! one line naming the problem, and the demo runs to completion.

use std::process::{Command, Output};

fn usdm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_usdm"))
        .args(args)
        .output()
        .expect("run usdm")
}

/// A command line as the shell would split it (no argument here contains a space).
fn split(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = usdm(&all);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

#[test]
fn quote_mint_gives_worked_example_b() {
    let v = json(&split(
        "quote mint --cr 0.8 --collateral USDC --amount 120 --price USDC=1 --price XMS=2 --fee 0",
    ));
    assert_eq!(v["xms_in"], "15");
    assert_eq!(v["usdm_out"], "150");
    assert_eq!(v["fee"], "0");
}

#[test]
fn quote_mint_gives_worked_example_c_rounded_up() {
    let v = json(&split(
        "quote mint --cr 0.5 --collateral USDC --amount 220 --price USDC=0.9995 --price XMS=3.5 --fee 0",
    ));
    assert_eq!(v["xms_in"], "62.825714285714285715");
    assert_eq!(v["usdm_out"], "439.78");
}

#[test]
fn quote_mint_applies_a_fee() {
    let v = json(&split(
        "quote mint --cr 1 --collateral USDC --amount 1000 --price USDC=1 --fee 0.002",
    ));
    assert_eq!(v["usdm_out"], "998");
    assert_eq!(v["fee"], "2");
    let tier = json(&split(
        "quote mint --cr 1 --collateral USDC --amount 1000 --price USDC=1 --fee tier",
    ));
    assert_eq!(tier["usdm_out"], "998", "tier 1 default mint fee is 0.20%");
}

#[test]
fn quote_redeem_gives_worked_examples_d_and_f() {
    let v = json(&split(
        "quote redeem --cr 0.65 --usdm 170 --collateral USDC --price USDC=1 --price XMS=3.75 --fee 0",
    ));
    assert_eq!(v["collateral_out"], "110.5");
    assert_eq!(v["xms_out"], "15.866666666666666666");
    let v = json(&split(
        "quote redeem --cr 0 --usdm 100 --price XMS=0.5 --fee 0.3%",
    ));
    assert_eq!(v["xms_out"], "199.4");
}

/// Issue 12: quotes defaulted to a zero fee, so a `min_usdm_out` taken from one made a real
/// transaction fail (the protocol gives 998 for 1,000 USDC, not 1,000).
#[test]
fn quotes_use_the_presets_fees_and_say_so() {
    let v = json(&split(
        "quote mint --cr 1 --collateral USDC --amount 1000 --price USDC=1",
    ));
    // SPEC 6: a 0.20% mint fee for tier 1 by default.
    assert_eq!(v["usdm_out"], "998");
    assert_eq!(v["fee_rate"], "0.002");
    assert!(
        v["fee_source"].as_str().unwrap().contains("mars preset"),
        "{v}"
    );
    let v = json(&split(
        "quote mint --cr 1 --collateral USDC --amount 1000 --price USDC=1 --fee 0",
    ));
    assert_eq!(
        (v["usdm_out"].as_str(), v["fee_source"].as_str()),
        (Some("1000"), Some("--fee"))
    );
    let v = json(&split(
        "quote redeem --cr 1 --usdm 1000 --collateral USDC --price USDC=1",
    ));
    // SPEC 6: a 0.30% redeem fee for tier 1.
    assert_eq!(v["collateral_out"], "997");
    assert_eq!(v["fee_rate"], "0.003");
}

#[test]
fn slippage_gives_the_limits_to_send() {
    let v = json(&split(
        "quote mint --cr 0.8 --collateral USDC --amount 120 --price USDC=1 --price XMS=2 --fee 0 --slippage 1%",
    ));
    // 150 USDm less 1% is 148.5; 15 XMS plus 1% is 15.15.
    assert_eq!(v["min_usdm_out"], "148.5");
    assert_eq!(v["max_xms_in"], "15.15");
    let v = json(&split(
        "quote swap --reserve USDm=1000000 --reserve USDC=1000000 --sell USDC --amount 10000 --slippage 0.5%",
    ));
    // 9,871.580343970612988504 less 0.5%, rounded down to USDm's 18 decimals.
    assert_eq!(v["min_out"], "9822.222442250759923561");
}

/// Issue 12: there was no reverse quote ("USDC needed for N USDm").
#[test]
fn reverse_quotes_give_the_least_input_for_an_output() {
    let v = json(&split(
        "quote mint --cr 0.8 --collateral USDC --usdm-out 150 --price USDC=1 --price XMS=2 --fee 0",
    ));
    // Worked example B backwards: 120 USDC and 15 XMS mint 150 USDm.
    assert_eq!(
        (v["collateral_in"].as_str(), v["xms_in"].as_str()),
        (Some("120"), Some("15"))
    );
    let v = json(&split(
        "quote mint --cr 1 --collateral USDC --usdm-out 998 --price USDC=1",
    ));
    assert_eq!(v["collateral_in"], "1000");
    // One base unit less is not enough: the least input, not just an input.
    let less = json(&split(
        "quote mint --cr 1 --collateral USDC --amount 999.999999 --price USDC=1",
    ));
    assert!(less["usdm_out"].as_str().unwrap() < "998", "{less}");
    let v = json(&split(
        "quote mint --cr 0 --usdm-out 100 --price XMS=0.5 --fee 0",
    ));
    assert_eq!(v["xms_in"], "200");
}

/// Issue 12: the price impact included the fee, unlike the usual convention.
#[test]
fn swap_price_impact_leaves_the_fee_apart() {
    let v = json(&split(
        "quote swap --reserve USDm=1000000 --reserve USDC=1000000 --sell USDC --amount 10000",
    ));
    // After the 0.3% fee 9,970 reach the curve: the impact is 9,970 / 1,009,970 = 0.98716%.
    let impact: f64 = v["price_impact"].as_str().unwrap().parse().unwrap();
    assert!((impact - 9_970.0 / 1_009_970.0).abs() < 1e-12, "{v}");
}

#[test]
fn quote_supply_cap_gives_worked_example_g() {
    let v = json(&split("quote supply-cap --avg-xms-mcap 250000000 --support-ratio 2.5 --circulating 50000000 --protocol-owned 5000000"));
    assert_eq!(v["supply_cap"], "100000000");
    assert_eq!(v["mintable"], "50000000");
    assert_eq!(v["max_total_usdm"], "105000000");
}

#[test]
fn quote_swap_uses_the_constant_product_with_fees() {
    let v = json(&split(
        "quote swap --reserve USDm=1000000 --reserve USDC=1000000 --sell USDC --amount 10000",
    ));
    // 1e24 * 9.97e9 / (1e12 + 9.97e9), computed independently with exact integers.
    assert_eq!(v["amount_out"], "9871.580343970612988504");
    assert_eq!(v["fee"], "30");
    assert_eq!(v["lp_fee"], "25");
    assert_eq!(v["protocol_fee"], "5");
    assert_eq!(v["price_before"], "1");
}

#[test]
fn bad_input_exits_non_zero_with_one_line_naming_the_problem() {
    let m = "quote mint --collateral USDC --price USDC=1 --price XMS=2";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{m} --cr 1.5 --amount 1"),
            "between 0 and 1",
        ),
        (
            format!("{m} --cr -0.5 --amount 1"),
            "negative",
        ),
        (
            format!("{m} --cr 0.8 --amount -5"),
            "negative",
        ),
        (
            format!("{m} --cr 0.8 --amount 0"),
            "greater than zero",
        ),
        (
            format!("{m} --cr 0.8 --amount ten"),
            "not a decimal number",
        ),
        (
            format!("{m} --cr 0.8 --amount 1.0000001"),
            "6 decimals",
        ),
        (
            format!("{m} --cr 0.8 --amount 1e400"),
            "not a decimal number",
        ),
        (
            format!("{m} --cr 0.8 --amount 999999999999999999999999999999999999999999"),
            "too large",
        ),
        (
            "quote mint --cr 0.8 --collateral DOGE --amount 1 --price XMS=2".to_string(),
            "unknown asset",
        ),
        (
            "quote mint --cr 0.8 --collateral USDC --amount 1 --price USDC=1".to_string(),
            "missing price for XMS",
        ),
        (
            "quote mint --cr 0.8 --collateral USDC --amount 1 --price USDC=0 --price XMS=1".to_string(),
            "greater than zero",
        ),
        (
            "quote mint --cr 1 --collateral BUSD --amount 100000000000000000000 --price BUSD=1000".to_string(),
            "overflow",
        ),
        (
            "quote mint --cr 1 --collateral USDC --amount 1 --price USDC=1 --fee 0.5".to_string(),
            "at most 10%",
        ),
        (
            "quote mint --cr 0.8 --collateral USDC --amount 120 --price USDC=1 --price XMS=2 --max-xms-in 14".to_string(),
            "15 XMS",
        ),
        (
            "quote redeem --cr 0.5 --usdm 10 --price XMS=1".to_string(),
            "--collateral",
        ),
        (
            "quote supply-cap --avg-xms-mcap 250 --support-ratio 0.5".to_string(),
            "between 1 and 100",
        ),
        ("quote mint --collateral USDC".to_string(), "--cr"),
        ("frobnicate".to_string(), "unrecognized subcommand"),
        (
            "quote swap --reserve USDm=100 --sell USDm --amount 1".to_string(),
            "two reserves",
        ),
        (
            "quote swap --reserve USDm=100 --reserve USDC=100 --sell BTC --amount 1".to_string(),
            "not in pool",
        ),
        (
            "quote swap --reserve USDm=100 --reserve USDC=0 --sell USDm --amount 1".to_string(),
            "greater than zero",
        ),
        (
            "quote swap --reserve USDm=100 --reserve USDC=100 --sell USDm --amount 1 --min-out 5".to_string(),
            "below the minimum",
        ),
    ];
    for (line, needle) in cases {
        let args = split(&line);
        let out = usdm(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: not one line: {err}"
        );
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: expected '{needle}' in: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?}: printed to stdout on failure"
        );
    }
}

#[test]
fn demo_runs_and_shows_every_part() {
    let out = usdm(&split("demo"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "five treasury tiers",
        "no supply cap for epoch 0",
        "$100,000,000",
        "at most 864705.882352941176470588 UNI is accepted now",
        "exceeds this epoch's supply cap",
        "$110,000,000",
        "2 blocks to wait",
        "minting is paused",
        "cooling down",
        "99.75%",
        "protocol-owned USDm",
        "more than 1% away from its oracle price",
        "shortfall",
        "recollateralize",
        "redemption outflow circuit breaker",
        "capacity returns in",
        "SPEC worked examples",
        "a ramp from 250% to 400% over 259200 s is outside the limits",
        "250.0520833333333334%",
        "$62,500,000",
        "the ratio is 400% and no ramp runs",
    ] {
        assert!(text.contains(needle), "demo output lacks '{needle}'");
    }
    assert!(!text.contains('✗') || text.matches('✗').count() == text.matches("refused:").count());
    assert_eq!(
        text.matches(" ✓\n").count(),
        7,
        "all seven worked examples agree"
    );
}

#[test]
fn demo_json_is_structured() {
    let v = json(&split("demo"));
    let sections = v["demo"].as_array().unwrap();
    assert!(sections.len() >= 10);
    assert!(sections
        .iter()
        .all(|s| s["title"].is_string() && s["items"].is_array()));
    // Issue 12: amounts were display strings (`"$30,000,000.00"`, `"1 -> 0.8575"`, XMS owed
    // cut to 6 decimals); rows are now objects keyed by header with exact values.
    let rows = |title: &str| -> Vec<serde_json::Value> {
        sections
            .iter()
            .find(|s| s["title"].as_str().unwrap().starts_with(title))
            .unwrap()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["rows"].as_array().cloned())
            .flatten()
            .collect()
    };
    let mints = rows("Minting across the tiers");
    let alice = mints.iter().find(|r| r["minter"] == "alice").unwrap();
    assert_eq!(alice["value"], "30000000");
    assert_eq!(alice["deposit"]["amount"], "30000000");
    assert_eq!(alice["deposit"]["token"], "USDC");
    let genesis = rows("Genesis");
    assert_eq!(genesis[0]["mint fee"], "0.002");
    let swap = rows("Mars Swap");
    let price = swap.iter().find_map(|r| r.get("USDm pool price")).unwrap();
    assert_eq!(price["before"], "1");
    assert!(
        price["after"].as_str().unwrap().starts_with("0.8575"),
        "{price}"
    );
    let pending = rows("Redemption");
    let owed = pending.iter().find_map(|r| r.get("XMS owed")).unwrap();
    assert!(
        owed.as_str().unwrap().split('.').nth(1).unwrap().len() > 6,
        "{owed}"
    );
}

/// A short scenario file for the simulator commands (two simulated hours).
fn scenario_file(tag: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("usdm-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("short.toml");
    std::fs::write(
        &file,
        r#"
name = "short"
description = "Two hours with a whale."
duration = "2h"
[protocol]
usdm_supply = 1_000_000
[[events]]
at = "30m"
whale_exit = { usdm = 50_000, over = "10m", redeem_share = 0.5 }
"#,
    )
    .unwrap();
    (dir, file)
}

#[test]
fn simulate_writes_a_report_and_says_where() {
    let (dir, file) = scenario_file("simulate");
    let out = dir.join("report");
    let o = usdm(&[
        "simulate",
        file.to_str().unwrap(),
        "--paths",
        "3",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("short under mars: 3 paths"), "{stdout}");
    assert!(stdout.contains("max depeg"), "{stdout}");
    assert!(stdout.contains("report: "), "{stdout}");
    assert!(out.join("report.html").exists());
    assert!(out.join("outcomes.csv").exists());

    let v = json(&[
        "simulate",
        file.to_str().unwrap(),
        "--preset",
        "frax",
        "--paths",
        "2",
        "--seed",
        "9",
        "--set",
        "breaker_redemption_outflow=0.0001",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(v["preset"], "frax");
    assert_eq!(v["seed"], 9);
    // The --set breaker (off in frax) throttles the whale's redemptions.
    let stat = |name: &str| {
        v["summary"]["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["p50"].as_f64().unwrap())
            .unwrap()
    };
    assert!(stat("hours_breaker_bound") > 0.5, "{v}");
    assert_eq!(v["summary"]["paths"], 2);
    assert!(v["report"].as_str().unwrap().ends_with("report.html"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A run records what produced it (build, resolved scenario, every parameter in force), and
/// `--replay` re-runs it from that record alone: the same outcomes, path for path, even after
/// the scenario file that produced it is gone.
#[test]
fn a_run_records_what_produced_it_and_replays_from_the_record() {
    let (dir, file) = scenario_file("replay");
    let first = dir.join("first");
    let v = json(&[
        "simulate",
        file.to_str().unwrap(),
        "--preset",
        "mars-guarded",
        "--set",
        "xms_support_ratio=3",
        "--set",
        "market.xms_market_depth=0.05",
        "--paths",
        "4",
        "--seed",
        "11",
        "--out",
        first.to_str().unwrap(),
        "--quiet",
    ]);
    let p = &v["provenance"];
    assert_eq!(p["usdm_version"], env!("CARGO_PKG_VERSION"));
    let commit = p["git_commit"].as_str().unwrap();
    assert!(commit == "unknown" || commit.len() >= 40, "{commit}");
    let toml = p["scenario_toml"].as_str().unwrap();
    assert!(toml.contains("xms_market_depth = 0.05"), "{toml}");
    assert!(toml.contains("whale_exit"), "{toml}");
    assert_eq!(p["preset"], "mars-guarded");
    // Exact, as the core stores it (18 decimals), and in words.
    assert_eq!(
        p["overrides"],
        serde_json::json!([{"xms_support_ratio": "3000000000000000000"}])
    );
    assert_eq!(
        p["overrides_text"],
        serde_json::json!(["xms_support_ratio = 300%"])
    );
    // Every protocol parameter in force, as the warmed-up protocol holds it: the override, the
    // preset's breakers, the defaults.
    assert_eq!(
        p["protocol"]["params"]["xms_support_ratio"],
        "3000000000000000000"
    );
    assert_eq!(p["protocol"]["params"]["twap_window"], 600);
    assert!(
        p["protocol"]["params"]["breakers"]["xms_minted"].is_string(),
        "{}",
        p["protocol"]
    );
    assert_eq!(p["protocol"]["policy"], "mars");
    // Market and agent parameters, parsed.
    assert_eq!(p["scenario"]["xms_market_depth"], 0.05);
    assert_eq!(p["scenario"]["usdm_supply"], 1_000_000.0);
    assert!(
        p["scenario"]["arbitrageurs"].is_object(),
        "{}",
        p["scenario"]
    );
    // The file on disk carries the same record.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(&written["provenance"], p);
    let html = std::fs::read_to_string(first.join("report.html")).unwrap();
    assert!(html.contains("<h2>Assumptions</h2>"));
    assert!(html.contains("xms_market_depth = 0.05"));

    std::fs::remove_file(&file).unwrap();
    let second = dir.join("second");
    let o = usdm(&[
        "simulate",
        "--replay",
        first.join("summary.json").to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |d: &std::path::Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    assert_eq!(read(&first, "outcomes.csv"), read(&second, "outcomes.csv"));
    assert_eq!(read(&first, "fan.csv"), read(&second, "fan.csv"));
    let again: serde_json::Value = serde_json::from_str(&read(&second, "summary.json")).unwrap();
    assert_eq!(again["summary"], written["summary"]);
    assert_eq!(again["provenance"], written["provenance"]);

    // A replay takes nothing else that would change the run, and needs a record.
    let o = usdm(&["simulate", "--replay", "x.json", "--paths", "3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = usdm(&[
        "simulate",
        "--replay",
        read_path(&first, "outcomes.csv").as_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--replay"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

fn read_path(d: &std::path::Path, f: &str) -> String {
    d.join(f).to_str().unwrap().to_string()
}

#[test]
fn simulator_commands_refuse_bad_input_in_one_line() {
    let (dir, file) = scenario_file("bad");
    let f = file.to_str().unwrap();
    // `--out` naming a file: refused before a path runs (a hundred million paths would take
    // days if the check came after the computation, as it did).
    let not_a_dir = dir.join("not-a-dir");
    std::fs::write(&not_a_dir, "x").unwrap();
    let out_file = not_a_dir.to_str().unwrap();
    let cases: [(&[&str], &str); 14] = [
        (
            &["simulate", "no-such-scenario"],
            "built-in scenarios: calm",
        ),
        (
            &["simulate", file.to_str().unwrap(), "--preset", "terra"],
            "accepted: mars, mars-guarded, frax",
        ),
        (
            &["simulate", file.to_str().unwrap(), "--paths", "0"],
            "--paths must be at least 1",
        ),
        (
            &[
                "sweep",
                file.to_str().unwrap(),
                "--set",
                "xms_support_ratio=0.5",
            ],
            "between 1 and 100",
        ),
        (
            &["simulate", f, "--set", "breaker_xms_minted=0.1,0.2"],
            "one value per key here",
        ),
        (
            &["simulate", f, "--set", "support=2"],
            "--set support=2: unknown parameter; accepted: xms_support_ratio",
        ),
        (
            &["simulate", f, "--set", "redemption_delay"],
            "expected key=value",
        ),
        (
            &["simulate", f, "--set", "min_cr=0.5", "--set", "min_cr=0.6"],
            "min_cr is set twice",
        ),
        (
            &["simulate", f, "--set", "market.usdm_pool_depth=7"],
            "market.usdm_pool_depth: 7 must lie between 0 and 1",
        ),
        (
            &["sweep", f, "--set", "agents.holders.sharee=0.1,0.2"],
            "agents.holders.sharee: unknown field",
        ),
        (
            &["simulate", f, "--set", "agents.holders.cohorts=1e9"],
            "--set agents.holders.cohorts=1e9: agents.holders.cohorts: invalid type",
        ),
        // Issue 21: a repeated axis ran every point at the last value under the first labels.
        (
            &[
                "sweep",
                f,
                "--set",
                "xms_support_ratio=1,2",
                "--set",
                "xms_support_ratio=3",
            ],
            "xms_support_ratio is swept twice (xms_support_ratio=1,2 and xms_support_ratio=3)",
        ),
        (
            &["simulate", f, "--paths", "100000000", "--out", out_file],
            "cannot write a report there",
        ),
        (
            &["sweep", f, "--paths", "100000000", "--out", out_file],
            "cannot write a report there",
        ),
    ];
    // Every one is a malformed command line: exit 2.
    for (args, needle) in cases {
        let o = usdm(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    std::fs::write(
        &file,
        "name = \"x\"\nduration = \"1d\"\n[market]\nusdm_pool_depth = 7\n",
    )
    .unwrap();
    let o = usdm(&["simulate", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("short.toml:4: market.usdm_pool_depth"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sweep_bench_and_scenarios_run() {
    let (dir, file) = scenario_file("sweep");
    let out = dir.join("sweep");
    let o = usdm(&[
        "sweep",
        file.to_str().unwrap(),
        "--preset",
        "mars,frax",
        "--set",
        "xms_support_ratio=2,4",
        "--set",
        "market.xms_market_depth=0.05,0.2",
        "--paths",
        "1",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("8 points x 1 paths"), "{stdout}");
    assert!(stdout.contains("market.xms_market_depth"), "{stdout}");
    assert!(out.join("report.html").exists() && out.join("sweep.csv").exists());

    let v = json(&["bench", file.to_str().unwrap(), "--paths", "2", "-q"]);
    assert_eq!(v["paths"], 2);
    assert!(v["blocks_per_second"].as_f64().unwrap() > 0.0);

    let v = json(&split("scenarios"));
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "calm",
            "btc-crash",
            "xms-crash",
            "bank-run",
            "terra-2022",
            "iron-2021"
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Finding 8 of the security review: `--threads` had no upper bound (10,000 threads were still
/// spinning after 100 s where one takes 0.24 s). Requests above 4 per core are refused with the
/// bound in the message, before any path runs.
#[test]
fn absurd_thread_counts_are_refused_at_once() {
    for line in [
        "simulate calm --paths 1 --threads 10000 --quiet",
        "sweep calm --paths 1 --threads 10000 --quiet",
        "bench calm --paths 1 --threads 10000 --quiet",
        "reference --runs 1 --threads 10000",
    ] {
        let out = usdm(&split(line));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{line}: accepted");
        assert!(err.contains("--threads 10000: at most"), "{line}: {err}");
        assert!(out.stdout.is_empty(), "{line}: refused before any path ran");
    }
    let out = usdm(&split("simulate calm --paths 1 --threads 0 --quiet"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
}

/// Issue 12: the README promises exit 2 for a malformed command line and 1 for a refused
/// request; a missing `--amount`, an amount in exponent notation and an unknown preset exited 1.
#[test]
fn exit_codes_tell_a_malformed_command_line_from_a_refused_request() {
    let m = "quote mint --collateral USDC --price USDC=1 --price XMS=2";
    for (line, code) in [
        (format!("{m} --cr 1"), 2),
        (format!("{m} --cr 1 --amount 1e6"), 2),
        ("simulate calm --preset terra --paths 1 -q".to_string(), 2),
        ("simulate no-such-scenario".to_string(), 2),
        ("sweep calm --until-ci 2 --paths 1 -q".to_string(), 2),
        ("scenarios show nope".to_string(), 2),
        // Issue 21: a redemption that pays collateral with no --collateral exited 1.
        (
            "quote redeem --cr 0.9 --usdm 100 --price XMS=2".to_string(),
            2,
        ),
        (format!("{m} --cr 0.8 --amount 120 --max-xms-in 14"), 1),
        (
            "quote swap --reserve USDm=100 --reserve USDC=100 --sell USDm --amount 1 --min-out 5"
                .to_string(),
            1,
        ),
    ] {
        let out = usdm(&split(&line));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A scenario file that is read but wrong is a refused request, not a bad command line.
    let (dir, file) = scenario_file("exit");
    std::fs::write(
        &file,
        "name = \"x\"\nduration = \"1d\"\n[market]\nusdm_pool_depth = 7\n",
    )
    .unwrap();
    let out = usdm(&["simulate", file.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 12: under `--json` an error was plain text on stderr with nothing on stdout.
#[test]
fn json_errors_are_an_object_on_stdout() {
    for (line, code, needle) in [
        ("--json simulate calm --preset terra -q", 2, "--preset terra"),
        ("--json quote mint --cr 1 --collateral USDC --price USDC=1", 2, "--amount"),
        ("--json frobnicate", 2, "frobnicate"),
        (
            "--json quote swap --reserve USDm=100 --reserve USDC=100 --sell USDm --amount 1 --min-out 5",
            1,
            "below the minimum",
        ),
    ] {
        let out = usdm(&split(line));
        assert_eq!(out.status.code(), Some(code), "{line}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{line}: stdout is not JSON ({e}): {:?}", out.stdout));
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{line}: {msg}");
        assert_eq!(v["error"]["exit_code"], code);
        assert_eq!(
            v["error"]["kind"],
            if code == 2 { "usage" } else { "refused" }
        );
    }
}

/// Issue 12: a built-in scenario could not be printed, so a user of the installed binary could
/// not see or copy one.
#[test]
fn scenarios_show_prints_a_builtin_that_loads_back() {
    let out = usdm(&split("scenarios show xms-crash"));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("name = \"xms-crash\""), "{text}");
    let (dir, file) = scenario_file("show");
    std::fs::write(&file, &text).unwrap();
    let copy = usdm_sim::scenario::Scenario::load(file.to_str().unwrap()).unwrap();
    let builtin = usdm_sim::scenario::Scenario::load("xms-crash").unwrap();
    assert_eq!(copy.blocks, builtin.blocks);
    assert_eq!(copy.description, builtin.description);
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 12: `sweep --json` on stdout lacked the axis names, seed and paths of `sweep.json`;
/// the two are now the same document (plus where the report is).
#[test]
fn sweep_json_on_stdout_is_the_sweep_file() {
    let (dir, file) = scenario_file("sweepjson");
    let out = dir.join("sw");
    let mut v = json(&[
        "sweep",
        file.to_str().unwrap(),
        "--preset",
        "mars",
        "--set",
        "breaker_xms_minted=off,0.01",
        "--paths",
        "2",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let file_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert!(v["report"].as_str().unwrap().ends_with("report.html"));
    v.as_object_mut().unwrap().remove("report");
    assert_eq!(v, file_json);
    assert_eq!(v["seed"], 42);
    assert_eq!(v["axes"][1]["name"], "breaker_xms_minted");
    // Typed axes: `off` is null, thresholds are numbers.
    assert_eq!(
        v["points"][0]["axes"]["breaker_xms_minted"],
        serde_json::Value::Null
    );
    assert_eq!(v["points"][1]["axes"]["breaker_xms_minted"], 0.01);
    let p = &v["points"][0]["summary"]["p_death_spiral"];
    assert!(
        p["lo"].is_number() && p["hi"].is_number() && p["paths"] == 2,
        "{p}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `usdm calibrate`: a small fit writes a scenario with the fit and reports it (terminal and
/// JSON); flags it cannot use are refused before any run (exit 2, naming the flag).
#[test]
fn calibrate_fits_writes_the_scenario_and_refuses_bad_flags() {
    let (dir, file) = scenario_file("calibrate");
    let out = dir.join("fit");
    let f = file.to_str().unwrap();
    let o = out.to_str().unwrap();
    let v = json(&[
        "calibrate",
        f,
        "--fit",
        "agents.holders.share=0.1..0.9",
        "--target",
        "usdm_supply_ratio=0.5..0.9",
        "--set",
        "agents.holders.cohorts=10",
        "--paths",
        "2",
        "--budget",
        "6",
        "--restarts",
        "2",
        "--threads",
        "1",
        "--out",
        o,
    ]);
    assert_eq!(v["fit"][0]["key"], "agents.holders.share");
    let value = v["fit"][0]["value"].as_f64().unwrap();
    assert!((0.1..=0.9).contains(&value), "{value}");
    assert_eq!(v["per_restart"].as_array().unwrap().len(), 2);
    assert!(v["loss"].as_f64().unwrap().is_finite());
    let fitted = out.join("short.toml");
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(text.starts_with("# short calibrated by usdm"), "{text}");
    assert!(text.contains("agents.holders.share = "), "{text}");
    assert!(
        text.contains("cohorts = 10"),
        "the held field is in the file: {text}"
    );
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("calibration.json")).unwrap())
            .unwrap();
    assert_eq!(recorded["fit"], v["fit"]);
    // The fitted file runs.
    let sim = usdm(&[
        "simulate",
        fitted.to_str().unwrap(),
        "--paths",
        "2",
        "--quiet",
        "--out",
        dir.join("r").to_str().unwrap(),
    ]);
    assert!(
        sim.status.success(),
        "{}",
        String::from_utf8_lossy(&sim.stderr)
    );
    for (args, says) in [
        (
            vec!["calibrate", f, "--fit", "agents.holders.share=0.1..0.9"],
            "has no [record]",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.share=0.1..0.9",
                "--target",
                "nowhere:record",
            ],
            "not one of the scenarios",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.share=0.1..0.9",
                "--target",
                "xms_dilution=1..",
                "--set",
                "nowhere:market.xms_floor_depth=1",
            ],
            "not one of the scenarios",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.share=0.9..0.1",
                "--target",
                "xms_dilution=1..",
            ],
            "lower bound",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.share=0.1..0.9",
                "--fit",
                "agents.holders.share=0.2..0.3",
                "--target",
                "xms_dilution=1..",
            ],
            "given twice",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.share=0.1..0.9",
                "--target",
                "dilution=1..",
            ],
            "no outcome `dilution`",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.shar=0.1..0.9",
                "--target",
                "xms_dilution=1..",
            ],
            "unknown field `shar`",
        ),
        (
            vec![
                "calibrate",
                f,
                "--fit",
                "agents.holders.share=0.1..5",
                "--target",
                "xms_dilution=1..",
            ],
            "short refuses 5: agents.holders.share: 5 must lie between 0 and 1",
        ),
    ] {
        let out = usdm(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `usdm recommend`: a small search writes a front with intervals, and for the chosen point an
/// instantiate message the hub accepts and governance messages its governance contract
/// accepts (parsed as the contracts' own message types); with `--from` and `--max-step`, the
/// messages that move a running hub, within the step; bad flags are refused before any run.
#[test]
fn recommend_writes_a_front_and_messages_the_contracts_accept() {
    let (dir, file) = scenario_file("recommend");
    let ensemble = dir.join("ensemble.toml");
    std::fs::write(
        &ensemble,
        format!(
            "[[member]]\nscenario = {:?}\nweight = 1\ncalm = true\n",
            file.to_str().unwrap()
        ),
    )
    .unwrap();
    let e = ensemble.to_str().unwrap();
    let out = dir.join("rec");
    let o = out.to_str().unwrap();
    let base = [
        "recommend",
        "--ensemble",
        e,
        "--candidates",
        "5",
        "--paths",
        "2",
        "--max-paths",
        "4",
        "--threads",
        "1",
        "--out",
        o,
    ];
    let v = json(&base);
    let front = v["front"].as_array().unwrap();
    assert!(!front.is_empty());
    for c in front {
        for (name, o) in c["objectives"].as_object().unwrap() {
            let (lo, value, hi) = (o["lo"].as_f64(), o["value"].as_f64(), o["hi"].as_f64());
            if let (Some(lo), Some(value), Some(hi)) = (lo, value, hi) {
                assert!(lo <= value && value <= hi, "{name}: {o}");
            }
        }
    }
    // The chosen candidate's paths are `usdm simulate` with its flags and the search's seed,
    // path for path: the same counts of broken, off-peg and spiralling paths.
    let chosen = &v["chosen_candidate"];
    let n = chosen["paths_per_scenario"].as_u64().unwrap().to_string();
    let flags: Vec<String> = chosen["simulate"]
        .as_str()
        .unwrap()
        .split(' ')
        .map(str::to_string)
        .collect();
    let mut sim: Vec<&str> = vec![
        "simulate",
        file.to_str().unwrap(),
        "--paths",
        &n,
        "--seed",
        "42",
    ];
    sim.extend(flags.iter().map(String::as_str));
    let resim_out = dir.join("resim");
    sim.extend(["--quiet", "--out", resim_out.to_str().unwrap()]);
    let resim = json(&sim);
    let split = &chosen["scenarios"][0];
    for k in ["p_break", "p_off_peg", "p_death_spiral"] {
        assert_eq!(split[k]["value"], resim["summary"][k]["value"], "{k}");
    }
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let inst: usdm_interface::hub::InstantiateMsg =
        cosmwasm_std::from_json(read("instantiate.json").as_bytes()).unwrap();
    assert!(["mars", "mars-guarded", "frax"].contains(&inst.preset.as_str()));
    let configure: Vec<serde_json::Value> = serde_json::from_str(&read("configure.json")).unwrap();
    for m in &configure {
        cosmwasm_std::from_json::<usdm_interface::governance::ExecuteMsg>(m.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {m}"));
    }
    assert!(read("front.csv").starts_with("id,status,paths_per_scenario,policy,"));
    assert!(read("report.html").contains("<svg"));
    // Resumed from its checkpoint, the finished search runs no new path and gives the same
    // front; a checkpoint of another search (another seed) is refused.
    let mut resumed = base.to_vec();
    resumed.push("--resume");
    let again = json(&resumed);
    assert_eq!(again["front"], v["front"]);
    assert_eq!(again["paths_run"], v["paths_run"]);
    assert_eq!(again["blocks_run"], 0, "nothing ran again");
    resumed.extend(["--seed", "7"]);
    let o = usdm(&resumed);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another search"));

    // From the parameters in force, 10% at most: every value within 10% of mars-guarded's,
    // and a ratio change proposed as a ramp.
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        r#"{"policy": "mars", "params": {"xms_support_ratio": "2.5", "twap_window": 600,
           "breaker_xms_minted": "0.001", "breaker_redemption_outflow": null,
           "tier_mint_fee": ["0.002", "0.003", "0.005", "0.01", "0.003"],
           "tier_redeem_fee": ["0.002", "0.003", "0.005", "0.01", "0.003"],
           "ramp_max_daily_change": "0.1", "ramp_min_seconds": 86400}}"#,
    )
    .unwrap();
    let mut from = base.to_vec();
    from.extend([
        "--from",
        config.to_str().unwrap(),
        "--max-step",
        "10%",
        "--pick",
        "1",
    ]);
    let v = json(&from);
    let chosen = &v["chosen_candidate"]["params"];
    let ratio: f64 = chosen["xms_support_ratio"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((2.25..=2.75).contains(&ratio), "{ratio}");
    assert_eq!(chosen["policy"], "mars");
    assert_eq!(chosen["breaker_redemption_outflow"], "off");
    let moves: Vec<serde_json::Value> = serde_json::from_str(&read("governance.json")).unwrap();
    assert!(!moves.is_empty());
    for m in &moves {
        cosmwasm_std::from_json::<usdm_interface::governance::ExecuteMsg>(m.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {m}"));
    }
    assert!(moves
        .iter()
        .any(|m| m["govern"]["start_support_ramp"]["seconds"].as_u64() >= Some(86_400)));

    for (args, says) in [
        (
            vec!["recommend", "--max", "p_moon=1"],
            "no objective p_moon",
        ),
        (
            vec!["recommend", "--max-step", "10%"],
            "needs the parameters in force",
        ),
        (vec!["recommend", "--candidates", "1"], "at least 2"),
        (
            vec!["recommend", "--quick", "--pick", "99"],
            "candidates 0 to 11",
        ),
    ] {
        let o = usdm(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
