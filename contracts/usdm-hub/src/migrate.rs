//! Moving an older deployment to the layout of [`crate::state`]:
//! - 0.1 kept the whole protocol as one item (`protocol`). The core converts its own old state
//!   ([`usdm_core::state::legacy`]); this module moves the hub's records around it and deletes
//!   every old key, in one transaction. A registered pair has no admin, so it stays 0.1 code
//!   for ever: the migration refuses while one is live (retire it on 0.1 first); a retired one
//!   is never read again.
//! - 0.2 kept the same parts under the same keys, as JSON, with an asset's configuration and
//!   on-chain identity in one record. Its bounded parts are rewritten; pending redemptions are
//!   stored as they were.
//!
//! The hub's own `migrate` does not call this: parsing the old encodings takes wasm the hub
//! keeps for its own work. The one-off `usdm-hub-migrator` contract calls it; an upgrade
//! migrates the hub to that code, then to this version's.

use crate::error::ContractError;
use crate::execute::governance::token_key;
use crate::state::{
    Hub, PairRecord, ASSET_INFO, BOOKS, CHECKPOINTS, CLOCK, CONFIG, FEEDS, HOLDINGS, HUB,
    LEGACY_PROTOCOL, PAIRS, TOKEN_ASSET,
};
use cosmwasm_std::{Addr, Checksum, Order, StdError, Storage};
use cw_storage_plus::{Item, Map};
use serde::{Deserialize, Serialize};
use usdm_core::asset::AssetConfig;
use usdm_core::ids::XMS;
use usdm_core::prices::{Checkpoint, Feed, HISTORY_LEN};
use usdm_core::state::{Books, Clock, Config};
use usdm_core::treasury::Holding;
use usdm_interface::AssetInfo;

/// 0.1's token record (`tokens`).
#[derive(Serialize, Deserialize)]
struct LegacyTokens {
    usdm: Option<Addr>,
    xms: Option<Addr>,
}

const LEGACY_TOKENS: Item<LegacyTokens> = Item::new("tokens");
/// 0.1's on-chain identity of each asset, by symbol.
const LEGACY_ASSETS: Map<&str, AssetInfo> = Map::new("assets");
/// 0.1's registered pairs: (pool id, address).
const LEGACY_PAIRS: Item<Vec<(u32, Addr)>> = Item::new("pairs");
/// 0.1's accepted pair code (absent on deployments older than the key).
const LEGACY_PAIR_CODE: Item<Option<Checksum>> = Item::new("pair_code");

/// What a layout migration moved, for the response's attributes.
#[derive(Debug, PartialEq, Eq)]
pub struct Moved {
    /// Whitelisted assets.
    pub assets: usize,
    /// Pending redemptions moved (none for a 0.2 layout, whose queue stays as stored).
    pub redemptions: Option<usize>,
    /// Pairs carried (all retired: see [`from_single_item`]).
    pub pairs: usize,
}

/// Calls `f` through a pointer the optimiser cannot see through. wasm-opt inlines a function
/// into its only caller whatever Rust's `#[inline(never)]` says, and the migration's phases
/// merged into one would exceed the VM's limit of 100 locals per function.
fn apart<A, R>(f: fn(A) -> R, a: A) -> R {
    std::hint::black_box(f)(a)
}

fn parse(bytes: &[u8]) -> Result<usdm_core::Protocol, ContractError> {
    cosmwasm_std::from_json::<usdm_core::state::legacy::LegacyProtocol>(bytes)
        .map_err(bad)?
        .into_protocol()
        .map_err(bad)
}

fn bad(what: impl std::fmt::Display) -> ContractError {
    StdError::generic_err(format!("cannot migrate the 0.1 state: {what}")).into()
}

/// The older layout `storage` holds (written by `version`), if any: what this version's
/// `migrate` refuses and the migrator converts.
pub fn old_layout(storage: &dyn Storage, version: &str) -> Option<&'static str> {
    if storage.get(LEGACY_PROTOCOL.as_bytes()).is_some() {
        Some("0.1's single-item state")
    } else if version.starts_with("0.2.") {
        Some("0.2's JSON layout")
    } else {
        None
    }
}

/// Converts a 0.1 layout in place; `None` if the storage holds no 0.1 state.
// Kept out of line, with its phases, so no wasm function exceeds the VM's 100 locals.
#[inline(never)]
pub fn from_single_item(storage: &mut dyn Storage) -> Result<Option<Moved>, ContractError> {
    let Some(bytes) = storage.get(LEGACY_PROTOCOL.as_bytes()) else {
        return Ok(None);
    };
    let protocol = apart(parse, &bytes)?;
    let tokens = LEGACY_TOKENS.may_load(storage)?.unwrap_or(LegacyTokens {
        usdm: None,
        xms: None,
    });
    let pair_code = LEGACY_PAIR_CODE.may_load(storage)?.flatten();
    let hub = Hub {
        usdm: tokens.usdm,
        xms: tokens.xms,
        pair_code,
        governance: None,
        governance_code: None,
    };

    let infos: Vec<(String, AssetInfo)> = LEGACY_ASSETS
        .range(storage, None, None, Order::Ascending)
        .collect::<Result<_, _>>()?;
    let mut records = Vec::new();
    for i in 0..protocol.asset_count() {
        let config = protocol.asset(i).map_err(bad)?.clone();
        let symbol = config.symbol;
        let info = infos
            .iter()
            .find(|(s, _)| s == symbol.as_str())
            .map(|(_, info)| info.clone())
            .ok_or_else(|| bad(format!("asset {symbol} has no on-chain identity")))?;
        // XMS is found by its token only once the tokens are registered (as at instantiation).
        let indexed = symbol != XMS
            || matches!((&info, &hub.xms), (AssetInfo::Cw20 { contract }, Some(x)) if contract == x.as_str());
        records.push((i as u16, info, indexed));
    }
    if infos.len() != records.len() {
        return Err(bad(format!(
            "{} on-chain identities for {} assets",
            infos.len(),
            records.len()
        )));
    }

    let pairs = LEGACY_PAIRS.may_load(storage)?.unwrap_or_default();
    let mut pair_records = Vec::new();
    for id in 0..protocol.pool_count() as u32 {
        let pool = protocol.pool(id).map_err(bad)?;
        let address = match pairs.iter().find(|(p, _)| *p == id) {
            Some((_, address)) => address.clone(),
            // 0.1 forgot the address of a pair it unregistered; a retired pool is never read.
            None if pool.retired => Addr::unchecked(""),
            None => {
                return Err(bad(format!(
                    "pool {id} is live but no pair is registered for it"
                )))
            }
        };
        if !pool.retired {
            // A registered pair has no admin, so its code stays 0.1's and its pool keeps 0.1's
            // shape, which 0.2 does not read.
            return Err(bad(format!(
                "pair {address} (pool {id}) is live, and a registered pair has no admin to \
                 migrate it: on 0.1, withdraw the treasury's liquidity from it \
                 (treasury_op withdraw_liquidity), stop pricing tokens by it and unregister it \
                 (govern unregister_pair), then migrate; register a 0.2 pair afterwards"
            )));
        }
        pair_records.push((
            id,
            PairRecord {
                address,
                tokens: pool.tokens,
                decimals: pool.decimals,
                twap_window: pool.twap_window,
                retired: true,
            },
        ));
    }

    apart(
        write,
        Write {
            storage,
            infos: &infos,
            hub: &hub,
            records: &records,
            pair_records: &pair_records,
            protocol: &protocol,
        },
    )?;
    Ok(Some(Moved {
        assets: records.len(),
        redemptions: Some(protocol.redemptions().len()),
        pairs: pair_records.len(),
    }))
}

/// What the write phase writes.
struct Write<'a> {
    storage: &'a mut dyn Storage,
    infos: &'a [(String, AssetInfo)],
    hub: &'a Hub,
    records: &'a [(u16, AssetInfo, bool)],
    pair_records: &'a [(u32, PairRecord)],
    protocol: &'a usdm_core::Protocol,
}

/// The write phase: the new layout, and every old key deleted.
fn write(w: Write) -> Result<(), ContractError> {
    let Write {
        storage,
        infos,
        hub,
        records,
        pair_records,
        protocol,
    } = w;
    // Everything is read and checked: now write the new layout and delete the old keys.
    for (symbol, _) in infos {
        LEGACY_ASSETS.remove(storage, symbol);
    }
    storage.remove(LEGACY_PROTOCOL.as_bytes());
    LEGACY_TOKENS.remove(storage);
    LEGACY_PAIRS.remove(storage);
    LEGACY_PAIR_CODE.remove(storage);

    HUB.save(storage, hub)?;
    for (i, info, indexed) in records {
        if *indexed {
            TOKEN_ASSET.save(storage, token_key(info), i)?;
        }
        ASSET_INFO.save(storage, *i, info)?;
    }
    for (id, record) in pair_records {
        PAIRS.save(storage, *id, record)?;
    }
    crate::store::save_all(storage, protocol)?;
    Ok(())
}

/// 0.2's record of a whitelisted asset: the configuration and the on-chain identity together.
#[derive(Deserialize)]
struct JsonAsset {
    config: AssetConfig,
    info: AssetInfo,
}

/// 0.2's hub record.
#[derive(Deserialize)]
struct JsonHub {
    usdm: Option<Addr>,
    xms: Option<Addr>,
    pair_code: Option<Checksum>,
}

/// A 0.2 JSON value, refused with its key if it does not parse.
fn json<T: serde::de::DeserializeOwned>(
    storage: &dyn Storage,
    key: &[u8],
) -> Result<T, ContractError> {
    let shown = String::from_utf8_lossy(key).into_owned();
    let bytes = storage
        .get(key)
        .ok_or_else(|| bad02(format!("{shown} is missing")))?;
    cosmwasm_std::from_json(&bytes).map_err(|e| bad02(format!("{shown}: {e}")))
}

fn bad02(what: impl std::fmt::Display) -> ContractError {
    StdError::generic_err(format!("cannot migrate the 0.2 state: {what}")).into()
}

/// Rewrites a 0.2 layout in this version's encoding, in place: the config, clock, books and
/// hub record, each asset (its configuration and on-chain identity now apart), holding, feed
/// with the checkpoints its history holds, pair and token index. All of them are bounded by
/// the whitelist, the feeds and the pool slots; pending redemptions keep their encoding.
/// Everything is read and checked before anything is written.
#[inline(never)]
pub fn from_json_parts(storage: &mut dyn Storage) -> Result<Moved, ContractError> {
    let config: Config = json(storage, CONFIG.key())?;
    let clock: Clock = json(storage, CLOCK.key())?;
    let books: Books = json(storage, BOOKS.key())?;
    let old: JsonHub = json(storage, HUB.key())?;
    let hub = Hub {
        usdm: old.usdm,
        xms: old.xms,
        pair_code: old.pair_code,
        governance: None,
        governance_code: None,
    };
    let mut assets = Vec::new();
    for i in 0..config.assets.len() as u16 {
        let record: JsonAsset = json(storage, &crate::state::ASSETS.key(i))?;
        let holding: Holding = json(storage, &HOLDINGS.key(i))?;
        assets.push((i, record, holding));
    }
    // Every entry of 0.2's token index, as it was (XMS, whitelisted before the tokens were
    // registered, has none until then): the index is the hub's own record of which token is
    // which asset, so it is carried, not rebuilt.
    let index: Vec<(String, u16)> = Map::<&str, u16>::new("token_asset")
        .range(storage, None, None, Order::Ascending)
        .collect::<Result<_, _>>()
        .map_err(|e| bad02(format!("token_asset: {e}")))?;
    if let Some((token, i)) = index.iter().find(|(_, i)| usize::from(*i) >= assets.len()) {
        return Err(bad02(format!(
            "token_asset maps {token} to asset {i}, and there are {} assets",
            assets.len()
        )));
    }
    let mut feeds = Vec::new();
    for i in 0..config.feeds.len() as u16 {
        let feed: Feed = json(storage, &FEEDS.key(i))?;
        let h = feed.history;
        let mut checkpoints = Vec::new();
        for seq in h.next - u64::from(h.len)..h.next {
            let slot = (seq % HISTORY_LEN as u64) as u8;
            let c: Checkpoint = json(storage, &CHECKPOINTS.key((i, slot)))?;
            checkpoints.push((slot, c));
        }
        feeds.push((i, feed, checkpoints));
    }
    let mut pairs = Vec::new();
    for id in 0..config.pools {
        pairs.push((id, json::<PairRecord>(storage, &PAIRS.key(id))?));
    }
    let moved = Moved {
        assets: assets.len(),
        redemptions: None,
        pairs: pairs.len(),
    };
    CONFIG.save(storage, &config)?;
    CLOCK.save(storage, &clock)?;
    BOOKS.save(storage, &books)?;
    HUB.save(storage, &hub)?;
    for (i, record, holding) in assets {
        crate::state::ASSETS.save(storage, i, &record.config)?;
        ASSET_INFO.save(storage, i, &record.info)?;
        HOLDINGS.save(storage, i, &holding)?;
    }
    for (token, i) in &index {
        TOKEN_ASSET.save(storage, token, i)?;
    }
    for (i, feed, checkpoints) in feeds {
        FEEDS.save(storage, i, &feed)?;
        for (slot, c) in checkpoints {
            CHECKPOINTS.save(storage, (i, slot), &c)?;
        }
    }
    for (id, record) in pairs {
        PAIRS.save(storage, id, &record)?;
    }
    Ok(moved)
}
