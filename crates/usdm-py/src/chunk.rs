//! What a worker of a distributed run returns: the paths of one range of indices, as bytes.
//!
//! A chunk holds each path's outcome, fan series and refusals: everything
//! [`usdm_sim::montecarlo::assemble`] needs to rebuild the ensemble exactly as a local run
//! would (the typical and worst paths are re-run where the chunks are merged). The encoding is
//! bincode: compact, and exact for every float (NaN and infinities included), unlike JSON.

use serde::{Deserialize, Serialize};
use usdm_sim::metrics::{Outcome, PathMetrics};

/// The encoded form of one path.
#[derive(Serialize, Deserialize)]
struct PathRecord {
    outcome: Outcome,
    fan: Vec<[f32; 6]>,
    refusals: [u64; 7],
    first_refusal: [Option<String>; 7],
}

/// Encodes `paths` (in path order).
pub fn encode(paths: &[PathMetrics]) -> Vec<u8> {
    let records: Vec<PathRecord> = paths
        .iter()
        .map(|m| PathRecord {
            outcome: m.outcome,
            fan: m.fan.clone(),
            refusals: m.refusals,
            first_refusal: m.first_refusal.clone(),
        })
        .collect();
    bincode::serialize(&records).unwrap_or_default()
}

/// Decodes a chunk written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<PathMetrics>, String> {
    let records: Vec<PathRecord> =
        bincode::deserialize(bytes).map_err(|e| format!("not a chunk of usdm paths: {e}"))?;
    Ok(records
        .into_iter()
        .map(|r| {
            let mut m = PathMetrics::default();
            m.outcome = r.outcome;
            m.fan = r.fan;
            m.refusals = r.refusals;
            m.first_refusal = r.first_refusal;
            m
        })
        .collect())
}

/// Encodes a sweep point's outcomes.
pub fn encode_outcomes(outcomes: &[Outcome]) -> Vec<u8> {
    bincode::serialize(outcomes).unwrap_or_default()
}

/// Decodes outcomes written by [`encode_outcomes`].
pub fn decode_outcomes(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    bincode::deserialize(bytes).map_err(|e| format!("not usdm sweep outcomes: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use usdm_core::params::Preset;
    use usdm_sim::montecarlo::{self, Control, McConfig};
    use usdm_sim::scenario::Scenario;
    use usdm_sim::world::Setup;

    /// A distributed run is a local run cut into ranges: chunks encoded, decoded and merged in
    /// order give the same ensemble, bit for bit.
    #[test]
    fn chunks_merge_into_the_local_run() {
        let mut s = Scenario::builtin("xms-crash").unwrap().unwrap();
        s.blocks = 1200;
        let setup = Arc::new(Setup::new(Arc::new(s), Preset::Mars, &[]).unwrap());
        let config = McConfig {
            paths: 7,
            seed: 5,
            threads: Some(2),
            progress: false,
            check_invariants: false,
            series: true,
        };
        let local = montecarlo::run(setup.clone(), &config).unwrap();
        let mut merged = Vec::new();
        for range in [0..3, 3..4, 4..7] {
            let paths = montecarlo::run_range(&setup, &config, range, &Control::default()).unwrap();
            merged.extend(decode(&encode(&paths)).unwrap());
        }
        let e = montecarlo::assemble(setup, &config, merged, local.elapsed, local.threads).unwrap();
        let dbg = |x: &montecarlo::Ensemble| {
            format!(
                "{:?}{:?}{:?}{:?}",
                x.outcomes, x.fans, x.summary, x.refusals
            )
        };
        assert_eq!(dbg(&e), dbg(&local));
        assert!(decode(b"nonsense").is_err());
    }

    #[test]
    fn chunks_in_the_wrong_order_are_refused() {
        let mut s = Scenario::builtin("calm").unwrap().unwrap();
        s.blocks = 100;
        let setup = Arc::new(Setup::new(Arc::new(s), Preset::Mars, &[]).unwrap());
        let config = McConfig {
            paths: 2,
            series: false,
            ..McConfig::default()
        };
        let mut b = montecarlo::run_range(&setup, &config, 1..2, &Control::default()).unwrap();
        b.extend(montecarlo::run_range(&setup, &config, 0..1, &Control::default()).unwrap());
        let e = montecarlo::assemble(setup, &config, b, std::time::Duration::ZERO, 1).unwrap_err();
        assert!(e.to_string().contains("in order"), "{e}");
    }
}
