//! Decodes every sample of the detection set with zhclean and with
//! chardetng alone, for `scripts/eval-decode.py`.
//!
//! Input (argument): JSON Lines with `id`, `hex` (the bytes), `text` (the
//! original text) and `label` (the WHATWG label of the true encoding, or
//! `mixed`). Output (stdout): one JSON line per sample with whether each
//! decoder gave back the original text (`ours`, `chardetng`), what they
//! chose, and `oracle`: whether encoding_rs with the true encoding gives the
//! original text at all (samples where it does not measure codec table
//! differences, not detection, and are left out).

use std::io::{BufRead, Write};

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::Encoding;
use serde_json::{Value, json};
use zhclean::decode;
use zhclean::{Changes, Config, ConvertSpec, Pipeline, Rule};

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: eval_decode SAMPLES.jsonl");
    let file = std::io::BufReader::new(std::fs::File::open(&path).expect("open samples"));
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    // The whole pipeline with conversion, to count what the Chinese-only
    // rules did and which Han characters appeared that the text did not have.
    let s2t = Pipeline::new(Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() })
        .expect("pipeline");
    for line in file.lines() {
        let line = line.expect("read");
        let v: Value = serde_json::from_str(&line).expect("json");
        let bytes = unhex(v["hex"].as_str().expect("hex"));
        let text = v["text"].as_str().expect("text");
        let label = v["label"].as_str().expect("label");

        let mut changes = Changes::new();
        let (ours, info) = decode::decode(&bytes, None, &mut changes);

        // chardetng alone, as a browser would use it: a BOM decides, else
        // chardetng's guess (UTF-8 allowed, no TLD).
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
        detector.feed(&bytes, true);
        let guess = detector.guess(None, Utf8Detection::Allow);
        let (cd_text, cd_enc, _) = guess.decode(&bytes);

        // ISO-2022-KR is WHATWG's "replacement" encoding: there is no
        // encoding_rs oracle for it, and Python's codec made the bytes.
        let oracle = match Encoding::for_label(label.as_bytes()) {
            Some(e) if e != encoding_rs::REPLACEMENT => e.decode(&bytes).0 == text,
            _ => true,
        };
        let (han_made, chinese_only, mojibake) = match s2t.process_bytes(&bytes, None) {
            Ok(doc) => (
                doc.text.chars().filter(|&c| is_han(c) && !text.contains(c)).count(),
                decode::CHINESE_ONLY.iter().map(|&r| doc.changes.count(r)).sum::<u64>(),
                doc.changes.count(Rule::Mojibake),
            ),
            Err(_) => (0, 0, 0),
        };
        let rec = json!({
            "id": v["id"],
            "ours": ours == text,
            "ours_enc": info.encoding,
            "lang": info.language.as_str(),
            "han_made": han_made,
            "chinese_only": chinese_only,
            "mojibake": mojibake,
            "conf": info.confidence,
            "mixed_lines": info.mixed_lines,
            "replacements": info.replacements,
            "chardetng": cd_text == text,
            "chardetng_enc": cd_enc.name(),
            "oracle": oracle,
        });
        writeln!(out, "{rec}").expect("write");
    }
}
