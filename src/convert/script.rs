//! Which script a text is written in: Simplified, Traditional, both, or
//! neither, judged from the characters OpenCC's character tables change.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::builtin::DICT_FILES;

/// The script of a text, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Script {
    /// Simplified Chinese (`hans`).
    Hans,
    /// Traditional Chinese (`hant`).
    Hant,
    /// Both, in comparable amounts (`mixed`).
    Mixed,
    /// No character that tells them apart (`none`).
    None,
}

impl Script {
    /// The report's name for it: `hans`, `hant`, `mixed` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Hans => "hans",
            Script::Hant => "hant",
            Script::Mixed => "mixed",
            Script::None => "none",
        }
    }
}

/// One bit per BMP code point for each side: the tables are consulted for
/// every character of every file, so they must cost a load and a test, not
/// a hash. The handful of astral keys are ignored (a judgement, not a
/// conversion).
struct Tables {
    simplified_only: Box<[u64]>,
    traditional_only: Box<[u64]>,
}

fn bitmap(chars: impl Iterator<Item = char>) -> Box<[u64]> {
    let mut bits = vec![0u64; 0x10000 / 64].into_boxed_slice();
    for c in chars.filter(|&c| (c as u32) < 0x10000) {
        bits[c as usize >> 6] |= 1 << (c as u32 & 63);
    }
    bits
}

fn keys(file: &str) -> HashSet<char> {
    let text = DICT_FILES.iter().find(|(f, _)| *f == file).map_or("", |(_, t)| *t);
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.split_once('\t')?;
            let mut ks = k.chars();
            let c = ks.next()?;
            // Identity entries (a character that maps to itself first) do not
            // tell the scripts apart.
            (ks.next().is_none() && v.split(' ').next() != Some(k)).then_some(c)
        })
        .collect()
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let st = keys("STCharacters.txt");
        let ts = keys("TSCharacters.txt");
        Tables {
            simplified_only: bitmap(st.difference(&ts).copied()),
            traditional_only: bitmap(ts.difference(&st).copied()),
        }
    })
}

/// Judges the script of `text`: characters that only Simplified text uses
/// (keys of OpenCC's `STCharacters` that are not keys of `TSCharacters`)
/// against those only Traditional text uses. One side ten times the other
/// or more decides; otherwise `Mixed`; none of either gives `None`.
pub fn detect_script(text: &str) -> Script {
    let mut tally = ScriptTally::default();
    tally.add(text);
    tally.script()
}

/// The counts [`detect_script`] judges by, added up part by part: the
/// tally of a document's parts gives the script of the whole document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptTally {
    simplified: u64,
    traditional: u64,
}

impl ScriptTally {
    /// Counts the characters of `text`.
    pub fn add(&mut self, text: &str) {
        let t = tables();
        for c in text.chars() {
            let c = c as usize;
            if !(0x3400..0x10000).contains(&c) {
                continue;
            }
            let bit = 1u64 << (c & 63);
            self.simplified += u64::from(t.simplified_only[c >> 6] & bit != 0);
            self.traditional += u64::from(t.traditional_only[c >> 6] & bit != 0);
        }
    }

    /// Adds another part's counts.
    pub fn merge(&mut self, other: ScriptTally) {
        self.simplified += other.simplified;
        self.traditional += other.traditional;
    }

    /// The script of all the text counted.
    pub fn script(&self) -> Script {
        match (self.simplified, self.traditional) {
            (0, 0) => Script::None,
            (s, h) if s >= 10 * h => Script::Hans,
            (s, h) if h >= 10 * s => Script::Hant,
            _ => Script::Mixed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        assert_eq!(detect_script("头发发展，经济增长"), Script::Hans);
        assert_eq!(detect_script("頭髮發展，經濟增長"), Script::Hant);
        assert_eq!(detect_script("头发 頭髮 经济 經濟"), Script::Mixed);
        assert_eq!(detect_script("hello 123 中文"), Script::None);
        assert_eq!(Script::Hant.as_str(), "hant");
        // A tally over parts judges the whole: a little Traditional text
        // after much Simplified is still Simplified, more is Mixed.
        let mut tally = ScriptTally::default();
        tally.add(&"头发发展".repeat(10));
        tally.add("頭髮發展");
        assert_eq!(tally.script(), Script::Hans);
        let mut more = ScriptTally::default();
        more.add(&"頭髮發展".repeat(3));
        tally.merge(more);
        assert_eq!(tally.script(), Script::Mixed);
        assert_eq!(tally.script(), detect_script(&("头发发展".repeat(10) + &"頭髮發展".repeat(4))));
    }
}
