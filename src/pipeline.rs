//! The pipeline: decode, repair, normalise, convert, one call per document.

use std::borrow::Cow;
use std::path::Path;

use crate::config::Config;
use crate::convert::Converter;
use crate::decode::{self, DecodeInfo};
use crate::error::Result;
use crate::normalize::Normalizer;
use crate::repair::Repairer;
use crate::rules::{Changes, Rule};

/// One processed document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The output text.
    pub text: String,
    /// What decoding found.
    pub decode: DecodeInfo,
    /// What every rule changed.
    pub changes: Changes,
}

/// The stages, built once from a [`Config`] and shared by threads.
#[derive(Debug)]
pub struct Pipeline {
    config: Config,
    repairer: Repairer,
    normalizer: Normalizer,
    converter: Option<Converter>,
    encoding: Option<&'static encoding_rs::Encoding>,
}

impl Pipeline {
    /// Builds every stage `config` asks for.
    pub fn new(config: Config) -> Result<Pipeline> {
        let converter = match &config.convert {
            Some(spec) => Some(Converter::from_spec(spec)?),
            None => None,
        };
        let encoding = config.encoding.as_deref().map(decode::encoding_for_label).transpose()?;
        Ok(Pipeline {
            encoding,
            repairer: Repairer::new(&config),
            normalizer: Normalizer::new(&config),
            converter,
            config,
        })
    }

    /// The settings this pipeline was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The converter, when conversion was asked for.
    pub fn converter(&self) -> Option<&Converter> {
        self.converter.as_ref()
    }

    /// A fresh change record, explaining or not as configured.
    pub fn new_changes(&self) -> Changes {
        if self.config.explain { Changes::explaining() } else { Changes::new() }
    }

    /// Cleans (and converts) text that is already decoded.
    pub fn process_text<'a>(&self, text: &'a str, changes: &mut Changes) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        if self.config.clean {
            text = map_cow(text, |t| self.repairer.repair(t, changes));
            text = map_cow(text, |t| self.normalizer.normalize(t, changes));
        }
        if let Some(conv) = &self.converter {
            let mut out = String::with_capacity(text.len() + text.len() / 8);
            let replaced = conv.convert_counted(&text, &mut out);
            if replaced > 0 {
                changes.add(Rule::Convert, replaced);
                text = Cow::Owned(out);
            }
        }
        text
    }

    /// Where decoded `text` may be cut so that processing the parts apart
    /// gives the same text as processing it whole (as far as the stages
    /// allow): after a line feed within the first `max` bytes that is also
    /// a safe cut for the converter. `None` when there is none.
    pub fn split_point(&self, text: &str, max: usize) -> Option<usize> {
        match &self.converter {
            Some(c) => c.split_point(text, max),
            None => memchr::memrchr(b'\n', &text.as_bytes()[..max.min(text.len())]).map(|i| i + 1),
        }
    }

    /// Decodes and processes one whole document. `path` is used for hints
    /// (`.html`) and messages only. A binary input is
    /// [`Error::Binary`](crate::Error::Binary).
    pub fn process_bytes(&self, bytes: &[u8], path: Option<&Path>) -> Result<Document> {
        let mut changes = self.new_changes();
        let (text, info) = decode::decode(bytes, self.encoding, &mut changes);
        if let Some(reason) = info.binary {
            let path = path.unwrap_or(Path::new("-")).to_path_buf();
            return Err(crate::Error::Binary { path, reason });
        }
        let out = self.process_text(&text, &mut changes).into_owned();
        Ok(Document { text: out, decode: info, changes })
    }
}

/// Applies a text stage to a `Cow`, keeping the borrow when nothing changed.
fn map_cow<'a>(text: Cow<'a, str>, f: impl FnOnce(&str) -> Cow<'_, str>) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(t) => f(t),
        Cow::Owned(t) => match f(&t) {
            Cow::Borrowed(_) => Cow::Owned(t),
            Cow::Owned(o) => Cow::Owned(o),
        },
    }
}
