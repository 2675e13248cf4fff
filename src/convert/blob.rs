//! The serialised form of one flattened dictionary: a daachorse automaton
//! plus its value table. `build.rs` writes one blob per distinct stage of the
//! built-in configs; the library reads them back without parsing any text.
//!
//! Shared with `build.rs` through `#[path]`: depends on `std` and daachorse.
//!
//! Layout (all integers little-endian `u32`):
//!
//! ```text
//! "ZHCS" version=1 flags n  offsets[n+1]  value-bytes  lead-table  automaton
//! ```
//!
//! The lead table (256 × 4 little-endian `u64`) has bit `b1` of row `b0` set
//! when some key starts with the bytes `b0 b1` (a one-byte key sets its
//! whole row); it lets a stage see cheaply that a text cannot match.
//!
//! The automaton maps every key to its index `i`; the value of key `i` is
//! `value-bytes[offsets[i]..offsets[i+1]]`. Flag bit 0: some key contains a
//! line feed.

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};

/// The leading magic of a stage blob.
pub const MAGIC: &[u8; 4] = b"ZHCS";
/// The blob format version.
pub const VERSION: u32 = 1;

/// A lead table: see the module docs.
pub type LeadTable = [[u64; 4]; 256];

/// The lead table of `keys`.
pub fn lead_table<'a>(keys: impl Iterator<Item = &'a str>) -> Box<LeadTable> {
    let mut t = Box::new([[0u64; 4]; 256]);
    for k in keys {
        let b = k.as_bytes();
        match b.len() {
            0 => {}
            1 => t[b[0] as usize] = [u64::MAX; 4],
            _ => t[b[0] as usize][(b[1] >> 6) as usize] |= 1 << (b[1] & 63),
        }
    }
    t
}

/// Builds the leftmost-longest automaton of `entries` (sorted, unique keys,
/// none empty); the value of each key is its index.
pub fn build_automaton(
    entries: &[(String, String)],
) -> Result<CharwiseDoubleArrayAhoCorasick<u32>, String> {
    CharwiseDoubleArrayAhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build_with_values(entries.iter().enumerate().map(|(i, (k, _))| (k.as_str(), i as u32)))
        .map_err(|e| e.to_string())
}

#[cfg_attr(not(test), allow(dead_code))] // used by build.rs and the tests
/// Serialises `entries` (sorted, unique, non-empty keys) into a blob.
pub fn encode(entries: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let newline_key = entries.iter().any(|(k, _)| k.contains('\n'));
    out.extend_from_slice(&u32::from(newline_key).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    let mut offset = 0u32;
    out.extend_from_slice(&offset.to_le_bytes());
    for (_, v) in entries {
        offset += v.len() as u32;
        out.extend_from_slice(&offset.to_le_bytes());
    }
    for (_, v) in entries {
        out.extend_from_slice(v.as_bytes());
    }
    for row in lead_table(entries.iter().map(|(k, _)| k.as_str())).iter() {
        for w in row {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    if !entries.is_empty() {
        out.extend_from_slice(&build_automaton(entries)?.serialize());
    }
    Ok(out)
}
