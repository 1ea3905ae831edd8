//! `usdm recommend`: the governed parameters a protocol team should deploy, with the evidence.
//!
//! Candidates are points of the governed parameter space (collateral policy, support ratio,
//! breakers, TWAP window, fees), drawn quasi-randomly (a Halton sequence, so a small search
//! still covers the space). Each runs the same paths of every scenario of a weighted ensemble
//! (common random numbers: candidates differ by their parameters, not by luck) and is scored on
//! five objectives, each with a 95% interval. The search races: every round doubles the paths
//! of the candidates still in contention and drops those another candidate beats on every
//! objective with intervals apart, so paths go where intervals overlap. What is left is the
//! Pareto front, and beside it the candidates no interval can yet rule out ("unresolved", not
//! ranked). A governor's bounds (`--max p_death_spiral=0.01`) are tested against an
//! interval's far end, and step limits from the parameters in force narrow the space.
//!
//! Not searched: the support-ratio ramp's limits and the minimum redemption (the model's
//! agents redeem in amounts far above any minimum, and no scenario runs a ramp, so neither can
//! move an objective); moving a running hub to a new support ratio is proposed as a ramp.

use crate::metrics::Outcome;
use crate::montecarlo;
use crate::rng::Rng;
use crate::scenario::{param_from_text, Scenario};
use crate::stats::wilson;
use crate::world::{RunOptions, Setup, World};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use usdm_core::params::{ParamChange, Preset};

/// One governed parameter the search moves, keyed as `--set` takes it (`policy` for the
/// collateral policy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dim {
    /// The key (`xms_support_ratio`, `breaker_xms_minted`, `tier1_mint_fee`, `policy`).
    pub key: String,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Searched in log space.
    pub log: bool,
    /// `off` is a value too (a breaker): the lowest quarter of the unit range.
    pub off: bool,
    /// A whole number (seconds).
    pub integer: bool,
    /// The values of a categorical dimension (the policy), else empty.
    pub choices: Vec<String>,
}

impl Dim {
    fn range(key: &str, lo: f64, hi: f64) -> Dim {
        Dim {
            key: key.into(),
            lo,
            hi,
            log: lo > 0.0 && hi / lo >= 10.0,
            off: false,
            integer: key == "twap_window",
            choices: Vec::new(),
        }
    }

    /// The value at `u` in the unit interval, as `--set` takes it.
    pub fn value(&self, u: f64) -> String {
        let u = u.clamp(0.0, 1.0 - 1e-12);
        if !self.choices.is_empty() {
            return self.choices[(u * self.choices.len() as f64) as usize].clone();
        }
        let u = if self.off {
            if u < 0.25 {
                return "off".into();
            }
            (u - 0.25) / 0.75
        } else {
            u
        };
        let x = if self.log {
            (self.lo.ln() + (self.hi.ln() - self.lo.ln()) * u).exp()
        } else {
            self.lo + (self.hi - self.lo) * u
        };
        if self.integer {
            format!("{}", x.round() as u64)
        } else {
            significant(x, 3)
        }
    }
}

/// `x` to `digits` significant digits, in plain decimal notation.
fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The default search space: both collateral policies, support ratio 120% to 600%, each
/// breaker off or on (0.02% to 2% of XMS supply minted, 0.5% to 20% of supply redeemed, an
/// epoch), a TWAP window of one minute to one hour, and fees up to 1% (minting with
/// stablecoins, redeeming into them or into XMS).
pub fn default_space() -> Vec<Dim> {
    let mut policy = Dim::range("policy", 0.0, 1.0);
    policy.choices = vec!["mars".into(), "frax".into()];
    let breaker = |key: &str, lo, hi| Dim {
        off: true,
        ..Dim::range(key, lo, hi)
    };
    vec![
        policy,
        Dim::range("xms_support_ratio", 1.2, 6.0),
        breaker("breaker_xms_minted", 0.0002, 0.02),
        breaker("breaker_redemption_outflow", 0.005, 0.2),
        Dim::range("twap_window", 60.0, 3600.0),
        Dim::range("tier1_mint_fee", 0.0, 0.01),
        Dim::range("tier1_redeem_fee", 0.0, 0.01),
        Dim::range("tier5_redeem_fee", 0.0, 0.01),
    ]
}

/// A point of the space: each key's value as `--set` takes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Its number in the search (0 is the reference: the values in force, or `mars-guarded`).
    pub id: usize,
    /// `(key, value)` for every dimension.
    pub values: Vec<(String, String)>,
}

impl Candidate {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The preset the candidate runs: its policy's (`mars` or `frax`); breakers are set
    /// explicitly either way.
    pub fn preset(&self) -> Preset {
        match self.get("policy") {
            Some("frax") => Preset::Frax,
            _ => Preset::Mars,
        }
    }

    /// The preset a hub is instantiated with: `mars-guarded` for a Mars policy with a breaker.
    pub fn deploy_preset(&self) -> Preset {
        let breaker = |k| self.get(k).is_some_and(|v| v != "off");
        match self.preset() {
            Preset::Mars
                if breaker("breaker_xms_minted") || breaker("breaker_redemption_outflow") =>
            {
                Preset::MarsGuarded
            }
            p => p,
        }
    }

    /// The parameter changes, checked by the protocol's bounds.
    pub fn changes(&self, block_seconds: u64) -> Result<Vec<ParamChange>, String> {
        self.values
            .iter()
            .filter(|(k, _)| k != "policy")
            .map(|(k, v)| param_from_text(k, v, block_seconds).map_err(|e| e.to_string()))
            .collect()
    }

    /// `--preset P --set k=v ...`: how `usdm simulate` re-runs it.
    pub fn flags(&self) -> Vec<String> {
        let mut out = vec!["--preset".into(), self.preset().name().into()];
        for (k, v) in self.values.iter().filter(|(k, _)| k != "policy") {
            out.push("--set".into());
            out.push(format!("{k}={v}"));
        }
        out
    }
}

/// The `i`-th point (from 1) of the Halton sequence in `dims` dimensions, scrambled by a
/// per-seed rotation (Cranley-Patterson) so two seeds search different points.
fn halton(i: u64, dims: usize, seed: u64) -> Vec<f64> {
    const PRIMES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    let mut shift = Rng::new(seed, 0x5eed_7ec0);
    (0..dims)
        .map(|d| {
            let b = PRIMES[d % PRIMES.len()];
            let (mut f, mut r, mut n) = (1.0, 0.0, i);
            while n > 0 {
                f /= b as f64;
                r += f * (n % b) as f64;
                n /= b;
            }
            (r + shift.uniform()).fract()
        })
        .collect()
}

/// The candidates: the reference first, then `n - 1` points of the space.
pub fn candidates(
    space: &[Dim],
    reference: &[(String, String)],
    n: usize,
    seed: u64,
) -> Vec<Candidate> {
    let mut out = vec![Candidate {
        id: 0,
        values: reference.to_vec(),
    }];
    for i in 1..n {
        let u = halton(i as u64, space.len(), seed);
        out.push(Candidate {
            id: i,
            values: space
                .iter()
                .zip(u)
                .map(|(d, u)| (d.key.clone(), d.value(u)))
                .collect(),
        });
    }
    out
}

/// The values of `mars-guarded` on every dimension of `space`: the reference when no
/// parameters in force are given.
pub fn guarded_reference(space: &[Dim]) -> Vec<(String, String)> {
    let p = Preset::MarsGuarded.params();
    let ratio = |r: usdm_core::units::Ratio| significant(crate::convert::fraction(r), 4);
    space
        .iter()
        .map(|d| {
            let v = match d.key.as_str() {
                "policy" => "mars".to_string(),
                "xms_support_ratio" => significant(p.xms_support_ratio.raw() as f64 / 1e18, 4),
                "breaker_xms_minted" => p.breakers.xms_minted.map_or("off".into(), ratio),
                "breaker_redemption_outflow" => {
                    p.breakers.redemption_outflow.map_or("off".into(), ratio)
                }
                "twap_window" => p.twap_window.to_string(),
                k => tier_fee_value(&p, k).unwrap_or_else(|| d.value(0.5)),
            };
            (d.key.clone(), v)
        })
        .collect()
}

fn tier_fee_value(p: &usdm_core::params::Params, key: &str) -> Option<String> {
    let rest = key.strip_prefix("tier")?;
    let (n, which) = rest.split_once('_')?;
    let tier = *usdm_core::asset::Tier::ALL.get(n.parse::<usize>().ok()?.checked_sub(1)?)?;
    let fee = match which {
        "mint_fee" => p.fees.tier_mint_fee(tier),
        "redeem_fee" => p.fees.tier_redeem_fee(tier),
        _ => return None,
    };
    Some(significant(crate::convert::fraction(fee), 4))
}

/// A scenario of the ensemble and its weight; `calm` ones measure capital efficiency.
#[derive(Clone, Debug)]
pub struct Member {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Its weight (the weights are normalised).
    pub weight: f64,
    /// Measured for capital efficiency (a calm market: how much the cap lets be minted).
    pub calm: bool,
}

/// The default ensemble: the built-in stress scenarios with the calibrated behaviour that
/// `terra-2022` carries, calm markets half the weight and each crash an eighth.
pub fn default_ensemble() -> Result<Vec<Member>, String> {
    [
        ("calm", 0.5, true),
        ("btc-crash", 0.125, false),
        ("xms-crash", 0.125, false),
        ("bank-run", 0.125, false),
        ("terra-2022", 0.125, false),
    ]
    .into_iter()
    .map(|(name, weight, calm)| {
        Ok(Member {
            scenario: Arc::new(Scenario::load(name).map_err(|e| e.to_string())?),
            weight,
            calm,
        })
    })
    .collect()
}

/// An ensemble file: `[[member]]` tables with `scenario` (a built-in or a path, relative to
/// the file), `weight` (positive) and `calm` (optional, default false).
pub fn load_ensemble(path: &std::path::Path) -> Result<Vec<Member>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        member: Vec<Entry>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        scenario: String,
        weight: f64,
        #[serde(default)]
        calm: bool,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.member.is_empty() {
        return Err(format!(
            "{}: no [[member]]; give at least one scenario",
            path.display()
        ));
    }
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    file.member
        .into_iter()
        .map(|m| {
            if !(m.weight.is_finite() && m.weight > 0.0) {
                return Err(format!(
                    "{}: member {}: weight {} must be positive",
                    path.display(),
                    m.scenario,
                    m.weight
                ));
            }
            let s = Scenario::load(&m.scenario).or_else(|e| {
                let rel = base.join(&m.scenario);
                if rel.exists() {
                    Scenario::load(&rel.to_string_lossy())
                } else {
                    Err(e)
                }
            });
            Ok(Member {
                scenario: Arc::new(s.map_err(|e| e.to_string())?),
                weight: m.weight,
                calm: m.calm,
            })
        })
        .collect()
}

/// What one path contributes to the objectives.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathScore {
    /// Ended in a death spiral.
    pub spiral: bool,
    /// Went off the peg either way (more than an hour outside the band).
    pub off_peg: bool,
    /// Broke the peg downwards.
    pub broke: bool,
    /// Hours outside the band.
    pub hours_off_peg: f64,
    /// Share-token supply, end / start.
    pub dilution: f64,
    /// Share of the run's hours in which the supply cap left room to mint.
    pub mint_room: f64,
}

impl PathScore {
    fn of(o: &Outcome, run_hours: f64) -> PathScore {
        PathScore {
            spiral: o.death_spiral,
            off_peg: o.off_peg,
            broke: o.broke_peg,
            hours_off_peg: o.hours_off_peg,
            dilution: o.xms_dilution,
            mint_room: (1.0 - o.hours_cap_bound / run_hours.max(1e-9)).clamp(0.0, 1.0),
        }
    }
}

/// Which way an objective is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sense {
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// The objectives: name, sense, meaning.
pub const OBJECTIVES: [(&str, Sense, &str); 5] = [
    (
        "p_death_spiral",
        Sense::Min,
        "P(death spiral): share of paths, weighted over the ensemble",
    ),
    (
        "p_off_peg",
        Sense::Min,
        "P(off peg either way): more than an hour below $0.97 or above $1.03",
    ),
    (
        "hours_off_peg_given_break",
        Sense::Min,
        "hours outside the band, on the paths that went off the peg",
    ),
    (
        "p95_dilution",
        Sense::Min,
        "95th percentile of share-token supply, end / start",
    ),
    (
        "capital_efficiency",
        Sense::Max,
        "share of calm-market hours in which the supply cap let arbitrageurs mint to meet demand",
    ),
];

/// An objective's estimate and 95% interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Estimate.
    pub value: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// Paths a scenario a candidate runs before the race may drop it.
pub const MIN_PATHS_TO_DROP: u64 = 8;

/// Bootstrap resamples for the intervals of means and quantiles.
const BOOTSTRAP: usize = 300;

/// A probability weighted over the members (`w`, summing to 1) and its 95% interval: the
/// Wilson interval at the Kish effective sample size, 1 / sum(w^2 / n), so a weighted share
/// of paths is as sure as the paths behind it allow (with one member, plain Wilson).
pub fn weighted_proportion(
    scores: &[Vec<PathScore>],
    w: &[f64],
    f: impl Fn(&PathScore) -> bool,
) -> Interval {
    let (mut p, mut inv_n, mut mass) = (0.0, 0.0, 0.0);
    for (s, w) in scores.iter().zip(w) {
        if s.is_empty() {
            continue;
        }
        let n = s.len() as f64;
        p += w * s.iter().filter(|x| f(x)).count() as f64 / n;
        inv_n += w * w / n;
        mass += w;
    }
    if mass == 0.0 {
        return Interval {
            value: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    let p = p / mass;
    let n = mass * mass / inv_n;
    let z2 = 1.959_963_984_540_054_f64.powi(2);
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = (z2 * (p * (1.0 - p) / n + z2 / (4.0 * n * n))).sqrt() / (1.0 + z2 / n);
    Interval {
        value: p,
        lo: if p == 0.0 {
            0.0
        } else {
            (centre - half).clamp(0.0, p)
        },
        hi: if p == 1.0 {
            1.0
        } else {
            (centre + half).clamp(p, 1.0)
        },
    }
}

/// The five objectives of one candidate from its paths in each member (`scores[m]`):
/// proportions with [`weighted_proportion`]'s interval, the rest with bootstrap intervals
/// drawn from `seed` (paths resampled within each member).
pub fn objectives(members: &[Member], scores: &[Vec<PathScore>], seed: u64) -> [Interval; 5] {
    let total: f64 = members.iter().map(|m| m.weight).sum();
    let w: Vec<f64> = members.iter().map(|m| m.weight / total).collect();
    let prop = |f: fn(&PathScore) -> bool| weighted_proportion(scores, &w, f);
    let stats = |s: &[Vec<PathScore>]| -> [f64; 3] {
        // Hours off the peg given it went off: members' conditional means, weighted among
        // the members where some path went off.
        let (mut hours, mut hw) = (0.0, 0.0);
        for (p, w) in s.iter().zip(&w) {
            let off: Vec<f64> = p
                .iter()
                .filter(|x| x.off_peg)
                .map(|x| x.hours_off_peg)
                .collect();
            if !off.is_empty() {
                hours += w * off.iter().sum::<f64>() / off.len() as f64;
                hw += w;
            }
        }
        let hours = if hw > 0.0 { hours / hw } else { 0.0 };
        // The weighted 95th percentile of dilution over all paths.
        let mut pooled: Vec<(f64, f64)> = s
            .iter()
            .zip(&w)
            .flat_map(|(p, w)| {
                let n = p.len().max(1) as f64;
                p.iter().map(move |x| (x.dilution, w / n))
            })
            .collect();
        pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mass: f64 = pooled.iter().map(|x| x.1).sum();
        let mut acc = 0.0;
        let mut p95 = pooled.last().map_or(1.0, |x| x.0);
        for (d, m) in &pooled {
            acc += m;
            if acc >= 0.95 * mass {
                p95 = *d;
                break;
            }
        }
        // Capital efficiency over the calm members.
        let (mut eff, mut ew) = (0.0, 0.0);
        for ((p, w), m) in s.iter().zip(&w).zip(members) {
            if m.calm && !p.is_empty() {
                eff += w * p.iter().map(|x| x.mint_room).sum::<f64>() / p.len() as f64;
                ew += w;
            }
        }
        let eff = if ew > 0.0 { eff / ew } else { f64::NAN };
        [hours, p95, eff]
    };
    let point = stats(scores);
    let mut rng = Rng::new(seed, 0xb007);
    let mut draws: [Vec<f64>; 3] = Default::default();
    for _ in 0..BOOTSTRAP {
        let resampled: Vec<Vec<PathScore>> = scores
            .iter()
            .map(|p| {
                (0..p.len())
                    .map(|_| p[(rng.uniform() * p.len() as f64) as usize % p.len().max(1)])
                    .collect()
            })
            .collect();
        for (d, x) in draws.iter_mut().zip(stats(&resampled)) {
            d.push(x);
        }
    }
    let interval = |value: f64, mut d: Vec<f64>| {
        d.retain(|x| x.is_finite());
        if d.is_empty() || !value.is_finite() {
            return Interval {
                value,
                lo: value,
                hi: value,
            };
        }
        d.sort_by(f64::total_cmp);
        let at = |q: f64| d[((q * (d.len() - 1) as f64).round() as usize).min(d.len() - 1)];
        Interval {
            value,
            lo: at(0.025).min(value),
            hi: at(0.975).max(value),
        }
    };
    let [hd, pd, ed] = draws;
    [
        prop(|p| p.spiral),
        prop(|p| p.off_peg),
        interval(point[0], hd),
        interval(point[1], pd),
        interval(point[2], ed),
    ]
}

/// Where a candidate stands after the race.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// On the Pareto front of the point estimates, within the governor's bounds.
    Front,
    /// Beaten on the point estimates, but no candidate beats it with intervals apart: not
    /// ranked.
    Unresolved,
    /// Another candidate is at least as good on every objective and better on one with
    /// intervals apart.
    Dominated,
    /// Outside a governor's bound on the interval's far end.
    Infeasible,
}

/// A governor's bound on an objective's interval: `--max NAME=V` (its upper end at most V) or
/// `--min NAME=V` (its lower end at least V).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    /// Objective.
    pub objective: String,
    /// True for an upper bound.
    pub upper: bool,
    /// The bound.
    pub value: f64,
}

impl Bound {
    /// Parses `NAME=V` (a trailing `%` divides by 100).
    pub fn parse(spec: &str, upper: bool) -> Result<Bound, String> {
        let flag = if upper { "--max" } else { "--min" };
        let (name, v) = spec.split_once('=').ok_or_else(|| {
            format!("{flag} {spec}: expected OBJECTIVE=VALUE, e.g. p_death_spiral=1%")
        })?;
        let name = name.trim();
        if !OBJECTIVES.iter().any(|(n, ..)| *n == name) {
            let names: Vec<&str> = OBJECTIVES.iter().map(|o| o.0).collect();
            return Err(format!(
                "{flag} {spec}: no objective {name}; accepted: {}",
                names.join(", ")
            ));
        }
        let v = v.trim();
        let value = match v.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
            None => v.parse::<f64>(),
        }
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{flag} {spec}: {v} is not a number"))?;
        Ok(Bound {
            objective: name.to_string(),
            upper,
            value,
        })
    }

    fn index(&self) -> usize {
        OBJECTIVES
            .iter()
            .position(|(n, ..)| *n == self.objective)
            .unwrap_or(0)
    }

    /// Met by the whole interval.
    fn met(&self, o: &[Interval; 5]) -> bool {
        let i = o[self.index()];
        if self.upper {
            i.hi <= self.value
        } else {
            i.lo >= self.value
        }
    }

    /// Missed by the whole interval (no more paths can bring it back).
    fn missed(&self, o: &[Interval; 5]) -> bool {
        let i = o[self.index()];
        if self.upper {
            i.lo > self.value
        } else {
            i.hi < self.value
        }
    }
}

fn better_or_equal(a: &Interval, b: &Interval, sense: Sense) -> bool {
    match sense {
        Sense::Min => a.value <= b.value,
        Sense::Max => a.value >= b.value || b.value.is_nan(),
    }
}

fn apart(a: &Interval, b: &Interval, sense: Sense) -> bool {
    match sense {
        Sense::Min => a.hi < b.lo,
        Sense::Max => a.lo > b.hi,
    }
}

/// True if `a` is at least as good as `b` on every objective and better on one (`clear`: with
/// the intervals apart there).
fn dominates(a: &[Interval; 5], b: &[Interval; 5], clear: bool) -> bool {
    let all = OBJECTIVES
        .iter()
        .enumerate()
        .all(|(i, (_, s, _))| better_or_equal(&a[i], &b[i], *s));
    let one = OBJECTIVES.iter().enumerate().any(|(i, (_, s, _))| {
        if clear {
            apart(&a[i], &b[i], *s)
        } else {
            !better_or_equal(&b[i], &a[i], *s)
        }
    });
    all && one
}

/// The status of every candidate from its objectives (`None`: not evaluated).
pub fn classify(objectives: &[Option<[Interval; 5]>], bounds: &[Bound]) -> Vec<Status> {
    let feasible: Vec<bool> = objectives
        .iter()
        .map(|o| o.is_some_and(|o| bounds.iter().all(|b| b.met(&o))))
        .collect();
    objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let Some(o) = o else { return Status::Dominated };
            if bounds.iter().any(|b| b.missed(o)) {
                return Status::Infeasible;
            }
            let others = objectives
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(j, x)| x.map(|x| (j, x)));
            let mut point_beaten = false;
            for (j, x) in others {
                if dominates(&x, o, true) && feasible[j] {
                    return Status::Dominated;
                }
                if dominates(&x, o, false) && feasible[j] {
                    point_beaten = true;
                }
            }
            if point_beaten || !feasible[i] {
                Status::Unresolved
            } else {
                Status::Front
            }
        })
        .collect()
}

/// The search's settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecommendConfig {
    /// Candidates, the reference included.
    pub candidates: usize,
    /// Paths per scenario in the first round; each round doubles them.
    pub paths: u64,
    /// Paths per scenario a candidate may reach.
    pub max_paths: u64,
    /// Seed of the paths (the same for every candidate) and of the candidates.
    pub seed: u64,
    /// Governor's bounds.
    pub bounds: Vec<Bound>,
    /// Worker threads (default: one per core).
    #[serde(skip)]
    pub threads: Option<usize>,
    /// Show a progress bar.
    #[serde(skip)]
    pub progress: bool,
}

/// A candidate's paths so far, member by member: what a checkpoint keeps.
pub type Scores = Vec<Vec<PathScore>>;

/// The search's state, written after every batch of candidates so a stopped search resumes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    /// What the search was started with (a resumed search must match it).
    pub fingerprint: Value,
    /// Every candidate's paths, member by member.
    pub scores: Vec<Scores>,
    /// Candidates dropped from the race.
    pub dropped: Vec<bool>,
}

/// The search's result.
#[derive(Clone, Debug)]
pub struct Recommendation {
    /// The ensemble: scenario names, weights, calm flags.
    pub ensemble: Vec<(String, f64, bool)>,
    /// The space searched.
    pub space: Vec<Dim>,
    /// The candidates.
    pub candidates: Vec<Candidate>,
    /// Each candidate's objectives.
    pub objectives: Vec<[Interval; 5]>,
    /// Each candidate's status.
    pub status: Vec<Status>,
    /// Each candidate's paths, member by member.
    pub scores: Vec<Scores>,
    /// The chosen candidate (the front's lowest P(death spiral), then lowest P(off peg), then
    /// highest capital efficiency), unless `--pick` names one.
    pub chosen: Option<usize>,
    /// The settings.
    pub config: RecommendConfig,
    /// Wall time.
    pub elapsed: std::time::Duration,
    /// Paths run (this invocation and any resumed from).
    pub paths_run: u64,
    /// Blocks simulated.
    pub blocks_run: u64,
    /// The search's final state (write it to resume or extend the search).
    pub checkpoint: Checkpoint,
}

/// The fingerprint a checkpoint must match to be resumed.
fn fingerprint(members: &[Member], candidates: &[Candidate], config: &RecommendConfig) -> Value {
    json!({
        "version": 1,
        "ensemble": members.iter().map(|m| json!([m.scenario.name, m.weight, m.calm, m.scenario.source])).collect::<Vec<_>>(),
        "candidates": candidates,
        "paths": config.paths,
        "max_paths": config.max_paths,
        "seed": config.seed,
        "bounds": config.bounds,
    })
}

/// One unit of the race's work: candidate, ensemble member, path index.
pub type Job = (usize, usize, u64);

/// Runs a batch of jobs somewhere else (a Ray cluster) and returns their scores in job order;
/// the race runs them on the local pool without one.
pub type Executor<'a> = dyn FnMut(&[Job]) -> Result<Vec<PathScore>, String> + Send + 'a;

/// Every candidate's parameter changes in every member's scenario (its block length).
pub fn all_changes(
    members: &[Member],
    candidates: &[Candidate],
) -> Result<Vec<Vec<Vec<ParamChange>>>, String> {
    candidates
        .iter()
        .map(|c| {
            members
                .iter()
                .map(|m| c.changes(m.scenario.block_seconds))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("candidate {}: {e}", c.id))
        })
        .collect()
}

/// Runs `jobs` on the local pool (`threads`): each (candidate, member) warmed up once, each
/// path from stream `path` of `seed` in every scenario, so a job gives the same score wherever
/// it runs, and a candidate's paths in a scenario are `usdm simulate SCENARIO --seed SEED
/// --paths N` with its flags, path for path.
pub fn run_jobs(
    members: &[Member],
    candidates: &[Candidate],
    changes: &[Vec<Vec<ParamChange>>],
    jobs: &[Job],
    seed: u64,
    threads: Option<usize>,
    pb: &indicatif::ProgressBar,
) -> Result<Vec<PathScore>, String> {
    let options = RunOptions {
        check_invariants: false,
        keep_series: false,
    };
    let mut pairs: Vec<(usize, usize)> = jobs.iter().map(|&(i, m, _)| (i, m)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    montecarlo::with_threads(threads, || {
        let setups: Vec<((usize, usize), Arc<Setup>)> = pairs
            .into_par_iter()
            .map(|(i, m)| {
                let scenario = members
                    .get(m)
                    .ok_or("no such ensemble member")?
                    .scenario
                    .clone();
                let c = candidates.get(i).ok_or("no such candidate")?;
                Setup::new(scenario, c.preset(), &changes[i][m])
                    .map(|s| ((i, m), Arc::new(s)))
                    .map_err(|e| format!("candidate {} in {}: {e}", c.id, members[m].scenario.name))
            })
            .collect::<Result<Vec<_>, String>>()?;
        jobs.par_iter()
            .map(|&(i, m, p)| {
                let setup = setups
                    .iter()
                    .find(|(k, _)| *k == (i, m))
                    .map(|(_, s)| s.clone())
                    .ok_or("a job without its setup")?;
                let s = &members[m].scenario;
                let metrics = World::new(setup, seed, p, options)
                    .run()
                    .map_err(|e| e.to_string())?;
                pb.inc(s.blocks);
                let hours = (s.blocks * s.block_seconds) as f64 / 3600.0;
                Ok(PathScore::of(&metrics.outcome, hours))
            })
            .collect::<Result<Vec<_>, String>>()
    })
}

/// Runs the race. `resume` continues a checkpoint of the same search; `save` is called with
/// the state after each batch (write it to a file to resume later).
pub fn recommend(
    members: &[Member],
    candidates: Vec<Candidate>,
    space: Vec<Dim>,
    config: &RecommendConfig,
    resume: Option<Checkpoint>,
    mut save: impl FnMut(&Checkpoint) -> Result<(), String>,
    mut exec: Option<&mut Executor<'_>>,
) -> Result<Recommendation, String> {
    let started = Instant::now();
    let n = candidates.len();
    let fp = fingerprint(members, &candidates, config);
    let mut state = match resume {
        Some(c) if c.fingerprint == fp => c,
        Some(_) => {
            return Err("the checkpoint is of another search (other candidates, ensemble, paths, seed or bounds); run without --resume, or with the flags it was started with".into())
        }
        None => Checkpoint {
            fingerprint: fp,
            scores: vec![vec![Vec::new(); members.len()]; n],
            dropped: vec![false; n],
        },
    };
    let paths_before: u64 = state.scores.iter().flatten().map(|s| s.len() as u64).sum();
    // Every candidate's changes, checked before anything runs.
    let changes = all_changes(members, &candidates)?;
    let mut blocks_run = 0u64;
    let mut target = config.paths.max(1);
    loop {
        let alive: Vec<usize> = (0..n).filter(|&i| !state.dropped[i]).collect();
        let work: u64 = alive
            .iter()
            .flat_map(|&i| members.iter().enumerate().map(move |(m, x)| (i, m, x)))
            .map(|(i, m, x)| {
                target.saturating_sub(state.scores[i][m].len() as u64) * x.scenario.blocks
            })
            .sum();
        let pb = montecarlo::progress_bar(
            work,
            config.progress,
            &format!("{} candidates to {target} paths a scenario", alive.len()),
        );
        if config.progress {
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {percent}%, {elapsed} elapsed, about {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
        }
        // Candidates in batches, so the checkpoint follows the work closely.
        let batch = montecarlo::max_threads().max(2) * 2;
        for chunk in alive.chunks(batch) {
            let jobs: Vec<(usize, usize, u64)> = chunk
                .iter()
                .flat_map(|&i| (0..members.len()).map(move |m| (i, m)))
                .flat_map(|(i, m)| {
                    (state.scores[i][m].len() as u64..target).map(move |p| (i, m, p))
                })
                .collect();
            if jobs.is_empty() {
                continue;
            }
            let scores = match exec.as_mut() {
                Some(f) => f(&jobs)?,
                None => run_jobs(
                    members,
                    &candidates,
                    &changes,
                    &jobs,
                    config.seed,
                    config.threads,
                    &pb,
                )?,
            };
            if scores.len() != jobs.len() {
                return Err(format!(
                    "the executor returned {} scores for {} paths",
                    scores.len(),
                    jobs.len()
                ));
            }
            let done: Vec<(usize, usize, u64, PathScore)> = jobs
                .iter()
                .zip(scores)
                .map(|(&(i, m, p), s)| (i, m, p, s))
                .collect();
            for (i, m, p, score) in done {
                debug_assert_eq!(state.scores[i][m].len() as u64, p);
                state.scores[i][m].push(score);
                blocks_run += members[m].scenario.blocks;
            }
            save(&state)?;
        }
        pb.finish_and_clear();
        // Drop what another candidate beats with intervals apart, or a bound rules out.
        let objs: Vec<Option<[Interval; 5]>> = (0..n)
            .map(|i| {
                (!state.dropped[i])
                    .then(|| objectives(members, &state.scores[i], config.seed ^ i as u64))
            })
            .collect();
        let status = classify(&objs, &config.bounds);
        // Intervals from a handful of paths (bootstrap ones especially) are too unsure to
        // drop on: a candidate runs at least MIN_PATHS_TO_DROP paths a scenario first.
        if target >= MIN_PATHS_TO_DROP.min(config.max_paths) {
            for (i, s) in status.iter().enumerate() {
                if matches!(s, Status::Dominated | Status::Infeasible) {
                    state.dropped[i] = true;
                }
            }
        }
        save(&state)?;
        if target >= config.max_paths {
            break;
        }
        target = (target * 2).min(config.max_paths);
    }
    // The final verdict over every candidate, dropped ones with the paths they had.
    let objectives_all: Vec<[Interval; 5]> = (0..n)
        .map(|i| objectives(members, &state.scores[i], config.seed ^ i as u64))
        .collect();
    let mut status = classify(
        &objectives_all.iter().map(|o| Some(*o)).collect::<Vec<_>>(),
        &config.bounds,
    );
    for (i, s) in status.iter_mut().enumerate() {
        // A candidate dropped early stays out: its intervals were apart then.
        if state.dropped[i] && *s != Status::Infeasible {
            *s = Status::Dominated;
        }
    }
    let chosen = (0..n)
        .filter(|&i| status[i] == Status::Front)
        .min_by(|&a, &b| {
            let (x, y) = (&objectives_all[a], &objectives_all[b]);
            x[0].value
                .total_cmp(&y[0].value)
                .then(x[1].value.total_cmp(&y[1].value))
                .then(y[4].value.total_cmp(&x[4].value))
        });
    let paths_after: u64 = state.scores.iter().flatten().map(|s| s.len() as u64).sum();
    Ok(Recommendation {
        ensemble: members
            .iter()
            .map(|m| (m.scenario.name.clone(), m.weight, m.calm))
            .collect(),
        space,
        candidates,
        objectives: objectives_all,
        status,
        scores: state.scores.clone(),
        checkpoint: state,
        chosen,
        config: config.clone(),
        elapsed: started.elapsed(),
        paths_run: paths_after.max(paths_before),
        blocks_run,
    })
}

/// How many of a candidate's paths in one scenario broke the peg, went off it, spiralled.
struct Split {
    paths: usize,
    broke: usize,
    off_peg: usize,
    spiral: usize,
}

impl Split {
    fn of(s: &[PathScore]) -> Split {
        let count = |f: fn(&PathScore) -> bool| s.iter().filter(|p| f(p)).count();
        Split {
            paths: s.len(),
            broke: count(|p| p.broke),
            off_peg: count(|p| p.off_peg),
            spiral: count(|p| p.spiral),
        }
    }
}

fn interval_json(i: &Interval) -> Value {
    let f = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    json!({"value": f(i.value), "lo": f(i.lo), "hi": f(i.hi)})
}

impl Recommendation {
    /// One candidate as JSON: its values, objectives with intervals, status, paths, and the
    /// split outcomes in each scenario.
    pub fn candidate_json(&self, i: usize) -> Value {
        let c = &self.candidates[i];
        let objectives: serde_json::Map<String, Value> = OBJECTIVES
            .iter()
            .zip(&self.objectives[i])
            .map(|((n, ..), o)| (n.to_string(), interval_json(o)))
            .collect();
        let split: Vec<Value> = self
            .ensemble
            .iter()
            .zip(&self.scores[i])
            .map(|((name, ..), s)| {
                let x = Split::of(s);
                let p = |k: usize| {
                    let (lo, hi) = wilson(k as u64, x.paths as u64);
                    let f = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
                    json!({"value": k as f64 / x.paths.max(1) as f64, "lo": f(lo), "hi": f(hi)})
                };
                json!({
                    "scenario": name,
                    "paths": x.paths,
                    "p_break": p(x.broke),
                    "p_off_peg": p(x.off_peg),
                    "p_death_spiral": p(x.spiral),
                })
            })
            .collect();
        json!({
            "id": c.id,
            "status": self.status[i],
            "params": c.values.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "preset": c.preset().name(),
            "deploy_preset": c.deploy_preset().name(),
            "simulate": c.flags().join(" "),
            "objectives": objectives,
            "paths_per_scenario": self.scores[i].iter().map(|s| s.len()).min().unwrap_or(0),
            "scenarios": split,
        })
    }

    /// The front (and the unresolved beside it), best first by the chosen order.
    pub fn front(&self) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.candidates.len())
            .filter(|&i| matches!(self.status[i], Status::Front | Status::Unresolved))
            .collect();
        v.sort_by(|&a, &b| {
            let key = |i: usize| (self.status[i] != Status::Front, i);
            let (x, y) = (&self.objectives[a], &self.objectives[b]);
            key(a)
                .0
                .cmp(&key(b).0)
                .then(x[0].value.total_cmp(&y[0].value))
                .then(x[1].value.total_cmp(&y[1].value))
                .then(y[4].value.total_cmp(&x[4].value))
                .then(a.cmp(&b))
        });
        v
    }

    /// The ensemble in words: `calm (weight 0.5, calm), btc-crash (weight 0.125), ...`.
    pub fn ensemble_label(&self) -> String {
        self.ensemble
            .iter()
            .map(|(n, w, c)| format!("{n} (weight {w}{})", if *c { ", calm" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `front.json`: the search, the front and the unresolved candidates, the chosen one.
    pub fn to_json(&self) -> Value {
        json!({
            "objectives": OBJECTIVES.iter().map(|(n, s, d)| json!({"name": n, "better": if *s == Sense::Min { "lower" } else { "higher" }, "meaning": d})).collect::<Vec<_>>(),
            "ensemble": self.ensemble.iter().map(|(n, w, c)| json!({"scenario": n, "weight": w, "calm": c})).collect::<Vec<_>>(),
            "space": self.space,
            "settings": self.config,
            "bounds": self.config.bounds,
            "candidates_searched": self.candidates.len(),
            "front": self.front().into_iter().map(|i| self.candidate_json(i)).collect::<Vec<_>>(),
            "chosen": self.chosen.map(|i| self.candidates[i].id),
            "paths_run": self.paths_run,
            "blocks_run": self.blocks_run,
            "elapsed_seconds": self.elapsed.as_secs_f64(),
        })
    }

    /// Every candidate, one row each: `id, status, params..., objective, objective_lo,
    /// objective_hi, ...` (CSV).
    pub fn csv(&self, only_front: bool) -> String {
        let mut out = String::from("id,status,paths_per_scenario");
        for d in &self.space {
            out += &format!(",{}", d.key);
        }
        for (n, ..) in OBJECTIVES {
            out += &format!(",{n},{n}_lo,{n}_hi");
        }
        out.push('\n');
        let rows: Vec<usize> = if only_front {
            self.front()
        } else {
            (0..self.candidates.len()).collect()
        };
        for i in rows {
            let c = &self.candidates[i];
            let status = serde_json::to_value(self.status[i]).unwrap_or(Value::Null);
            out += &format!(
                "{},{},{}",
                c.id,
                status.as_str().unwrap_or(""),
                self.scores[i].iter().map(|s| s.len()).min().unwrap_or(0)
            );
            for d in &self.space {
                out += &format!(",{}", c.get(&d.key).unwrap_or(""));
            }
            for o in &self.objectives[i] {
                let f = |x: f64| {
                    if x.is_finite() {
                        format!("{x}")
                    } else {
                        String::new()
                    }
                };
                out += &format!(",{},{},{}", f(o.value), f(o.lo), f(o.hi));
            }
            out.push('\n');
        }
        out
    }
}

/// The hub's instantiate message for `c` (placeholders for the addresses, the XMS supply and
/// the code checksums, which only the deploying team knows), and the governance messages that
/// set its parameters right after (those that differ from the preset's).
pub fn instantiate_messages(c: &Candidate) -> (Value, Vec<Value>) {
    let preset = c.deploy_preset();
    let instantiate = json!({
        "governor": "wasm1governor...",
        "feeders": ["wasm1feeder..."],
        "preset": preset.name(),
        "xms_supply": "100000000000000000000000000",
        "pair_code": null,
        "governance_code": "0000000000000000000000000000000000000000000000000000000000000000",
    });
    let defaults = Candidate {
        id: 0,
        values: preset_values(preset, &c.values),
    };
    let mut messages = Vec::new();
    for (k, v) in &c.values {
        if k == "policy" || defaults.get(k) == Some(v.as_str()) {
            continue;
        }
        messages.push(json!({"govern": {"set_param": {"param": param_msg(k, v)}}}));
    }
    (instantiate, messages)
}

/// The values a fresh hub of `preset` holds for the keys of `like`.
fn preset_values(preset: Preset, like: &[(String, String)]) -> Vec<(String, String)> {
    let p = preset.params();
    let ratio = |r: usdm_core::units::Ratio| significant(crate::convert::fraction(r), 4);
    like.iter()
        .map(|(k, _)| {
            let v = match k.as_str() {
                "xms_support_ratio" => significant(p.xms_support_ratio.raw() as f64 / 1e18, 4),
                "breaker_xms_minted" => p.breakers.xms_minted.map_or("off".into(), ratio),
                "breaker_redemption_outflow" => {
                    p.breakers.redemption_outflow.map_or("off".into(), ratio)
                }
                "twap_window" => p.twap_window.to_string(),
                k => tier_fee_value(&p, k).unwrap_or_default(),
            };
            (k.clone(), v)
        })
        .collect()
}

/// A `ParamMsg` (the governance contract's JSON) for a key and value as `--set` takes them.
pub fn param_msg(key: &str, value: &str) -> Value {
    let dec = |v: &str| json!(v);
    match key {
        "twap_window" => json!({"twap_window": value.parse::<u64>().unwrap_or(0)}),
        "breaker_xms_minted" | "breaker_redemption_outflow" => {
            json!({ key: if value == "off" { Value::Null } else { dec(value) } })
        }
        k if k.starts_with("tier") => {
            let rest = &k[4..];
            let (n, which) = rest.split_once('_').unwrap_or(("1", "mint_fee"));
            let name = format!("tier_{which}");
            json!({ name: {"tier": n.parse::<u8>().unwrap_or(1), "value": dec(value)} })
        }
        k => json!({ k: dec(value) }),
    }
}

/// The governance messages that move a running hub from `from` (its values, as `--set` takes
/// them) to `c`: `set_param` for each changed value, and a `start_support_ramp` for the
/// support ratio, as slow as the ramp limits require (`max_daily_change` of the lower ratio a
/// day, at least `min_seconds`).
pub fn move_messages(
    from: &[(String, String)],
    c: &Candidate,
    max_daily_change: f64,
    min_seconds: u64,
) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, v) in &c.values {
        let old = from.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        if k == "policy" || old == Some(v.as_str()) {
            continue;
        }
        if k == "xms_support_ratio" {
            let (a, b) = (
                old.and_then(|o| o.parse::<f64>().ok()).unwrap_or(2.5),
                v.parse::<f64>().unwrap_or(2.5),
            );
            let per_day = max_daily_change * a.min(b);
            let days = if per_day > 0.0 {
                (b - a).abs() / per_day
            } else {
                1.0
            };
            let seconds = ((days * 86_400.0).ceil() as u64).max(min_seconds);
            out.push(json!({"govern": {"start_support_ramp": {"to": v, "seconds": seconds}}}));
        } else {
            out.push(json!({"govern": {"set_param": {"param": param_msg(k, v)}}}));
        }
    }
    out
}

/// The parameters in force (as `--set` values), the ramp's daily limit and its shortest
/// length.
pub type InForce = (Vec<(String, String)>, f64, u64);

/// The parameters in force, read from the hub's `config` query answer (as `--set` values),
/// and its ramp limits (`ramp_max_daily_change`, `ramp_min_seconds`).
pub fn values_in_force(config: &Value, space: &[Dim]) -> Result<InForce, String> {
    let params = config
        .get("params")
        .ok_or("the file is not the hub's `config` answer: no `params`")?;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some("off".to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    for d in space {
        let v = match d.key.as_str() {
            "policy" => config
                .get("policy")
                .and_then(Value::as_str)
                .map(str::to_string),
            k if k.starts_with("tier") => {
                let rest = &k[4..];
                let (n, which) = rest.split_once('_').unwrap_or(("1", ""));
                let n: usize = n.parse().unwrap_or(1);
                let list = if which == "mint_fee" {
                    "tier_mint_fee"
                } else {
                    "tier_redeem_fee"
                };
                params.get(list).and_then(|l| l.get(n - 1)).and_then(text)
            }
            k => params.get(k).and_then(text),
        };
        let v = v.ok_or_else(|| format!("the hub's config has no {}", d.key))?;
        let v = match v.parse::<f64>() {
            Ok(x) if d.key != "twap_window" => significant(x, 4),
            _ => v,
        };
        out.push((d.key.clone(), v));
    }
    let f = |k: &str| {
        params
            .get(k)
            .and_then(text)
            .and_then(|s| s.parse::<f64>().ok())
    };
    Ok((
        out,
        f("ramp_max_daily_change").unwrap_or(0.1),
        f("ramp_min_seconds").unwrap_or(86_400.0) as u64,
    ))
}

/// The space narrowed to `step` (a share) either side of the values in force: the policy
/// stays, a breaker that is off stays off, every other value moves at most `step`.
pub fn within_step(space: &[Dim], from: &[(String, String)], step: f64) -> Vec<Dim> {
    space
        .iter()
        .map(|d| {
            let cur = from
                .iter()
                .find(|(k, _)| *k == d.key)
                .map(|(_, v)| v.as_str());
            let mut d = d.clone();
            match cur {
                Some(v) if !d.choices.is_empty() => d.choices = vec![v.to_string()],
                Some("off") => {
                    d.choices = vec!["off".to_string()];
                }
                Some(v) => {
                    if let Ok(x) = v.parse::<f64>() {
                        d.lo = x * (1.0 - step);
                        d.hi = x * (1.0 + step);
                        if d.key == "xms_support_ratio" {
                            d.lo = d.lo.max(1.0);
                        }
                        d.log = d.lo > 0.0 && d.hi / d.lo >= 10.0;
                        d.off = false;
                    }
                }
                None => {}
            }
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_map_the_unit_interval_onto_values_the_scenario_parser_accepts() {
        for d in default_space() {
            for u in [0.0, 0.1, 0.3, 0.5, 0.99] {
                let v = d.value(u);
                if d.key != "policy" {
                    param_from_text(&d.key, &v, 3).unwrap_or_else(|e| panic!("{}={v}: {e}", d.key));
                }
            }
        }
        let r = Dim::range("xms_support_ratio", 1.2, 6.0);
        assert_eq!(r.value(0.0), "1.2");
        assert_eq!(r.value(1.0), "6");
        let mut b = Dim::range("breaker_xms_minted", 0.0002, 0.02);
        b.off = true;
        assert_eq!(b.value(0.1), "off");
        assert_eq!(b.value(0.25), "0.0002");
        assert_eq!(significant(0.000123456, 3), "0.000123");
        assert_eq!(significant(1234.6, 3), "1235");
    }

    #[test]
    fn candidates_are_reproducible_by_seed_and_the_reference_comes_first() {
        let space = default_space();
        let reference = guarded_reference(&space);
        let a = candidates(&space, &reference, 20, 7);
        assert_eq!(a, candidates(&space, &reference, 20, 7));
        assert_ne!(a, candidates(&space, &reference, 20, 8));
        assert_eq!(a[0].values, reference);
        assert_eq!(a[0].deploy_preset(), Preset::MarsGuarded);
        assert_eq!(a[0].get("breaker_xms_minted"), Some("0.001"));
        // Both policies and breakers on and off all appear.
        assert!(a.iter().any(|c| c.preset() == Preset::Frax));
        assert!(a.iter().any(|c| c.get("breaker_xms_minted") == Some("off")));
    }

    fn score(spiral: bool, dilution: f64, room: f64) -> PathScore {
        PathScore {
            spiral,
            off_peg: spiral,
            broke: spiral,
            hours_off_peg: if spiral { 10.0 } else { 0.0 },
            dilution,
            mint_room: room,
        }
    }

    #[test]
    fn objectives_weigh_the_members_and_carry_intervals() {
        let m = |calm, weight| Member {
            scenario: Arc::new(Scenario::load("calm").unwrap()),
            weight,
            calm,
        };
        let members = [m(true, 3.0), m(false, 1.0)];
        // Calm: 20 paths, no spiral, room 0.5; crash: 20 paths, 10 spirals at x1000.
        let calm = vec![score(false, 1.0, 0.5); 20];
        let crash: Vec<PathScore> = (0..20)
            .map(|i| score(i < 10, if i < 10 { 1000.0 } else { 1.0 }, 1.0))
            .collect();
        let o = objectives(&members, &[calm, crash], 1);
        // P(spiral) = 0.25 x 10/20 = 0.125.
        assert!((o[0].value - 0.125).abs() < 1e-12);
        assert!(o[0].lo < 0.125 && o[0].hi > 0.125);
        // Hours off peg given off: only the crash went off, 10 h each.
        assert_eq!(o[2].value, 10.0);
        // Pooled p95 dilution: the spirals carry 0.25 x 0.5 = 12.5% of the mass, above 5%.
        assert_eq!(o[3].value, 1000.0);
        // Capital efficiency from the calm member alone.
        assert_eq!(o[4].value, 0.5);
        assert_eq!((o[4].lo, o[4].hi), (0.5, 0.5), "no spread, no width");
    }

    #[test]
    fn weighted_proportions_use_the_effective_sample_size() {
        // One member: plain Wilson.
        let one = vec![vec![score(false, 1.0, 1.0); 20]];
        let i = weighted_proportion(&one, &[1.0], |p| p.spiral);
        let (lo, hi) = wilson(0, 20);
        assert_eq!((i.value, i.lo), (0.0, lo));
        assert!((i.hi - hi).abs() < 1e-12);
        // Two members of 20 paths weighted equally: as sure as 40 paths.
        let two = vec![vec![score(false, 1.0, 1.0); 20]; 2];
        let i = weighted_proportion(&two, &[0.5, 0.5], |p| p.spiral);
        assert!((i.hi - wilson(0, 40).1).abs() < 1e-12);
        // Weighted 3:1, the effective size is 20 / (0.625) = 32.
        let i = weighted_proportion(&two, &[0.75, 0.25], |p| p.spiral);
        assert!((i.hi - wilson(0, 32).1).abs() < 1e-12);
    }

    #[test]
    fn the_front_keeps_trade_offs_and_overlaps_and_drops_clear_losers() {
        let iv = |v: f64, w: f64| Interval {
            value: v,
            lo: v - w,
            hi: v + w,
        };
        let o = |spiral: f64, eff: f64, w: f64| {
            [
                iv(spiral, w),
                iv(0.5, 0.0),
                iv(1.0, 0.0),
                iv(1.0, 0.0),
                iv(eff, w),
            ]
        };
        let objs = vec![
            Some(o(0.01, 0.2, 0.001)), // safe, inefficient: front
            Some(o(0.10, 0.9, 0.001)), // risky, efficient: front
            Some(o(0.02, 0.15, 0.05)), // beaten by 0 on points, intervals overlap: unresolved
            Some(o(0.30, 0.1, 0.001)), // beaten by 0 with intervals apart: dominated
        ];
        let s = classify(&objs, &[]);
        assert_eq!(
            s,
            [
                Status::Front,
                Status::Front,
                Status::Unresolved,
                Status::Dominated
            ]
        );
        // A governor's bound on the far end: 1% is missed by the first's upper end.
        let bound = Bound::parse("p_death_spiral=1%", true).unwrap();
        assert_eq!(bound.value, 0.01);
        let s = classify(&objs, &[bound]);
        assert_eq!(s[1], Status::Infeasible);
        assert_eq!(
            s[0],
            Status::Unresolved,
            "0.011 at its upper end: not yet within the bound"
        );
        assert!(Bound::parse("p_moon=1", true)
            .unwrap_err()
            .contains("accepted"));
    }

    #[test]
    fn messages_name_only_what_differs_and_ramps_move_the_support_ratio() {
        let c = Candidate {
            id: 3,
            values: vec![
                ("policy".into(), "mars".into()),
                ("xms_support_ratio".into(), "3".into()),
                ("breaker_xms_minted".into(), "0.001".into()),
                ("breaker_redemption_outflow".into(), "off".into()),
                ("twap_window".into(), "600".into()),
                ("tier1_mint_fee".into(), "0.003".into()),
            ],
        };
        let (inst, msgs) = instantiate_messages(&c);
        assert_eq!(inst["preset"], "mars-guarded");
        let text = serde_json::to_string(&msgs).unwrap();
        assert!(text.contains(r#"{"xms_support_ratio":"3"}"#), "{text}");
        assert!(
            text.contains(r#"{"breaker_redemption_outflow":null}"#),
            "{text}"
        );
        assert!(
            text.contains(r#"{"tier_mint_fee":{"tier":1,"value":"0.003"}}"#),
            "{text}"
        );
        assert!(
            !text.contains("twap_window"),
            "600 s is the preset's: {text}"
        );
        let from: Vec<(String, String)> = c
            .values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == "xms_support_ratio" {
                        "2.5".into()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        let moves = move_messages(&from, &c, 0.1, 86_400);
        // 2.5 to 3 at 10% of 2.5 a day: 2 days.
        assert_eq!(
            moves,
            vec![json!({"govern": {"start_support_ramp": {"to": "3", "seconds": 172_800}}})]
        );
    }
}

/// What a `usdm recommend` invocation asks for (the CLI's flags; Python's arguments).
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// An ensemble file (default: [`default_ensemble`]).
    pub ensemble: Option<std::path::PathBuf>,
    /// Candidates (default 200; 12 with `quick`).
    pub candidates: Option<usize>,
    /// Paths per scenario in the first round (default 8; 4 with `quick`).
    pub paths: Option<u64>,
    /// Paths per scenario a candidate may reach (default 32; 8 with `quick`).
    pub max_paths: Option<u64>,
    /// `--max OBJECTIVE=VALUE` specs.
    pub max: Vec<String>,
    /// `--min OBJECTIVE=VALUE` specs.
    pub min: Vec<String>,
    /// The hub's `config` query answer.
    pub from: Option<Value>,
    /// With `from`: how far a value may move, `10%` or `0.1`.
    pub max_step: Option<String>,
    /// The candidate whose messages are written.
    pub pick: Option<usize>,
    /// Seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: Option<usize>,
    /// The small search.
    pub quick: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// Why a request failed: malformed (exit 2) or refused while running (exit 1).
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// A malformed request, refused before anything runs.
    Usage(String),
    /// A failure while running.
    Refused(String),
}

/// A finished request: the search, `front.json`'s document, and the chosen point's messages.
pub struct Answer {
    /// The search.
    pub recommendation: Recommendation,
    /// `front.json` (without its `files`).
    pub json: Value,
    /// The hub's instantiate message for the chosen point.
    pub instantiate: Option<Value>,
    /// Governance messages that set the chosen parameters after instantiation.
    pub configure: Vec<Value>,
    /// With `from`: the messages that move the running hub there.
    pub governance: Option<Vec<Value>>,
}

/// The share `10%` or `0.1`, strictly between 0 and 1.
fn share_of(spec: &str) -> Option<f64> {
    let s = spec.trim();
    match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|x| x / 100.0),
        None => s.parse::<f64>().ok(),
    }
    .filter(|x| x.is_finite() && *x > 0.0 && *x < 1.0)
}

/// The settings, ensemble, space and candidates of `req`, checked before anything runs.
#[allow(clippy::type_complexity)]
pub fn prepare(
    req: &Request,
) -> Result<
    (
        RecommendConfig,
        Vec<Member>,
        Vec<Dim>,
        Vec<Candidate>,
        Option<InForce>,
    ),
    Failure,
> {
    let (n, paths, max_paths) = if req.quick { (12, 4, 8) } else { (200, 8, 32) };
    let first = req.paths.unwrap_or(paths);
    let config = RecommendConfig {
        candidates: req.candidates.unwrap_or(n),
        paths: first,
        max_paths: req.max_paths.unwrap_or(max_paths.max(first)),
        seed: req.seed,
        bounds: req
            .max
            .iter()
            .map(|s| Bound::parse(s, true))
            .chain(req.min.iter().map(|s| Bound::parse(s, false)))
            .collect::<Result<_, _>>()
            .map_err(Failure::Usage)?,
        threads: req.threads,
        progress: req.progress,
    };
    if config.candidates < 2 || config.paths == 0 || config.max_paths < config.paths {
        return Err(Failure::Usage(
            "candidates must be at least 2, paths at least 1 and max paths at least paths".into(),
        ));
    }
    montecarlo::check_threads(req.threads).map_err(Failure::Usage)?;
    let members = match &req.ensemble {
        Some(f) => load_ensemble(f).map_err(Failure::Usage)?,
        None => default_ensemble().map_err(Failure::Refused)?,
    };
    let mut space = default_space();
    let in_force = match &req.from {
        Some(v) => Some(
            values_in_force(v, &space)
                .map_err(|e| Failure::Usage(format!("the parameters in force: {e}")))?,
        ),
        None => None,
    };
    if let Some(step) = &req.max_step {
        let Some((values, ..)) = &in_force else {
            return Err(Failure::Usage(
                "a step limit needs the parameters in force (--from the hub's config answer)"
                    .into(),
            ));
        };
        let s = share_of(step).ok_or_else(|| {
            Failure::Usage(format!(
                "max step {step}: give a share between 0 and 1, e.g. 10%"
            ))
        })?;
        space = within_step(&space, values, s);
    }
    let reference = match &in_force {
        Some((values, ..)) => values.clone(),
        None => guarded_reference(&space),
    };
    let candidates = candidates(&space, &reference, config.candidates, config.seed);
    if let Some(p) = req.pick {
        if p >= candidates.len() {
            return Err(Failure::Usage(format!(
                "pick {p}: the search has candidates 0 to {}",
                candidates.len() - 1
            )));
        }
    }
    for c in &candidates {
        for m in &members {
            c.changes(m.scenario.block_seconds)
                .map_err(|e| Failure::Usage(format!("candidate {}: {e}", c.id)))?;
        }
    }
    Ok((config, members, space, candidates, in_force))
}

/// The scores of `jobs` of `req`'s search, run here on one thread: what a Ray task runs for
/// its share of a round (the same scores as a local run, path for path).
pub fn paths_of(req: &Request, jobs: &[Job]) -> Result<Vec<PathScore>, Failure> {
    let (config, members, _, candidates, _) = prepare(req)?;
    let changes = all_changes(&members, &candidates).map_err(Failure::Usage)?;
    run_jobs(
        &members,
        &candidates,
        &changes,
        jobs,
        config.seed,
        Some(1),
        &indicatif::ProgressBar::hidden(),
    )
    .map_err(Failure::Refused)
}

/// Runs a request: the search, then the chosen point's messages (`exec` runs the paths
/// elsewhere, e.g. on Ray; none: the local pool).
pub fn answer(
    req: &Request,
    resume: Option<Checkpoint>,
    save: impl FnMut(&Checkpoint) -> Result<(), String>,
    exec: Option<&mut Executor<'_>>,
) -> Result<Answer, Failure> {
    let (config, members, space, candidates, in_force) = prepare(req)?;
    let mut r = recommend(&members, candidates, space, &config, resume, save, exec)
        .map_err(Failure::Refused)?;
    if let Some(p) = req.pick {
        r.chosen = Some(p);
    }
    let mut json = r.to_json();
    let (mut instantiate, mut configure, mut governance) = (None, Vec::new(), None);
    if let Some(i) = r.chosen {
        let c = &r.candidates[i];
        let (inst, conf) = instantiate_messages(c);
        json["chosen_candidate"] = r.candidate_json(i);
        json["instantiate"] = inst.clone();
        json["configure"] = json!(conf);
        if let Some((from, daily, min_seconds)) = &in_force {
            let moves = move_messages(from, c, *daily, *min_seconds);
            json["governance"] = json!(moves);
            governance = Some(moves);
        }
        instantiate = Some(inst);
        configure = conf;
    }
    Ok(Answer {
        recommendation: r,
        json,
        instantiate,
        configure,
        governance,
    })
}

/// `report.html`: the front drawn twice (P(death spiral) against capital efficiency, P(off
/// peg) against hours off the peg), every candidate's 95% intervals as bars, and a table of the
/// front with each candidate's split outcomes per scenario. One self-contained page.
pub fn report_html(r: &Recommendation) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let colour = |s: Status| match s {
        Status::Front => "#1f6feb",
        Status::Unresolved => "#d29922",
        Status::Dominated => "#bbbbbb",
        Status::Infeasible => "#e5534b",
    };
    let chart = |x: usize, y: usize| {
        let (w, h, pad) = (520.0, 340.0, 48.0);
        let finite = |v: f64| v.is_finite();
        let all: Vec<&[Interval; 5]> = r.objectives.iter().collect();
        let span = |k: usize| {
            let lo = all
                .iter()
                .map(|o| o[k].lo)
                .filter(|v| finite(*v))
                .fold(f64::INFINITY, f64::min);
            let hi = all
                .iter()
                .map(|o| o[k].hi)
                .filter(|v| finite(*v))
                .fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() && hi > lo {
                (lo, hi)
            } else {
                (0.0, 1.0)
            }
        };
        let ((x0, x1), (y0, y1)) = (span(x), span(y));
        let px = |v: f64| pad + (v - x0) / (x1 - x0) * (w - 2.0 * pad);
        let py = |v: f64| h - pad - (v - y0) / (y1 - y0) * (h - 2.0 * pad);
        let mut svg = format!(
            r##"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img"><rect width="{w}" height="{h}" fill="#fff"/><line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" stroke="#333"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{b}" stroke="#333"/><text x="{cx}" y="{ty}" text-anchor="middle" font-size="12">{xl} ({x0:.3} to {x1:.3})</text><text x="12" y="{cy}" font-size="12" transform="rotate(-90 12 {cy})" text-anchor="middle">{yl} ({y0:.3} to {y1:.3})</text>"##,
            b = h - pad,
            r = w - pad,
            cx = w / 2.0,
            ty = h - 12.0,
            cy = h / 2.0,
            xl = OBJECTIVES[x].0,
            yl = OBJECTIVES[y].0,
        );
        let mut order: Vec<usize> = (0..r.candidates.len()).collect();
        // The front drawn last, on top.
        order.sort_by_key(|&i| match r.status[i] {
            Status::Dominated | Status::Infeasible => 0,
            Status::Unresolved => 1,
            Status::Front => 2,
        });
        for i in order {
            let o = &r.objectives[i];
            let (a, b) = (o[x], o[y]);
            if !(finite(a.value) && finite(b.value)) {
                continue;
            }
            let c = colour(r.status[i]);
            svg += &format!(
                r#"<g><title>candidate {id} ({st:?}): {xl} {av:.4} [{alo:.4}, {ahi:.4}], {yl} {bv:.4} [{blo:.4}, {bhi:.4}]</title><line x1="{l}" y1="{cy}" x2="{rr}" y2="{cy}" stroke="{c}" stroke-opacity="0.5"/><line x1="{cx}" y1="{t}" x2="{cx}" y2="{bt}" stroke="{c}" stroke-opacity="0.5"/><circle cx="{cx}" cy="{cy}" r="{rad}" fill="{c}"/></g>"#,
                id = r.candidates[i].id,
                st = r.status[i],
                xl = OBJECTIVES[x].0,
                yl = OBJECTIVES[y].0,
                av = a.value,
                alo = a.lo,
                ahi = a.hi,
                bv = b.value,
                blo = b.lo,
                bhi = b.hi,
                l = px(a.lo),
                rr = px(a.hi),
                cx = px(a.value),
                cy = py(b.value),
                t = py(b.hi),
                bt = py(b.lo),
                rad = if r.status[i] == Status::Front {
                    4.5
                } else {
                    3.0
                },
            );
        }
        svg + "</svg>"
    };
    let fmt = |i: &Interval| {
        if i.value.is_finite() {
            format!("{:.4} [{:.4}, {:.4}]", i.value, i.lo, i.hi)
        } else {
            "-".into()
        }
    };
    let mut rows = String::new();
    for i in r.front() {
        let c = &r.candidates[i];
        let chosen = if r.chosen == Some(i) { " (chosen)" } else { "" };
        rows += &format!(
            "<tr><td>{}{chosen}</td><td>{:?}</td><td><code>{}</code></td>",
            c.id,
            r.status[i],
            esc(&c.flags().join(" "))
        );
        for o in &r.objectives[i] {
            rows += &format!("<td>{}</td>", fmt(o));
        }
        let split: Vec<String> = r
            .ensemble
            .iter()
            .zip(&r.scores[i])
            .map(|((n, ..), s)| {
                let x = Split::of(s);
                format!(
                    "{n}: broke {}/{}, off peg {}, spiral {}",
                    x.broke, x.paths, x.off_peg, x.spiral
                )
            })
            .collect();
        rows += &format!("<td>{}</td></tr>\n", esc(&split.join("; ")));
    }
    let heads: String = OBJECTIVES
        .iter()
        .map(|(n, s, _)| {
            format!(
                "<th>{n} ({})</th>",
                if *s == Sense::Min {
                    "lower is better"
                } else {
                    "higher is better"
                }
            )
        })
        .collect();
    let ensemble = r.ensemble_label();
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>usdm recommend</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:4px 6px;vertical-align:top}}code{{font-size:12px}}.charts{{display:flex;gap:2em;flex-wrap:wrap}}</style></head><body>
<h1>usdm recommend</h1>
<p>{n} candidates over {ens}; {paths} paths, {secs:.0} s. Points are estimates, bars their 95% intervals. <span style="color:#1f6feb">Front</span>: not beaten on the estimates; <span style="color:#d29922">unresolved</span>: beaten on the estimates but not with intervals apart (not ranked); <span style="color:#999">dominated</span>: beaten with intervals apart; <span style="color:#e5534b">infeasible</span>: outside a bound.</p>
<div class="charts">{c1}{c2}</div>
<h2>The front and the unresolved</h2>
<table><tr><th>candidate</th><th>status</th><th>re-run with usdm simulate SCENARIO</th>{heads}<th>split outcomes (paths)</th></tr>
{rows}</table>
</body></html>
"#,
        n = r.candidates.len(),
        ens = esc(&ensemble),
        paths = r.paths_run,
        secs = r.elapsed.as_secs_f64(),
        c1 = chart(0, 4),
        c2 = chart(1, 2),
    )
}
