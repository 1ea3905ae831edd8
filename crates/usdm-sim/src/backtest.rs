//! Backtests: the model against a record of what happened.
//!
//! A scenario may carry a `[record]`: a CSV of times and observed series (an on-chain record,
//! every half hour), each series mapped to one of the model's fan metrics, and named crossings
//! (the share token below $1, its supply ×100). A run then scores every path against the
//! record at the record's own times:
//! - per series, the mean |log error| of each path (its median over paths, with the median's
//!   95% interval), the same for the fans' median path, and the share of record points inside
//!   the model's 90% band (5th-95th percentile) at their time, with its Wilson interval over the
//!   points;
//! - per crossing, when the record crossed, the share of paths that crossed and when (the
//!   median over those paths, with its interval), and the timing error.
//!
//! Log errors because the quantities span orders of magnitude (a supply ×265,000, a price to
//! zero): a model 10× off is equally wrong at $50 and at $0.05. A series may set a `floor`
//! (the record's resolution: prices to four decimals) below which values count as the floor,
//! so a record at zero still scores.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::metrics::FAN_METRICS;
use crate::stats::{quantiles, Estimate, Proportion};

/// The records built into the binary, by the path a scenario names them with (relative to
/// `scenarios/`), so that built-in scenarios carry their record wherever they run.
pub const BUILTIN_RECORDS: [(&str, &str); 1] = [(
    "records/iron-2021.csv",
    include_str!("../../../scenarios/records/iron-2021.csv"),
)];

/// One observed series mapped to a model metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesMap {
    /// The model's fan metric ([`FAN_METRICS`]: `xms_price`, `xms_supply`, `usdm_supply`,
    /// `usdm_low`, ...).
    pub metric: String,
    /// The record's column.
    pub column: String,
    /// Values below this count as it, in the record and the model alike (0: none).
    pub floor: f64,
}

/// A named crossing: the first time a series goes below a level, or below or above a multiple
/// of its first value (exactly one of the three is given).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Crossing {
    /// What it is called in reports (`share token below $1`).
    pub name: String,
    /// The model metric (one of the record's mapped series).
    pub metric: String,
    /// Crossed when the value falls below this.
    pub below: Option<f64>,
    /// Crossed when the value falls below this multiple of its first value (0.8: down 20%).
    pub below_multiple: Option<f64>,
    /// Crossed when the value rises above this multiple of its first value.
    pub above_multiple: Option<f64>,
}

/// A record: its times (hours since the scenario's start) and its columns, with how they map
/// onto the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// The CSV, as the scenario names it.
    pub file: String,
    /// The record time the scenario's start stands for (ISO 8601, UTC).
    pub start: String,
    /// The mapped series.
    pub series: Vec<SeriesMap>,
    /// The named crossings.
    pub crossings: Vec<Crossing>,
    /// Hours since the scenario's start of each row.
    #[serde(skip)]
    pub hours: Vec<f64>,
    /// The mapped columns' values by row (`None`: empty cell).
    #[serde(skip)]
    pub columns: BTreeMap<String, Vec<Option<f64>>>,
}

/// Seconds since 1970 of `2021-06-16T01:00Z` or `2021-06-16T01:00:30Z` (UTC only: a record
/// in local time would shift every comparison).
pub fn parse_utc(text: &str) -> Result<i64, String> {
    let bad =
        || format!("'{text}' is not a UTC time like 2021-06-16T01:00Z or 2021-06-16T01:00:00Z");
    let t = text.trim().strip_suffix('Z').ok_or_else(bad)?;
    let (date, time) = t.split_once('T').ok_or_else(bad)?;
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let h: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    if d.len() != 3 || !(2..=3).contains(&h.len()) {
        return Err(bad());
    }
    let (y, m, day) = (d[0], d[1], d[2]);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h[0] > 23 || h[1] > 59 {
        return Err(bad());
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + h[0] * 3600 + h[1] * 60 + h.get(2).copied().unwrap_or(0))
}

impl Record {
    /// Reads `csv` (a header row, then one row per time; the first column named `time_column`)
    /// and keeps the mapped columns. Errors name the row and column.
    pub fn from_csv(
        csv: &str,
        file: &str,
        start: &str,
        time_column: &str,
        series: Vec<SeriesMap>,
        crossings: Vec<Crossing>,
    ) -> Result<Record, String> {
        let t0 = parse_utc(start).map_err(|e| format!("record.start: {e}"))?;
        let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines
            .next()
            .ok_or_else(|| format!("{file}: empty"))?
            .split(',')
            .map(str::trim)
            .collect();
        let index = |name: &str| {
            header.iter().position(|h| *h == name).ok_or_else(|| {
                format!(
                    "{file} has no column '{name}'; its columns: {}",
                    header.join(", ")
                )
            })
        };
        let ti = index(time_column)?;
        for s in &series {
            if !FAN_METRICS.contains(&s.metric.as_str()) {
                return Err(format!(
                    "record.series: '{}' is not a model series; accepted: {}",
                    s.metric,
                    FAN_METRICS.join(", ")
                ));
            }
        }
        let cols: Vec<(String, usize)> = series
            .iter()
            .map(|s| index(&s.column).map(|i| (s.column.clone(), i)))
            .collect::<Result<_, _>>()?;
        for c in &crossings {
            if !series.iter().any(|s| s.metric == c.metric) {
                return Err(format!(
                    "record.crossings: '{}' uses {}, which no record.series maps",
                    c.name, c.metric
                ));
            }
            let given = [c.below, c.below_multiple, c.above_multiple]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if given != 1 {
                return Err(format!(
                    "record.crossings: '{}' needs exactly one of below, below_multiple or above_multiple",
                    c.name
                ));
            }
        }
        let mut hours = Vec::new();
        let mut columns: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
        for (row, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let at = |i: usize| cells.get(i).copied().unwrap_or("");
            let t = parse_utc(at(ti)).map_err(|e| format!("{file} row {}: {e}", row + 2))?;
            hours.push((t - t0) as f64 / 3600.0);
            for (name, i) in &cols {
                let cell = at(*i);
                let v = if cell.is_empty() {
                    None
                } else {
                    Some(
                        cell.parse::<f64>()
                            .ok()
                            .filter(|x| x.is_finite())
                            .ok_or_else(|| {
                                format!(
                                    "{file} row {}, column {name}: '{cell}' is not a number",
                                    row + 2
                                )
                            })?,
                    )
                };
                columns.entry(name.clone()).or_default().push(v);
            }
        }
        if hours.windows(2).any(|w| w[1] <= w[0]) {
            return Err(format!("{file}: times must increase row by row"));
        }
        Ok(Record {
            file: file.to_string(),
            start: start.to_string(),
            series,
            crossings,
            hours,
            columns,
        })
    }
}

/// How one series of the model met the record.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesScore {
    /// The model metric and the record's column.
    pub metric: String,
    /// The record's column.
    pub column: String,
    /// Record points scored (inside the run, with a value).
    pub points: usize,
    /// Each path's mean |ln(model / record)| at the record's times: the median over paths and
    /// its 95% interval.
    pub mean_abs_log_error: Estimate,
    /// The same for the fans' median at each time.
    pub median_fan_error: f64,
    /// Record points inside the model's 5th-95th percentile band at their time.
    pub inside_90: Proportion,
    /// The record's points `(hours, value)`, for the charts.
    pub record: Vec<(f64, f64)>,
}

/// When the model and the record crossed a named level.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossingScore {
    /// The crossing.
    pub name: String,
    /// Hours since the start when the record crossed (`None`: it never did).
    pub record_hours: Option<f64>,
    /// The paths that crossed within the run.
    pub crossed: Proportion,
    /// When they crossed: the median over those paths and its interval.
    pub model_hours: Estimate,
    /// The model's median minus the record's (hours; `None` unless both crossed).
    pub timing_error_hours: Option<f64>,
}

/// A run against its record.
#[derive(Clone, Debug, PartialEq)]
pub struct Backtest {
    /// The record's file and start.
    pub file: String,
    /// The record time of the scenario's start.
    pub start: String,
    /// Per series.
    pub series: Vec<SeriesScore>,
    /// Per crossing.
    pub crossings: Vec<CrossingScore>,
}

/// The sample nearest `h` hours, if `h` lies inside the run.
fn nearest(hours: &[f64], h: f64) -> Option<usize> {
    let last = *hours.last()?;
    if h < hours[0] - 1e-9 || h > last + 1e-9 {
        return None;
    }
    let i = hours.partition_point(|x| *x < h);
    let best = [i.saturating_sub(1), i.min(hours.len() - 1)]
        .into_iter()
        .min_by(|a, b| (hours[*a] - h).abs().total_cmp(&(hours[*b] - h).abs()))?;
    Some(best)
}

/// First time (hours) a path's series crosses: below a level, below or above a multiple of its
/// first value.
fn first_crossing(hours: &[f64], values: &[f64], c: &Crossing) -> Option<f64> {
    let first = *values.first()?;
    values.iter().zip(hours).find_map(|(v, h)| {
        let crossed = match (c.below, c.below_multiple, c.above_multiple) {
            (Some(level), _, _) => *v < level,
            (_, Some(m), _) => *v < first * m,
            (_, _, Some(m)) => *v > first * m,
            _ => false,
        };
        crossed.then_some(*h)
    })
}

/// Scores paths against `record`: `hours` are the sample times, `paths[p][t][k]` path `p`'s
/// value of fan metric `k` ([`FAN_METRICS`] order) at sample `t`, `bands[k][t]` the fans'
/// 5th, 25th, 50th, 75th and 95th percentiles.
pub fn score(
    record: &Record,
    hours: &[f64],
    paths: &[&[[f32; 6]]],
    bands: &[Vec<[f64; 5]>],
) -> Backtest {
    let metric_index = |m: &str| FAN_METRICS.iter().position(|x| *x == m);
    let mut series = Vec::new();
    for s in &record.series {
        let Some(k) = metric_index(&s.metric) else {
            continue;
        };
        let floor = |x: f64| x.max(s.floor);
        let values = &record.columns[&s.column];
        // (sample index, record value) of every scored point.
        let points: Vec<(usize, f64, f64)> = record
            .hours
            .iter()
            .zip(values)
            .filter_map(|(h, v)| {
                let v = (*v)?;
                let t = nearest(hours, *h)?;
                (floor(v) > 0.0).then_some((t, *h, v))
            })
            .collect();
        let log_err = |model: f64, rec: f64| {
            let m = floor(model);
            if m > 0.0 {
                (m / floor(rec)).ln().abs()
            } else {
                f64::INFINITY
            }
        };
        let per_path: Vec<f64> = paths
            .iter()
            .map(|p| {
                let errs: Vec<f64> = points
                    .iter()
                    .filter_map(|(t, _, v)| p.get(*t).map(|x| log_err(f64::from(x[k]), *v)))
                    .collect();
                errs.iter().sum::<f64>() / errs.len().max(1) as f64
            })
            .collect();
        let band = bands.get(k);
        let (mut inside, mut median_err) = (0u64, 0.0);
        for (t, _, v) in &points {
            if let Some(b) = band.and_then(|b| b.get(*t)) {
                if floor(b[0]) <= floor(*v) && floor(*v) <= floor(b[4]) {
                    inside += 1;
                }
                median_err += log_err(b[2], *v);
            }
        }
        series.push(SeriesScore {
            metric: s.metric.clone(),
            column: s.column.clone(),
            points: points.len(),
            mean_abs_log_error: quantiles(&per_path).median(),
            median_fan_error: median_err / points.len().max(1) as f64,
            inside_90: Proportion::new(inside, points.len() as u64),
            record: points.iter().map(|(_, h, v)| (*h, *v)).collect(),
        });
    }
    let mut crossings = Vec::new();
    for c in &record.crossings {
        let Some(k) = metric_index(&c.metric) else {
            continue;
        };
        let Some(s) = record.series.iter().find(|s| s.metric == c.metric) else {
            continue;
        };
        // The record's own crossing, against its first value in the run.
        let (rh, rv): (Vec<f64>, Vec<f64>) = record
            .hours
            .iter()
            .zip(&record.columns[&s.column])
            .filter_map(|(h, v)| Some((*h, (*v)?)))
            .filter(|(h, _)| *h >= 0.0)
            .unzip();
        let record_hours = first_crossing(&rh, &rv, c);
        let model: Vec<f64> = paths
            .iter()
            .filter_map(|p| {
                let v: Vec<f64> = p.iter().map(|x| f64::from(x[k])).collect();
                first_crossing(hours, &v, c)
            })
            .collect();
        let model_hours = quantiles(&model).median();
        crossings.push(CrossingScore {
            name: c.name.clone(),
            record_hours,
            crossed: Proportion::new(model.len() as u64, paths.len() as u64),
            model_hours,
            timing_error_hours: record_hours
                .filter(|_| !model.is_empty())
                .map(|r| model_hours.value - r),
        });
    }
    Backtest {
        file: record.file.clone(),
        start: record.start.clone(),
        series,
        crossings,
    }
}

fn estimate_json(e: &Estimate) -> Value {
    json!({ "value": e.value, "lo": e.lo, "hi": e.hi })
}

impl Backtest {
    /// As JSON (`summary.json`'s `backtest`): non-finite numbers as `null`.
    pub fn to_json(&self) -> Value {
        json!({
            "file": self.file,
            "start": self.start,
            "series": self.series.iter().map(|s| json!({
                "metric": s.metric,
                "column": s.column,
                "points": s.points,
                "mean_abs_log_error": estimate_json(&s.mean_abs_log_error),
                "median_fan_error": s.median_fan_error,
                "inside_90": s.inside_90,
            })).collect::<Vec<_>>(),
            "crossings": self.crossings.iter().map(|c| json!({
                "name": c.name,
                "record_hours": c.record_hours,
                "crossed": c.crossed,
                "model_hours": estimate_json(&c.model_hours),
                "timing_error_hours": c.timing_error_hours,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(csv: &str, crossings: Vec<Crossing>) -> Record {
        Record::from_csv(
            csv,
            "r.csv",
            "2021-06-16T00:00Z",
            "time",
            vec![SeriesMap {
                metric: "xms_price".into(),
                column: "price".into(),
                floor: 0.0001,
            }],
            crossings,
        )
        .unwrap()
    }

    #[test]
    fn utc_times_parse_to_the_epoch_seconds_of_the_calendar() {
        // 2021-06-16 is day 18,794 since 1970-01-01 (51 years, 13 of them leap, plus 166 days).
        assert_eq!(parse_utc("2021-06-16T00:00Z").unwrap(), 18_794 * 86_400);
        assert_eq!(
            parse_utc("2021-06-16T01:30:15Z").unwrap(),
            18_794 * 86_400 + 5_415
        );
        assert_eq!(parse_utc("1970-01-01T00:00Z").unwrap(), 0);
        assert_eq!(parse_utc("2000-03-01T00:00Z").unwrap(), 951_868_800);
        for bad in [
            "2021-06-16 01:00",
            "2021-13-01T00:00Z",
            "2021-06-16T01:00+02:00",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_model_twice_the_record_scores_ln2_and_the_band_and_crossings_are_counted() {
        let r = record(
            "time,price\n2021-06-16T01:00Z,10\n2021-06-16T02:00Z,5\n2021-06-16T03:00Z,0.5\n2021-06-16T09:00Z,1\n",
            vec![Crossing {
                name: "below $1".into(),
                metric: "xms_price".into(),
                below: Some(1.0),
                below_multiple: None,
                above_multiple: None,
            }],
        );
        assert_eq!(r.hours, vec![1.0, 2.0, 3.0, 9.0]);
        let hours = [0.0, 1.0, 2.0, 3.0, 4.0];
        let at = |p: f32| [0.0, p, 0.0, 0.0, 0.0, 0.0];
        // Path A: exactly twice the record; path B: exactly the record.
        let a = [at(20.0), at(20.0), at(10.0), at(1.0), at(1.0)];
        let b = [at(10.0), at(10.0), at(5.0), at(0.5), at(0.5)];
        let paths: Vec<&[[f32; 6]]> = vec![&a, &b];
        let mut bands = vec![Vec::new(); 6];
        // A band from the record to twice it: every point inside, median 1.5x.
        bands[1] = [10.0, 5.0, 0.5]
            .iter()
            .map(|v| [*v, *v, 1.5 * v, 2.0 * v, 2.0 * v])
            .collect();
        bands[1].insert(0, [0.0; 5]);
        bands[1].push([0.0; 5]);
        let bt = score(&r, &hours, &paths, &bands);
        let s = &bt.series[0];
        // The point at 9 h is after the run (4 h): three points scored.
        assert_eq!(s.points, 3);
        // Median of the two paths' errors, ln 2 and 0.
        assert!((s.mean_abs_log_error.value - 2f64.ln() / 2.0).abs() < 1e-6);
        assert!((s.median_fan_error - 1.5f64.ln()).abs() < 1e-6);
        assert_eq!((s.inside_90.count, s.inside_90.paths), (3, 3));
        let c = &bt.crossings[0];
        assert_eq!(c.record_hours, Some(3.0));
        // Path A never goes below $1 (it stops at 1.0); path B does at 3 h.
        assert_eq!((c.crossed.count, c.crossed.paths), (1, 2));
        assert_eq!(c.model_hours.value, 3.0);
        assert_eq!(c.timing_error_hours, Some(0.0));
    }

    #[test]
    fn a_record_that_cannot_be_read_says_where() {
        let err = |csv: &str| {
            Record::from_csv(
                csv,
                "r.csv",
                "2021-06-16T00:00Z",
                "time",
                vec![SeriesMap {
                    metric: "xms_price".into(),
                    column: "price".into(),
                    floor: 0.0,
                }],
                vec![],
            )
            .unwrap_err()
        };
        assert!(err("time,cost\n").contains("no column 'price'"));
        assert!(err("time,price\n2021-06-16T01:00Z,abc\n").contains("row 2, column price"));
        assert!(err("time,price\n2021-06-16T02:00Z,1\n2021-06-16T01:00Z,1\n").contains("increase"));
    }
}
