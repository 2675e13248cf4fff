//! Normalise: one spelling for one thing (stage 3 of the cleaning policy).
//! (Placeholder: no rule yet.)

use std::borrow::Cow;

use crate::config::Config;
use crate::rules::Changes;

/// Applies the normalisation rules that are on.
#[derive(Clone, Debug)]
pub struct Normalizer {
    _config: Config,
}

impl Normalizer {
    /// A normaliser for `config`.
    pub fn new(config: &Config) -> Normalizer {
        Normalizer { _config: config.clone() }
    }

    /// Normalises `text`, counting into `changes`.
    pub fn normalize<'a>(&self, text: &'a str, _changes: &mut Changes) -> Cow<'a, str> {
        Cow::Borrowed(text)
    }
}
