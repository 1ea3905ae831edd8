//! Writes the mars-swap-pair JSON schemas: `schema/` (messages) and `schema-hooks/` (cw20 hook payloads).
//! Run from anywhere: `cargo run --bin mars-swap-pair-schema`.

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    usdm_interface::schema::write(dir, &usdm_interface::schema::pair())
}
