//! Writes the usdm-governance JSON schemas (`schema/`). Run from anywhere:
//! `cargo run --bin usdm-governance-schema`.

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    usdm_interface::schema::write(dir, &usdm_interface::schema::governance())
}
