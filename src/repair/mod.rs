//! Repair: undo damage done by other software (`docs/repair-rules.md`).
//! The stage sees decoded text *before* normalisation, because its
//! evidence is fragile: mojibake needs the raw characters (C1 controls,
//! no-break spaces), and a lost name dot is only recognisable while it is
//! still an ASCII `?` (the normaliser later widens real questions to `？`).
//!
//! The rules run in this order, each on the output of the one before:
//!
//! 1. `entities`, `entities-double` (`entities.rs`): HTML character references;
//! 2. `mojibake` (`mojibake.rs`): runs decoded with the wrong encoding;
//! 3. `name-separator`, `lost-space` (`names.rs`): `?` that stood for `·` or
//!    a no-break space;
//! 4. `loss-markers` (`markers.rs`): counted, never changed.
//!
//! Entities go first because a reference can hide any of the later damage
//! (`&#63;` is a `?`); mojibake goes before the `?` rules because a repaired
//! run may contain names. Every rule can be switched off in
//! [`Config::rules`], and every change is recorded in [`Changes`].
//!
//! Clean text is the common case and must cost little: each rule first asks
//! a cheap question (is there an `&`? a `?`? a Latin-1 character or two rare
//! characters close together?) and returns the input borrowed when the
//! answer is no.

// The build script works the model out with this module; the library reads
// only its constant, and its tests the rest.
#[cfg_attr(not(test), allow(dead_code))]
mod bigram_model;
mod bigrams;
mod entities;
mod markers;
mod mojibake;
mod names;
mod spans;
mod tables;

use std::borrow::Cow;

use crate::config::Config;
use crate::rules::{Changes, Rule, RuleSet};

pub(crate) use spans::CutRisk;
use spans::{Kinds, Protected};

pub use names::NameEvidence;
/// For the normaliser's `name-dot`: whether a `.` joins name parts.
pub(crate) use names::dot_joins_name;

/// How many times entity decoding is repeated when a decode forms a new
/// reference from its neighbours (`&am&#112;;` → `&amp;` → `&`). Each round
/// shortens the text, so this is only a bound on pathological input.
const ENTITY_ROUNDS: usize = 8;

/// The lines the mojibake scan found may hold a loss marker, with the
/// length of the text they index (`None` when the scan did not run or the
/// text changed).
type MarkerLines = Option<(Vec<std::ops::Range<usize>>, usize)>;

/// What [`Repairer::scan_part`] found in one part of a document.
#[derive(Clone, Debug, Default)]
pub struct PartScan {
    /// What the part says about the names of the document.
    pub names: NameEvidence,
    /// What entities and mojibake made of the part, when that is kept (always
    /// by [`Repairer::scan_part_keeping`]; by [`Repairer::scan_part`] only
    /// when they left it as it was), so that repairing it can start at the
    /// name rules.
    before: Option<Before>,
}

/// The part after the rules before the name rules, as a scan found it.
#[derive(Clone, Debug)]
struct Before {
    /// The changed text; `None` when the part came out as it was.
    text: Option<String>,
    /// What the mojibake scan found for the loss markers.
    marker_lines: MarkerLines,
    /// The protected regions of that text for the name rules, when the
    /// scan needed them (kept by [`Repairer::scan_part_keeping`] only).
    protected: Option<Protected>,
}

impl PartScan {
    /// This scan without what it holds of the text (the changed text, the
    /// protected regions): what [`Repairer::scan_part`] would have given.
    pub fn slim(mut self) -> PartScan {
        self.before = self.before.filter(|b| b.text.is_none()).map(|mut b| {
            b.protected = None;
            b
        });
        self
    }

    /// The text entities and mojibake made of the part, when they changed
    /// it; the scan then stands for that text, as a part they left as it
    /// was. A caller that holds the part may hold this text in its place,
    /// and repair it with [`Repairer::repair_scanned`] in place of the part
    /// (the changes were counted by the scan): one copy of the text held.
    pub fn take_repaired(&mut self) -> Option<String> {
        self.before.as_mut().and_then(|b| b.text.take())
    }

    /// How many bytes of text the scan holds.
    pub fn held(&self) -> usize {
        self.before.as_ref().and_then(|b| b.text.as_ref()).map_or(0, String::len)
    }
}

/// Applies the repair rules that are on. Built once, shared by threads.
#[derive(Clone, Debug)]
pub struct Repairer {
    rules: RuleSet,
    markup_safe: bool,
}

impl Repairer {
    /// A repairer for the rules switched on in `config`.
    pub fn new(config: &Config) -> Repairer {
        Repairer { rules: config.rules, markup_safe: false }
    }

    /// The same repairer for text between tags that are kept as they are
    /// (`--html keep`): references to `<`, `>` and `&` are left encoded, so
    /// that repairing never creates markup.
    pub fn keeping_markup(mut self) -> Repairer {
        self.markup_safe = true;
        self
    }

    /// Repairs `text`, counting every change into `changes`. Returns the
    /// input borrowed when nothing changed.
    ///
    /// ```
    /// use zhclean::{Changes, Config, Rule};
    /// use zhclean::repair::Repairer;
    ///
    /// let r = Repairer::new(&Config::default());
    /// let mut changes = Changes::new();
    /// let out = r.repair("斯科特?丹恩（Scott Dunn）说，显&#33879;下降", &mut changes);
    /// assert_eq!(out, "斯科特·丹恩（Scott Dunn）说，显著下降");
    /// assert_eq!(changes.count(Rule::NameSeparator), 1);
    /// assert_eq!(changes.count(Rule::Entities), 1);
    /// ```
    pub fn repair<'a>(&self, text: &'a str, changes: &mut Changes) -> Cow<'a, str> {
        self.repair_part(text, &NameEvidence::default(), None, None, changes)
    }

    /// [`repair`](Self::repair) for one part of a larger document, with
    /// what the whole document says about names (from
    /// [`scan_part`](Self::scan_part) of every part, merged): the part
    /// comes out as it would inside the whole document. `scan` is this
    /// part's own scan, if one was made: with it, the rules before the name
    /// rules are not run again when they had nothing to do. With
    /// `gathered`, what this part says about the names of its document (what
    /// [`scan_part`](Self::scan_part) would find) is merged into it.
    pub fn repair_part<'a>(
        &self,
        text: &'a str,
        document: &NameEvidence,
        scan: Option<&PartScan>,
        gathered: Option<&mut NameEvidence>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        // Only what a scan by `scan_part` holds: the changes of a kept text
        // were counted by the scan that kept it.
        let before = scan.and_then(|s| s.before.clone()).filter(|b| b.text.is_none());
        self.repair_after(text, document, before, gathered, changes)
    }

    /// [`repair_part`](Self::repair_part) for a part whose scan by
    /// [`scan_part_keeping`](Self::scan_part_keeping) is `scan` (the changes
    /// that scan counted are not counted again): only the rules from the
    /// name rules on are run.
    pub fn repair_scanned<'a>(
        &self,
        text: &'a str,
        document: &NameEvidence,
        scan: PartScan,
        gathered: Option<&mut NameEvidence>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        self.repair_after(text, document, scan.before, gathered, changes)
    }

    fn repair_after<'a>(
        &self,
        text: &'a str,
        document: &NameEvidence,
        before: Option<Before>,
        gathered: Option<&mut NameEvidence>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        let triggers = ascii_triggers(text);
        let (cur, marker_lines, protected) = match before {
            Some(b) => {
                let cur = b.text.map_or(Cow::Borrowed(text), Cow::Owned);
                (cur, b.marker_lines, b.protected)
            }
            None => {
                let (cur, lines) = self.before_names(text, triggers, changes);
                (cur, lines, None)
            }
        };
        self.names_onwards(cur, marker_lines, protected, triggers, document, gathered, changes)
    }

    /// What `text`, one part of a document, says about the names of the
    /// whole document (the name evidence of the text as the name rules see
    /// it, after entities and mojibake), and whether those rules changed it.
    pub fn scan_part(&self, text: &str) -> PartScan {
        self.scan(text, &mut Changes::new(), false).slim()
    }

    /// [`scan_part`](Self::scan_part) that also keeps what entities and
    /// mojibake made of the part (counting their changes into `changes`),
    /// for [`repair_scanned`](Self::repair_scanned): a document held in
    /// memory is repaired without running those rules twice.
    pub fn scan_part_keeping(&self, text: &str, changes: &mut Changes) -> PartScan {
        self.scan(text, changes, true)
    }

    fn scan(&self, text: &str, changes: &mut Changes, keep: bool) -> PartScan {
        let rules = names::NameRules {
            separator: self.rules.contains(Rule::NameSeparator),
            space: self.rules.contains(Rule::LostSpace),
        };
        let (cur, marker_lines) = self.before_names(text, ascii_triggers(text), changes);
        let mut protected = None;
        let names = if rules.separator {
            let p = if memchr::memchr(b'?', cur.as_bytes()).is_some() {
                // The same regions as the name rules find in
                // `names_onwards`.
                protected.insert(Protected::scan(&cur, Kinds { markup: true, urls: true }))
            } else {
                &Protected::default()
            };
            names::evidence(&cur, p, rules)
        } else {
            NameEvidence::default()
        };
        let text = match cur {
            Cow::Borrowed(_) => None,
            Cow::Owned(t) => Some(t),
        };
        let protected = protected.filter(|_| keep);
        PartScan { names, before: Some(Before { text, marker_lines, protected }) }
    }

    /// Where `text`, a part of a document that starts where no protected
    /// region is open, may not be cut when a rule that leaves markup and
    /// code alone is on ([`CutRisk`]): a cut elsewhere gives the two parts
    /// the protected regions the whole has.
    pub(crate) fn cut_risk(&self, text: &str) -> CutRisk {
        let on = |r: Rule| self.rules.contains(r);
        let uses_code = on(Rule::Entities)
            || on(Rule::EntitiesDouble)
            || on(Rule::NameSeparator)
            || on(Rule::LostSpace);
        if uses_code { spans::cut_risk(text) } else { CutRisk::none() }
    }

    /// The rules before the name rules: entities, then mojibake. Also
    /// gives the lines the mojibake scan found may hold a loss marker, with
    /// the length of the text they index.
    ///
    /// `ascii_triggers` is [`ascii_triggers`] of `text`.
    fn before_names<'a>(
        &self,
        text: &'a str,
        ascii_triggers: bool,
        changes: &mut Changes,
    ) -> (Cow<'a, str>, MarkerLines) {
        let on = |r: Rule| self.rules.contains(r);
        let mut cur = Cow::Borrowed(text);
        let ent = entities::EntityRules {
            single: on(Rule::Entities),
            double: on(Rule::EntitiesDouble),
            markup_safe: self.markup_safe,
        };
        if ascii_triggers
            && (ent.single || ent.double)
            && memchr::memchr(b'&', cur.as_bytes()).is_some()
        {
            for _ in 0..ENTITY_ROUNDS {
                let protected = Protected::scan(&cur, Kinds { markup: true, urls: false });
                match entities::decode(&cur, &protected, ent, changes) {
                    Some(next) => cur = Cow::Owned(next),
                    None => break,
                }
            }
        }

        // One pass over the characters answers both "could there be
        // mojibake" (per line, inside `mojibake::repair`) and "could there be
        // a loss marker"; on clean text it is the whole cost of both rules.
        // Lines that may hold a loss marker, when known from that scan and
        // still valid (the text was not changed).
        let mut marker_lines = None;
        if on(Rule::Mojibake) {
            let (next, lines) = mojibake::repair(&cur, changes);
            match next {
                Some(next) => cur = Cow::Owned(next),
                None => marker_lines = Some((lines, cur.len())),
            }
        }
        (cur, marker_lines)
    }

    /// The name rules and the loss markers, on the output `cur` of
    /// [`before_names`](Self::before_names) for a text whose
    /// [`ascii_triggers`] is `ascii_triggers`.
    #[allow(clippy::too_many_arguments)]
    fn names_onwards<'a>(
        &self,
        mut cur: Cow<'a, str>,
        marker_lines: MarkerLines,
        protected: Option<Protected>,
        ascii_triggers: bool,
        document: &NameEvidence,
        gathered: Option<&mut NameEvidence>,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        let on = |r: Rule| self.rules.contains(r);

        let names =
            names::NameRules { separator: on(Rule::NameSeparator), space: on(Rule::LostSpace) };
        // Entities may have produced a `?` (`&#63;`), so look again when the
        // text changed.
        let may_have_question = ascii_triggers || matches!(cur, Cow::Owned(_));
        if may_have_question
            && (names.separator || names.space)
            && memchr::memchr(b'?', cur.as_bytes()).is_some()
        {
            let protected = protected
                .unwrap_or_else(|| Protected::scan(&cur, Kinds { markup: true, urls: true }));
            if let Some(next) = names::repair(&cur, &protected, names, document, gathered, changes)
            {
                cur = Cow::Owned(next);
            }
        } else if let Some(g) = gathered.filter(|_| names.separator) {
            // No `?`: only the real dots say something, gathered straight
            // into the part's evidence.
            g.gather_dots(&cur);
        }

        if on(Rule::LossMarkers) {
            // The `?` rules never add or remove a marker character, and they
            // keep byte offsets (`?` → `·` is one byte longer, so use the
            // current text's own scan when they changed something).
            let lines = match marker_lines {
                Some((lines, scanned_len)) if cur.len() == scanned_len => lines,
                _ if markers::suspect(&cur) => std::iter::once(0..cur.len()).collect(),
                _ => Vec::new(),
            };
            for range in lines {
                markers::count(&cur, range, changes);
            }
        }
        cur
    }
}

/// Whether `text` holds a `&` or a `?`, the two ASCII bytes the entity and
/// name rules start from: clean Chinese text usually has neither, and one
/// pass answers both (computed once per part, for all the rules).
fn ascii_triggers(text: &str) -> bool {
    memchr::memchr2(b'&', b'?', text.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the repair fuzz target (10-minute run): a name whose `?`
    /// the rule makes `·` is evidence for the same name elsewhere at once,
    /// not only on a second pass when that `·` is in the text.
    #[test]
    fn names_made_by_the_rule_are_evidence_at_once() {
        let r = Repairer::new(&Config::default());
        let text = "?;%```\u{1f}%\u{3}凯?蒂&<J//l:\u{3}凯?蒂?";
        let once = r.repair(text, &mut Changes::new()).into_owned();
        assert_eq!(once, "?;%```\u{1f}%\u{3}凯·蒂&<J//l:\u{3}凯·蒂?");
        assert_eq!(r.repair(&once, &mut Changes::new()), once);
    }

    /// Found by the repair fuzz target: a `?` the document confirms as a
    /// name dot (`O?贍`) was read by the chain before it as a question mark
    /// ending alternatives, and once it was `·` the chain read otherwise.
    #[test]
    fn a_chain_reads_a_mark_that_may_become_a_dot_as_a_dot() {
        let r = Repairer::new(&Config::default());
        let text = "\"ee?O?O?O?贍内JJJJJJJJJJJJJJJJJJJJJJJJJJ特?ee?N?O?O?贝";
        let once = r.repair(text, &mut Changes::new()).into_owned();
        assert_eq!(r.repair(&once, &mut Changes::new()), once);
    }

    /// Pieces repaired with the merged evidence of all of them come out as
    /// the whole, also when the evidence is a dot the rule makes in another
    /// piece; and a piece whose own evidence decides alike with the
    /// whole's comes out the same on its own.
    #[test]
    fn pieces_see_the_dots_the_rule_makes_elsewhere() {
        let r = Repairer::new(&Config::default());
        let parts = [
            "会上，斯科特?丹恩（Scott Dunn）发言。\n",
            "平常的一行，没有问号。\n",
            "他说：斯科特?丹恩?\n",
            "记者问：你是美国人?日本人?\n",
        ];
        let whole: String = parts.concat();
        let expect = r.repair(&whole, &mut Changes::new()).into_owned();
        assert!(expect.contains("他说：斯科特·丹恩?"), "{expect}");
        assert!(expect.contains("美国人?日本人?"), "{expect}");
        let scans: Vec<PartScan> = parts.iter().map(|p| r.scan_part(p)).collect();
        let mut doc = NameEvidence::default();
        for s in &scans {
            doc.merge(s.names.clone());
        }
        let mut got = String::new();
        for (p, s) in parts.iter().zip(&scans) {
            got.push_str(&r.repair_part(p, &doc, Some(s), None, &mut Changes::new()));
        }
        assert_eq!(got, expect);
        // On its own, the third piece cannot know the name: it asks, and
        // its own evidence does not answer as the whole's does.
        let mut own = Vec::new();
        for p in parts {
            let mut g = NameEvidence::default();
            let out =
                r.repair_part(p, &NameEvidence::default(), None, Some(&mut g), &mut Changes::new());
            assert_eq!(g, r.scan_part(p).names, "gathered evidence of {p:?}");
            own.push((out.into_owned(), g));
        }
        let alike: Vec<bool> = own.iter().map(|(_, g)| g.decides_alike(&doc)).collect();
        assert_eq!(alike, [true, true, false, true]);
        // What a part asks, kept alone, answers as its whole evidence does;
        // a part that asks nothing keeps nothing.
        for (_, g) in &own {
            let q = g.questions();
            assert_eq!(q.as_ref().is_none_or(|q| q.decides_alike(&doc)), g.decides_alike(&doc));
        }
        assert!(own[0].1.questions().is_none() && own[1].1.questions().is_none());
        assert!(own[2].1.questions().is_some());
        assert_eq!(own[2].0, parts[2]);
        for ((out, g), p) in own.iter().zip(parts) {
            if g.decides_alike(&doc) {
                let with_doc = r.repair_part(p, &doc, None, None, &mut Changes::new());
                assert_eq!(*out, with_doc, "{p:?}");
            }
        }
    }

    fn repair_with(rules: RuleSet, text: &str) -> (String, Changes) {
        let cfg = Config { rules, ..Config::default() };
        let mut ch = Changes::new();
        let out = Repairer::new(&cfg).repair(text, &mut ch).into_owned();
        (out, ch)
    }

    #[test]
    fn clean_text_is_borrowed() {
        let r = Repairer::new(&Config::default());
        let text = "中共中央总书记、国家主席江泽民发表1998年新年讲话。";
        assert!(matches!(r.repair(text, &mut Changes::new()), Cow::Borrowed(_)));
    }

    #[test]
    fn each_rule_can_be_switched_off() {
        let text = "斯科特?丹恩（Scott Dunn）&#33879;（rare?earth）浣犲ソ涓栫晫";
        let (all, _) = repair_with(RuleSet::all(), text);
        assert_eq!(all, "斯科特·丹恩（Scott Dunn）著（rare earth）你好世界");
        for (rule, expect) in [
            (Rule::NameSeparator, "斯科特?丹恩（Scott Dunn）著（rare earth）你好世界"),
            (Rule::Entities, "斯科特·丹恩（Scott Dunn）&#33879;（rare earth）你好世界"),
            (Rule::LostSpace, "斯科特·丹恩（Scott Dunn）著（rare?earth）你好世界"),
            (Rule::Mojibake, "斯科特·丹恩（Scott Dunn）著（rare earth）浣犲ソ涓栫晫"),
        ] {
            let mut rules = RuleSet::all();
            rules.remove(rule);
            let (out, ch) = repair_with(rules, text);
            assert_eq!(out, expect, "without {rule}");
            assert_eq!(ch.count(rule), 0);
        }
    }

    #[test]
    fn entity_decoded_question_mark_is_a_name_dot() {
        let (out, ch) = repair_with(RuleSet::all(), "斯科特&#63;丹恩（Scott Dunn）");
        assert_eq!(out, "斯科特·丹恩（Scott Dunn）");
        assert_eq!(ch.count(Rule::Entities), 1);
        assert_eq!(ch.count(Rule::NameSeparator), 1);
    }

    #[test]
    fn reformed_reference_is_decoded_to_a_fixed_point() {
        let (once, _) = repair_with(RuleSet::all(), "&am&#112;;");
        assert_eq!(once, "&");
        let (twice, _) = repair_with(RuleSet::all(), &once);
        assert_eq!(twice, once);
    }

    #[test]
    fn loss_markers_are_counted_not_changed() {
        let (out, ch) = repair_with(RuleSet::all(), "价格：锟斤拷元，烫烫烫，一斤苹果");
        assert_eq!(out, "价格：锟斤拷元，烫烫烫，一斤苹果");
        assert_eq!(ch.count(Rule::LossMarkers), 2);
    }
}
