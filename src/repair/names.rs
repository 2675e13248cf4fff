//! Rules `name-separator` and `lost-space`: a `?` that a GB2312-only encoder
//! wrote for a character it could not encode (see `docs/repair-rules.md`).
//!
//! * `name-separator`: the `·` between the parts of a transliterated name
//!   (`斯科特?丹恩（Scott Dunn）` → `斯科特·丹恩（Scott Dunn）`). Every `?`
//!   between two *name parts* (a run of Han characters, or a single capital
//!   Latin initial as in `哈里?S?杜鲁门`) is scored by
//!   the share of transliteration characters among the last (up to) three
//!   Han characters before it and the first three after it. Both sides
//!   ≥ 2/3, and no question particle before the `?`, accepts. A strong
//!   confirmation relaxes this to one side ≥ 2/3 and the other ≥ 1/3: a
//!   bracketed Latin gloss with enough capitalised words, a bracketed CJK
//!   gloss of transliteration characters, the same parts joined by a real
//!   `·` elsewhere in the document, or another `?` in the document accepted
//!   on its own. Real questions fail: their sides are ordinary words
//!   (`为什么?因为`), they end a line (`背刺中共?`), or a particle precedes
//!   the mark (`是吗?斯特恩说`).
//!
//!   Shares alone cannot tell `是不是普京?拜登?` or `要去伊朗?俄罗斯?` from
//!   a name: their words are written with transliteration characters too.
//!   So each side must also hold a *name-typical* character ([`name_typical`])
//!   or be a known name part (`data/repair/name-parts.txt`: `大卫?尼尔`,
//!   whose `大卫` has none),
//!   and a `?` the shares accept is still refused when what stands next to
//!   it cannot be part of a person's name ([`refused`]): places on both
//!   sides (countries, territories, cities of `data/repair/places.txt`), a
//!   function word that opens an alternative or an answer (`还是`, `不是`,
//!   `或者`), a grammatical particle (`的`, `了`, `么`), a word ending in
//!   `人`, `族` or `语` (`美国人`, `藏族`, `英语`), or a chain of short parts
//!   that ends in a question mark (`普京?拜登?`: two complete names offered
//!   as alternatives), unless the same two parts are joined by a real `·`
//!   elsewhere in the document.
//! * `lost-space`: a no-break space between Latin words (`rare?earth`) →
//!   a space, only between two words of at least two ASCII letters, on a
//!   line that has Han characters, in a token that is not a URL, path, mail
//!   address or code (no `/ . = & : _ #` and no digits around it), and never
//!   where the `?` ends an English question (`Why?Because`, `it?Yes`).
//!
//! The tables are Simplified; Traditional text is looked up through the
//! Simplified form of each character ([`simp`]), so `喬治?華盛頓` scores as
//! `乔治?华盛顿`.
//!
//! Both run before the normaliser widens `?` to `？` (that would destroy the
//! evidence), and neither touches protected regions (code, tags, URLs).

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::OnceLock;

use crate::rules::{Changes, Rule};

use super::spans::Protected;
use super::tables::{self, is_han};

/// Question particles: a `?` right after one of these ends a question.
const PARTICLES: &str = "吗呢吧啊呀么嘛哪谁啥何否";

/// Characters of question words (`哪个`, `什么`, `怎么`, `几`): a name
/// confirmed only by an ethnic group must have none.
const QUESTION_CHARS: &str = "吗呢吧啊呀么嘛哪谁啥何否怎几";

/// Country, territory and city names in Chinese, Simplified and
/// Traditional (CLDR, built by `scripts/repair/build_places.py`).
const PLACES: &str = include_str!("../../data/repair/places.txt");

/// Words that open an alternative, an answer or a new clause: a `?` right
/// before one of them ends a question (`是安娜?不是`, `伊朗?还是荷兰`).
/// Written for this rule (a closed class, short enough to list by hand).
const OPENERS: &[&str] = &[
    "还是",
    "不是",
    "或者",
    "或是",
    "抑或",
    "亦或",
    "还有",
    "是不是",
    "是否",
    "而是",
    "就是",
    "可是",
    "但是",
    "难道",
    "那么",
    "到底",
    "究竟",
    "也是",
    "都是",
    "要么",
    "要不",
    "还要",
    "不要",
    "不过",
    "然后",
    "所以",
    "因为",
    "如果",
    "為什麼",
    "为什么",
    "怎么",
    "怎麼",
    "還是",
    "或許",
    "或许",
    "難道",
    "那麼",
    "還有",
    "也不",
    "还不",
    "還不",
    "当然",
    "當然",
];

/// Characters that never begin a transliterated name part and do begin
/// answers and clauses (`是`, `还`, `也`): checked against the
/// transliteration table in a test.
const OPENER_CHARS: &str = "是还還或也就又没沒才";

/// Particles of grammar that no transliterated name uses: one of them
/// among the two characters on either side of a `?` says it is not a
/// name part.
const GRAMMAR: &str = "的了么吗呢吧着麼嗎";

/// Last characters of words naming a people, a group or a language
/// (`美国人`, `藏族`, `英语`): such a word is not a name part.
const GROUP_ENDS: &str = "人族语語";

/// The places, as a set, and the length of the longest one in characters.
struct Places {
    set: HashSet<&'static str>,
    longest: usize,
}

fn places() -> &'static Places {
    static P: OnceLock<Places> = OnceLock::new();
    P.get_or_init(|| {
        let set: HashSet<&'static str> = PLACES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let longest = set.iter().map(|p| p.chars().count()).max().unwrap_or(0);
        Places { set, longest }
    })
}

/// The transliteration character counts and the general character
/// frequency, the same files the shared tables are built from.
const TRANSLIT_COUNTS: &str = include_str!("../../data/repair/translit.txt");
const HANZI_FREQ: &str = include_str!("../../data/repair/hanzi-freq.txt");

/// Whole parts of transliterated names (`大卫`, `伦敦`, `简`), Simplified
/// (CC-CEDICT and People's Daily, built by `scripts/repair/build_name_parts.py`).
const NAME_PARTS: &str = include_str!("../../data/repair/name-parts.txt");

/// The longest part of [`NAME_PARTS`] looked for, in characters.
const PART_MAX: usize = 6;

fn name_parts() -> &'static HashSet<&'static str> {
    static P: OnceLock<HashSet<&'static str>> = OnceLock::new();
    P.get_or_init(|| {
        NAME_PARTS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// The Simplified form of a Traditional-only character (OpenCC's
/// `STCharacters.txt` read backwards; a character that is itself a key
/// there is Simplified already and maps to itself). The tables of this
/// rule are Simplified: a Traditional name (`喬治?華盛頓`) is looked up
/// through this. Only the characters around a candidate `?` go through it.
fn simp(c: char) -> char {
    static M: OnceLock<std::collections::HashMap<char, char>> = OnceLock::new();
    let m = M.get_or_init(|| {
        let one = |s: &str| {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        };
        let lines = || tables::ST_CHARACTERS.lines().filter_map(|l| l.split_once('\t'));
        let keys: HashSet<char> = lines().filter_map(|(k, _)| one(k)).collect();
        let mut m = std::collections::HashMap::new();
        for (k, v) in lines() {
            let Some(k) = one(k) else { continue };
            for t in v.split(' ').filter_map(one) {
                if t != k && !keys.contains(&t) {
                    m.entry(t).or_insert(k);
                }
            }
        }
        m
    });
    m.get(&c).copied().unwrap_or(c)
}

/// Whether `c` (or its Simplified form) is a transliteration character.
fn translit(c: char) -> bool {
    let t = tables::tables();
    t.is_translit(c) || t.is_translit(simp(c))
}

/// Whether `c` (or its Simplified form) is name-typical ([`name_typical`]).
fn typical(c: char) -> bool {
    let n = name_typical();
    n.contains(&c) || n.contains(&simp(c))
}

/// Whether `run` (Han characters, in reading order) is a known name part,
/// through [`simp`].
fn is_known_part(run: &[char]) -> bool {
    let s: String = run.iter().map(|&c| simp(c)).collect();
    name_parts().contains(s.as_str())
}

/// Transliteration characters that are *name-typical*: their share of the
/// characters of foreign names is at least their share of general text
/// (People's Daily), so that `斯`, `尔`, `娜` are and `平`, `明`, `地`, `一` are
/// not, although names use those too. Each side of an accepted `?` must hold
/// one (or be an initial): the shares alone let clause boundaries through
/// (`这样惨烈?公平地说` has two thirds on each side). The bar is 1, the point
/// where a character stops being more at home in ordinary text.
fn name_typical() -> &'static HashSet<char> {
    static T: OnceLock<HashSet<char>> = OnceLock::new();
    T.get_or_init(|| {
        let parse = |text: &'static str| {
            text.lines().filter_map(|l| {
                let (c, n) = l.split_once('\t')?;
                let mut chars = c.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else { return None };
                Some((c, n.trim().parse::<f64>().ok()?))
            })
        };
        let general: std::collections::HashMap<char, f64> = parse(HANZI_FREQ).collect();
        let total_general: f64 = general.values().sum();
        let names: Vec<(char, f64)> = parse(TRANSLIT_COUNTS).collect();
        let total_names: f64 = names.iter().map(|&(_, n)| n).sum();
        let t = tables::tables();
        names
            .into_iter()
            .filter(|&(c, n)| {
                // (+1: a character absent from general text is name-typical.)
                let g = general.get(&c).copied().unwrap_or(0.0) + 1.0;
                t.is_translit(c) && n / total_names >= g / total_general
            })
            .map(|(c, _)| c)
            .collect()
    })
}

/// Which of the two rules are on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameRules {
    pub separator: bool,
    pub space: bool,
}

/// What was decided for one `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Accepted on the base threshold (or a gloss): `·`.
    Dot,
    /// Passes only the relaxed threshold: `·` if the document confirms.
    Maybe,
    /// A space (lost-space).
    Space,
    /// Refused only as a chain of alternatives (`A?B?`): `·` (when `dot`,
    /// else [`Verdict::Maybe`]) if a real `·` joins the same parts
    /// somewhere in the document, else left alone. Resolved in [`repair`]
    /// with the whole document's evidence, so a part comes out as in the
    /// whole.
    Chained { dot: bool },
    /// Left alone.
    Keep,
}

/// What a document says about its names, for a part of it repaired apart
/// (the document-level confirmations described in `docs/repair-rules.md`):
/// whether some `?` in it is accepted on its own, and which pairs of Han
/// characters it joins with a `·`. Gathered from each part by
/// [`Repairer::scan_part`](super::Repairer::scan_part) and merged; empty
/// evidence leaves the part on its own (it is its own document).
///
/// A `·` the rule itself makes counts as much as a real one, so that
/// repairing the output again changes nothing. The rule's decisions hang
/// together like this (the least set that is consistent):
///
/// * `accepted`: some `?` is a `Dot` verdict, or is chained with `dot`
///   and its parts are joined in the *sure* joins (`dotted`:
///   real dots and the dots of every `Dot` verdict);
/// * the joins: the sure ones, and when `accepted` also those of every
///   `Maybe` verdict (which then all become dots);
/// * a chained `?` becomes a dot (or a doubtful one) when its parts are
///   among the joins; a doubtful one when `accepted` or its parts are.
///
/// A dot made for a chain or a doubtful `?` because its parts are joined
/// adds no join that is not there already: the joins are closed under
/// taking fewer characters on either side.
#[derive(Clone, Debug, Default)]
pub struct NameEvidence {
    any_dot: bool,
    /// The parts around every `?` that is [`Verdict::Chained`] with
    /// `dot`: such a `?` counts as accepted once the sure joins hold them.
    pending: Joins,
    /// The sure joins: `(left, right)` for every `left·right` in the
    /// document and every `?` accepted on its own, `left` the last one or
    /// two characters before the dot, `right` the first one or two after
    /// it (all four combinations).
    dotted: Joins,
    /// The joins of every doubtful `?` ([`Verdict::Maybe`]): joins once the
    /// document accepts some `?`.
    doubtful: Joins,
    /// What the part's own `?`s ask of the document, for
    /// [`NameEvidence::decides_alike`]: the parts of each chained `?`...
    asks_join: Joins,
    /// ...and of each doubtful one (which also asks `accepted`).
    asks_doubtful: Joins,
    /// `accepted`, worked out once (cleared by [`NameEvidence::merge`]).
    accepted: OnceLock<bool>,
}

impl PartialEq for NameEvidence {
    fn eq(&self, other: &Self) -> bool {
        self.any_dot == other.any_dot
            && self.pending == other.pending
            && self.dotted == other.dotted
            && self.doubtful == other.doubtful
            && self.asks_join == other.asks_join
            && self.asks_doubtful == other.asks_doubtful
    }
}

impl Eq for NameEvidence {}

impl NameEvidence {
    /// Adds what another part of the document says.
    pub fn merge(&mut self, other: NameEvidence) {
        self.any_dot |= other.any_dot;
        self.pending.extend(other.pending);
        self.dotted.extend(other.dotted);
        self.doubtful.extend(other.doubtful);
        self.asks_join.extend(other.asks_join);
        self.asks_doubtful.extend(other.asks_doubtful);
        self.accepted = OnceLock::new();
    }

    /// Whether it says nothing.
    pub fn is_empty(&self) -> bool {
        !self.any_dot
            && self.pending.is_empty()
            && self.dotted.is_empty()
            && self.doubtful.is_empty()
            && self.asks_join.is_empty()
            && self.asks_doubtful.is_empty()
    }

    /// What [`NameEvidence::decides_alike`] reads of this evidence, when it
    /// is a part's own: `None` when the part asks nothing of its document
    /// (it then decides alike with any whole), else a copy holding only the
    /// joins it asks about and whether it accepts some `?`. For a caller
    /// that keeps the evidence of many parts until the whole is known: the
    /// copy is small, the evidence of a part full of real dots is not.
    pub fn questions(&self) -> Option<NameEvidence> {
        if self.asks_join.is_empty() && self.asks_doubtful.is_empty() {
            return None;
        }
        let asked = |set: &Joins| -> Joins {
            set.iter()
                .filter(|k| self.asks_join.contains(*k) || self.asks_doubtful.contains(*k))
                .copied()
                .collect()
        };
        // `accepts_some` of the copy stands on `any_dot` alone.
        Some(NameEvidence {
            any_dot: self.accepts_some(),
            pending: Joins::default(),
            dotted: asked(&self.dotted),
            doubtful: asked(&self.doubtful),
            asks_join: self.asks_join.clone(),
            asks_doubtful: self.asks_doubtful.clone(),
            accepted: OnceLock::new(),
        })
    }

    /// Whether a part whose own evidence is `self` comes out of the name
    /// rules the same when repaired on its own (with no document evidence)
    /// as with `whole`, the merged evidence of every part of its document
    /// (this one included). A part that asks nothing of its document (no
    /// chained or doubtful `?`) always does.
    pub fn decides_alike(&self, whole: &NameEvidence) -> bool {
        self.asks_join.iter().all(|&k| self.joins(k) == whole.joins(k))
            && (self.asks_doubtful.is_empty()
                || (self.accepts_some() && whole.accepts_some())
                || self.asks_doubtful.iter().all(|&k| {
                    (self.accepts_some() || self.joins(k))
                        == (whole.accepts_some() || whole.joins(k))
                }))
    }

    /// Whether some `?` of the document is accepted on its own (directly,
    /// or as a chain whose parts a sure join holds).
    fn accepts_some(&self) -> bool {
        *self
            .accepted
            .get_or_init(|| self.any_dot || self.pending.iter().any(|k| self.dotted.contains(k)))
    }

    /// Whether the document joins the two sides of `key` with a `·`.
    fn joins(&self, key: Join) -> bool {
        if self.dotted.is_empty() && self.doubtful.is_empty() {
            return false;
        }
        self.dotted.contains(&key) || (self.accepts_some() && self.doubtful.contains(&key))
    }

    /// Adds what the `·` of `text`, a text with no `?`, say.
    pub(crate) fn gather_dots(&mut self, text: &str) {
        self.gather(text, &[]);
    }

    /// Adds what `text`, with the verdicts `found` of its `?`s, says.
    fn gather(&mut self, text: &str, found: &[(usize, Verdict)]) {
        for &(at, v) in found {
            match v {
                Verdict::Dot => {
                    self.any_dot = true;
                    joins_at(text, at, 1, &mut self.dotted);
                }
                Verdict::Maybe => {
                    joins_at(text, at, 1, &mut self.doubtful);
                    self.asks_doubtful.extend(dot_key(text, at));
                }
                Verdict::Chained { dot } => {
                    let key = dot_key(text, at);
                    if dot {
                        self.pending.extend(key);
                    }
                    self.asks_join.extend(key);
                }
                Verdict::Space | Verdict::Keep => {}
            }
        }
        // By its first byte, C2, which Chinese text hardly has (it leads
        // only U+0080..U+00BF): a `char` search looks for the last byte,
        // B7, which ends many Han characters too, and a two-byte `memmem`
        // costs twice the one-byte `memchr` on text with no `·`.
        let b = text.as_bytes();
        for at in memchr::memchr_iter(0xC2, b).filter(|&at| b.get(at + 1) == Some(&0xB7)) {
            joins_at(text, at, '·'.len_utf8(), &mut self.dotted);
        }
        self.accepted = OnceLock::new();
    }
}

/// The joins a `·` of `width` bytes at `at` makes: the last one or two
/// characters before it with the first one or two after it.
fn joins_at(text: &str, at: usize, width: usize, into: &mut Joins) {
    let mut before = text[..at].chars().rev();
    let mut after = text[at + width..].chars();
    let (b0, b1, a0, a1) = (before.next(), before.next(), after.next(), after.next());
    let lefts = [b0.map(|c| (c, None)), b0.zip(b1).map(|(near, far)| (far, Some(near)))];
    let rights = [a0.map(|c| (c, None)), a0.zip(a1).map(|(c, d)| (c, Some(d)))];
    for left in lefts.into_iter().flatten() {
        for right in rights.into_iter().flatten() {
            into.insert(Join::new(left, right));
        }
    }
}

/// The verdict of every candidate `?` of `text`, in order.
fn verdicts(text: &str, protected: &Protected, rules: NameRules) -> Vec<(usize, Verdict)> {
    let b = text.as_bytes();
    let mut found: Vec<(usize, Verdict)> = Vec::new();
    for at in memchr::memchr_iter(b'?', b) {
        if protected.contains(at) {
            continue;
        }
        // `??` and `?!` are emphatic questions or lost dashes, never a
        // lone lost dot or space.
        let prev = text[..at].chars().next_back();
        let next = text[at + 1..].chars().next();
        if matches!(prev, Some('?' | '？' | '!' | '！'))
            || matches!(next, Some('?' | '？' | '!' | '！'))
        {
            continue;
        }
        let v = if rules.space && lost_space(text, at) {
            Verdict::Space
        } else if rules.separator {
            name_verdict(text, at)
        } else {
            Verdict::Keep
        };
        if v != Verdict::Keep {
            found.push((at, v));
        }
    }
    found
}

/// What `text` (a part of a document, as [`repair`] would see it) says
/// about the names of the whole document.
pub(crate) fn evidence(text: &str, protected: &Protected, rules: NameRules) -> NameEvidence {
    let mut ev = NameEvidence::default();
    if !rules.separator {
        return ev;
    }
    let found = if memchr::memchr(b'?', text.as_bytes()).is_some() {
        verdicts(text, protected, rules)
    } else {
        Vec::new()
    };
    ev.gather(text, &found);
    ev
}

/// Repairs the `?` in `text`. Returns `None` when nothing changed.
/// `document` is what the whole document says (see [`NameEvidence`]),
/// this part included; when it is empty, `text` is the whole document.
/// With `gathered`, what `text` itself says is merged into it.
pub(crate) fn repair(
    text: &str,
    protected: &Protected,
    rules: NameRules,
    document: &NameEvidence,
    gathered: Option<&mut NameEvidence>,
    changes: &mut Changes,
) -> Option<String> {
    let mut found = verdicts(text, protected, rules);
    let own = if rules.separator && (document.is_empty() || gathered.is_some()) {
        let mut own = NameEvidence::default();
        own.gather(text, &found);
        Some(own)
    } else {
        None
    };
    let result = repair_found(
        text,
        &mut found,
        own.as_ref().filter(|_| document.is_empty()).unwrap_or(document),
        changes,
    );
    if let (Some(g), Some(own)) = (gathered, own) {
        g.merge(own);
    }
    result
}

/// Applies the verdicts `found` of the `?`s of `text`, resolving the
/// chained and doubtful ones with `document` (see [`NameEvidence`]).
fn repair_found(
    text: &str,
    found: &mut [(usize, Verdict)],
    document: &NameEvidence,
    changes: &mut Changes,
) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let accepted = document.accepts_some();
    for (at, v) in found.iter_mut() {
        let joined = || dot_key(text, *at).is_some_and(|k| document.joins(k));
        *v = match *v {
            // With `dot` or not: a doubtful one is confirmed by the same
            // join.
            Verdict::Chained { .. } if joined() => Verdict::Dot,
            Verdict::Chained { .. } => Verdict::Keep,
            Verdict::Maybe if accepted || joined() => Verdict::Dot,
            Verdict::Maybe => Verdict::Keep,
            other => other,
        };
    }
    let mut out = String::with_capacity(text.len() + found.len());
    let mut copied = 0;
    for &(at, v) in found.iter() {
        let (rule, to) = match v {
            Verdict::Dot => (Rule::NameSeparator, "·"),
            Verdict::Space => (Rule::LostSpace, " "),
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        out.push_str(to);
        changes.record(rule, text, at, "?", to);
        copied = at + 1;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// One side of a candidate `?`.
#[derive(Clone, Debug, Default)]
struct Side {
    /// Up to three Han characters next to the `?` (nearest last on the left
    /// side, nearest first on the right side).
    han: Vec<char>,
    /// The side is a single capital Latin initial (`哈里?S?杜鲁门`).
    initial: bool,
    /// The Han run next to the `?` ends (left side) or starts (right side)
    /// with a known name part of two or more characters (`大卫`, `伦敦`), or
    /// is a one-character known part on its own (`简?爱`).
    known: bool,
}

impl Side {
    fn is_part(&self) -> bool {
        self.initial || !self.han.is_empty()
    }

    /// An initial, a known name part, or a name-typical character among
    /// the Han ones.
    fn has_typical(&self) -> bool {
        self.initial || self.known || self.han.iter().any(|&c| typical(c))
    }

    /// Share of transliteration characters (an initial counts as a full
    /// name part).
    fn share(&self) -> f32 {
        if self.initial || self.known {
            return 1.0;
        }
        let n = self.han.iter().filter(|&&c| translit(c)).count();
        n as f32 / self.han.len().max(1) as f32
    }
}

fn left_side(text: &str, at: usize) -> Side {
    // An initial: a capital alone between separators (`?S?`, `·S?`).
    let mut side = side(text[..at].chars().rev(), &['?', '·']);
    side.han.reverse();
    if !side.initial && !side.han.is_empty() {
        let mut run: Vec<char> =
            text[..at].chars().rev().take_while(|&c| is_han(c)).take(PART_MAX + 1).collect();
        run.reverse();
        side.known = known_run(&run, true);
    }
    side
}

fn right_side(text: &str, at: usize) -> Side {
    // An initial: a capital alone between separators (`?S?`, `?S·`, `?S.`).
    let mut side = side(text[at + 1..].chars(), &['?', '·', '.']);
    if !side.initial && !side.han.is_empty() {
        let run: Vec<char> =
            text[at + 1..].chars().take_while(|&c| is_han(c)).take(PART_MAX + 1).collect();
        side.known = known_run(&run, false);
    }
    side
}

/// Whether the Han run next to a `?` (`run`, in reading order, at most
/// [`PART_MAX`] + 1 characters) holds a known name part against the mark:
/// its last (`at_end`) or first two to [`PART_MAX`] characters, or the whole
/// run when it is one character. A one-character part is not looked for
/// inside a longer run: `?本来` is not `本`.
fn known_run(run: &[char], at_end: bool) -> bool {
    if run.len() == 1 {
        return is_known_part(run);
    }
    (2..=run.len().min(PART_MAX)).any(|k| {
        let part = if at_end { &run[run.len() - k..] } else { &run[..k] };
        is_known_part(part)
    })
}

/// The name part met walking `chars` away from a `?`: a capital initial
/// followed by one of `separators`, or up to three Han characters (in walk
/// order).
fn side(mut chars: impl Iterator<Item = char> + Clone, separators: &[char]) -> Side {
    let mut han = Vec::new();
    if let Some(c) = chars.clone().next()
        && c.is_ascii_uppercase()
    {
        let next = chars.clone().nth(1);
        if next.is_some_and(|n| separators.contains(&n)) {
            return Side { han, initial: true, known: false };
        }
        return Side::default();
    }
    for c in chars.by_ref() {
        if !is_han(c) || han.len() == 3 {
            break;
        }
        han.push(c);
    }
    Side { han, initial: false, known: false }
}

fn name_verdict(text: &str, at: usize) -> Verdict {
    let (left, right) = (left_side(text, at), right_side(text, at));
    if !left.is_part() || !right.is_part() {
        return Verdict::Keep;
    }
    if ends_chain(text, at) {
        return Verdict::Keep;
    }
    if left.han.last().is_some_and(|c| PARTICLES.contains(*c)) {
        return Verdict::Keep;
    }
    // Names in lists of delegates carry their ethnic group in brackets
    // (`措如?次朗（藏族）`, `甲嘎?洛桑汤觉（藏族）`). Tibetan and other
    // minority names are written with characters the foreign-name table
    // does not know, so the shares are low; the gloss says it is a name.
    if !left.initial && !right.initial && ethnic_gloss(text, at) {
        return refused(text, at).apply(Verdict::Dot);
    }
    // A one-character first name (`本?阿里`, `让?米奥`) is rarely
    // name-typical: the left side may do without when the character before
    // the mark is a transliteration character and the right side starts
    // with two.
    let one_char_first = left.han.last().is_some_and(|&c| translit(c))
        && right.han.len() >= 2
        && right.han[..2].iter().all(|&c| translit(c));
    if !right.has_typical() || !(left.has_typical() || one_char_first) {
        return Verdict::Keep;
    }
    let v = shares_verdict(text, at, &left, &right);
    // The refusals cost more than the shares: asked only of a `?` the
    // shares would accept.
    if v == Verdict::Keep {
        return v;
    }
    refused(text, at).apply(v)
}

/// The verdict of the transliteration shares and the confirmations, before
/// the refusals.
fn shares_verdict(text: &str, at: usize, left: &Side, right: &Side) -> Verdict {
    let (l, r) = (left.share(), right.share());
    let base = 2.0 / 3.0 - 1e-4;
    let relaxed = 1.0 / 3.0 - 1e-4;
    if l >= base && r >= base {
        return Verdict::Dot;
    }
    // A one-character first name or abbreviation (`董事长冯?皮尔`,
    // `秘书长本?贾马`): the left window holds the end of an ordinary word,
    // so it scores low although the name part is fine. Accept when the
    // character before the `?` is a transliteration character and the right
    // side starts with two of them.
    let right_starts = right.han.len() >= 2 && right.han[..2].iter().all(|&c| translit(c));
    if left.han.last().is_some_and(|&c| translit(c)) && right_starts && r >= base {
        return Verdict::Dot;
    }
    let relaxed_ok = (l >= base && r >= relaxed) || (r >= base && l >= relaxed);
    if !relaxed_ok {
        return Verdict::Keep;
    }
    if glossed(text, at) { Verdict::Dot } else { Verdict::Maybe }
}

/// The name chain around the `?` at `at` (Han characters, capital
/// initials and separators): its start, and the byte offset just after it.
fn chain(text: &str, at: usize) -> (usize, usize) {
    let in_chain = |c: char| is_han(c) || c == '?' || c == '·' || c.is_ascii_uppercase();
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| in_chain(c))
        .last()
        .map_or(at, |(i, _)| i);
    let rest = &text[at..];
    let len = rest.char_indices().find(|&(_, c)| !in_chain(c)).map_or(rest.len(), |(i, _)| i);
    (start, at + len)
}

/// Whether the name chain around the `?` is an entry of a list of names
/// with an ethnic group (`、措如?次朗（藏族）、`): it starts the line or
/// follows a list delimiter, each of its parts is one to four Han
/// characters, and a bracketed group follows it directly (one to four Han
/// characters and `族`: `（藏族）`, `（维吾尔族）`). A question never looks
/// like that (`是哪个民族?藏族（藏族）`: a clause, not a name; `哪个民族?藏族`:
/// a question word).
fn ethnic_gloss(text: &str, at: usize) -> bool {
    let (start, end) = chain(text, at);
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| !"、，,；;：:（( 　\t\n".contains(c)) {
        return false;
    }
    let short_parts = text[start..end].split(['?', '·']).all(|part| {
        let n = part.chars().count();
        (1..=4).contains(&n) && part.chars().all(|c| is_han(c) && !QUESTION_CHARS.contains(c))
    });
    if !short_parts {
        return false;
    }
    let after = &text[end..];
    let (close, body) = match after.chars().next() {
        Some('（') => ('）', &after['（'.len_utf8()..]),
        Some('(') => (')', &after[1..]),
        _ => return false,
    };
    let inner: Vec<char> = body.chars().take_while(|&c| c != close).take(6).collect();
    let n = inner.len();
    (2..=5).contains(&n)
        && body[inner.iter().map(|c| c.len_utf8()).sum::<usize>()..].starts_with(close)
        && inner[n - 1] == '族'
        && inner.iter().all(|&c| is_han(c))
}

/// Strong confirmations (a) and (b): the name is followed by a bracket
/// holding a Latin name with at least as many capitalised words as the name
/// has parts, or another Chinese rendering made of transliteration
/// characters.
fn glossed(text: &str, at: usize) -> bool {
    // The whole name chain around the `?`: Han, initials and separators.
    let (start, end) = chain(text, at);
    let parts = 1 + text[start..end].chars().filter(|&c| c == '?' || c == '·').count();
    let after = &text[end..];
    let (close, body) = match after.chars().next() {
        Some('（') => ('）', &after['（'.len_utf8()..]),
        Some('(') => (')', &after[1..]),
        _ => return false,
    };
    let Some(end) = body.find(close) else { return false };
    let inner = &body[..end];
    if inner.len() > 200 {
        return false;
    }
    if inner.chars().any(|c| c.is_ascii_alphabetic()) {
        let capitalised = inner
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            .count();
        return capitalised >= parts && !inner.chars().any(is_han);
    }
    let han: Vec<char> = inner.chars().filter(|&c| is_han(c)).collect();
    if han.len() < 2
        || han.len() + inner.chars().filter(|&c| c == '·').count() != inner.chars().count()
    {
        return false;
    }
    let n = han.iter().filter(|&&c| translit(c)).count();
    n * 3 >= han.len() * 2
}

/// The Han characters a `·` would join at the `?` at `at`: at most two on
/// each side; `None` when a side has none.
fn dot_key(text: &str, at: usize) -> Option<Join> {
    let mut l = text[..at].chars().rev().take_while(|&c| is_han(c));
    let mut r = text[at + 1..].chars().take_while(|&c| is_han(c));
    let (l0, r0) = (l.next()?, r.next()?);
    let left = l.next().map_or((l0, None), |far| (far, Some(l0)));
    Some(Join::new(left, (r0, r.next())))
}

/// One join of the name evidence: the one or two characters before a dot
/// and the one or two after it, each side in text order (a side of one
/// character has `None` second), packed into one integer
/// so that gathering the joins of every `·` of a large document costs a
/// few hashes, not eight strings per dot (it went from 160 M instructions
/// to a few on People's Daily twelve times over, which has 12,000 dots).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Join(u128);

impl Join {
    fn new(left: (char, Option<char>), right: (char, Option<char>)) -> Join {
        // Past every `char`: a missing second character.
        let code = |c: Option<char>| u128::from(c.map_or(0x11_0000, u32::from));
        let (a, b, c, d) = (code(Some(left.0)), code(left.1), code(Some(right.0)), code(right.1));
        Join(a << 96 | b << 64 | c << 32 | d)
    }
}

/// A set of joins. The hasher is seeded per process (so that crafted
/// input cannot aim at collisions) and fast on an integer key.
type Joins = HashSet<Join, JoinHasher>;

/// [`Joins`]' hasher: foldhash's fast hasher, randomly seeded.
#[derive(Clone, Debug, Default)]
pub(crate) struct JoinHasher(foldhash::fast::RandomState);

impl BuildHasher for JoinHasher {
    type Hasher = foldhash::fast::FoldHasher<'static>;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// At most this many Han characters on each side are looked at by the
/// refusals (the longest place is shorter than this).
const REFUSAL_WINDOW: usize = 12;

/// Whether what stands next to the `?` at `at` cannot be part of one
/// person's name, whatever the shares say (see the module comment).
fn refused(text: &str, at: usize) -> Refusal {
    // The Han characters before the `?` (nearest first) and after it.
    let left: Vec<char> =
        text[..at].chars().rev().take_while(|&c| is_han(c)).take(REFUSAL_WINDOW).collect();
    let right: Vec<char> =
        text[at + 1..].chars().take_while(|&c| is_han(c)).take(REFUSAL_WINDOW + 1).collect();

    // An opener after the mark, or before it (`去还是?不去`).
    let starts =
        |w: &str| w.chars().zip(&right).filter(|(a, b)| a == *b).count() == w.chars().count();
    let ends = |w: &str| {
        let n = w.chars().count();
        n <= left.len() && w.chars().rev().zip(&left).all(|(a, &b)| a == b)
    };
    if OPENERS.iter().any(|w| starts(w) || ends(w))
        || right.first().is_some_and(|&c| OPENER_CHARS.contains(c) && !translit(c))
    {
        return Refusal::Yes;
    }

    // A grammatical particle next to the mark (`音箱的包?差多了`,
    // `成什么样?两百多`): transliterations never use these.
    if left.iter().take(2).chain(right.iter().take(2)).any(|&c| GRAMMAR.contains(c)) {
        return Refusal::Yes;
    }

    // A people, group or language: `美国人?`, `?日本人?`, `?藏族`.
    if left.first().is_some_and(|&c| GROUP_ENDS.contains(c)) {
        return Refusal::Yes;
    }
    // (`沃罗宁等人`: a name and "and others".)
    if (2..=5).contains(&right.len())
        && right.last().is_some_and(|&c| GROUP_ENDS.contains(c))
        && right[right.len() - 2] != '等'
    {
        return Refusal::Yes;
    }

    // A place on both sides of the mark, each as a whole word: the
    // character beyond it is not one a name would go on with (`?马里奥`
    // is a name, `?马里。` a country). One place alone is not enough: a
    // country may be a given name (`萨尔瓦多?达利`, `加纳?加央克珠`).
    let p = places();
    let continues_name = |c: Option<&char>| c.is_some_and(|&c| translit(c));
    let (mut place_before, mut place_after) = (false, false);
    for n in 2..=p.longest.min(REFUSAL_WINDOW) {
        if !place_before && n <= left.len() && !continues_name(left.get(n)) {
            let w: String = left[..n].iter().rev().collect();
            place_before = p.set.contains(w.as_str());
        }
        if !place_after && n <= right.len() && !continues_name(right.get(n)) {
            let w: String = right[..n].iter().collect();
            place_after = p.set.contains(w.as_str());
        }
    }
    if place_before && place_after {
        return Refusal::Yes;
    }

    // Short parts chained by marks that end in a question mark: refused
    // unless the document joins the same parts with a real `·`.
    if question_chain(text, at) { Refusal::Chain } else { Refusal::No }
}

/// What [`refused`] says of a `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// Nothing refuses it.
    No,
    /// It cannot be one name.
    Yes,
    /// It ends a chain of alternatives, which a real `·` joining the same
    /// parts elsewhere in the document overrides.
    Chain,
}

impl Refusal {
    /// The verdict `v` (from the shares) after this refusal.
    fn apply(self, v: Verdict) -> Verdict {
        match (self, v) {
            (Refusal::No, v) | (_, v @ (Verdict::Keep | Verdict::Space)) => v,
            (Refusal::Yes, _) => Verdict::Keep,
            (Refusal::Chain, v) => Verdict::Chained { dot: v == Verdict::Dot },
        }
    }
}

/// The longest part a chain of alternatives is followed through
/// (`艾哈迈达巴德` is six characters; a longer run is a clause, and ends the
/// chain).
const CHAIN_PART: usize = 7;

/// Whether the `?` at `at` starts a chain of short parts (Han characters
/// or capital initials) joined by `?` (or `·`) that ends in a question mark: a
/// full-width `？`, a `?` that nothing of a name follows (`普京?拜登?`,
/// `伊朗?俄罗斯?还是荷兰?`), or a `?` followed by a clause rather than a
/// name part (`普京?拜登?我忘了`: fewer than two thirds of the next three
/// characters are transliteration characters, or none is name-typical). A name chain goes on into
/// its sentence (`吉里贾?普拉萨德?柯伊拉腊说`).
fn question_chain(text: &str, at: usize) -> bool {
    let base = 2.0 / 3.0 - 1e-4;
    let part = |c: char| is_han(c) || c.is_ascii_uppercase();
    let mut rest = &text[at + 1..];
    for _ in 0..8 {
        let len: usize = rest.chars().take_while(|&c| part(c)).map(char::len_utf8).sum();
        if len == 0 || rest[..len].chars().count() > CHAIN_PART {
            return false;
        }
        rest = &rest[len..];
        // A particle before the last mark asks about the whole chain, one
        // thing (`你认识乔治?华盛顿吗?`), not about alternatives.
        let particle = text[..text.len() - rest.len()]
            .chars()
            .next_back()
            .is_some_and(|c| PARTICLES.contains(c));
        match rest.chars().next() {
            Some('？' | '?') if particle => return false,
            Some('？') => return true,
            Some('?') => {
                let q = text.len() - rest.len();
                // A `?` that `lost-space` makes a space (`AH?BHy`) is read
                // as the space it becomes, which ends the chain: otherwise
                // the verdict would change once it is repaired.
                if lost_space(text, q) {
                    return false;
                }
                rest = &rest[1..];
                let next = right_side(text, q);
                if !rest.chars().next().is_some_and(part)
                    || next.share() < base
                    || !next.has_typical()
                {
                    return true;
                }
            }
            // A dot, real or made by this rule, goes on with the chain
            // as a `?` between name parts does: the verdict must not
            // change once the `?`s of the chain are repaired.
            Some('·') => rest = &rest['·'.len_utf8()..],
            _ => return false,
        }
    }
    false
}

/// Whether the `?` at `at` is the question mark that ends a chain of
/// alternatives: the part before it (a short run of Han characters or
/// capitals) follows a `?` or a `·`, and [`question_chain`] would stop at
/// this `?` as the end of a question. Such a `?` stays, whatever its own
/// sides say: the chain before it reads it as a question mark (and is
/// refused for it), and it must not become the dot that would make that
/// chain read otherwise on a second pass.
fn ends_chain(text: &str, at: usize) -> bool {
    let part = |c: char| is_han(c) || c.is_ascii_uppercase();
    let before = &text[..at];
    let run: usize = before.chars().rev().take_while(|&c| part(c)).map(char::len_utf8).sum();
    let run_chars = before[before.len() - run..].chars().count();
    if run == 0 || run_chars > CHAIN_PART {
        return false;
    }
    if !matches!(before[..before.len() - run].chars().next_back(), Some('?' | '·')) {
        return false;
    }
    if before.chars().next_back().is_some_and(|c| PARTICLES.contains(c)) || lost_space(text, at) {
        return false;
    }
    let base = 2.0 / 3.0 - 1e-4;
    let next = right_side(text, at);
    !text[at + 1..].chars().next().is_some_and(part) || next.share() < base || !next.has_typical()
}

/// Whether a `.` between `before` (the characters before it, nearest
/// last) and `after` joins the parts of a transliterated name
/// (`约翰.史密斯`): the normaliser then writes `·` (rule `name-dot`)
/// instead of `。`. The test is the one a `?` passes on its own (no
/// document evidence, which the normaliser does not see), refusals
/// included, and a stricter one on top: a `.` between Han is far more
/// often a full stop in informal text (`性价比很高.我特别`) than a `?` is a
/// lost dot, so each side must be an initial or two or more Han
/// characters, every one of them a transliteration character.
pub(crate) fn dot_joins_name(before: &[char], after: &[char]) -> bool {
    // The same question, asked of a `?` in the place of the dot, on a
    // window around it. The other `.` of the window between name-part
    // characters are read as `?` too: `是A.B.我记不清了` and `A.B.还是C.` are
    // chains of alternatives, as they are with `?` (read as `.`, the chain
    // seemed to go on into a clause).
    // What the last test below asks of the two characters on each side of
    // the dot (the window holds the same ones), asked first: most `.`
    // between Han characters end a sentence of ordinary words.
    let near_ok = |near: &[char]| {
        near.first().is_some_and(char::is_ascii_uppercase)
            || (near.len() >= 2 && near.iter().all(|&c| is_han(c) && translit(c)))
    };
    let left_near: Vec<char> = before.iter().rev().take(2).copied().collect();
    if !near_ok(&left_near) || !near_ok(&after[..after.len().min(2)]) {
        return false;
    }
    let from = before.len().saturating_sub(REFUSAL_WINDOW + 4);
    let to = after.len().min(REFUSAL_WINDOW + 4 + 2 * CHAIN_PART);
    let mut chars: Vec<char> = before[from..].to_vec();
    let dot = chars.len();
    chars.push('?');
    chars.extend(&after[..to]);
    let part = |c: Option<&char>| c.is_some_and(|&c| is_han(c) || c.is_ascii_uppercase());
    let window: String = (0..chars.len())
        .map(|i| {
            let between = i > 0 && part(chars.get(i - 1)) && part(chars.get(i + 1));
            if i != dot && chars[i] == '.' && between { '?' } else { chars[i] }
        })
        .collect();
    let at = chars[..dot].iter().map(|c| c.len_utf8()).sum();
    if name_verdict(&window, at) != Verdict::Dot {
        return false;
    }
    // Two characters at least on a side of Han: one alone after a bracket
    // or a quote is a word (`跟<输赢>比.根本不是`), not a first name.
    let all_translit = |side: &Side| {
        side.initial || (side.han.len() >= 2 && side.han.iter().all(|&c| translit(c)))
    };
    all_translit(&left_side(&window, at)) && all_translit(&right_side(&window, at))
}

/// English words that end a question when a `?` follows them directly.
const QUESTION_WORDS: &[&str] = &[
    "why", "what", "how", "who", "whom", "whose", "where", "when", "which", "really", "right",
    "huh", "eh", "ok", "okay", "yes", "no", "sure", "so", "and", "then", "you", "it", "me",
];

/// Whether the `?` at `at` stands for a lost no-break space.
fn lost_space(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    let left = b[..at].iter().rev().take_while(|c| c.is_ascii_alphabetic()).count();
    let right = b[at + 1..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if left < 2 || right < 2 {
        return false;
    }
    let lword = &text[at - left..at];
    let rword = &text[at + 1..at + 1 + right];
    // The whole token (up to whitespace or a non-ASCII character) must look
    // like words, not like a URL, path, address or code.
    // The same delimiters on both sides, so that every `?` of a token sees
    // the same token: the verdict on one `?` then never depends on whether
    // another one was changed (repairing twice changes nothing more).
    let delimiter = |c: &u8| c.is_ascii_whitespace() || !c.is_ascii() || b"()[]{}\"'".contains(c);
    let tok_start = b[..at - left].iter().rposition(delimiter).map_or(0, |i| i + 1);
    let tok_end =
        b[at + 1 + right..].iter().position(delimiter).map_or(b.len(), |i| at + 1 + right + i);
    let token = &b[tok_start..tok_end];
    let bad =
        |c: &u8| b"/\\=&:_#@%+<>|;$~`".contains(c) || c.is_ascii_digit() || c.is_ascii_control();
    if token.iter().any(bad) || token.iter().filter(|&&c| c == b'?').count() > 1 {
        return false;
    }
    // A dot inside the token is a file name or a host (`a.md?x`); a dot at
    // its end is a full stop.
    let trimmed = token.strip_suffix(b".").unwrap_or(token);
    if trimmed.contains(&b'.') {
        return false;
    }
    // `it?Yes`: a lower-case word followed by a capitalised one is a
    // sentence boundary; `Why?Because`: a question word.
    let lower_then_upper =
        lword.as_bytes()[0].is_ascii_lowercase() && rword.as_bytes()[0].is_ascii_uppercase();
    if lower_then_upper || QUESTION_WORDS.iter().any(|w| lword.eq_ignore_ascii_case(w)) {
        return false;
    }
    // The phrase must sit in Chinese text: a Han character on the same line.
    let line_start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i);
    text[line_start..line_end].chars().any(is_han)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::spans::Kinds;

    const BOTH: NameRules = NameRules { separator: true, space: true };

    fn fix(s: &str) -> String {
        let p = Protected::scan(s, Kinds { markup: true, urls: true });
        repair(s, &p, BOTH, &NameEvidence::default(), None, &mut Changes::new())
            .unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn names() {
        for (a, b) in [
            ("斯科特?丹恩（Scott Dunn）", "斯科特·丹恩（Scott Dunn）"),
            ("吉里贾?普拉萨德?柯伊拉腊", "吉里贾·普拉萨德·柯伊拉腊"),
            ("哈里?S?杜鲁门", "哈里·S·杜鲁门"),
            ("唐纳德?川普（特朗普）", "唐纳德·川普（特朗普）"),
            ("约翰?史密斯说", "约翰·史密斯说"),
            (
                "美国财政部长斯科特?贝森特（Scott Bessent）",
                "美国财政部长斯科特·贝森特（Scott Bessent）",
            ),
            ("执行长尼克?迈尔斯（Nick Myers）", "执行长尼克·迈尔斯（Nick Myers）"),
            (
                "哈里?S?杜鲁门大楼（Harry S. Truman Building）",
                "哈里·S·杜鲁门大楼（Harry S. Truman Building）",
            ),
            ("霍华德?卢特尼克（Howard Lutnick）", "霍华德·卢特尼克（Howard Lutnick）"),
            // Minority names, confirmed by their ethnic group.
            ("措如?次朗（藏族）、黄人健", "措如·次朗（藏族）、黄人健"),
            ("甲嘎?洛桑汤觉（藏族）", "甲嘎·洛桑汤觉（藏族）"),
            // A known name part needs no name-typical character.
            ("大卫?尼尔说，", "大卫·尼尔说，"),
            ("导演维克多?雨果在接受采访时表示", "导演维克多·雨果在接受采访时表示"),
            // "and others" after a name is not a people word.
            ("出席的还有约翰?史密斯、大卫?尼尔等人。", "出席的还有约翰·史密斯、大卫·尼尔等人。"),
            // Traditional script, through the Simplified forms.
            ("喬治?華盛頓說，", "喬治·華盛頓說，"),
            ("據維克多?雨果介紹，", "據維克多·雨果介紹，"),
        ] {
            assert_eq!(fix(a), b, "{a}");
        }
    }

    #[test]
    fn questions_stay() {
        for s in [
            "是什么?是否如此",
            "俄愿与美达成稀土贸易协议 背刺中共?",
            "你去吗?我不去",
            "为什么?因为他",
            "真的?那太好了",
            "是吗?斯特恩说",
            "怎么办??不知道",
            "好吗?!",
            // An ethnic group in brackets confirms a name only right after
            // the name chain, and only for a short one.
            "是哪个民族?藏族（藏族）",
            "他来自西藏?次朗说（藏族）",
            "这里是中华人民共和国西藏自治区?次朗（藏族）",
            "哪个民族?藏族（藏族）",
            "问：什么族?藏族（藏族）",
        ] {
            assert_eq!(fix(s), s, "{s}");
        }
    }

    #[test]
    fn alternatives_and_answers_stay() {
        for s in [
            "是安娜?不是。",
            "你是美国人?日本人?",
            "要去伊朗?俄罗斯?还是荷兰?",
            "是不是普京?拜登?",
            "伊朗?俄罗斯",
            "会说英语?法语?",
            "是藏族?汉族?",
            "去荷兰?还是去比利时",
            "安娜?也许吧",
            "是不是普京?拜登?我忘了。",
            "要去伊朗?俄罗斯?我们再说",
            "是不是职场都是这样惨烈?公平地说",
            "要去亚松森?艾哈迈达巴德?还是柏林?",
            "都写明?阿或波?这样一看",
            "不晓得成什么样?两百多人民币",
            "比上次音箱的包?差多了",
            // Known name parts offered as alternatives.
            "是不是大卫?牛顿?",
            "你认识大卫?雨果?还是牛顿?",
            "大卫?不是。",
            // Traditional questions.
            "是不是普京?拜登?",
            "要去伊朗?俄羅斯?還是荷蘭?",
            "你是美國人?日本人?",
        ] {
            assert_eq!(fix(s), s, "{s}");
            // Not even with a confirmed name elsewhere in the document.
            let doc = format!("斯科特?丹恩（Scott Dunn）说：{s}");
            assert_eq!(fix(&doc), format!("斯科特·丹恩（Scott Dunn）说：{s}"), "{doc}");
        }
    }

    #[test]
    fn names_beside_refusals() {
        for (a, b) in [
            // A country as a given name, and a one-character first name.
            ("西班牙画家萨尔瓦多?达利的画", "西班牙画家萨尔瓦多·达利的画"),
            ("突尼斯总统本?阿里的一封信", "突尼斯总统本·阿里的一封信"),
            // A place-like start that a name goes on with.
            ("马里奥?安德雷蒂说", "马里奥·安德雷蒂说"),
            // Three parts, the last one going on into the sentence.
            ("吉里贾?普拉萨德?柯伊拉腊说", "吉里贾·普拉萨德·柯伊拉腊说"),
            // A question about one name: a particle before the last mark.
            ("你认识乔治?华盛顿吗?", "你认识乔治·华盛顿吗?"),
            // A question after a name confirmed elsewhere with a real dot.
            ("约翰·史密斯来了。是约翰?史密斯?", "约翰·史密斯来了。是约翰·史密斯?"),
        ] {
            assert_eq!(fix(a), b, "{a}");
        }
    }

    #[test]
    fn traditional_characters_map_to_simplified() {
        assert_eq!(simp('華'), '华');
        assert_eq!(simp('頓'), '顿');
        // Simplified characters (keys of the table) stay.
        assert_eq!(simp('华'), '华');
        assert_eq!(simp('干'), '干');
        assert!(translit('爾') && typical('斯'));
        assert!(is_known_part(&['大', '衛']) && is_known_part(&['大', '卫']));
        assert!(!is_known_part(&['公', '平']));
    }

    #[test]
    fn name_parts_hold_no_function_word() {
        assert!(name_parts().len() > 500 && name_parts().contains("大卫"));
        for p in name_parts() {
            assert!(!p.chars().any(|c| GRAMMAR.contains(c) || PARTICLES.contains(c)), "{p}");
            assert!(!p.starts_with(|c| OPENER_CHARS.contains(c)), "{p}");
            assert!(!OPENERS.contains(p), "{p}");
        }
    }

    #[test]
    fn opener_chars_are_not_transliteration_characters() {
        let t = tables::tables();
        for c in OPENER_CHARS.chars() {
            assert!(!t.is_translit(c), "{c}");
        }
        assert!(places().set.contains("伊朗") && places().set.contains("俄羅斯"));
    }

    #[test]
    fn a_dot_between_name_parts() {
        let yes = |b: &str, a: &str| {
            let (b, a): (Vec<char>, Vec<char>) = (b.chars().collect(), a.chars().collect());
            dot_joins_name(&b, &a)
        };
        assert!(yes("约翰", "史密斯说"));
        assert!(yes("美国财政部长斯科特", "贝森特表示"));
        assert!(!yes("他来了", "我们走吧"));
        assert!(!yes("来自伊朗", "俄罗斯也"));
        assert!(!yes("是安娜", "不是"));
        assert!(!yes("第一章", "总则"));
        // Full stops of informal text that the `?` test alone would take.
        assert!(!yes("一种风格", "考拉宝宝"));
        assert!(!yes("性价比很高", "我特别要"));
        assert!(!yes("跟<输赢>比", "根本不是"));
        // Alternatives written with `.`: a chain, as with `?`.
        assert!(!yes("是吉尼玛", "欧罗巴.我记不清了"));
        assert!(!yes("义乌", "川西.还是胡乔木."));
        assert!(yes("哈里", "S.杜鲁门说"));
    }

    #[test]
    fn lost_spaces() {
        assert_eq!(fix("稀土磁铁（rare?earth magnets）"), "稀土磁铁（rare earth magnets）");
        assert_eq!(fix("联合国（United?Nations）"), "联合国（United Nations）");
        for s in [
            "访问search?query=1获取",
            "代码a?b:c里",
            "Why? Because",
            "他问Why?Because我",
            "他说is it?Yes好",
            "见example.com/a?b=1",
            "文件readme.md?dfh",
            "`foo?bar`是代码",
            "mail me?at once",
            "rare?earth",
        ] {
            assert_eq!(fix(s), s, "{s}");
        }
        // Found by the fuzzer: the verdict must not depend on another `?`.
        let s = "稀土?\0'\0aa?aa\0'\0aa?aa";
        let once = fix(s);
        assert_eq!(fix(&once), once);
        // Nor on a `?` that lost-space turns into a space after it.
        let s = "<&y@y@*\0\0\0凯?蒂AH?BHy";
        let once = fix(s);
        assert_eq!(fix(&once), once);
        // Two `?` in one token: both stay.
        let s = "写rare?earth?metal里";
        assert_eq!(fix(s), s);
    }
}
