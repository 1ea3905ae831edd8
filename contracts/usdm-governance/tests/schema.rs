//! The committed JSON schemas are the messages' current schemas (regenerate with
//! `cargo run --bin usdm-governance-schema`).

#[test]
fn committed_schemas_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stale = usdm_interface::schema::stale(dir, &usdm_interface::schema::governance());
    assert!(
        stale.is_empty(),
        "stale schema files {stale:?}: run `cargo run --bin usdm-governance-schema`"
    );
}
