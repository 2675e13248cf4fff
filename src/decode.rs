//! Bytes to text: BOM, UTF-8 validation, legacy encoding detection.
//!
//! (Placeholder: BOM and UTF-8 only, lossy. The decode issue replaces this
//! with detection among the legacy encodings.)

use std::borrow::Cow;

use crate::rules::{Changes, Rule};

/// What decoding found out about an input, for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeInfo {
    /// The encoding's name (`UTF-8`, `GB18030`, `Big5`, `UTF-16LE`...).
    pub encoding: &'static str,
    /// How sure the decision was, from 0 to 1.
    pub confidence: f32,
    /// Whether a byte-order mark decided it.
    pub bom: bool,
    /// How many U+FFFD were produced for undecodable bytes.
    pub replacements: u64,
}

/// Decodes `bytes` to text, counting into `changes`.
pub fn decode<'a>(bytes: &'a [u8], changes: &mut Changes) -> (Cow<'a, str>, DecodeInfo) {
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let text = String::from_utf8_lossy(body);
    let replacements = match &text {
        Cow::Borrowed(_) => 0,
        Cow::Owned(s) => s.matches('\u{FFFD}').count() as u64,
    };
    changes.add(if bom { Rule::Bom } else { Rule::Utf8 }, 1);
    if replacements > 0 {
        changes.add(Rule::Malformed, replacements);
    }
    let info = DecodeInfo { encoding: "UTF-8", confidence: 1.0, bom, replacements };
    (text, info)
}
