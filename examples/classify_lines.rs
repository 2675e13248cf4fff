//! Classes every line of each file alone (as a short record would be) and
//! prints how many lines fall in each language class, with the first lines
//! classed Japanese or Korean: a check that clean Chinese corpora stay
//! Chinese under `decode::classify`.
//!
//! Usage: `cargo run --release --example classify_lines -- FILE...`

use std::collections::BTreeMap;

use zhclean::decode::{Language, classify};

fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut shown = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let class = classify(line);
            *counts.entry(format!("{class:?}")).or_default() += 1;
            if matches!(class, Language::Japanese | Language::Korean) && shown.len() < 10 {
                shown.push(format!("  {class:?}: {}", line.chars().take(40).collect::<String>()));
            }
        }
        let total: usize = counts.values().sum();
        println!("{path}: {total} lines, {counts:?}");
        for line in shown {
            println!("{line}");
        }
    }
}
