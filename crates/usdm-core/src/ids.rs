//! Identifiers: asset symbols and account identities.

use crate::error::Error;
use std::fmt;
use std::sync::Arc;

/// The longest asset symbol the core accepts. Symbols are internal ids ("USDC", "BTC"); chain
/// adapters map their long denoms and contract addresses onto them when whitelisting.
pub const MAX_SYMBOL_LEN: usize = 16;

/// A short asset symbol stored inline, so it is `Copy` and costs no allocation in hot paths.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    len: u8,
    bytes: [u8; MAX_SYMBOL_LEN],
}

impl Symbol {
    /// A symbol of 1 to 16 ASCII letters, digits, `.`, `_` or `-`.
    pub fn new(s: &str) -> Result<Self, Error> {
        let ok = !s.is_empty()
            && s.len() <= MAX_SYMBOL_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if !ok {
            return Err(Error::InvalidSymbol(s.chars().take(40).collect()));
        }
        Ok(Self::from_valid(s))
    }

    /// Const constructor for the built-in symbols; panics at compile time if invalid.
    pub const fn lit(s: &str) -> Self {
        let src = s.as_bytes();
        assert!(
            !src.is_empty() && src.len() <= MAX_SYMBOL_LEN,
            "bad symbol literal"
        );
        let mut bytes = [0u8; MAX_SYMBOL_LEN];
        let mut i = 0;
        while i < src.len() {
            bytes[i] = src[i];
            i += 1;
        }
        Symbol {
            len: src.len() as u8,
            bytes,
        }
    }

    fn from_valid(s: &str) -> Self {
        let mut bytes = [0u8; MAX_SYMBOL_LEN];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Symbol {
            len: s.len() as u8,
            bytes,
        }
    }

    /// The symbol text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked in `new`, `lit` callers use ASCII literals).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl serde::Serialize for Symbol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Symbol::new(&s).map_err(serde::de::Error::custom)
    }
}

/// The share token's symbol.
pub const XMS: Symbol = Symbol::lit("XMS");
/// The stablecoin's symbol.
pub const USDM: Symbol = Symbol::lit("USDm");

/// An account identity (a chain address, or a name in simulations). The core only compares
/// identities; authenticating them is the adapter's job. Shared, so that recording the caller
/// in an event or a pending redemption does not allocate.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Account(Arc<str>);

impl Account {
    /// Wraps an identity string.
    pub fn new(s: impl Into<String>) -> Self {
        Account(Arc::from(s.into()))
    }
    /// The identity text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl From<&str> for Account {
    fn from(s: &str) -> Self {
        Account(Arc::from(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_validated() {
        assert_eq!(Symbol::new("USDC").unwrap().as_str(), "USDC");
        assert_eq!(
            Symbol::new("ibc.ATOM-2_x").unwrap().as_str(),
            "ibc.ATOM-2_x"
        );
        assert!(Symbol::new("").is_err());
        assert!(Symbol::new("A VERY LONG SYMBOL NAME").is_err());
        assert!(Symbol::new("BTC!").is_err());
        assert_eq!(Symbol::lit("XMS"), Symbol::new("XMS").unwrap());
    }

    #[test]
    fn symbols_serialize_as_strings() {
        let json = serde_json::to_string(&USDM).unwrap();
        assert_eq!(json, "\"USDm\"");
        assert_eq!(serde_json::from_str::<Symbol>(&json).unwrap(), USDM);
        assert!(serde_json::from_str::<Symbol>("\"no spaces\"").is_err());
    }
}
