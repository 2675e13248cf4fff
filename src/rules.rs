//! Named rules and the per-document record of what they changed.
//!
//! Every change zhclean makes to text is attributed to one [`Rule`]. Rules
//! have stable kebab-case names (described in `docs/policy.md`): users
//! switch them off by name (`--no-rule NAME`), the report counts them by
//! name, and `--explain` prints them by name. Renaming a rule is a breaking
//! change.
//!
//! A stage receives a [`Changes`] and calls [`Changes::add`] (count only) or
//! [`Changes::record`] (count, plus the explain entry when explaining) for
//! every change it makes.

use std::fmt;

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $stage:ident; )*) => {
        /// A named rule. `docs/policy.md` says what each one does.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Rule {
            $( $(#[$doc])* $variant, )*
        }

        impl Rule {
            /// Every rule, in pipeline order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable name of the rule (`name-separator`, `cjk-punct`, ...).
            pub const fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name,)* }
            }

            /// The stage the rule belongs to.
            pub const fn stage(self) -> PipelineStage {
                match self { $(Rule::$variant => PipelineStage::$stage,)* }
            }
        }
    };
}

rules! {
    /// A byte-order mark decided the encoding (and was dropped).
    Bom = "bom", Decode;
    /// The input was valid UTF-8.
    Utf8 = "utf8", Decode;
    /// The input was decoded from a detected (or forced) legacy encoding.
    Legacy = "legacy", Decode;
    /// Undecodable bytes were replaced by U+FFFD.
    Malformed = "malformed", Decode;
    /// The input was recognised as binary and skipped.
    Binary = "binary", Decode;
    /// HTML markup turned into plain text (`--html strip`).
    Html = "html", Repair;
    /// HTML character references decoded (`&#33879;`, `&mdash;`).
    Entities = "entities", Repair;
    /// Doubly escaped references decoded (`&amp;#33879;`).
    EntitiesDouble = "entities-double", Repair;
    /// Mojibake runs re-encoded and decoded right.
    Mojibake = "mojibake", Repair;
    /// `?` that stood for the dot in a transliterated name, back to `·`.
    NameSeparator = "name-separator", Repair;
    /// `?` that stood for a no-break space between Latin words, back to a space.
    LostSpace = "lost-space", Repair;
    /// Loss markers (`锟斤拷`, `烫烫烫`, U+FFFD) counted; the text is left as it is.
    LossMarkers = "loss-markers", Repair;
    /// CRLF and lone CR to LF.
    LineEnds = "line-ends", Normalize;
    /// Spaces and tabs at line end removed.
    TrailingSpace = "trailing-space", Normalize;
    /// Invisible and control characters removed.
    Invisible = "invisible", Normalize;
    /// Unusual spaces to an ASCII space.
    Spaces = "spaces", Normalize;
    /// CJK compatibility ideographs to their unified twin.
    CompatIdeographs = "compat-ideographs", Normalize;
    /// Kangxi and supplement radicals to the unified ideograph.
    Radicals = "radicals", Normalize;
    /// Full-width digits and Latin letters to ASCII.
    WidthAlnum = "width-alnum", Normalize;
    /// Full-width symbols next to ASCII letters or digits to ASCII.
    WidthSymbols = "width-symbols", Normalize;
    /// Half-width `, ? ! ; :` in Chinese context to full width.
    CjkPunct = "cjk-punct", Normalize;
    /// Half-width parentheses around or after Chinese to full width.
    CjkParens = "cjk-parens", Normalize;
    /// A half-width full stop after Chinese to `。`.
    CjkPeriod = "cjk-period", Normalize;
    /// Straight quotes around Chinese to curly quotes.
    CjkQuotes = "cjk-quotes", Normalize;
    /// `...`, `。。。`, a lone `…` next to Chinese to `……`.
    Ellipsis = "ellipsis", Normalize;
    /// Dot look-alikes between Han to `·`.
    NameDot = "name-dot", Normalize;
    /// Vertical and small presentation forms to ordinary punctuation.
    Forms = "forms", Normalize;
    /// Anything else NFC changes.
    Nfc = "nfc", Normalize;
    /// Quote style changed on request (`--quotes curly|corner`).
    Quotes = "quotes", Normalize;
    /// Script conversion with an OpenCC config (`--convert`).
    Convert = "convert", Convert;
}

/// The pipeline stage a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PipelineStage {
    /// Bytes to text.
    Decode,
    /// Undoing damage done by other software.
    Repair,
    /// One spelling for one thing.
    Normalize,
    /// OpenCC conversion.
    Convert,
}

impl Rule {
    /// Looks a rule up by its stable name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    const fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of rules, used for the rules that are switched on.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleSet(u64);

impl RuleSet {
    /// Every rule on.
    pub const fn all() -> RuleSet {
        RuleSet((1u64 << Rule::ALL.len()) - 1)
    }

    /// No rule on.
    pub const fn none() -> RuleSet {
        RuleSet(0)
    }

    /// Whether `rule` is in the set.
    #[inline]
    pub const fn contains(self, rule: Rule) -> bool {
        self.0 & rule.bit() != 0
    }

    /// Adds `rule`.
    pub fn insert(&mut self, rule: Rule) {
        self.0 |= rule.bit();
    }

    /// Removes `rule`.
    pub fn remove(&mut self, rule: Rule) {
        self.0 &= !rule.bit();
    }

    /// The rules in the set, in pipeline order.
    pub fn iter(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.iter().copied().filter(move |r| self.contains(*r))
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::all()
    }
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Rule::name)).finish()
    }
}

/// One change, as `--explain` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The rule that made it.
    pub rule: Rule,
    /// 1-based line in the text the rule saw.
    pub line: usize,
    /// 1-based column, in characters, in the text the rule saw.
    pub column: usize,
    /// The text before.
    pub before: String,
    /// The text after.
    pub after: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {:?} -> {:?}",
            self.line, self.column, self.rule, self.before, self.after
        )
    }
}

/// What the stages changed in one document: a count per rule, and, when
/// explaining, every change (or, when sampling, the first few of each rule).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    counts: [u64; Rule::ALL.len()],
    explain: Option<Vec<Change>>,
    /// When sampling: how many changes of each rule are kept at most.
    /// `None` keeps every change.
    sample: Option<usize>,
}

impl Changes {
    /// A record that only counts.
    pub fn new() -> Changes {
        Changes::default()
    }

    /// A record that also keeps every change for `--explain`.
    pub fn explaining() -> Changes {
        Changes { counts: [0; Rule::ALL.len()], explain: Some(Vec::new()), sample: None }
    }

    /// A record that keeps, with their positions, only the first
    /// `per_rule` changes of each rule (every change is still counted):
    /// samples for a report, at a bounded cost in memory and time.
    pub fn sampling(per_rule: usize) -> Changes {
        Changes { counts: [0; Rule::ALL.len()], explain: Some(Vec::new()), sample: Some(per_rule) }
    }

    /// Whether a change by `rule` counted just now is one to keep.
    #[inline]
    fn keeps(&self, rule: Rule) -> bool {
        self.sample.is_none_or(|cap| self.counts[rule as usize] <= cap as u64)
    }

    /// Whether changes are kept one by one. Stages may skip the work of
    /// locating a change (line and column) when this is false.
    #[inline]
    pub fn is_explaining(&self) -> bool {
        self.explain.is_some()
    }

    /// Counts `n` changes made by `rule`.
    #[inline]
    pub fn add(&mut self, rule: Rule, n: u64) {
        self.counts[rule as usize] += n;
    }

    /// Counts one change by `rule` and, when explaining, keeps it.
    ///
    /// `text` is the text the rule was working on, `offset` the byte offset
    /// of the change in it; line and column are worked out from them only
    /// when explaining.
    pub fn record(&mut self, rule: Rule, text: &str, offset: usize, before: &str, after: &str) {
        self.counts[rule as usize] += 1;
        let keep = self.keeps(rule);
        if let Some(list) = self.explain.as_mut().filter(|_| keep) {
            let (line, column) = line_column(text, offset);
            list.push(Change { rule, line, column, before: before.into(), after: after.into() });
        }
    }

    /// Keeps an explain entry whose position the caller already knows.
    pub fn record_at(&mut self, rule: Rule, line: usize, column: usize, before: &str, after: &str) {
        self.counts[rule as usize] += 1;
        let keep = self.keeps(rule);
        if let Some(list) = self.explain.as_mut().filter(|_| keep) {
            list.push(Change { rule, line, column, before: before.into(), after: after.into() });
        }
    }

    /// How many changes are kept one by one so far.
    pub(crate) fn explained_len(&self) -> usize {
        self.explained().len()
    }

    /// Moves the kept changes from the `from`th on to the position `to`
    /// gives for their (line, column).
    pub(crate) fn relocate_from(
        &mut self,
        from: usize,
        to: impl Fn(usize, usize) -> (usize, usize),
    ) {
        for c in self.explain.iter_mut().flatten().skip(from) {
            (c.line, c.column) = to(c.line, c.column);
        }
    }

    /// How many changes `rule` made.
    pub fn count(&self, rule: Rule) -> u64 {
        self.counts[rule as usize]
    }

    /// The total of all counts.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The rules with a non-zero count, in pipeline order.
    pub fn counts(&self) -> impl Iterator<Item = (Rule, u64)> + '_ {
        Rule::ALL.iter().map(|&r| (r, self.counts[r as usize])).filter(|&(_, n)| n > 0)
    }

    /// The changes kept for `--explain` (empty when not explaining).
    pub fn explained(&self) -> &[Change] {
        self.explain.as_deref().unwrap_or(&[])
    }

    /// Adds the counts (and kept changes) of `other` to these.
    pub fn merge(&mut self, other: &Changes) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        if let (Some(list), Some(more)) = (&mut self.explain, &other.explain) {
            match self.sample {
                None => list.extend(more.iter().cloned()),
                // Sampling: still at most `cap` per rule after the merge
                // (the list is short, a few per rule).
                Some(cap) => {
                    for c in more {
                        if list.iter().filter(|k| k.rule == c.rule).count() < cap {
                            list.push(c.clone());
                        }
                    }
                }
            }
        }
    }

    /// Shifts the line numbers of kept changes by `lines` (used when a large
    /// input was processed in pieces).
    pub fn offset_lines(&mut self, lines: usize) {
        if let Some(list) = &mut self.explain {
            for c in list {
                c.line += lines;
            }
        }
    }
}

/// The 1-based line and character column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = text[start..offset].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &r in Rule::ALL {
            assert_eq!(Rule::from_name(r.name()), Some(r));
            assert!(seen.insert(r.name()), "duplicate rule name {}", r.name());
        }
        assert!(Rule::ALL.len() < 64, "RuleSet is a u64 bit set");
    }

    #[test]
    fn rule_set_insert_remove() {
        let mut s = RuleSet::all();
        assert!(s.contains(Rule::NameSeparator));
        s.remove(Rule::NameSeparator);
        assert!(!s.contains(Rule::NameSeparator));
        assert!(s.contains(Rule::LostSpace));
        s.insert(Rule::NameSeparator);
        assert_eq!(s, RuleSet::all());
        assert_eq!(RuleSet::none().iter().count(), 0);
    }

    #[test]
    fn record_keeps_position_only_when_explaining() {
        let text = "第一行\n斯科特?丹恩";
        let off = text.find('?').unwrap();
        let mut quiet = Changes::new();
        quiet.record(Rule::NameSeparator, text, off, "?", "·");
        assert_eq!(quiet.count(Rule::NameSeparator), 1);
        assert!(quiet.explained().is_empty());

        let mut loud = Changes::explaining();
        loud.record(Rule::NameSeparator, text, off, "?", "·");
        let c = &loud.explained()[0];
        assert_eq!((c.line, c.column), (2, 4));
        assert_eq!(c.to_string(), "2:4: name-separator: \"?\" -> \"·\"");
    }

    #[test]
    fn sampling_keeps_the_first_few_per_rule_and_counts_all() {
        let text = "a?b?c?d";
        let mut s = Changes::sampling(2);
        for (i, _) in text.match_indices('?') {
            s.record(Rule::NameSeparator, text, i, "?", "·");
        }
        s.record_at(Rule::WidthAlnum, 1, 1, "１", "1");
        assert_eq!(s.count(Rule::NameSeparator), 3);
        let kept: Vec<(Rule, usize)> = s.explained().iter().map(|c| (c.rule, c.column)).collect();
        assert_eq!(
            kept,
            [(Rule::NameSeparator, 2), (Rule::NameSeparator, 4), (Rule::WidthAlnum, 1)]
        );
        // Merging keeps the bound: one more name-separator is not kept.
        let mut more = Changes::sampling(2);
        more.record_at(Rule::NameSeparator, 9, 9, "?", "·");
        more.record_at(Rule::WidthAlnum, 9, 9, "２", "2");
        s.merge(&more);
        assert_eq!(s.count(Rule::NameSeparator), 4);
        assert_eq!(s.explained().len(), 4);
        assert_eq!(s.explained()[3].line, 9);
        assert_eq!(s.explained()[3].rule, Rule::WidthAlnum);
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = Changes::new();
        a.add(Rule::WidthAlnum, 3);
        let mut b = Changes::new();
        b.add(Rule::WidthAlnum, 2);
        b.add(Rule::Nfc, 1);
        a.merge(&b);
        assert_eq!(a.count(Rule::WidthAlnum), 5);
        assert_eq!(a.total(), 6);
        assert_eq!(a.counts().count(), 2);
    }
}
