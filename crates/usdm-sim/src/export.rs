//! Every path's full series as one Parquet file (`--series all`): a columnar format pandas,
//! polars, DuckDB and Spark read directly, typed (integers stay integers, NaN stays a float),
//! and compact enough for thousands of paths.
//!
//! Paths run in batches on the thread pool and each batch is one row group, so memory holds
//! one batch of series at a time however many paths there are. Rows are in path order, then
//! block order; path `i` is the same path as in the ensemble (same seed, same stream).

use crate::metrics::{Column, PathMetrics, SERIES_COLUMNS};
use crate::montecarlo::{self, McConfig};
use crate::world::{RunOptions, Setup, SimError, World};
use parquet::basic::Compression;
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// Paths per row group.
pub const BATCH: u64 = 64;

/// The Parquet schema: `path`, then [`SERIES_COLUMNS`], every column required.
pub fn schema() -> String {
    let mut s = String::from("message usdm_series {\n  REQUIRED INT64 path;\n");
    for (name, c) in SERIES_COLUMNS {
        let kind = match c {
            Column::Int(_) => "INT64",
            Column::Float(_) => "DOUBLE",
        };
        s.push_str(&format!("  REQUIRED {kind} {name};\n"));
    }
    s.push('}');
    s
}

/// Runs every path of `setup` with its full series and writes them to `file`; returns the rows
/// written. The file's metadata names the scenario, preset, seed and paths, and carries the
/// run's whole record (`usdm.provenance`, JSON: see [`crate::provenance`]).
pub fn write_series(setup: &Arc<Setup>, config: &McConfig, file: &Path) -> Result<u64, SimError> {
    let fail = |e: String| SimError::Setup {
        scenario: setup.scenario.name.clone(),
        reason: format!("writing {}: {e}", file.display()),
    };
    let schema = Arc::new(parse_message_type(&schema()).map_err(|e| fail(e.to_string()))?);
    let meta = [
        ("usdm.scenario", setup.scenario.name.clone()),
        ("usdm.preset", setup.preset.to_string()),
        ("usdm.seed", config.seed.to_string()),
        ("usdm.paths", config.paths.to_string()),
        (
            "usdm.block_seconds",
            setup.scenario.block_seconds.to_string(),
        ),
        ("usdm.version", crate::provenance::VERSION.to_string()),
        ("usdm.git_commit", crate::provenance::GIT_COMMIT.to_string()),
        (
            "usdm.provenance",
            crate::provenance::of_run(setup, config).to_string(),
        ),
    ]
    .map(|(k, v)| KeyValue::new(k.to_string(), v));
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(meta.to_vec()))
            .build(),
    );
    let out = std::fs::File::create(file).map_err(|e| fail(e.to_string()))?;
    let mut writer =
        SerializedFileWriter::new(out, schema, props).map_err(|e| fail(e.to_string()))?;
    let pb = montecarlo::progress_bar(config.paths, config.progress, "series.parquet");
    let options = RunOptions {
        check_invariants: config.check_invariants,
        keep_series: true,
    };
    let mut rows = 0u64;
    let mut start = 0;
    while start < config.paths {
        let end = (start + BATCH).min(config.paths);
        let batch: Vec<PathMetrics> = montecarlo::with_threads(config.threads, || {
            (start..end)
                .into_par_iter()
                .map(|i| {
                    let m = World::new(setup.clone(), config.seed, i, options).run();
                    pb.inc(1);
                    m
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let mut group = writer.next_row_group().map_err(|e| fail(e.to_string()))?;
        let mut index = 0;
        while let Some(mut col) = group.next_column().map_err(|e| fail(e.to_string()))? {
            // Column 0 is the path; column k > 0 is SERIES_COLUMNS[k - 1].
            let written = if index == 0 {
                let v: Vec<i64> = batch
                    .iter()
                    .flat_map(|m| std::iter::repeat_n(m.outcome.path as i64, m.series.len()))
                    .collect();
                col.typed::<Int64Type>().write_batch(&v, None, None)
            } else {
                match SERIES_COLUMNS[index - 1].1 {
                    Column::Int(f) => {
                        let v: Vec<i64> = batch
                            .iter()
                            .flat_map(|m| m.series.iter().map(|x| f(x) as i64))
                            .collect();
                        col.typed::<Int64Type>().write_batch(&v, None, None)
                    }
                    Column::Float(f) => {
                        let v: Vec<f64> =
                            batch.iter().flat_map(|m| m.series.iter().map(f)).collect();
                        col.typed::<DoubleType>().write_batch(&v, None, None)
                    }
                }
            };
            written.map_err(|e| fail(e.to_string()))?;
            col.close().map_err(|e| fail(e.to_string()))?;
            index += 1;
        }
        group.close().map_err(|e| fail(e.to_string()))?;
        rows += batch.iter().map(|m| m.series.len() as u64).sum::<u64>();
        start = end;
    }
    pb.finish_and_clear();
    writer.close().map_err(|e| fail(e.to_string()))?;
    Ok(rows)
}
