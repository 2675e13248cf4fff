//! Repair: undo damage done by other software (stage 2 of the cleaning
//! policy). (Placeholder: no rule yet.)

use std::borrow::Cow;

use crate::config::Config;
use crate::rules::Changes;

/// Applies the repair rules that are on.
#[derive(Clone, Debug)]
pub struct Repairer {
    _config: Config,
}

impl Repairer {
    /// A repairer for `config`.
    pub fn new(config: &Config) -> Repairer {
        Repairer { _config: config.clone() }
    }

    /// Repairs `text`, counting into `changes`.
    pub fn repair<'a>(&self, text: &'a str, _changes: &mut Changes) -> Cow<'a, str> {
        Cow::Borrowed(text)
    }
}
