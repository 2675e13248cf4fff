//! The whole pipeline (decode, repair, normalise) on arbitrary bytes: no
//! panic, and the output is valid UTF-8 (a `String`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhclean::{Config, Pipeline};

fuzz_target!(|bytes: &[u8]| {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    let p = PIPELINE.get_or_init(|| Pipeline::new(Config::default()).expect("default pipeline"));
    let _ = p.process_bytes(bytes, None);
});
