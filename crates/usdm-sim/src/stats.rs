//! Estimates with their uncertainty: a Monte Carlo figure is a sample statistic, so every
//! probability carries a Wilson score interval and every percentile a distribution-free
//! interval from order statistics. Both are exact functions of the sorted sample (no
//! resampling, no seed), so a run reproduces its intervals bit for bit.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A share of paths, with its 95% Wilson score interval.
///
/// Wilson rather than the textbook `p ± z·sqrt(p(1-p)/n)`: at 0 of 100 paths the latter is
/// [0, 0], claiming certainty, while Wilson gives [0, 3.7%].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proportion {
    /// Paths where the event happened.
    pub count: u64,
    /// Paths observed.
    pub paths: u64,
    /// `count / paths` (NaN with no paths).
    pub value: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

impl Proportion {
    /// `count` of `paths`, with its Wilson interval.
    pub fn new(count: u64, paths: u64) -> Proportion {
        let (lo, hi) = wilson(count, paths);
        Proportion {
            count,
            paths,
            value: if paths == 0 {
                f64::NAN
            } else {
                count as f64 / paths as f64
            },
            lo,
            hi,
        }
    }

    /// The share of `items` for which `f` holds.
    pub fn of<T>(items: &[T], f: impl Fn(&T) -> bool) -> Proportion {
        Proportion::new(
            items.iter().filter(|x| f(x)).count() as u64,
            items.len() as u64,
        )
    }

    /// Width of the interval.
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

impl Serialize for Proportion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("value", &self.value)?;
        m.serialize_entry("lo", &self.lo)?;
        m.serialize_entry("hi", &self.hi)?;
        m.serialize_entry("count", &self.count)?;
        m.serialize_entry("paths", &self.paths)?;
        m.end()
    }
}

/// The 95% Wilson score interval of `k` successes in `n` trials (NaN, NaN with no trials).
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (k, n) = (k.min(n) as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    // The interval's ends are exact at the boundaries: no path of 0 saw it, all of n did.
    let lo = if k == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// A percentile estimate with its 95% interval; an end is `None` when the sample is too small
/// to bound it (the 5th percentile of 20 paths has no lower bound at 95%).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The estimate (linear interpolation between closest ranks).
    pub value: f64,
    /// Lower end of the 95% interval.
    pub lo: Option<f64>,
    /// Upper end of the 95% interval.
    pub hi: Option<f64>,
}

impl Estimate {
    /// An estimate of nothing (no finite sample).
    pub const NONE: Estimate = Estimate {
        value: f64::NAN,
        lo: None,
        hi: None,
    };

    /// Whether the intervals of `self` and `other` share a point (a missing end is unbounded).
    pub fn overlaps(&self, other: &Estimate) -> bool {
        let lo = |e: &Estimate| e.lo.unwrap_or(f64::NEG_INFINITY);
        let hi = |e: &Estimate| e.hi.unwrap_or(f64::INFINITY);
        lo(self) <= hi(other) && lo(other) <= hi(self)
    }
}

/// The percentiles reported everywhere, as fractions and as labels.
pub const QUANTILES: [(f64, &str); 5] = [
    (0.05, "p5"),
    (0.25, "p25"),
    (0.5, "p50"),
    (0.75, "p75"),
    (0.95, "p95"),
];

/// The reported percentiles of one sample, with intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantiles(pub [Estimate; 5]);

impl Quantiles {
    /// The point estimates, in [`QUANTILES`] order.
    pub fn values(&self) -> [f64; 5] {
        self.0.map(|e| e.value)
    }

    /// The median.
    pub fn median(&self) -> Estimate {
        self.0[2]
    }

    /// Writes `p5`, `p5_lo`, `p5_hi`, ... into a map being serialized (flat, so a table of
    /// statistics loads into pandas as plain columns).
    pub fn serialize_into<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        for ((_, label), e) in QUANTILES.iter().zip(&self.0) {
            m.serialize_entry(label, &e.value)?;
            m.serialize_entry(&format!("{label}_lo"), &e.lo.unwrap_or(f64::NAN))?;
            m.serialize_entry(&format!("{label}_hi"), &e.hi.unwrap_or(f64::NAN))?;
        }
        Ok(())
    }
}

/// The reported percentiles of `values` with their intervals (NaNs ignored).
pub fn quantiles(values: &[f64]) -> Quantiles {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    Quantiles(QUANTILES.map(|(q, _)| quantile_sorted(&v, q)))
}

/// The interval ranks of the reported percentiles for samples of one size, computed once and
/// reused (a fan chart takes the same percentiles of the same number of paths at every sample).
#[derive(Clone, Debug)]
pub struct Ranks {
    n: usize,
    ranks: [(Option<u64>, Option<u64>); 5],
}

impl Ranks {
    /// The ranks for samples of `n`.
    pub fn new(n: usize) -> Ranks {
        Ranks {
            n,
            ranks: QUANTILES.map(|(q, _)| order_statistic_ranks(n as u64, q)),
        }
    }

    /// The reported percentiles of `values` (NaNs ignored) with their intervals, using these
    /// ranks when the finite sample has their size.
    pub fn quantiles(&self, values: &mut Vec<f64>) -> Quantiles {
        values.retain(|x| !x.is_nan());
        if values.len() != self.n || values.is_empty() {
            return quantiles(values);
        }
        values.sort_by(f64::total_cmp);
        let v = &values[..];
        let n = v.len();
        let mut k = 0;
        Quantiles(QUANTILES.map(|(q, _)| {
            let (l, u) = self.ranks[k];
            k += 1;
            let pos = q * (n - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            Estimate {
                value: v[lo] + (v[hi] - v[lo]) * (pos - lo as f64),
                lo: l.map(|r| v[r as usize - 1]),
                hi: u.map(|r| v[r as usize - 1]),
            }
        }))
    }
}

/// The `q` quantile of sorted `v` and its distribution-free 95% interval.
///
/// The interval is `[v(l), v(u)]` (ranks from 1) with the widest `l` and narrowest `u` such
/// that `P(B < l) <= 2.5%` and `P(B >= u) <= 2.5%` for `B ~ Binomial(n, q)`: the true
/// quantile lies below the `j`-th order statistic exactly when fewer than `j` draws fall under
/// it. Coverage is at least 95% whatever the distribution, ties and point masses included.
pub fn quantile_sorted(v: &[f64], q: f64) -> Estimate {
    let n = v.len();
    if n == 0 {
        return Estimate::NONE;
    }
    let pos = q * (n - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let value = v[lo] + (v[hi] - v[lo]) * (pos - lo as f64);
    let (l, u) = order_statistic_ranks(n as u64, q);
    Estimate {
        value,
        lo: l.map(|r| v[r as usize - 1]),
        hi: u.map(|r| v[r as usize - 1]),
    }
}

/// The ranks `(l, u)` of [`quantile_sorted`]'s interval, each `None` when no rank in `1..=n`
/// bounds that side at 95%.
pub fn order_statistic_ranks(n: u64, q: f64) -> (Option<u64>, Option<u64>) {
    let tail = (1.0 - 0.95) / 2.0;
    // cdf[j] = P(B <= j), built in log space so that large n does not underflow the first terms.
    let (lq, lp) = (q.ln(), (1.0 - q).ln());
    let mut log_pmf = n as f64 * lp;
    let mut cdf = Vec::with_capacity(n as usize + 1);
    let mut acc = 0.0f64;
    for j in 0..=n {
        if j > 0 {
            log_pmf += ((n - j + 1) as f64).ln() - (j as f64).ln() + lq - lp;
        }
        acc += log_pmf.exp();
        cdf.push(acc.min(1.0));
    }
    // l: the largest rank with P(B <= l - 1) <= tail.
    let l = (1..=n).rev().find(|&r| cdf[r as usize - 1] <= tail);
    // u: the smallest rank with P(B >= u) = 1 - P(B <= u - 1) <= tail.
    let u = (1..=n).find(|&r| 1.0 - cdf[r as usize - 1] <= tail);
    (l, u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // 0 of 100: [0, 3.70%]; 20 of 100: [13.34%, 28.88%] (Newcombe 1998, method 3).
        let (lo, hi) = wilson(0, 100);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.0370).abs() < 5e-5, "{hi}");
        let (lo, hi) = wilson(20, 100);
        assert!((lo - 0.1334).abs() < 5e-5, "{lo}");
        assert!((hi - 0.2888).abs() < 5e-5, "{hi}");
        let (lo, hi) = wilson(100, 100);
        assert!((lo - 0.9630).abs() < 5e-5 && hi == 1.0, "{lo} {hi}");
        assert!(wilson(0, 0).0.is_nan());
    }

    #[test]
    fn proportions_serialize_with_their_interval() {
        let p = Proportion::new(45, 100);
        let v = serde_json::to_value(p).unwrap();
        assert_eq!(v["value"], 0.45);
        assert_eq!(v["count"], 45);
        assert!(v["lo"].as_f64().unwrap() < 0.45 && v["hi"].as_f64().unwrap() > 0.45);
    }

    #[test]
    fn median_ranks_match_the_binomial_table() {
        // n = 100, median: the classic ranks are 40 and 61 (coverage 95.4%).
        assert_eq!(order_statistic_ranks(100, 0.5), (Some(40), Some(61)));
        // n = 20, 5th percentile: P(B = 0) = 0.358 > 2.5%, so no lower bound.
        assert_eq!(order_statistic_ranks(20, 0.05).0, None);
        // n = 5: the median's 95% interval needs more than the sample (1/32 each side > 2.5%).
        assert_eq!(order_statistic_ranks(5, 0.5), (None, None));
        // n = 6: [x(1), x(6)], coverage 1 - 2/64 = 96.9%.
        assert_eq!(order_statistic_ranks(6, 0.5), (Some(1), Some(6)));
    }

    #[test]
    fn large_samples_do_not_underflow() {
        let (l, u) = order_statistic_ranks(1_000_000, 0.05);
        let (l, u) = (l.unwrap() as f64, u.unwrap() as f64);
        // Normal approximation: 50,000 -/+ 1.96 * sqrt(47,500) = 427.
        assert!(
            (l - 49_573.0).abs() < 3.0 && (u - 50_428.0).abs() < 3.0,
            "{l} {u}"
        );
    }

    #[test]
    fn interval_covers_the_true_quantile_about_95_percent_of_the_time() {
        // Uniform(0,1) samples of 50 from a fixed LCG: the true median is 0.5.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let trials = 2000;
        let mut covered = 0;
        for _ in 0..trials {
            let v: Vec<f64> = (0..50).map(|_| next()).collect();
            let e = quantiles(&v).median();
            if e.lo.unwrap() <= 0.5 && 0.5 <= e.hi.unwrap() {
                covered += 1;
            }
        }
        let rate = covered as f64 / trials as f64;
        // Exact coverage at n = 50 is 96.7%; 2,000 trials put the rate within about 1%.
        assert!((0.95..=0.985).contains(&rate), "{rate}");
    }

    #[test]
    fn cached_ranks_give_the_same_quantiles() {
        let v: Vec<f64> = (0..137).map(|i| ((i * 7919) % 137) as f64).collect();
        let r = Ranks::new(137);
        assert_eq!(r.quantiles(&mut v.clone()), quantiles(&v));
        let mut short = v[..50].to_vec();
        assert_eq!(r.quantiles(&mut short), quantiles(&v[..50]));
    }

    #[test]
    fn intervals_overlap_by_their_ends() {
        let e = |lo, hi| Estimate {
            value: 0.0,
            lo: Some(lo),
            hi: Some(hi),
        };
        assert!(e(0.0, 1.0).overlaps(&e(1.0, 2.0)));
        assert!(!e(0.0, 1.0).overlaps(&e(1.5, 2.0)));
        let open = Estimate {
            value: 0.0,
            lo: None,
            hi: Some(0.1),
        };
        assert!(open.overlaps(&e(-100.0, -50.0)));
    }
}
