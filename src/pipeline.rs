//! The pipeline: decode, repair, normalise, convert, one call per document.

use std::borrow::Cow;
use std::path::Path;

use crate::config::{Config, HtmlMode};
use crate::convert::Converter;
use crate::decode::{self, DecodeInfo};
use crate::error::Result;
use crate::html;
use crate::normalize::Normalizer;
use crate::repair::{CutRisk, NameEvidence, PartScan, Repairer};
use crate::rules::{Changes, Rule};

/// How many bytes at the start of a document's decoded text
/// [`Pipeline::plan`] looks at (HTML is judged on the first 64 KiB).
pub const PLAN_HEAD: usize = 64 * 1024;

/// What is done with markup in one document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HtmlPlan {
    /// Plain text: no markup handling.
    #[default]
    Text,
    /// Stripped to plain text (`--html strip`, or `auto` on a page).
    Strip,
    /// Tags kept, the text between them cleaned (`--html keep`).
    Keep,
}

/// The decisions made once per document and held for every part of it, so
/// that a document processed in parts comes out exactly as processed
/// whole. Each is taken from the whole document, or from a head that is
/// all the whole-document decision looks at:
///
/// * `decode`: the encoding, confidence, BOM, the legacy encoding of the
///   non-UTF-8 lines of a mixed file, the binary judgement (from the first
///   [`crate::decode::SNIFF_LEN`] bytes; the parts are decoded by one
///   [`crate::decode::StreamDecoder`] per document, which holds them);
/// * `html`: strip, keep or plain text (from the name and the first
///   [`PLAN_HEAD`] bytes of text);
/// * `names`: what the whole document says about names (a `?` accepted
///   on its own, names joined by a real `·`), gathered from every part
///   before any is repaired, or while each is repaired on its own (the
///   few whose own evidence does not decide alike are then redone with
///   it: see [`Pipeline::process_part_gathering`]);
/// * `language`: the language class of the text (from the decoder's
///   prefix, or the first characters of the text), which decides whether
///   the Chinese-only rules run ([`decode::Language::skipped_rules`]).
///
/// Rules that read anything else from the document add it here.
#[derive(Clone, Debug, Default)]
pub struct DocumentPlan {
    /// What decoding decided (its counts are those of the head only).
    pub decode: Option<DecodeInfo>,
    /// What is done with markup.
    pub html: HtmlPlan,
    /// Name evidence from the whole document; empty when the text handed
    /// to [`Pipeline::process_part`] is the whole document.
    pub names: NameEvidence,
    /// The language class the rules are chosen by.
    pub language: decode::Language,
}

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
    /// When not explaining: keep this many changes per rule as samples
    /// ([`Pipeline::sampling`]); 0 keeps none.
    samples: usize,
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
            repairer: Repairer::new(&config),
            markup_repairer: Repairer::new(&config).keeping_markup(),
            normalizer: Normalizer::new(&config),
            foreign,
            converter,
            config,
            samples: 0,
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

    /// The converter, when conversion was asked for.
    pub fn converter(&self) -> Option<&Converter> {
        self.converter.as_ref()
    }

    /// The same pipeline, keeping the first `per_rule` changes of each
    /// rule of every record it makes ([`Changes::sampling`]) when the config
    /// does not explain: samples for a report. The text is the same.
    pub fn sampling(mut self, per_rule: usize) -> Pipeline {
        self.samples = per_rule;
        self
    }

    /// A fresh change record, explaining (or sampling) or not as configured.
    pub fn new_changes(&self) -> Changes {
        if self.config.explain {
            Changes::explaining()
        } else if self.samples > 0 {
            Changes::sampling(self.samples)
        } else {
            Changes::new()
        }
    }

    /// Cleans (and converts) text that is already decoded. HTML is handled
    /// first, as `config.html` says (auto decides by content alone here;
    /// [`Pipeline::process_bytes`] also looks at the file name). The
    /// Chinese-only rules run only when the text's language class allows
    /// them ([`decode::classify`]).
    pub fn process_text<'a>(&self, text: &'a str, changes: &mut Changes) -> Cow<'a, str> {
        self.process_text_named(text, None, changes)
    }

    /// [`Pipeline::process_text`] for a file with extension `ext` (`html`).
    fn process_text_named<'a>(
        &self,
        text: &'a str,
        ext: Option<&str>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        let plan = self.plan(text, ext, None);
        self.process_part(text, &plan, changes)
    }

    /// The decisions for a document whose decoded text starts with `head`
    /// (at least [`PLAN_HEAD`] bytes of it, or all of it), named with
    /// extension `ext`, as `decode` decoded it. The name evidence is left
    /// empty: see [`Pipeline::scan_part`].
    pub fn plan(&self, head: &str, ext: Option<&str>, decode: Option<DecodeInfo>) -> DocumentPlan {
        // `decode` the argument shadows the module inside this function.
        use crate::decode::classify;
        let html = if !self.config.clean {
            HtmlPlan::Text
        } else if self.config.html == HtmlMode::Keep {
            HtmlPlan::Keep
        } else if self.config.rules.contains(Rule::Html)
            && (self.config.html == HtmlMode::Strip || html::looks_like_html(head, ext))
        {
            HtmlPlan::Strip
        } else {
            HtmlPlan::Text
        };
        let language = decode.as_ref().map_or_else(|| classify(head), |d| d.language);
        DocumentPlan { decode, html, names: NameEvidence::default(), language }
    }

    /// Whether the parts of a document with this plan may be processed
    /// apart ([`Pipeline::split_point`] cuts): markup is handled on the
    /// whole text only, since a tag, a comment or a script may run over
    /// any line end.
    pub fn can_split(&self, plan: &DocumentPlan) -> bool {
        plan.html == HtmlPlan::Text
    }

    /// Whether name evidence matters for this pipeline: the
    /// `name-separator` rule is on.
    pub fn wants_name_evidence(&self) -> bool {
        self.config.clean && self.config.rules.contains(Rule::NameSeparator)
    }

    /// What `part`, one part of a plain-text document, says about the
    /// names of the whole document (merge the [`PartScan::names`] of every
    /// part into [`DocumentPlan::names`] before processing any part), and
    /// what [`Pipeline::process_scanned`] may then skip for this part.
    pub fn scan_part(&self, part: &str) -> PartScan {
        if self.wants_name_evidence() { self.repairer.scan_part(part) } else { PartScan::default() }
    }

    /// [`Pipeline::scan_part`] that keeps what the rules before the name
    /// rules made of `part` (counting their changes into `changes`), for
    /// [`Pipeline::process_kept`]: for a document held in memory between the
    /// scan and the processing, which then runs those rules once.
    pub fn scan_part_keeping(
        &self,
        part: &str,
        plan: &DocumentPlan,
        changes: &mut Changes,
    ) -> PartScan {
        if !self.wants_name_evidence() {
            PartScan::default()
        } else if Self::scan_applies(plan) {
            self.repairer.scan_part_keeping(part, changes)
        } else {
            self.repairer.scan_part(part)
        }
    }

    /// Whether a scan (made with the Chinese stages) may stand for the
    /// first repair rules under `plan`: the other stages skip rules.
    fn scan_applies(plan: &DocumentPlan) -> bool {
        plan.html == HtmlPlan::Text && plan.language.chinese_rules()
    }

    /// [`Pipeline::process_scanned`] for a part whose scan is `scan`, by
    /// [`Pipeline::scan_part_keeping`] with the same `plan`, and `changes`
    /// the changes that scan counted: the same text and counts as
    /// [`Pipeline::process_part`].
    pub fn process_kept<'a>(
        &self,
        text: &'a str,
        plan: &DocumentPlan,
        scan: PartScan,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        self.process_with(text, plan, Some(Cow::Owned(scan)), None, changes)
    }

    /// Cleans (and converts) `text`, all or one part of a decoded document,
    /// with the decisions of `plan`. A part cut at
    /// [`Pipeline::split_point`] of a document that [can be
    /// split](Pipeline::can_split) comes out as it would in the whole.
    pub fn process_part<'a>(
        &self,
        text: &'a str,
        plan: &DocumentPlan,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        self.process_scanned(text, plan, None, changes)
    }

    /// [`Pipeline::process_part`] for a part whose [`Pipeline::scan_part`]
    /// is `scan`: the same text and counts, without repeating what the scan
    /// found had nothing to do.
    pub fn process_scanned<'a>(
        &self,
        text: &'a str,
        plan: &DocumentPlan,
        scan: Option<&PartScan>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        self.process_with(text, plan, scan.map(Cow::Borrowed), None, changes)
    }

    /// [`Pipeline::process_part`] that also gives what `text`, one part of
    /// a plain-text document, says about the names of its document (what
    /// [`Pipeline::scan_part`] would give): a part processed on its own
    /// (with `plan.names` empty) may keep its result when its evidence
    /// [decides alike](NameEvidence::decides_alike) with the evidence of the
    /// whole document, merged from every part.
    pub fn process_part_gathering<'a>(
        &self,
        text: &'a str,
        plan: &DocumentPlan,
        changes: &mut Changes,
    ) -> (Cow<'a, str>, NameEvidence) {
        let mut gathered = NameEvidence::default();
        let gather = self.wants_name_evidence().then_some(&mut gathered);
        let out = self.process_with(text, plan, None, gather, changes);
        (out, gathered)
    }

    /// [`Pipeline::process_scanned`] with a scan by reference (from
    /// [`Pipeline::scan_part`]) or by value (from
    /// [`Pipeline::scan_part_keeping`]).
    fn process_with<'a>(
        &self,
        text: &'a str,
        plan: &DocumentPlan,
        scan: Option<Cow<'_, PartScan>>,
        gathered: Option<&mut NameEvidence>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        let language = plan.language;
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
        let input = text;
        let mut text = Cow::Borrowed(text);
        // Explaining a stripped page: where its text came from, so that
        // the changes of the later rules name the input's lines.
        let mut stripped: Option<(html::StripMap, String, usize)> = None;
        if self.config.clean {
            match plan.html {
                HtmlPlan::Keep => {
                    let stages = (markup_repairer, normalizer, converter);
                    return Cow::Owned(self.process_keeping_markup(&text, stages, changes));
                }
                HtmlPlan::Strip if changes.is_explaining() => {
                    let (t, map) = html::strip_mapped(input, changes);
                    if let Some(map) = map {
                        stripped = Some((map, t.to_string(), changes.explained_len()));
                    }
                    text = t;
                }
                HtmlPlan::Strip => text = map_cow(text, |t| html::strip(t, changes)),
                HtmlPlan::Text => {}
            }
            // A scan was made with the Chinese stages; the others skip
            // rules, so they take no shortcut from it.
            let scan = scan.filter(|_| Self::scan_applies(plan));
            text = map_cow(text, |t| match scan {
                Some(Cow::Owned(s)) => {
                    repairer.repair_scanned(t, &plan.names, s, gathered, changes)
                }
                s => repairer.repair_part(t, &plan.names, s.as_deref(), gathered, changes),
            });
            text = map_cow(text, |t| normalizer.normalize(t, changes));
        }
        if let Some((map, page, from)) = stripped {
            // A later rule's (line, column) in the stripped text, as a byte
            // offset there, then in the input, then as the input's line and
            // column. (A column after an earlier change on the same line is
            // counted in the text that rule saw, as for any input.)
            let starts: Vec<usize> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', page.as_bytes()).map(|i| i + 1))
                .collect();
            changes.relocate_from(from, |line, column| {
                let start = starts.get(line.saturating_sub(1)).copied().unwrap_or(page.len());
                let rest = &page[start.min(page.len())..];
                let end = rest.find('\n').unwrap_or(rest.len());
                let into = rest[..end]
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(end, |(i, _)| i);
                crate::rules::line_column(input, map.input_offset(start + into))
            });
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
    /// gives the same text and counts as processing it whole: after the
    /// last line feed within the first `max` bytes that is also a safe cut
    /// for the converter and falls where no cross-line state is open.
    /// `None` when there is none. `text` must start where none is open (the
    /// start of a document, or an earlier cut made here).
    ///
    /// The state that can run over a line end, and that a cut avoids:
    ///
    /// * for the repair rules, a region they leave alone: a Markdown code
    ///   block, a tag or comment whose `>` is on a later line, the content
    ///   of `<pre>`, `<code>`, `<script>`...; and anything after a
    ///   reference that could make such syntax once decoded (`&lt;`,
    ///   `&#96;`, `&#10;`);
    /// * for the normaliser, a code block between two fence lines, as it
    ///   reads them.
    ///
    /// One linear scan of `text` finds them; a region whose end lies past
    /// the end of `text`, so that more text decides it, counts as open. A
    /// part that cannot be cut here, because such a region is open through
    /// it, is extended by the caller; past a bound it is cut with
    /// [`Pipeline::split_point_anywhere`] (see `src/run/pieces.rs`).
    pub fn split_point(&self, text: &str, max: usize) -> Option<usize> {
        let mut max = max.min(text.len());
        if !self.config.clean {
            return self.split_point_anywhere(text, max);
        }
        // Every region a cut must avoid starts at one of these bytes (a
        // fence or code span at a backtick or tilde, markup at `<`, a
        // reference at `&`): text without them, as most of a corpus is,
        // needs no scan for regions. Only a region that starts before the
        // cut can be open at it, so only the bytes before `max` are looked
        // at (the text handed in is often twice that).
        let b = &text.as_bytes()[..max];
        if memchr::memchr3(b'`', b'~', b'<', b).is_none() && memchr::memchr(b'&', b).is_none() {
            return self.split_point_anywhere(text, max);
        }
        let mut risk = self.repairer.cut_risk(text);
        let (spans, open_from) = self.normalizer.fence_spans(text);
        risk.add(CutRisk { spans, open_from });
        max = max.min(risk.open_from);
        loop {
            let cut = self.split_point_anywhere(text, max)?;
            match risk.around(cut) {
                // Each turn moves before one more region.
                Some(r) => max = r.start,
                None => return Some(cut),
            }
        }
    }

    /// Where decoded `text` may be cut for the converter alone (after a
    /// line feed within the first `max` bytes that keeps dictionary matches
    /// whole), whatever state is open there: the cut of last resort, for a
    /// region too long to hold whole. `None` when there is none.
    pub fn split_point_anywhere(&self, text: &str, max: usize) -> Option<usize> {
        let max = max.min(text.len());
        match &self.converter {
            Some(c) => c.split_point(text, max),
            None => memchr::memrchr(b'\n', &text.as_bytes()[..max]).map(|i| i + 1),
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
        let plan = self.plan(&text, ext, Some(info.clone()));
        let out = self.process_part(&text, &plan, &mut changes).into_owned();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A cut never falls inside a Markdown code block: a `?` in it must
    /// stay protected in the part that holds the rest of the block.
    #[test]
    fn split_points_stay_out_of_code_blocks() {
        let p = Pipeline::new(Config::default()).unwrap();
        let text = "一行\n```\n代码?代码\n更多\n```\n二行\n";
        let fence = text.find("```").unwrap();
        assert_eq!(p.split_point(text, text.len() - 12), Some(fence));
        assert_eq!(p.split_point(text, text.len()), Some(text.len()));
        assert_eq!(p.split_point("```\n代码\n", 10), None);
        assert_eq!(p.split_point("一行\n二行\n", 9), Some(7));
    }

    /// The cut each kind of region over a line end moves (to the start of
    /// the line it opens on), and what leaves a cut where it was.
    #[test]
    fn split_points_stay_out_of_open_regions() {
        let p = Pipeline::new(Config::default()).unwrap();
        let moved = [
            "一行\n<a href=\"x?\n二行>\n三行\n",
            "一行\n<pre>\n代码?\n</pre>\n三行\n",
            "一行\n<!-- 注\n二行 -->\n三行\n",
            "一行\n    ```\n代码,代码\n    ```\n三行\n",
            "一行\n&lt;a href=\"x?\n二行>\n三行\n",
            "一行\n&#96;&#96;&#96;\n二行\n三行\n",
        ];
        for text in moved {
            let second = text.find('\n').unwrap() + 1;
            let third = second + text[second..].find('\n').unwrap() + 1;
            assert_eq!(p.split_point(text, third + 1), Some(second), "{text:?}");
            // For the converter alone the cut stays.
            assert_eq!(p.split_point_anywhere(text, third + 1), Some(third), "{text:?}");
        }
        // Closed on its own line, not a tag, a harmless reference, a `<pre>`
        // closed before the cut: the cut stays.
        for text in [
            "一行\n<b>二</b>\n三行\n",
            "一行\na < b\n三行\n",
            "一行\n&#33879;&amp;T\n三行\n",
            "一行\n<pre>x</pre>\n三行\n",
        ] {
            let third = text.match_indices('\n').nth(1).unwrap().0 + 1;
            assert_eq!(p.split_point(text, third + 1), Some(third), "{text:?}");
        }
        // A tag whose `>` may come after the end of what is there: open.
        assert_eq!(p.split_point("一行\n<a href=\n二行\n", 20), Some(7));
    }
}
