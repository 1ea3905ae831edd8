//! Typed units: token amounts, USD values, prices and ratios are distinct types, so adding a USD
//! value to a token amount, or using a price as a ratio, does not compile.
//!
//! All are unsigned integers. Token amounts are in the token's base units; USD values, prices
//! and ratios are fixed-point with 18 decimals ([`WAD`]). One USD of value is exactly one USDm
//! (18 decimals), so [`Usd::to_usdm`] is the identity on the raw integer.

use crate::error::Error;
use crate::ids::{Symbol, USDM, XMS};
use crate::math::{format_decimal, mul_div, parse_decimal, pow10, DecimalError, Rounding};
use std::fmt;

/// Fixed-point scale of USD values, prices and ratios: 10^18.
pub const WAD: u128 = 1_000_000_000_000_000_000;
/// Decimals of every 18-decimal fixed-point quantity (USD, prices, ratios, USDm, XMS).
pub const WAD_DECIMALS: u8 = 18;
/// The largest token `decimals` the protocol accepts: keeps `10^decimals * price` meaningful.
pub const MAX_TOKEN_DECIMALS: u8 = 30;

/// Serde for a `u128` newtype: a decimal string in human-readable formats (JSON numbers lose
/// precision above 2^53), the integer itself in binary ones (the contracts' storage).
macro_rules! string_serde {
    ($t:ident) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                crate::math::u128_string::serialize(&self.0, s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = crate::math::u128_string::deserialize(d)?;
                $t::try_from_raw(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An amount of some token in its base units (e.g. USDC has 6 decimals, so 1 USDC = 1_000_000).
/// The token's decimals travel with its asset configuration, not with the amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u128);

impl Amount {
    /// Zero base units.
    pub const ZERO: Amount = Amount(0);

    /// Wraps a raw base-unit integer.
    pub const fn new(raw: u128) -> Self {
        Amount(raw)
    }
    fn try_from_raw(raw: u128) -> Result<Self, Error> {
        Ok(Amount(raw))
    }
    /// The raw base-unit integer.
    pub const fn raw(self) -> u128 {
        self.0
    }
    /// True for zero base units.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Parses whole tokens (`"120.5"`) at the token's decimals; more precision is refused.
    pub fn parse(s: &str, decimals: u8) -> Result<Self, DecimalError> {
        parse_decimal(s, decimals).map(Amount)
    }
    /// Exact whole-token decimal string at the token's decimals, trailing zeros trimmed.
    pub fn to_decimal(self, decimals: u8) -> String {
        format_decimal(self.0, decimals)
    }
    /// `self + other`, or an overflow error naming `what`.
    pub fn checked_add(self, other: Amount, what: &'static str) -> Result<Self, Error> {
        self.0
            .checked_add(other.0)
            .map(Amount)
            .ok_or_else(|| Error::Overflow(what))
    }
    /// `self - other`, or an underflow error naming `what`.
    pub fn checked_sub(self, other: Amount, what: &'static str) -> Result<Self, Error> {
        self.0
            .checked_sub(other.0)
            .map(Amount)
            .ok_or_else(|| Error::Underflow(what))
    }
    /// `self - other`, floored at zero.
    pub fn saturating_sub(self, other: Amount) -> Self {
        Amount(self.0.saturating_sub(other.0))
    }
}
string_serde!(Amount);

/// A USD value with 18 decimals. One unit is one wei of USD, which is one base unit of USDm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(u128);

impl Usd {
    /// Zero dollars.
    pub const ZERO: Usd = Usd(0);

    /// Wraps a raw 18-decimal integer.
    pub const fn new(raw: u128) -> Self {
        Usd(raw)
    }
    fn try_from_raw(raw: u128) -> Result<Self, Error> {
        Ok(Usd(raw))
    }
    /// Whole dollars (for tests and presets).
    pub const fn dollars(whole: u128) -> Self {
        Usd(whole.saturating_mul(WAD))
    }
    /// The raw 18-decimal integer.
    pub const fn raw(self) -> u128 {
        self.0
    }
    /// True for zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Parses a dollar amount (`"250000000"`, `"0.5"`).
    pub fn parse(s: &str) -> Result<Self, DecimalError> {
        parse_decimal(s, WAD_DECIMALS).map(Usd)
    }
    /// Exact decimal string, trailing zeros trimmed.
    pub fn to_decimal(self) -> String {
        format_decimal(self.0, WAD_DECIMALS)
    }
    /// The USDm amount worth this value at $1 (USDm has 18 decimals: the raw integer is shared).
    pub const fn to_usdm(self) -> Amount {
        Amount(self.0)
    }
    /// The value of a USDm amount at $1.
    pub const fn from_usdm(amount: Amount) -> Self {
        Usd(amount.0)
    }
    /// `self + other`, or an overflow error naming `what`.
    pub fn checked_add(self, other: Usd, what: &'static str) -> Result<Self, Error> {
        self.0
            .checked_add(other.0)
            .map(Usd)
            .ok_or_else(|| Error::Overflow(what))
    }
    /// `self - other`, or an underflow error naming `what`.
    pub fn checked_sub(self, other: Usd, what: &'static str) -> Result<Self, Error> {
        self.0
            .checked_sub(other.0)
            .map(Usd)
            .ok_or_else(|| Error::Underflow(what))
    }
    /// `self - other`, floored at zero.
    pub fn saturating_sub(self, other: Usd) -> Self {
        Usd(self.0.saturating_sub(other.0))
    }
    /// `self * ratio`, rounded as asked. Cannot overflow because a ratio is at most 1.
    pub fn mul_ratio(self, ratio: Ratio, rounding: Rounding) -> Usd {
        // ratio <= WAD, so the quotient is <= self and always fits.
        Usd(mul_div(self.0, ratio.0, WAD, rounding).unwrap_or(self.0))
    }
    /// `self / ratio` (a ratio in (0, 1]), rounded as asked: e.g. collateral value over the
    /// collateral ratio. Fails on a zero ratio or overflow.
    pub fn div_ratio(self, ratio: Ratio, rounding: Rounding) -> Result<Usd, Error> {
        mul_div(self.0, WAD, ratio.0, rounding)
            .map(Usd)
            .ok_or_else(|| Error::Overflow("value divided by a ratio"))
    }
    /// `self * num / den` with a wide intermediate, rounded as asked.
    pub fn mul_div(self, num: Ratio, den: Ratio, rounding: Rounding) -> Result<Usd, Error> {
        mul_div(self.0, num.0, den.0, rounding)
            .map(Usd)
            .ok_or_else(|| Error::Overflow("value scaled by a ratio"))
    }
}
string_serde!(Usd);

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.to_decimal())
    }
}

/// A price: USD per whole token, 18 decimals, never zero (a zero price is refused at input
/// because valuing collateral at zero, or paying out infinite XMS, is never intended).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(u128);

impl Price {
    /// One dollar per token.
    pub const ONE_DOLLAR: Price = Price(WAD);

    /// Wraps a raw 18-decimal integer; zero is refused.
    pub fn new(raw: u128) -> Result<Self, Error> {
        Self::try_from_raw(raw)
    }
    fn try_from_raw(raw: u128) -> Result<Self, Error> {
        if raw == 0 {
            Err(Error::ZeroPrice)
        } else {
            Ok(Price(raw))
        }
    }
    /// The raw 18-decimal integer.
    pub const fn raw(self) -> u128 {
        self.0
    }
    /// Parses a dollar price (`"0.9995"`); zero, negative and over-precise prices are refused.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let raw = parse_decimal(s, WAD_DECIMALS).map_err(Error::BadNumber)?;
        Price::new(raw)
    }
    /// Exact decimal string in dollars.
    pub fn to_decimal(self) -> String {
        format_decimal(self.0, WAD_DECIMALS)
    }
    /// The USD value of `amount` base units of a token with `decimals`, rounded as asked.
    #[inline]
    pub fn value_of(self, amount: Amount, decimals: u8, rounding: Rounding) -> Result<Usd, Error> {
        let scale = pow10(decimals).ok_or_else(|| Error::Overflow("token decimals"))?;
        mul_div(amount.0, self.0, scale, rounding)
            .map(Usd)
            .ok_or_else(|| Error::Overflow("token value"))
    }
    /// How many base units of a token with `decimals` are worth `value`, rounded as asked.
    #[inline]
    pub fn amount_for(self, value: Usd, decimals: u8, rounding: Rounding) -> Result<Amount, Error> {
        let scale = pow10(decimals).ok_or_else(|| Error::Overflow("token decimals"))?;
        mul_div(value.0, scale, self.0, rounding)
            .map(Amount)
            .ok_or_else(|| Error::Overflow("token amount"))
    }
}
string_serde!(Price);

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.to_decimal())
    }
}

/// A ratio in [0, 1] with 18 decimals: collateral ratios, fees, tier shares, bands and steps.
/// Construction validates the range, so a stored `Ratio` is always meaningful.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ratio(u128);

impl Ratio {
    /// 0%.
    pub const ZERO: Ratio = Ratio(0);
    /// 100%.
    pub const ONE: Ratio = Ratio(WAD);

    /// A ratio from raw 18-decimal units; values above 1 are refused.
    pub fn new(raw: u128) -> Result<Self, Error> {
        Self::try_from_raw(raw)
    }
    fn try_from_raw(raw: u128) -> Result<Self, Error> {
        if raw > WAD {
            Err(Error::RatioOutOfRange {
                value: format_decimal(raw, WAD_DECIMALS),
            })
        } else {
            Ok(Ratio(raw))
        }
    }
    /// A ratio from basis points (1 bp = 0.01%); `bps <= 10_000`.
    pub fn from_bps(bps: u32) -> Result<Self, Error> {
        Ratio::new(u128::from(bps) * (WAD / 10_000))
    }
    /// Const constructor from basis points for presets; panics at compile time above 100%.
    pub const fn bps(bps: u32) -> Self {
        assert!(bps <= 10_000, "a ratio is at most 10_000 bps");
        Ratio(bps as u128 * (WAD / 10_000))
    }
    /// Parses a fraction (`"0.8"`); must lie in [0, 1].
    pub fn parse(s: &str) -> Result<Self, Error> {
        let raw = parse_decimal(s, WAD_DECIMALS).map_err(Error::BadNumber)?;
        Ratio::new(raw)
    }
    /// The raw 18-decimal integer.
    pub const fn raw(self) -> u128 {
        self.0
    }
    /// `1 - self`.
    pub const fn complement(self) -> Ratio {
        Ratio(WAD - self.0)
    }
    /// True for 0%.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// True for 100%.
    pub const fn is_one(self) -> bool {
        self.0 == WAD
    }
    /// Exact decimal fraction (`"0.8"`).
    pub fn to_decimal(self) -> String {
        format_decimal(self.0, WAD_DECIMALS)
    }
    /// Exact percentage (`"0.25%"`).
    pub fn to_percent(self) -> String {
        format!("{}%", format_decimal(self.0, WAD_DECIMALS - 2))
    }
    /// `self + other`, clamped to 1.
    pub fn saturating_add(self, other: Ratio) -> Ratio {
        Ratio(self.0.saturating_add(other.0).min(WAD))
    }
    /// `self - other`, clamped to 0.
    pub fn saturating_sub(self, other: Ratio) -> Ratio {
        Ratio(self.0.saturating_sub(other.0))
    }
}
string_serde!(Ratio);

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_percent())
    }
}

/// A multiplier of at least 1 (100%), 18 decimals: the XMS support ratio, which divides the
/// average XMS market cap to give the USDm supply cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SupportRatio(u128);

impl SupportRatio {
    /// The smallest accepted support ratio: 100%.
    pub const MIN: SupportRatio = SupportRatio(WAD);
    /// The largest accepted support ratio: 10,000%.
    pub const MAX: SupportRatio = SupportRatio(100 * WAD);

    /// From raw 18-decimal units; must lie in [100%, 10,000%].
    pub fn new(raw: u128) -> Result<Self, Error> {
        Self::try_from_raw(raw)
    }
    fn try_from_raw(raw: u128) -> Result<Self, Error> {
        if !(Self::MIN.0..=Self::MAX.0).contains(&raw) {
            Err(Error::InvalidParameter {
                name: "xms_support_ratio",
                value: format_decimal(raw, WAD_DECIMALS),
                accepted: "1 to 100 (100% to 10,000%)",
            })
        } else {
            Ok(SupportRatio(raw))
        }
    }
    /// From a percentage in whole basis points (25_000 = 250%).
    pub const fn bps(bps: u32) -> Self {
        assert!(
            bps >= 10_000 && bps <= 1_000_000,
            "support ratio out of range"
        );
        SupportRatio(bps as u128 * (WAD / 10_000))
    }
    /// Parses a multiplier (`"2.5"` = 250%).
    pub fn parse(s: &str) -> Result<Self, Error> {
        let raw = parse_decimal(s, WAD_DECIMALS).map_err(Error::BadNumber)?;
        SupportRatio::new(raw)
    }
    /// The raw 18-decimal integer.
    pub const fn raw(self) -> u128 {
        self.0
    }
    /// `value / self`, rounded down: the supply cap a market cap supports.
    pub fn supported(self, value: Usd) -> Usd {
        // self >= 1, so the quotient is <= value and always fits.
        Usd(mul_div(value.0, WAD, self.0, Rounding::Down).unwrap_or(value.0))
    }
    /// Exact decimal multiplier (`"2.5"`).
    pub fn to_decimal(self) -> String {
        format_decimal(self.0, WAD_DECIMALS)
    }
}
string_serde!(SupportRatio);

impl fmt::Display for SupportRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", format_decimal(self.0, WAD_DECIMALS - 2))
    }
}

/// An unbounded non-negative multiple with 18 decimals, for reported ratios that may exceed 1
/// (a backing ratio of 1.25 is 125%). Never an input to protocol arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Multiple(u128);

impl Multiple {
    /// Wraps a raw 18-decimal integer.
    pub const fn new(raw: u128) -> Self {
        Multiple(raw)
    }
    fn try_from_raw(raw: u128) -> Result<Self, Error> {
        Ok(Multiple(raw))
    }
    /// `numerator / denominator` rounded down; `None` for a zero denominator.
    pub fn of(numerator: Usd, denominator: Usd) -> Option<Self> {
        if denominator.is_zero() {
            return None;
        }
        Some(Multiple(
            mul_div(numerator.0, WAD, denominator.0, Rounding::Down).unwrap_or(u128::MAX),
        ))
    }
    /// The raw 18-decimal integer.
    pub const fn raw(self) -> u128 {
        self.0
    }
    /// Exact decimal string.
    pub fn to_decimal(self) -> String {
        format_decimal(self.0, WAD_DECIMALS)
    }
}
string_serde!(Multiple);

impl fmt::Display for Multiple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}%",
            crate::math::format_decimal_places(self.0, WAD_DECIMALS - 2, 2)
        )
    }
}

/// An amount of a named token: what errors and events carry so that a reader sees
/// "15.866666666666666666 XMS" rather than a raw integer without its decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quantity {
    /// Base units.
    pub amount: Amount,
    /// The token's decimals.
    pub decimals: u8,
    /// The token's symbol.
    pub symbol: Symbol,
}

impl Quantity {
    /// `amount` base units of `symbol` with `decimals`.
    pub const fn new(amount: Amount, decimals: u8, symbol: Symbol) -> Self {
        Quantity {
            amount,
            decimals,
            symbol,
        }
    }
    /// An amount of USDm (18 decimals).
    pub const fn usdm(amount: Amount) -> Self {
        Quantity::new(amount, WAD_DECIMALS, USDM)
    }
    /// An amount of XMS (18 decimals).
    pub const fn xms(amount: Amount) -> Self {
        Quantity::new(amount, WAD_DECIMALS, XMS)
    }
    /// Exact whole-token decimal string.
    pub fn to_decimal(&self) -> String {
        self.amount.to_decimal(self.decimals)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_and_amount_round_against_the_caller() {
        let p = Price::parse("3").unwrap();
        // 1 base unit of an 18-decimal token at $3 is 3 wei of USD exactly.
        assert_eq!(
            p.value_of(Amount::new(1), 18, Rounding::Down).unwrap(),
            Usd::new(3)
        );
        // $1 wei buys 1/3 of a base unit: 0 when paying out, 1 when charging.
        assert_eq!(
            p.amount_for(Usd::new(1), 18, Rounding::Down).unwrap(),
            Amount::ZERO
        );
        assert_eq!(
            p.amount_for(Usd::new(1), 18, Rounding::Up).unwrap(),
            Amount::new(1)
        );
    }

    #[test]
    fn six_decimal_tokens_value_exactly() {
        let p = Price::parse("0.9995").unwrap();
        let v = p
            .value_of(Amount::new(220_000_000), 6, Rounding::Down)
            .unwrap();
        assert_eq!(v, Usd::parse("219.89").unwrap());
    }

    #[test]
    fn ratios_are_validated() {
        assert!(Ratio::parse("1.0000001").is_err());
        assert!(Ratio::parse("-0.1").is_err());
        assert_eq!(
            Ratio::parse("0.8").unwrap().complement(),
            Ratio::parse("0.2").unwrap()
        );
        assert_eq!(Ratio::bps(25).to_percent(), "0.25%");
        assert!(Ratio::from_bps(10_001).is_err());
        assert!(SupportRatio::parse("0.99").is_err());
        assert!(SupportRatio::parse("101").is_err());
        assert_eq!(SupportRatio::parse("2.5").unwrap().to_string(), "250%");
    }

    #[test]
    fn zero_price_is_refused() {
        assert_eq!(Price::new(0), Err(Error::ZeroPrice));
        assert!(Price::parse("0.0").is_err());
    }

    #[test]
    fn units_serialize_as_strings() {
        let a = Amount::new(u128::MAX);
        let s = serde_json::to_string(&a).unwrap();
        assert_eq!(s, format!("\"{}\"", u128::MAX));
        assert_eq!(serde_json::from_str::<Amount>(&s).unwrap(), a);
        assert!(serde_json::from_str::<Ratio>("\"2000000000000000000\"").is_err());
        assert!(serde_json::from_str::<Price>("\"0\"").is_err());
    }
}
