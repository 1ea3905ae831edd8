//! `cargo run --bin check-artifacts [--available-capabilities CSV] [FILE ...]`: checks each
//! artifact (default: all in artifacts/) as `cosmwasm-check` does, with the capabilities of a
//! current wasmd chain, and against the project's budget of 600 KiB; exits non-zero if any
//! fails.

use usdm_vm_tests::artifacts;
use usdm_vm_tests::world::CAPABILITIES;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut caps = CAPABILITIES.to_string();
    if let Some(i) = args.iter().position(|a| a == "--available-capabilities") {
        caps = args.get(i + 1).cloned().unwrap_or_default();
        args.drain(i..(i + 2).min(args.len()));
    }
    let files: Vec<std::path::PathBuf> = if args.is_empty() {
        artifacts::ARTIFACTS
            .iter()
            .map(|n| artifacts::dir().join(n))
            .collect()
    } else {
        args.iter().map(Into::into).collect()
    };
    println!("available capabilities: {caps}");
    let mut failed = 0;
    for f in &files {
        let wasm = match std::fs::read(f) {
            Ok(w) => w,
            Err(e) => {
                println!("{}: {e}", f.display());
                failed += 1;
                continue;
            }
        };
        match artifacts::check(&wasm, &caps) {
            Ok(()) if wasm.len() > artifacts::BUDGET => {
                println!(
                    "{}: passes the chain's checks but is {} bytes, over the project's budget of {} (600 KiB)",
                    f.display(),
                    wasm.len(),
                    artifacts::BUDGET
                );
                failed += 1;
            }
            Ok(()) => println!("{}: pass ({} bytes)", f.display(), wasm.len()),
            Err(e) => {
                println!("{}: failure: {e}", f.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        println!("{failed} of {} failed", files.len());
        std::process::exit(1);
    }
    println!("all {} passed", files.len());
}
