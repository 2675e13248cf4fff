//! Builds `data/decode/charfreq.txt`, the character frequency table that
//! the decode stage uses to tell which reading of a short input is Chinese.
//!
//! Input: jieba's `dict.txt` (word, frequency, tag per line; PyPI `jieba`,
//! MIT). Every word's frequency is added to each of its characters, once as
//! written (Simplified) and once after our own OpenCC `s2t` conversion of
//! the whole word (Traditional, so that `发展`/`头发` give `發` and `髮` their
//! own counts). A character's count is the larger of the two.
//!
//! Run: `cargo run --example build_charfreq -- .cache/jieba-0.42.1/jieba/dict.txt > data/decode/charfreq.txt`

use std::collections::HashMap;
use std::io::Write;

fn main() {
    let path = std::env::args().nth(1).expect("usage: build_charfreq DICT.TXT");
    let text = std::fs::read_to_string(&path).expect("read dict.txt");
    let s2t = zhclean::convert::Converter::builtin("s2t").expect("s2t");
    let mut simp: HashMap<char, u64> = HashMap::new();
    let mut trad: HashMap<char, u64> = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split(' ');
        let (Some(word), Some(freq)) = (fields.next(), fields.next()) else { continue };
        let Ok(freq) = freq.parse::<u64>() else { continue };
        // Only CJK characters are scored from this table; ASCII words in the
        // dictionary (`AT&T`, `B超`) would only add noise.
        let is_cjk = |c: char| !c.is_ascii();
        for c in word.chars().filter(|&c| is_cjk(c)) {
            *simp.entry(c).or_default() += freq;
        }
        for c in s2t.convert(word).chars().filter(|&c| is_cjk(c)) {
            *trad.entry(c).or_default() += freq;
        }
    }
    let mut all: Vec<(char, u64)> = simp.clone().into_iter().collect();
    for (&c, &n) in &trad {
        let e = simp.get(&c).copied().unwrap_or(0);
        if n > e {
            all.retain(|&(d, _)| d != c);
            all.push((c, n));
        }
    }
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(out, "# char\tcount (see SOURCE.md)").unwrap();
    for (c, n) in all {
        writeln!(out, "{c}\t{n}").unwrap();
    }
}
