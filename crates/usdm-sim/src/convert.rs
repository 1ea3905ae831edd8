//! The boundary between the market models (floating point) and the protocol (exact integers).
//!
//! Agents think in `f64` dollars and tokens; everything they send to the protocol is converted
//! here, rounding down (an agent never offers more than it has), and everything the protocol
//! reports is converted back for metrics.

use usdm_core::units::{Amount, Multiple, Price, Ratio, Usd, WAD};

/// `x` whole tokens as base units of a token with `decimals`, rounded down; negative, NaN and
/// infinite inputs give zero, and values beyond `u128` saturate.
#[inline]
pub fn amount(x: f64, decimals: u8) -> Amount {
    let scaled = x * pow10(decimals);
    if scaled.is_nan() || scaled <= 0.0 {
        return Amount::ZERO;
    }
    // `as` saturates at u128::MAX for large finite values and for +inf.
    Amount::new(scaled as u128)
}

/// `x` as the nearest-enough `f64`: two hardware conversions instead of the software
/// `u128` one (which dominated the simulator's profile); relative error below 2^-52.
#[inline]
pub fn u128_f64(x: u128) -> f64 {
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    ((x >> 64) as u64) as f64 * TWO_64 + (x as u64) as f64
}

/// Powers of ten as `f64`, for token decimals.
const POW10: [f64; 31] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30,
];

#[inline]
fn pow10(decimals: u8) -> f64 {
    POW10
        .get(usize::from(decimals))
        .copied()
        .unwrap_or_else(|| 10f64.powi(i32::from(decimals)))
}

/// Base units as whole tokens.
#[inline]
pub fn tokens(a: Amount, decimals: u8) -> f64 {
    u128_f64(a.raw()) / pow10(decimals)
}

/// `share` of `a`, rounded down and never more than `a` (a float product of a large amount can
/// round up past it; subtracting the result must not underflow).
#[inline]
pub fn share_of(a: Amount, share: f64) -> Amount {
    if share.is_nan() || share <= 0.0 {
        Amount::ZERO
    } else if share >= 1.0 {
        a
    } else {
        Amount::new(((u128_f64(a.raw()) * share) as u128).min(a.raw()))
    }
}

/// A USD price as a protocol price (18 decimals), at least one base unit: the protocol refuses
/// a zero price, and a market at 1e-18 dollars is dead anyway.
#[inline]
pub fn price(x: f64) -> Price {
    let raw = if x.is_finite() && x > 0.0 {
        (x * WAD as f64) as u128
    } else {
        0
    };
    Price::new(raw.max(1)).unwrap_or(Price::ONE_DOLLAR)
}

/// A protocol price in dollars.
#[inline]
pub fn dollars(p: Price) -> f64 {
    u128_f64(p.raw()) / 1e18
}

/// A protocol USD value in dollars.
#[inline]
pub fn usd(u: Usd) -> f64 {
    u128_f64(u.raw()) / 1e18
}

/// A ratio as a fraction.
#[inline]
pub fn fraction(r: Ratio) -> f64 {
    u128_f64(r.raw()) / 1e18
}

/// A multiple (such as the backing ratio) as a number.
#[inline]
pub fn multiple(m: Multiple) -> f64 {
    u128_f64(m.raw()) / 1e18
}

/// A length of simulated time for people: `1 hour`, `36 hours`, `3 days`, `2.5 days`.
pub fn duration(seconds: u64) -> String {
    let hours = seconds as f64 / 3600.0;
    if hours < 48.0 {
        let h = if hours.fract() == 0.0 {
            format!("{hours:.0}")
        } else {
            format!("{hours:.1}")
        };
        if h == "1" {
            "1 hour".into()
        } else {
            format!("{h} hours")
        }
    } else {
        let d = hours / 24.0;
        if d.fract() == 0.0 {
            format!("{d:.0} days")
        } else {
            format!("{d:.1} days")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_down_and_refuse_nonsense() {
        assert_eq!(amount(1.5, 6), Amount::new(1_500_000));
        assert_eq!(amount(-3.0, 6), Amount::ZERO);
        assert_eq!(amount(f64::NAN, 18), Amount::ZERO);
        assert_eq!(amount(f64::INFINITY, 18), Amount::new(u128::MAX));
        assert_eq!(tokens(Amount::new(2_500_000), 6), 2.5);
    }

    #[test]
    fn fast_conversion_matches_the_exact_one() {
        for x in [
            0u128,
            1,
            u64::MAX as u128,
            5 * 10u128.pow(24),
            u128::MAX,
            123_456_789_012_345_678_901_234_567,
        ] {
            let exact = x as f64;
            assert!((u128_f64(x) - exact).abs() <= exact * 1e-15, "{x}");
        }
    }

    #[test]
    fn shares_never_exceed_the_whole() {
        // 2^77 + 1 is not exact as an f64: whatever the rounding, a share stays within it.
        let a = Amount::new((1u128 << 77) + 1);
        assert_eq!(share_of(a, 1.0), a);
        assert!(share_of(a, 0.999_999_999_999_999_9) <= a);
        assert_eq!(share_of(a, 0.0), Amount::ZERO);
        assert_eq!(share_of(a, f64::NAN), Amount::ZERO);
        assert_eq!(share_of(Amount::new(1000), 0.5), Amount::new(500));
    }

    #[test]
    fn prices_are_never_zero() {
        assert_eq!(price(0.0).raw(), 1);
        assert_eq!(price(f64::NAN).raw(), 1);
        assert_eq!(price(1.0), Price::ONE_DOLLAR);
        assert!((dollars(price(85.25)) - 85.25).abs() < 1e-12);
    }
}
