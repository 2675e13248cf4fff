//! Plain, validated settings that the library consumes.
//!
//! The binary turns what the user typed (`cli.rs`) into a [`Config`] once;
//! the library never sees clap types, so tests and other front ends build a
//! `Config` directly.

use std::path::PathBuf;

use crate::rules::RuleSet;

/// How HTML in the input is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HtmlMode {
    /// Strip files named `.html`/`.htm` and files that are mostly markup;
    /// treat the rest as plain text.
    #[default]
    Auto,
    /// Turn markup into plain text: block elements become line breaks,
    /// script/style/head are dropped, link text is kept.
    Strip,
    /// Clean only the text between tags; never alter tags, attributes or URLs.
    Keep,
}

/// Which quotation marks the output uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QuoteStyle {
    /// Leave the style as it is (straight pairs around Chinese still become
    /// curly under `cjk-quotes`).
    #[default]
    Keep,
    /// Mainland style: `“ ”` outside, `‘ ’` inside.
    Curly,
    /// Taiwan/Hong Kong style: `「 」` outside, `『 』` inside.
    Corner,
}

/// What to convert with, for [`crate::convert::Converter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertSpec {
    /// A built-in config name (`s2t`, `s2twp.json`, ...) or the path of an
    /// OpenCC JSON config.
    pub config: String,
    /// User dictionaries (OpenCC text format) whose entries win over the
    /// built-in ones.
    pub user_dicts: Vec<PathBuf>,
    /// Include dictionaries marked `may_output_tofu` (the official CLI leaves
    /// them out; its library and Python binding include them).
    pub include_tofu_risk: bool,
}

impl ConvertSpec {
    /// A spec for config `name` with the official CLI's defaults.
    pub fn new(name: impl Into<String>) -> ConvertSpec {
        ConvertSpec { config: name.into(), user_dicts: Vec::new(), include_tofu_risk: false }
    }
}

/// Everything the pipeline needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Decode with this encoding (a WHATWG label such as `gbk`, `big5`,
    /// `utf-16le`) instead of detecting one.
    pub encoding: Option<String>,
    /// Run the repair and normalise stages at all. `false` gives decode
    /// (and conversion, if asked) only.
    pub clean: bool,
    /// The rules that are on.
    pub rules: RuleSet,
    /// How HTML is treated.
    pub html: HtmlMode,
    /// Quote style of the output.
    pub quotes: QuoteStyle,
    /// Convert script after cleaning.
    pub convert: Option<ConvertSpec>,
    /// Keep every change for `--explain`.
    pub explain: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            encoding: None,
            clean: true,
            rules: RuleSet::all(),
            html: HtmlMode::Auto,
            quotes: QuoteStyle::Keep,
            convert: None,
            explain: false,
        }
    }
}
