//! `Stage::apply` (with its AVX2 steps, where the processor has them)
//! against `Stage::apply_portable` and against `Stage::walk` (no fast
//! path) on arbitrary text, for the flattened first stages of `s2t` and
//! `t2s` built from `dict/`: the same text and the same count. The input bytes are read as UTF-8 with replacement, so
//! every input is some text.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhclean::convert::{FlatDict, Piece, Stage};

/// `short_circuit` of the dictionaries in `dict/`, in order.
fn stage(files: &[&str]) -> Stage {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dict");
    let mut flat: Option<FlatDict> = None;
    for f in files {
        let text = std::fs::read_to_string(dir.join(f)).expect("dictionary");
        // OpenCC's text format: key, a tab, values separated by spaces
        // (the first one is used).
        let entries = text
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(k, v)| (k.to_string(), v.split(' ').next().unwrap_or(v).to_string()))
            .collect();
        let d = FlatDict::from_entries(entries);
        match &mut flat {
            None => flat = Some(d),
            Some(a) => a.short_circuit_with(d),
        }
    }
    Stage::from_entries(&flat.expect("files").into_sorted()).expect("stage")
}

fuzz_target!(|bytes: &[u8]| {
    static STAGES: OnceLock<[Stage; 2]> = OnceLock::new();
    let stages = STAGES.get_or_init(|| {
        [
            stage(&["STPhrases.txt", "STCharacters.txt"]),
            stage(&["TSPhrases.txt", "TSCharacters.txt"]),
        ]
    });
    let text = String::from_utf8_lossy(bytes);
    for s in stages {
        let (mut a, mut b) = (String::new(), String::new());
        let n = s.apply(&text, &mut a);
        let m = s.apply_portable(&text, &mut b);
        assert_eq!(a, b);
        assert_eq!(n, m);
        let (mut w, mut k) = (String::new(), 0);
        s.walk(&text, |p| match p {
            Piece::Gap(x, y) => w.push_str(&text[x..y]),
            Piece::Match(x, y, v) => {
                w.push_str(s.value(v));
                k += u64::from(s.value(v) != &text[x..y]);
            }
        });
        assert_eq!(a, w);
        assert_eq!(n, k);
    }
});
