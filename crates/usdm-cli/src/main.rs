//! `usdm`: exact quotes from the protocol's own formulas, a narrated demo of the protocol and
//! the stress-test simulator.
//!
//! Errors are one line naming the problem and exit non-zero (2 for malformed command lines,
//! 1 for refused requests); there is no path to a panic or a backtrace.

mod calibrate;
mod demo;
mod recommend;
mod simulate;

use usdm_cli::{format, quote, table};

use clap::{error::ErrorKind, Parser, Subcommand};
use std::process::ExitCode;

/// The USDm stablecoin protocol: quotes, a demo and the stress-test simulator.
#[derive(Parser, Debug)]
#[command(name = "usdm", version, about, long_about = None)]
struct Cli {
    /// Print machine-readable JSON on standard output, errors included (as
    /// `{"error": {...}}` with a non-zero exit). Quotes and the demo give protocol amounts as
    /// exact decimal strings in whole tokens; simulation outputs are estimates, given as
    /// JSON numbers (floats).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exact quotes for mint, redeem, the supply cap and a Mars Swap trade.
    #[command(subcommand)]
    Quote(quote::QuoteCmd),
    /// A narrated walk through the protocol on built-in defaults.
    Demo,
    /// Stress-test the protocol: Monte Carlo paths of a scenario, with an HTML report.
    Simulate(simulate::SimulateArgs),
    /// Compare presets and parameters across a scenario: a grid of Monte Carlo ensembles.
    Sweep(simulate::SweepArgs),
    /// Fit a scenario's behavioural parameters to its record or to shape targets (CMA-ES).
    Calibrate(calibrate::CalibrateArgs),
    /// Recommend governed parameters: a Pareto front over an ensemble of scenarios, with 95%
    /// intervals, and the hub's messages for the chosen point.
    Recommend(recommend::RecommendArgs),
    /// Time the simulator (no report): blocks per second on this machine.
    Bench(simulate::BenchArgs),
    /// List the built-in scenarios, or print one (`usdm scenarios show NAME`).
    Scenarios(simulate::ScenariosArgs),
    /// Run the small reference model shared with the cadCAD benchmark (`bench/run.sh`).
    Reference(simulate::ReferenceArgs),
}

/// Reports an error: one line on standard error, or under `--json` a JSON object on standard
/// output (where a program reading the output looks for it); returns the exit code.
fn fail(message: &str, code: u8, json: bool) -> ExitCode {
    if json {
        let v = serde_json::json!({"error": {
            "message": message,
            "kind": if code == 2 { "usage" } else { "refused" },
            "exit_code": code,
        }});
        println!("{v}");
    } else {
        eprintln!("error: {message}");
    }
    ExitCode::from(code)
}

/// Renders a clap error as one line: the message and the offending argument, without usage.
fn one_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let mut parts = Vec::new();
    for line in rendered.lines() {
        let t = line.trim();
        if t.starts_with("Usage:") || t.starts_with("For more information") {
            break;
        }
        if !t.is_empty() {
            parts.push(t.to_string());
        }
    }
    let msg = parts.join(" ");
    let msg = msg.strip_prefix("error: ").unwrap_or(&msg).to_string();
    format!("{msg} (see --help)")
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        // A reader that stopped reading (`usdm ... | head`) is not an error.
        if msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        eprintln!("error: internal error (please report): {msg}");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    ExitCode::from(2)
                }
                _ => fail(&one_line(&e), 2, std::env::args().any(|a| a == "--json")),
            };
        }
    };
    let result = match &cli.command {
        Command::Quote(q) => quote::run(q, cli.json),
        Command::Demo => demo::run(cli.json),
        Command::Simulate(a) => simulate::simulate(a, cli.json),
        Command::Sweep(a) => simulate::sweep(a, cli.json),
        Command::Calibrate(a) => calibrate::calibrate(a, cli.json),
        Command::Recommend(a) => recommend::recommend(a, cli.json),
        Command::Bench(a) => simulate::bench(a, cli.json),
        Command::Scenarios(a) => simulate::scenarios_cmd(a, cli.json),
        Command::Reference(a) => simulate::reference(a, cli.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.message, e.exit_code(), cli.json),
    }
}
