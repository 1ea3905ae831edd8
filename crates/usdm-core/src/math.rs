//! Exact integer arithmetic: `a * b / d` with a 256-bit intermediate and an explicit rounding
//! direction, plus the decimal-string parsing and formatting every adapter shares.
//!
//! Every division in the protocol goes through [`mul_div`] so that the rounding direction is
//! written at the call site (`Rounding::Down` for what a caller receives, `Rounding::Up` for
//! what a caller pays), never implied by an operator.

use ethnum::U256;

/// Which way a division that does not come out even is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Towards zero: for amounts the caller receives and values the treasury is credited.
    Down,
    /// Away from zero: for amounts the caller must pay.
    Up,
}

/// `a * b / d` rounded as asked, or `None` if `d` is zero or the result exceeds `u128`.
///
/// The product is formed in 256 bits, so it never overflows; only a quotient that does not fit
/// in 128 bits is refused. The common case (product fits in 128 bits) stays on native `u128`.
#[inline]
pub fn mul_div(a: u128, b: u128, d: u128, rounding: Rounding) -> Option<u128> {
    if d == 0 {
        return None;
    }
    if let Some(product) = a.checked_mul(b) {
        return round_quotient(product / d, product % d != 0, rounding);
    }
    // Exact split a = q*d + r: a*b/d = q*b + r*b/d, where r*b/d carries all the rounding.
    // This keeps nearly every protocol product (value x ratio, amount x price) in native
    // 128-bit arithmetic; only when neither order fits does the 256-bit path run.
    split_mul_div(a, b, d, rounding)
        .or_else(|| split_mul_div(b, a, d, rounding))
        .or_else(|| wide_mul_div(a, b, d, rounding))
}

#[inline]
fn round_quotient(q: u128, inexact: bool, rounding: Rounding) -> Option<u128> {
    match rounding {
        Rounding::Up if inexact => q.checked_add(1),
        _ => Some(q),
    }
}

#[inline]
fn split_mul_div(a: u128, b: u128, d: u128, rounding: Rounding) -> Option<u128> {
    let (q, r) = (a / d, a % d);
    let whole = q.checked_mul(b)?;
    let part = r.checked_mul(b)?;
    let frac = round_quotient(part / d, part % d != 0, rounding)?;
    whole.checked_add(frac)
}

#[cold]
fn wide_mul_div(a: u128, b: u128, d: u128, rounding: Rounding) -> Option<u128> {
    let product = U256::from(a) * U256::from(b);
    let divisor = U256::from(d);
    let q = product / divisor;
    let q = match rounding {
        Rounding::Up if q * divisor != product => q + U256::ONE,
        _ => q,
    };
    u128::try_from(q).ok()
}

/// `10^exp` for the token decimals the protocol accepts (at most 38, the largest power in `u128`).
#[inline]
pub fn pow10(exp: u8) -> Option<u128> {
    POW10.get(usize::from(exp)).copied()
}

const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Why a decimal string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Nothing to parse.
    #[error("empty number")]
    Empty,
    /// A minus sign: amounts, prices and ratios are never negative.
    #[error("'{0}' is negative; only non-negative numbers are accepted")]
    Negative(String),
    /// Not digits with an optional decimal point.
    #[error("'{0}' is not a decimal number (digits with an optional '.')")]
    NotANumber(String),
    /// More fractional digits than the token or fixed-point type can hold.
    #[error("'{input}' has {given} decimal places; at most {max} are representable")]
    TooPrecise {
        /// The input.
        input: String,
        /// Its significant fractional digits.
        given: usize,
        /// The most accepted.
        max: u8,
    },
    /// Larger than the 128-bit range.
    #[error("'{0}' is too large to represent")]
    TooLarge(String),
}

/// Parses a non-negative decimal string (`"120"`, `"0.9995"`, `"1_000.5"`) into an integer
/// scaled by `10^decimals`. More fractional digits than `decimals` are refused rather than
/// silently rounded, because an integrator who sends them has a bug worth seeing.
pub fn parse_decimal(input: &str, decimals: u8) -> Result<u128, DecimalError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DecimalError::Empty);
    }
    if s.starts_with('-') {
        return Err(DecimalError::Negative(s.to_string()));
    }
    let s_clean: String = s.strip_prefix('+').unwrap_or(s).replace('_', "");
    let (int_part, frac_part) = match s_clean.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s_clean.as_str(), ""),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return Err(DecimalError::NotANumber(s.to_string()));
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > usize::from(decimals) {
        return Err(DecimalError::TooPrecise {
            input: s.to_string(),
            given: frac_trimmed.len(),
            max: decimals,
        });
    }
    let too_large = || DecimalError::TooLarge(s.to_string());
    let scale = pow10(decimals).ok_or_else(too_large)?;
    let mut int_value: u128 = 0;
    for b in int_part.bytes() {
        int_value = int_value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(b - b'0')))
            .ok_or_else(too_large)?;
    }
    let mut frac_value: u128 = 0;
    for b in frac_trimmed.bytes() {
        frac_value = frac_value * 10 + u128::from(b - b'0');
    }
    // `frac_trimmed.len() <= decimals`, so this power exists whenever `scale` does.
    let frac_scale = pow10(decimals - frac_trimmed.len() as u8).ok_or_else(too_large)?;
    int_value
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac_value * frac_scale))
        .ok_or_else(too_large)
}

/// Formats an integer scaled by `10^decimals` as an exact decimal string with trailing zeros
/// removed (`110500000, 6` -> `"110.5"`). The inverse of [`parse_decimal`].
pub fn format_decimal(raw: u128, decimals: u8) -> String {
    let Some(scale) = pow10(decimals) else {
        return raw.to_string();
    };
    let int_part = raw / scale;
    let frac_part = raw % scale;
    if frac_part == 0 {
        return int_part.to_string();
    }
    let frac = format!("{:0width$}", frac_part, width = usize::from(decimals));
    format!("{}.{}", int_part, frac.trim_end_matches('0'))
}

/// Formats like [`format_decimal`] but truncated (never rounded up) to at most `places`
/// fractional digits, trailing zeros trimmed: for human-facing tables, never for JSON.
pub fn format_decimal_places(raw: u128, decimals: u8, places: u8) -> String {
    if places >= decimals {
        return format_decimal(raw, decimals);
    }
    let cut = pow10(decimals - places).unwrap_or(1);
    format_decimal(raw / cut * cut, decimals)
}

/// Truncated to exactly `places` fractional digits, zero-padded (`"3.00"`): money columns.
pub fn format_fixed(raw: u128, decimals: u8, places: u8) -> String {
    let s = format_decimal_places(raw, decimals, places);
    if places == 0 {
        return s;
    }
    let (int_part, frac) = s.split_once('.').unwrap_or((&s, ""));
    format!("{int_part}.{frac:0<width$}", width = usize::from(places))
}

/// Adds thousands separators to the integer part of a decimal string, for human tables.
pub fn group_thousands(s: &str) -> String {
    let (int_part, rest) = match s.find('.') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let mut out = String::with_capacity(s.len() + int_part.len() / 3);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push_str(rest);
    out
}

/// Integer square root (floor) of a 256-bit number.
pub fn isqrt(n: U256) -> U256 {
    if n < U256::from(2u8) {
        return n;
    }
    let bits = 256 - n.leading_zeros();
    let mut x = U256::ONE << bits.div_ceil(2);
    loop {
        let y = (x + n / x) >> 1;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// Beyond 256 bits: the few formulas whose exact intermediate can exceed 256 bits (the fair
/// reserves of a pool multiply two reserves, a price and a decimal scale). They run on 512-bit
/// integers, and only when the 256-bit fast path would overflow.
pub mod wide {
    use super::Rounding;
    use ethnum::U256;

    type U512 = bnum::BUint<8>;

    fn from_u128(v: u128) -> U512 {
        U512::from_digits([v as u64, (v >> 64) as u64, 0, 0, 0, 0, 0, 0])
    }

    fn from_u256(v: U256) -> U512 {
        let (hi, lo) = v.into_words();
        let d = |x: u128, i: u32| (x >> (64 * i)) as u64;
        U512::from_digits([d(lo, 0), d(lo, 1), d(hi, 0), d(hi, 1), 0, 0, 0, 0])
    }

    fn to_u256(v: U512) -> Option<U256> {
        let d = v.digits();
        if d[4..].iter().any(|x| *x != 0) {
            return None;
        }
        let word = |a: u64, b: u64| u128::from(a) | (u128::from(b) << 64);
        Some(U256::from_words(word(d[2], d[3]), word(d[0], d[1])))
    }

    fn product(factors: &[u128]) -> Option<U512> {
        factors
            .iter()
            .try_fold(U512::ONE, |acc, f| acc.checked_mul(from_u128(*f)))
    }

    fn isqrt512(n: U512) -> U512 {
        if n < U512::TWO {
            return n;
        }
        let bits = 512 - n.leading_zeros();
        let mut x = U512::ONE << bits.div_ceil(2);
        loop {
            let y = (x + n / x) >> 1;
            if y >= x {
                return x;
            }
            x = y;
        }
    }

    /// `floor(sqrt(product(num) / product(den)))` for at most four 128-bit factors above and
    /// two below, exact; `None` if the denominator is zero.
    pub fn isqrt_of_quotient(num: &[u128], den: &[u128]) -> Option<U256> {
        debug_assert!(num.len() <= 4 && den.len() <= 2);
        let fast = |f: &[u128]| {
            f.iter()
                .try_fold(U256::ONE, |acc, x| acc.checked_mul(U256::from(*x)))
        };
        if let (Some(n), Some(d)) = (fast(num), fast(den)) {
            if d == U256::ZERO {
                return None;
            }
            return Some(super::isqrt(n / d));
        }
        let (n, d) = (product(num)?, product(den)?);
        if d == U512::ZERO {
            return None;
        }
        // The root of a number below 2^512 is below 2^256.
        to_u256(isqrt512(n / d))
    }

    /// `a * b / d` rounded as asked, for a 256-bit `b`; `None` if `d` is zero or the result
    /// exceeds 256 bits.
    pub fn mul_div_256(a: u128, b: U256, d: u128, rounding: Rounding) -> Option<U256> {
        if d == 0 {
            return None;
        }
        if let Ok(b) = u128::try_from(b) {
            if let Some(q) = super::mul_div(a, b, d, rounding) {
                return Some(U256::from(q));
            }
        }
        let product = from_u128(a).checked_mul(from_u256(b))?;
        let d = from_u128(d);
        let q = product / d;
        let q = match rounding {
            Rounding::Up if q * d != product => q + U512::ONE,
            _ => q,
        };
        to_u256(q)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// `r = floor(sqrt(N / D))` exactly: `r^2 * D <= N < (r + 1)^2 * D`.
        fn is_root(r: U256, num: &[u128], den: &[u128]) -> bool {
            let (n, d) = (product(num).unwrap(), product(den).unwrap());
            let r = from_u256(r);
            let r1 = r + U512::ONE;
            // (r + 1)^2 * D may exceed 512 bits only when it is certainly above N.
            r * r * d <= n
                && r1
                    .checked_mul(r1)
                    .and_then(|x| x.checked_mul(d))
                    .is_none_or(|x| x > n)
        }

        #[test]
        fn the_wide_root_is_exact_where_256_bits_overflow() {
            let big = 1u128 << 127;
            assert_eq!(
                isqrt_of_quotient(&[big, big, big, big], &[1]),
                Some(U256::ONE << 254)
            );
            let m = u128::MAX;
            let r = isqrt_of_quotient(&[m, m, m, m], &[1, 1]).unwrap();
            assert_eq!(r, U256::from(m) * U256::from(m));
            for (num, den) in [
                (vec![2, 1 << 127, 1 << 127, 1 << 126], vec![1]),
                (vec![m, m - 1, 3, 1_000_000_007], vec![7, 11]),
                (vec![m, m, m, m], vec![m, 3]),
                (
                    vec![
                        10u128.pow(38),
                        3 * 10u128.pow(21),
                        10u128.pow(37),
                        10u128.pow(18),
                    ],
                    vec![2_500_000_000_000_000_000, 10u128.pow(18)],
                ),
            ] {
                let r = isqrt_of_quotient(&num, &den).unwrap();
                assert!(is_root(r, &num, &den), "{num:?} / {den:?} -> {r}");
            }
            assert_eq!(isqrt_of_quotient(&[1, 2], &[0]), None);
            assert_eq!(isqrt_of_quotient(&[m, m, m, m], &[0, 5]), None);
        }

        #[test]
        fn the_wide_root_agrees_with_the_narrow_one() {
            for (n, d) in [(1_000_000u128, 3u128), (17, 1), (u128::MAX, 7), (0, 9)] {
                let narrow = super::super::isqrt(U256::from(n) / U256::from(d));
                assert_eq!(isqrt_of_quotient(&[n], &[d]), Some(narrow));
                // The same quotient times 2^256 through 512 bits: the root times 2^128, to
                // within the one unit that the finer root resolves.
                let wide = isqrt_of_quotient(&[n, 1 << 127, 1 << 127, 4], &[d, 1]).unwrap();
                assert!(is_root(wide, &[n, 1 << 127, 1 << 127, 4], &[d, 1]));
                assert!(wide >= narrow << 128 && wide < (narrow + 1) << 128);
            }
        }

        #[test]
        fn wide_mul_div_rounds_both_ways() {
            let b = U256::from(u128::MAX) * U256::from(3u8);
            assert_eq!(
                mul_div_256(u128::MAX, b, u128::MAX, Rounding::Down),
                Some(b)
            );
            assert_eq!(mul_div_256(2, b, 4, Rounding::Down), Some(b >> 1));
            let odd = b + U256::ONE; // 3 * 2^128 - 2: not a multiple of 4
            assert_eq!(mul_div_256(1, odd, 4, Rounding::Down), Some(odd / 4));
            assert_eq!(mul_div_256(1, odd, 4, Rounding::Up), Some(odd / 4 + 1));
            assert_eq!(mul_div_256(1, b, 0, Rounding::Down), None);
            assert_eq!(mul_div_256(u128::MAX, U256::MAX, 1, Rounding::Down), None);
        }
    }
}

/// A 256-bit unsigned integer that serializes as a decimal string, for accumulators (such as
/// the market-cap integral) that may legitimately exceed 128 bits between epoch rolls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wide(pub U256);

impl Wide {
    /// Zero.
    pub const ZERO: Wide = Wide(U256::ZERO);

    /// `a * b` without overflow.
    pub fn product(a: u128, b: u128) -> Wide {
        Wide(U256::from(a) * U256::from(b))
    }

    /// Checked addition.
    pub fn checked_add(self, other: Wide) -> Option<Wide> {
        self.0.checked_add(other.0).map(Wide)
    }

    /// `self / d` rounded down, if the quotient fits in `u128`.
    pub fn div_floor(self, d: u128) -> Option<u128> {
        if d == 0 {
            return None;
        }
        u128::try_from(self.0 / U256::from(d)).ok()
    }
}

impl serde::Serialize for Wide {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.0.to_string())
        } else {
            let (hi, lo) = self.0.into_words();
            serde::Serialize::serialize(&(hi, lo), s)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Wide {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            U256::from_str_radix(&s, 10)
                .map(Wide)
                .map_err(serde::de::Error::custom)
        } else {
            let (hi, lo): (u128, u128) = serde::Deserialize::deserialize(d)?;
            Ok(Wide(U256::from_words(hi, lo)))
        }
    }
}

/// Serde for `u128` values: decimal strings in human-readable formats (JSON numbers lose
/// precision above 2^53), the integer itself in binary ones.
pub(crate) mod u128_string {
    pub(crate) fn serialize<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&v.to_string())
        } else {
            s.serialize_u128(*v)
        }
    }
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        } else {
            <u128 as serde::Deserialize>::deserialize(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_div_rounds_in_the_requested_direction() {
        assert_eq!(mul_div(7, 3, 2, Rounding::Down), Some(10));
        assert_eq!(mul_div(7, 3, 2, Rounding::Up), Some(11));
        assert_eq!(mul_div(6, 3, 2, Rounding::Up), Some(9));
        assert_eq!(mul_div(1, 1, 0, Rounding::Down), None);
    }

    #[test]
    fn mul_div_uses_a_wide_intermediate() {
        let big = u128::MAX / 3;
        assert_eq!(mul_div(big, 6, 6, Rounding::Down), Some(big));
        assert_eq!(mul_div(big, 6, 3, Rounding::Down), Some(big * 2));
        assert_eq!(
            mul_div(u128::MAX, u128::MAX, u128::MAX, Rounding::Up),
            Some(u128::MAX)
        );
        // Quotient too large for 128 bits.
        assert_eq!(mul_div(u128::MAX, 2, 1, Rounding::Down), None);
        // Rounding up on the wide path.
        assert_eq!(
            mul_div(u128::MAX, 3, 2, Rounding::Up),
            None,
            "1.5 * MAX does not fit"
        );
        // 2^128 - 1 is divisible by 3, so MAX * 2 / 3 is exact and (MAX - 1) * 2 / 3 is not.
        assert_eq!(
            mul_div(u128::MAX, 2, 3, Rounding::Down),
            Some(u128::MAX / 3 * 2)
        );
        assert_eq!(
            mul_div(u128::MAX, 2, 3, Rounding::Up),
            Some(u128::MAX / 3 * 2)
        );
        assert_eq!(
            mul_div(u128::MAX - 1, 2, 3, Rounding::Down),
            Some(u128::MAX / 3 * 2 - 1)
        );
        assert_eq!(
            mul_div(u128::MAX - 1, 2, 3, Rounding::Up),
            Some(u128::MAX / 3 * 2)
        );
    }

    #[test]
    fn the_split_path_agrees_with_the_wide_path() {
        let cases = [
            (1_000 * WAD_TEST, 998_000_000_000_000_000, WAD_TEST),
            (u128::MAX / 7, 999_999_999_999_999_999, WAD_TEST),
            (
                123_456_789_012_345_678_901_234_567,
                3_000_000_000_000_000_000_000,
                1_000_000,
            ),
            (3, u128::MAX / 2, 7),
            (u128::MAX, u128::MAX - 1, u128::MAX),
        ];
        for (a, b, d) in cases {
            for r in [Rounding::Down, Rounding::Up] {
                assert_eq!(
                    mul_div(a, b, d, r),
                    wide_mul_div(a, b, d, r),
                    "{a} * {b} / {d} {r:?}"
                );
            }
        }
    }

    const WAD_TEST: u128 = 1_000_000_000_000_000_000;

    proptest::proptest! {
        #[test]
        fn mul_div_equals_the_256_bit_reference(a: u128, b: u128, d in 1..=u128::MAX, small in 1..=u64::MAX as u128) {
            for divisor in [d, small] {
                for r in [Rounding::Down, Rounding::Up] {
                    proptest::prop_assert_eq!(mul_div(a, b, divisor, r), wide_mul_div(a, b, divisor, r));
                }
            }
        }
    }

    #[test]
    fn parse_accepts_plain_decimals() {
        assert_eq!(parse_decimal("120", 6), Ok(120_000_000));
        assert_eq!(parse_decimal("0.9995", 18), Ok(999_500_000_000_000_000));
        assert_eq!(parse_decimal("1_000.50", 2), Ok(100_050));
        assert_eq!(parse_decimal(".5", 1), Ok(5));
        assert_eq!(parse_decimal("5.", 1), Ok(50));
        assert_eq!(parse_decimal("1.2300", 2), Ok(123));
    }

    #[test]
    fn parse_refuses_bad_input() {
        assert_eq!(parse_decimal("", 6), Err(DecimalError::Empty));
        assert!(matches!(
            parse_decimal("-1", 6),
            Err(DecimalError::Negative(_))
        ));
        assert!(matches!(
            parse_decimal("abc", 6),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_decimal("1e5", 6),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_decimal(".", 6),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_decimal("1.2.3", 6),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_decimal("1.0000001", 6),
            Err(DecimalError::TooPrecise {
                given: 7,
                max: 6,
                ..
            })
        ));
        assert!(matches!(
            parse_decimal("999999999999999999999999", 18),
            Err(DecimalError::TooLarge(_))
        ));
    }

    #[test]
    fn format_is_exact_and_trims_zeros() {
        assert_eq!(format_decimal(110_500_000, 6), "110.5");
        assert_eq!(
            format_decimal(15_866_666_666_666_666_666, 18),
            "15.866666666666666666"
        );
        assert_eq!(format_decimal(0, 18), "0");
        assert_eq!(format_decimal(1, 18), "0.000000000000000001");
        assert_eq!(format_decimal(42, 0), "42");
        assert_eq!(
            format_decimal_places(15_866_666_666_666_666_666, 18, 4),
            "15.8666"
        );
        assert_eq!(
            format_decimal_places(15_500_000_000_000_000_000, 18, 4),
            "15.5"
        );
        assert_eq!(format_fixed(15_500_000_000_000_000_000, 18, 2), "15.50");
        assert_eq!(format_fixed(3, 18, 2), "0.00");
        assert_eq!(format_fixed(7_000_000, 6, 0), "7");
        assert_eq!(group_thousands("1234567.5"), "1,234,567.5");
        assert_eq!(group_thousands("123"), "123");
    }

    #[test]
    fn parse_and_format_round_trip() {
        for (raw, d) in [
            (0u128, 6u8),
            (1, 18),
            (123_456_789, 8),
            (u128::MAX, 18),
            (u128::MAX, 0),
        ] {
            assert_eq!(parse_decimal(&format_decimal(raw, d), d), Ok(raw));
        }
    }

    #[test]
    fn wide_serializes_as_a_string() {
        let w = Wide::product(u128::MAX, 4);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Wide>(&json).unwrap(), w);
        assert_eq!(w.div_floor(4), Some(u128::MAX));
    }
}
