//! Writes the usdm-hub JSON schemas: `schema/` (messages) and `schema-hooks/` (cw20 hook payloads).
//! Run from anywhere: `cargo run --bin usdm-hub-schema`.

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    usdm_interface::schema::write(dir, &usdm_interface::schema::hub())
}
