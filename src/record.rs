//! JSON Lines record mode (`--jsonl`): clean the named string fields of
//! each record and pass everything else through byte for byte.
//!
//! A record is not parsed into a value and printed again, which would
//! re-format numbers (`1.0e3`), escapes (`\u00e9`) and spacing of fields
//! nobody asked to touch. Instead the line is scanned with serde_json into
//! (key, raw value) pairs that borrow from the line, and only the raw text
//! of a changed field is replaced by the serialisation of its new value.
//! An unchanged record comes out identical to the input, and a changed one
//! differs only inside the changed values. (serde_json writes non-ASCII as
//! UTF-8 and escapes only `"`, `\` and control characters, so a changed
//! value that was written with `\u` escapes comes back with fewer.)

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Read, Write};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::pipeline::Pipeline;
use crate::rules::{Change, Changes};

/// The longest JSON Lines record that is cleaned: 16 MiB. Records are
/// processed a batch at a time in parallel, each held whole with its
/// cleaned copy; a longer line is not read into memory but copied through
/// unchanged, a buffer at a time, and reported as a bad record (one line
/// out per line in still holds). This bounds memory on any input, an
/// endless line included (`--jsonl < /dev/zero` copies the zeros through
/// in constant memory).
pub const MAX_RECORD: usize = 16 << 20;

/// Reads one line, with its line feed, into `line`, but no more than `max`
/// bytes of it. Returns the bytes read and whether the line is whole
/// (ended by a line feed or by the end of the input); when it is not, the
/// rest is still to be read, with [`copy_rest_of_line`].
pub fn read_record<R: BufRead>(
    r: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<(usize, bool)> {
    let n = r.by_ref().take(max as u64).read_until(b'\n', line)?;
    let whole = n < max || line.ends_with(b"\n") || r.fill_buf()?.is_empty();
    Ok((n, whole))
}

/// Copies the rest of a line cut by [`read_record`] (to and with its line
/// feed, or to the end of the input) to `w`, a buffer at a time. Returns
/// the bytes copied.
pub fn copy_rest_of_line<R: BufRead>(r: &mut R, w: &mut dyn Write) -> io::Result<u64> {
    let mut copied = 0;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(copied);
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        w.write_all(&buf[..take])?;
        r.consume(take);
        copied += take as u64;
        if done {
            return Ok(copied);
        }
    }
}

/// Why a line was passed through unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRecord(pub String);

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One processed line.
#[derive(Debug)]
pub struct RecordOutput {
    /// What the rules changed in the fields.
    pub changes: Changes,
    /// The explained changes, each with the field it was in.
    pub explained: Vec<(String, Change)>,
    /// Set when the line is not a JSON object (it was copied unchanged).
    pub bad: Option<BadRecord>,
}

/// The (key, raw value) pairs of a JSON object, borrowed from the line.
struct RawObject<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    pairs.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(RawObject(pairs))
            }
        }
        d.deserialize_map(V)
    }
}

/// Cleans the fields named in `fields` of the JSON object on `line` (the
/// line without its line end) and appends the result to `out`. A line that
/// is not a JSON object is appended unchanged and `bad` says why.
pub fn process_line(
    pipeline: &Pipeline,
    fields: &[String],
    line: &[u8],
    out: &mut Vec<u8>,
) -> RecordOutput {
    let mut result =
        RecordOutput { changes: pipeline.new_changes(), explained: Vec::new(), bad: None };
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => {
            out.extend_from_slice(line);
            result.bad = Some(BadRecord(format!("not UTF-8 ({e})")));
            return result;
        }
    };
    let object = match parse_object(text) {
        Ok(o) => o,
        Err(e) => {
            out.extend_from_slice(line);
            result.bad = Some(BadRecord(e));
            return result;
        }
    };
    let mut copied = 0;
    let out_start = out.len();
    for (key, raw) in &object.0 {
        if !fields.iter().any(|f| f == key) || !raw.get().starts_with('"') {
            continue;
        }
        // A string value: parse it (escapes and all), clean it, and only if
        // it changed, write its new serialisation in place of the old text.
        // A string JSON accepts but Rust cannot hold (an escaped lone
        // surrogate such as `\udc00`) cannot be cleaned: the record is
        // passed through whole and reported, never left half done or
        // silently unconverted.
        let value = match serde_json::from_str::<Cow<'_, str>>(raw.get()) {
            Ok(v) => v,
            Err(e) => {
                out.truncate(out_start);
                out.extend_from_slice(line);
                result.changes = pipeline.new_changes();
                result.explained.clear();
                result.bad = Some(BadRecord(format!(
                    "field {}: the string holds an escaped lone surrogate, which is no \
                     character, so it cannot be cleaned ({})",
                    serde_json::to_string(key.as_ref()).expect("a string serialises"),
                    e.to_string().split(" at line ").next().unwrap_or_default()
                )));
                return result;
            }
        };
        let mut changes = pipeline.new_changes();
        let cleaned = pipeline.process_text(&value, &mut changes);
        result.changes.merge(&changes);
        result.explained.extend(changes.explained().iter().map(|c| (key.to_string(), c.clone())));
        if cleaned == value {
            continue;
        }
        let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        out.extend_from_slice(&line[copied..start]);
        let json = serde_json::to_string(cleaned.as_ref()).expect("a string serialises");
        out.extend_from_slice(json.as_bytes());
        copied = start + raw.get().len();
    }
    out.extend_from_slice(&line[copied..]);
    result
}

fn parse_object(text: &str) -> Result<RawObject<'_>, String> {
    if text.trim().is_empty() {
        return Err("empty line, not a JSON object".into());
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let object = serde::Deserialize::deserialize(&mut de).map_err(|e| not_object(&e))?;
    de.end().map_err(|e| not_object(&e))?;
    Ok(object)
}

fn not_object(e: &serde_json::Error) -> String {
    format!("not a JSON object ({e})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConvertSpec};

    fn s2t() -> Pipeline {
        Pipeline::new(Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() })
            .unwrap()
    }

    fn run(p: &Pipeline, fields: &[&str], line: &str) -> (String, RecordOutput) {
        let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let r = process_line(p, &fields, line.as_bytes(), &mut out);
        (String::from_utf8(out).unwrap(), r)
    }

    #[test]
    fn only_the_named_field_changes() {
        let p = s2t();
        let line =
            r#"{"id": 1.0e3, "meta":{"t":"头发","x":[1, 2]} , "text":"头发\u0041", "n":-0.50}"#;
        let (out, r) = run(&p, &["text"], line);
        assert_eq!(
            out,
            r#"{"id": 1.0e3, "meta":{"t":"头发","x":[1, 2]} , "text":"頭髮A", "n":-0.50}"#
        );
        assert!(r.bad.is_none());
        assert_eq!(r.changes.count(crate::Rule::Convert), 1);
    }

    #[test]
    fn unchanged_records_are_identical() {
        let p = s2t();
        let line = r#"{"text":"\u982d\u9aee ok","n":1e-7}"#;
        assert_eq!(run(&p, &["text"], line).0, line);
        let line = r#"{"other":"头发","text":12}"#;
        assert_eq!(run(&p, &["text"], line).0, line);
    }

    #[test]
    fn several_fields_and_repeated_keys() {
        let p = s2t();
        let (out, _) = run(&p, &["a", "b"], r#"{"a":"发","c":"发","b":"发","a":"后"}"#);
        assert_eq!(out, r#"{"a":"發","c":"发","b":"發","a":"後"}"#);
    }

    #[test]
    fn non_objects_pass_through() {
        let p = s2t();
        for line in ["[1,2]", "\"头发\"", "{\"text\":\"x\"", "", "{} {}", "nul"] {
            let (out, r) = run(&p, &["text"], line);
            assert_eq!(out, line);
            assert!(r.bad.is_some(), "{line:?}");
        }
        let mut out = Vec::new();
        let r = process_line(&p, &["text".into()], b"{\"text\":\"\xff\"}", &mut out);
        assert_eq!(out, b"{\"text\":\"\xff\"}");
        assert!(r.bad.unwrap().0.starts_with("not UTF-8"));
    }

    /// A line over the bound is read only up to it; the rest is copied
    /// through to its line feed, and the next line is read as usual.
    #[test]
    fn long_records_are_cut_and_copied_through() {
        let input = format!("{}\n{{\"text\":\"x\"}}\n{}", "a".repeat(25), "b".repeat(30));
        let mut r = io::BufReader::with_capacity(8, input.as_bytes());
        let mut line = Vec::new();
        assert_eq!(read_record(&mut r, &mut line, 10).unwrap(), (10, false));
        let mut out = line.clone();
        assert_eq!(copy_rest_of_line(&mut r, &mut out).unwrap(), 16);
        assert_eq!(out, format!("{}\n", "a".repeat(25)).as_bytes());
        line.clear();
        assert_eq!(read_record(&mut r, &mut line, 100).unwrap(), (13, true));
        assert_eq!(line, b"{\"text\":\"x\"}\n");
        line.clear();
        assert_eq!(read_record(&mut r, &mut line, 30).unwrap(), (30, true));
        line.clear();
        assert_eq!(read_record(&mut r, &mut line, 30).unwrap(), (0, true));
        // Exactly the bound, line feed included, is whole.
        let mut r = io::BufReader::new(&b"abc\nd"[..]);
        line.clear();
        assert_eq!(read_record(&mut r, &mut line, 4).unwrap(), (4, true));
    }

    /// An escaped lone surrogate is valid JSON but no Rust string: the
    /// record is passed through unchanged and reported, even when an
    /// earlier field was already cleaned.
    #[test]
    fn lone_surrogates_are_reported_not_skipped() {
        let p = s2t();
        for line in [
            r#"{"text":"头发\udc00x"}"#,
            r#"{"title":"头发","text":"\ud800"}"#,
            r#"{"text":"头发","title":"\udfff头发"}"#,
        ] {
            let (out, r) = run(&p, &["text", "title"], line);
            assert_eq!(out, line);
            let bad = r.bad.expect("reported").0;
            assert!(bad.contains("surrogate"), "{bad}");
            assert_eq!(r.changes.count(crate::Rule::Convert), 0, "{line}");
        }
        // A surrogate pair is one character and is converted.
        let (out, r) = run(&p, &["text"], r#"{"text":"头\ud83d\ude00"}"#);
        assert_eq!(out, "{\"text\":\"頭😀\"}");
        assert!(r.bad.is_none());
    }
}
