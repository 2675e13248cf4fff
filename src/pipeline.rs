//! The pipeline: decode, repair, normalise, convert, one call per document.

use std::borrow::Cow;
use std::path::Path;

use crate::config::{Config, HtmlMode};
use crate::convert::Converter;
use crate::decode::{self, DecodeInfo};
use crate::error::Result;
use crate::html;
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
#[derive(Clone, Debug)]
pub struct Pipeline {
    config: Config,
    repairer: Repairer,
    /// The repairer for text between kept tags (`--html keep`).
    markup_repairer: Repairer,
    normalizer: Normalizer,
    /// The same stages without the rules a document that is not Chinese
    /// skips ([`decode::Language::skipped_rules`]): for Latin-script text,
    /// and for the other scripts.
    foreign: Box<[(Repairer, Repairer, Normalizer); 2]>,
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
        let without = |skipped: &[Rule]| {
            let mut c = config.clone();
            for &rule in skipped {
                c.rules.remove(rule);
            }
            (Repairer::new(&c), Repairer::new(&c).keeping_markup(), Normalizer::new(&c))
        };
        let foreign = Box::new([
            without(decode::Language::Latin.skipped_rules()),
            without(decode::Language::Korean.skipped_rules()),
        ]);
        Ok(Pipeline {
            encoding,
            foreign,
            repairer: Repairer::new(&config),
            markup_repairer: Repairer::new(&config).keeping_markup(),
            normalizer: Normalizer::new(&config),
            converter,
            config,
        })
    }

    /// The settings this pipeline was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The input encoding `config.encoding` names, if any.
    pub fn encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        self.encoding
    }

    /// This pipeline with the input encoding forced to the one `label`
    /// names, sharing its built stages (nothing is rebuilt).
    pub fn with_encoding(&self, label: &str) -> Result<Pipeline> {
        let encoding = decode::encoding_for_label(label)?;
        let mut forced = self.clone();
        forced.encoding = Some(encoding);
        forced.config.encoding = Some(label.to_string());
        Ok(forced)
    }

    /// The converter, when conversion was asked for.
    pub fn converter(&self) -> Option<&Converter> {
        self.converter.as_ref()
    }

    /// A fresh change record, explaining or not as configured.
    pub fn new_changes(&self) -> Changes {
        if self.config.explain { Changes::explaining() } else { Changes::new() }
    }

    /// Cleans (and converts) text that is already decoded. HTML is handled
    /// first, as `config.html` says (auto decides by content alone here;
    /// [`Pipeline::process_bytes`] also looks at the file name). The
    /// Chinese-only rules run only when the text's language class allows
    /// them ([`decode::classify`]).
    pub fn process_text<'a>(&self, text: &'a str, changes: &mut Changes) -> Cow<'a, str> {
        self.process_text_named(text, None, decode::classify(text), changes)
    }

    /// [`Pipeline::process_text`] for a file with extension `ext` (`html`),
    /// skipping the rules `language` says to skip.
    fn process_text_named<'a>(
        &self,
        text: &'a str,
        ext: Option<&str>,
        language: decode::Language,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        let (repairer, markup_repairer, normalizer) = match language {
            l if l.chinese_rules() => (&self.repairer, &self.markup_repairer, &self.normalizer),
            decode::Language::Latin => {
                let f = &self.foreign[0];
                (&f.0, &f.1, &f.2)
            }
            _ => {
                let f = &self.foreign[1];
                (&f.0, &f.1, &f.2)
            }
        };
        let converter = self.converter.as_ref().filter(|_| language.chinese_rules());
        let mut text = Cow::Borrowed(text);
        if self.config.clean {
            let strip = self.config.rules.contains(Rule::Html)
                && match self.config.html {
                    HtmlMode::Strip => true,
                    HtmlMode::Auto => html::looks_like_html(&text, ext),
                    HtmlMode::Keep => false,
                };
            if self.config.html == HtmlMode::Keep {
                let stages = (markup_repairer, normalizer, converter);
                return Cow::Owned(self.process_keeping_markup(&text, stages, changes));
            }
            if strip {
                text = map_cow(text, |t| html::strip(t, changes));
            }
            text = map_cow(text, |t| repairer.repair(t, changes));
            text = map_cow(text, |t| normalizer.normalize(t, changes));
        }
        if let Some(conv) = converter {
            let mut out = String::with_capacity(text.len() + text.len() / 8);
            let replaced = conv.convert_counted(&text, &mut out);
            if replaced > 0 {
                changes.add(Rule::Convert, replaced);
                text = Cow::Owned(out);
            }
        }
        text
    }

    /// `--html keep`: repairs, normalises and converts the text between
    /// tags one piece at a time, and copies tags, attributes, comments and
    /// raw elements (script, style, pre, code) byte for byte.
    fn process_keeping_markup(
        &self,
        text: &str,
        (repairer, normalizer, converter): (&Repairer, &Normalizer, Option<&Converter>),
        changes: &mut Changes,
    ) -> String {
        let pieces = html::pieces(text);
        let mut out = String::with_capacity(text.len());
        let mut lines_before = 0;
        let mut counted_to = 0;
        for (k, piece) in pieces.iter().enumerate() {
            let range = match piece {
                html::Piece::Markup(r) => {
                    out.push_str(&text[r.clone()]);
                    continue;
                }
                html::Piece::Text(r) => r.clone(),
            };
            let part = &text[range.clone()];
            // A piece followed by markup does not end its line there.
            let open_end = k + 1 < pieces.len() && !part.ends_with('\n');
            let mut local = self.new_changes();
            let mut t = repairer.repair(part, &mut local);
            t = map_cow(t, |x| normalizer.normalize_piece(x, open_end, &mut local));
            if let Some(conv) = converter {
                let mut c = String::with_capacity(t.len() + t.len() / 8);
                let replaced = conv.convert_counted(&t, &mut c);
                if replaced > 0 {
                    local.add(Rule::Convert, replaced);
                    t = Cow::Owned(c);
                }
            }
            out.push_str(&t);
            if changes.is_explaining() {
                lines_before +=
                    memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..range.start]).count();
                counted_to = range.start;
                local.offset_lines(lines_before);
            }
            changes.merge(&local);
        }
        out
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
        let ext = path.and_then(|p| p.extension()).and_then(|e| e.to_str());
        let out = self.process_text_named(&text, ext, info.language, &mut changes).into_owned();
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
