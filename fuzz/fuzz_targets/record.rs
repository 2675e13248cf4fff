//! One JSON Lines record (`--jsonl`) on arbitrary bytes: no panic; a blank
//! line, a record that is not a JSON object, or whose field cannot be cleaned, comes out
//! byte for byte as it went in; and one that was cleaned is a JSON object
//! again. Run with a per-input time limit (`scripts/fuzz.sh record`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhclean::{Config, ConvertSpec, Pipeline};

fuzz_target!(|bytes: &[u8]| {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    let p = PIPELINE.get_or_init(|| {
        let config = Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() };
        Pipeline::new(config).expect("s2t pipeline")
    });
    let fields = ["text".to_string(), "title".to_string()];
    let mut out = Vec::new();
    let r = zhclean::record::process_line(p, &fields, bytes, &mut out);
    if r.bad.is_some() || r.blank {
        assert_eq!(out, bytes, "a bad or blank record must pass through unchanged");
    } else {
        let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
        assert!(v.is_object());
    }
});
