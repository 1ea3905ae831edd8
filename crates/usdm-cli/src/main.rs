//! `usdm`: exact quotes from the protocol's own formulas and a narrated demo of the protocol.
//!
//! Errors are one line naming the problem and exit non-zero (2 for malformed command lines,
//! 1 for refused requests); there is no path to a panic or a backtrace.

mod demo;
mod format;
mod quote;
mod table;

use clap::{error::ErrorKind, Parser, Subcommand};
use std::process::ExitCode;

/// The USDm stablecoin protocol: quotes and a demo.
#[derive(Parser, Debug)]
#[command(name = "usdm", version, about, long_about = None)]
struct Cli {
    /// Print machine-readable JSON (amounts as exact decimal strings in whole tokens).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exact quotes for mint, redeem and the supply cap.
    #[command(subcommand)]
    Quote(quote::QuoteCmd),
    /// A narrated walk through the protocol on built-in defaults.
    Demo,
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
    format!("error: {msg} (see --help)")
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
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
                _ => {
                    eprintln!("{}", one_line(&e));
                    ExitCode::from(2)
                }
            };
        }
    };
    let result = match &cli.command {
        Command::Quote(q) => quote::run(q, cli.json),
        Command::Demo => demo::run(cli.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
