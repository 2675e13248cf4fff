//! JSON Lines record mode (`--jsonl`): clean the named string fields of
//! each record and pass everything else through byte for byte.
//!
//! A record is not parsed into a value and printed again, which would
//! re-format numbers (`1.0e3`), escapes (`\u00e9`) and spacing of fields
//! nobody asked to touch. Instead the line is scanned with serde_json into
//! (key, raw value) pairs that borrow from the line, and only the raw text
//! of a changed field is replaced by the serialisation of its new value.
//! An unchanged record comes out identical to the input, and a changed one
//! differs only inside the changed values. A changed value is written with
//! the escapes its input used (`\u00e9` stays `\u00e9` when the change was
//! elsewhere in the value); other characters as UTF-8, with `"`, `\` and
//! control characters escaped.
//!
//! Fields are named by [`FieldPath`]s (`text`, `meta.text`,
//! `段落[].内容`). Blank lines pass through; lines in GBK, GB18030 or Big5
//! (forced with `--encoding`, or detected) are decoded and written as UTF-8.
//!
//! One exception: U+2028 and U+2029 are always written as the
//! escapes `\u2028` and `\u2029`, in every field of a record. Raw, they are
//! valid JSON, but many line readers (Python's `str.splitlines`, JavaScript)
//! take them for line ends and would cut the record in two. In a line that
//! parsed as a JSON object they can only stand inside strings, where the
//! escape means the same character.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Read, Write};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use encoding_rs::Encoding;

use crate::config::HtmlMode;
use crate::html;
use crate::pipeline::{HtmlPlan, Pipeline};
use crate::rules::{Change, Changes, Rule};

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
    /// The line was blank (white space only): copied as it is, not an
    /// error.
    pub blank: bool,
    /// The encoding the line was decoded from, when it was not UTF-8.
    pub encoding: Option<&'static str>,
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

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// The member with this key (every member with it, if repeated).
    Key(String),
    /// Every element of an array.
    Each,
}

/// Which string values of a record to clean: `text`, `meta.text` (a key
/// of a nested object), `段落[].内容` (a key of every object in an array),
/// `tags[]` (every string in an array). A key holding `.`, `[` or `\` is
/// written with a backslash before that character (`a\.b`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    spec: String,
    steps: Vec<Step>,
}

impl FieldPath {
    /// Parses `spec`; the error says what is wrong with it.
    pub fn parse(spec: &str) -> Result<FieldPath, String> {
        let bad = |why: &str| Err(format!("bad field path '{spec}': {why}"));
        let mut steps = Vec::new();
        let mut key = String::new();
        // Whether the current segment has a key yet (a segment may not be
        // `[]` alone at the top: a record is an object).
        let mut chars = spec.chars().peekable();
        let mut in_brackets = false;
        loop {
            match chars.next() {
                Some('\\') => match chars.next() {
                    Some(c) if !in_brackets => key.push(c),
                    _ => return bad("a `\\` must be followed by the character it quotes"),
                },
                Some('[') => {
                    if chars.next() != Some(']') {
                        return bad("`[` must be followed by `]` (every element of an array)");
                    }
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    } else if steps.is_empty() {
                        return bad("it must start with a key");
                    }
                    steps.push(Step::Each);
                    in_brackets = true;
                }
                Some('.') | None => {
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    } else if !in_brackets {
                        return bad("empty key");
                    }
                    in_brackets = false;
                    if chars.peek().is_none() {
                        if spec.ends_with('.') && !spec.ends_with("\\.") {
                            return bad("empty key");
                        }
                        break;
                    }
                }
                Some(c) if !in_brackets => key.push(c),
                Some(_) => return bad("`[]` must be followed by `.`, `[]` or the end"),
            }
        }
        Ok(FieldPath { spec: spec.to_string(), steps })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.spec
    }

    /// Adds every string value this path names in `value` (whose path
    /// so far has matched `steps[..done]`) to `found`.
    fn find<'a>(&self, value: &'a RawValue, done: usize, found: &mut Vec<&'a RawValue>) {
        let raw = value.get();
        match self.steps.get(done) {
            None => {
                if raw.starts_with('"') {
                    found.push(value);
                }
            }
            Some(Step::Key(k)) if raw.starts_with('{') => {
                if let Ok(object) = serde_json::from_str::<RawObject<'a>>(raw) {
                    for (key, v) in object.0 {
                        if key == k.as_str() {
                            self.find(v, done + 1, found);
                        }
                    }
                }
            }
            Some(Step::Each) if raw.starts_with('[') => {
                if let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(raw) {
                    for v in items {
                        self.find(v, done + 1, found);
                    }
                }
            }
            Some(_) => {}
        }
    }
}

/// Cleans the fields named in `fields` (top-level keys or paths, see
/// [`FieldPath`]) of the JSON object on `line` (the line without its line
/// end) and appends the result to `out`; see [`process_line_paths`]. A
/// name that is not a valid path is taken as a top-level key.
pub fn process_line(
    pipeline: &Pipeline,
    fields: &[String],
    line: &[u8],
    out: &mut Vec<u8>,
) -> RecordOutput {
    let paths: Vec<FieldPath> = fields
        .iter()
        .map(|f| {
            FieldPath::parse(f).unwrap_or_else(|_| FieldPath {
                spec: f.clone(),
                steps: vec![Step::Key(f.clone())],
            })
        })
        .collect();
    process_line_paths(pipeline, &paths, line, out, None)
}

/// Cleans the string values that `fields` name in the JSON object on
/// `line` (the line without its line end) and appends the result to `out`.
///
/// A blank line is copied as it is (see [`RecordOutput::blank`]). A line
/// that is not UTF-8 is decoded first: with `forced` when given (every
/// line is then decoded with it), else with the encoding detected for the
/// line; it is then written as UTF-8 (one `legacy` change). A line that
/// does not decode cleanly, or is not a JSON object, is appended unchanged
/// and `bad` says why.
///
/// Under `--html auto` a field is stripped when it is an HTML fragment
/// ([`html::is_fragment`]), whatever the other fields hold. A changed value
/// keeps every `\u` (or `\/`) escape its input used, for the characters it
/// still holds.
pub fn process_line_paths(
    pipeline: &Pipeline,
    fields: &[FieldPath],
    line: &[u8],
    out: &mut Vec<u8>,
    forced: Option<&'static Encoding>,
) -> RecordOutput {
    let mut result = RecordOutput {
        changes: pipeline.new_changes(),
        explained: Vec::new(),
        bad: None,
        blank: false,
        encoding: None,
    };
    if line.iter().all(u8::is_ascii_whitespace) {
        out.extend_from_slice(line);
        result.blank = true;
        return result;
    }
    let decoded = match decode_line(line, forced) {
        Ok(d) => d,
        Err(why) => {
            out.extend_from_slice(line);
            result.bad = Some(BadRecord(why));
            return result;
        }
    };
    let input = line;
    let text = match &decoded {
        Line::Utf8(t) => *t,
        Line::Decoded(t, enc) => {
            result.encoding = Some(*enc);
            result.changes.add(Rule::Legacy, 1);
            t.as_str()
        }
    };
    let line = text.as_bytes();
    let object = match parse_object(text) {
        Ok(o) => o,
        Err(e) => {
            // Copied as it came, decoded or not.
            out.extend_from_slice(input);
            result.bad = Some(BadRecord(e));
            result.changes = pipeline.new_changes();
            result.encoding = None;
            return result;
        }
    };
    let start_len = out.len();
    // The string values to clean, in line order, each once.
    let mut found: Vec<(usize, &RawValue, &FieldPath)> = Vec::new();
    for path in fields {
        let mut values = Vec::new();
        for (key, raw) in &object.0 {
            if matches!(path.steps.first(), Some(Step::Key(k)) if k.as_str() == key.as_ref()) {
                path.find(raw, 1, &mut values);
            }
        }
        found.extend(values.into_iter().map(|v| (offset_in(text, v.get()), v, path)));
    }
    found.sort_by_key(|(start, _, _)| *start);
    found.dedup_by_key(|(start, _, _)| *start);
    let mut copied = 0;
    for (start, raw, path) in found {
        // A string value: parse it (escapes and all), clean it, and only if
        // it changed, write its new serialisation in place of the old text.
        // A string JSON accepts but Rust cannot hold (an escaped lone
        // surrogate such as `\udc00`) cannot be cleaned: the record is
        // passed through whole and reported, never left half done or
        // silently unconverted.
        let value = match serde_json::from_str::<Cow<'_, str>>(raw.get()) {
            Ok(v) => v,
            Err(e) => {
                out.truncate(start_len);
                out.extend_from_slice(input);
                result.changes = pipeline.new_changes();
                result.explained.clear();
                result.bad = Some(BadRecord(format!(
                    "field {}: the string holds an escaped lone surrogate, which is no \
                     character, so it cannot be cleaned ({})",
                    serde_json::to_string(&path.spec).expect("a string serialises"),
                    e.to_string().split(" at line ").next().unwrap_or_default()
                )));
                return result;
            }
        };
        let mut changes = pipeline.new_changes();
        let cleaned = clean_field(pipeline, &value, &mut changes);
        result.changes.merge(&changes);
        result.explained.extend(changes.explained().iter().map(|c| (path.spec.clone(), c.clone())));
        if cleaned == value {
            continue;
        }
        out.extend_from_slice(&line[copied..start]);
        write_string(&cleaned, &kept_escapes(raw.get()), out);
        copied = start + raw.get().len();
    }
    out.extend_from_slice(&line[copied..]);
    escape_line_separators(out, start_len);
    result
}

/// Rewrites raw U+2028 and U+2029 in `out[from..]` as `\u2028`, `\u2029`
/// (each three bytes become six).
fn escape_line_separators(out: &mut Vec<u8>, from: usize) {
    // Both are E2 80 A8 / E2 80 A9 in UTF-8; E2 80 also starts common
    // punctuation (“ ” — …), so check the third byte before copying.
    let is_sep = |b: &[u8], i: usize| {
        b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9))
    };
    let Some(first) =
        memchr::memchr_iter(0xE2, &out[from..]).map(|i| from + i).find(|&i| is_sep(out, i))
    else {
        return;
    };
    let tail = out.split_off(first);
    let mut i = 0;
    while i < tail.len() {
        if tail[i] == 0xE2 && is_sep(&tail, i) {
            out.extend_from_slice(if tail[i + 2] == 0xA8 { b"\\u2028" } else { b"\\u2029" });
            i += 3;
        } else {
            out.push(tail[i]);
            i += 1;
        }
    }
}

/// A line as text.
enum Line<'a> {
    /// It was UTF-8.
    Utf8(&'a str),
    /// Decoded from the named encoding.
    Decoded(String, &'static str),
}

/// `line` as text, or why it cannot be: not UTF-8 and not cleanly in the
/// forced (or detected) encoding either.
fn decode_line<'a>(line: &'a [u8], forced: Option<&'static Encoding>) -> Result<Line<'a>, String> {
    let forced = forced.filter(|e| *e != encoding_rs::UTF_8);
    let utf8 = std::str::from_utf8(line);
    match (forced, utf8) {
        // No other encoding asked for: UTF-8 as it is.
        (None, Ok(t)) => return Ok(Line::Utf8(t)),
        // ASCII reads the same in an ASCII-compatible forced encoding.
        (Some(e), Ok(t)) if e.is_ascii_compatible() && line.is_ascii() => {
            return Ok(Line::Utf8(t));
        }
        _ => {}
    }
    let mut changes = Changes::new();
    let (text, info) = crate::decode::decode(line, forced, &mut changes);
    let not_utf8 = utf8.err().map(|e| format!("not UTF-8 ({e}); ")).unwrap_or_default();
    if let Some(why) = info.binary {
        return Err(format!("{not_utf8}not text ({why})"));
    }
    if info.replacements > 0 || info.mixed_lines > 0 {
        return Err(format!(
            "{not_utf8}not clean {} either ({} undecodable bytes)",
            info.encoding,
            info.replacements.max(info.mixed_lines)
        ));
    }
    // Without --encoding, one line is little evidence: only a Chinese
    // legacy encoding is believed (a stray byte read as Latin-1 would be
    // a silent wrong guess).
    if forced.is_none() && !(info.encoding.starts_with("GB") || info.encoding.starts_with("Big5")) {
        return Err(format!("{not_utf8}and not clearly GBK, GB18030 or Big5 (give --encoding)"));
    }
    if info.encoding == "UTF-8" {
        // A forced encoding the line had a BOM against, or detection
        // that found UTF-8 after all: nothing was decoded.
        return match utf8 {
            Ok(t) => Ok(Line::Utf8(t)),
            Err(_) => Ok(Line::Decoded(text.into_owned(), info.encoding)),
        };
    }
    Ok(Line::Decoded(text.into_owned(), info.encoding))
}

/// The byte offset of `part` (a slice of `whole`) in `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// Cleans one text as `--jsonl` cleans a field value (and as the Python
/// package's `clean` does): the pipeline on the text, except that under
/// `--html auto` a value that is an HTML fragment is stripped even though
/// it is far shorter than a page.
pub fn clean_field<'a>(pipeline: &Pipeline, value: &'a str, changes: &mut Changes) -> Cow<'a, str> {
    let config = pipeline.config();
    let mut plan = pipeline.plan(value, None, None);
    if plan.html == HtmlPlan::Text
        && config.clean
        && config.html == HtmlMode::Auto
        && config.rules.contains(Rule::Html)
        && html::is_fragment(value)
    {
        plan.html = HtmlPlan::Strip;
    }
    pipeline.process_part(value, &plan, changes)
}

/// The characters a JSON string literal `raw` wrote as escapes that are
/// not needed (`\u00e9`, `\ud83d\ude00`, `\/`, `\u000a` for a line feed),
/// each with the text of its escape.
fn kept_escapes(raw: &str) -> Vec<(char, &str)> {
    let b = raw.as_bytes();
    let mut kept: Vec<(char, &str)> = Vec::new();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + k;
        let hex =
            |from: usize| raw.get(from..from + 4).and_then(|h| u32::from_str_radix(h, 16).ok());
        let (c, len) = match b.get(at + 1) {
            Some(b'/') => (Some('/'), 2),
            Some(b'u') => match hex(at + 2) {
                Some(hi @ 0xD800..=0xDBFF) if raw[at + 6..].starts_with("\\u") => match hex(at + 8)
                {
                    Some(lo @ 0xDC00..=0xDFFF) => {
                        (char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)), 12)
                    }
                    _ => (None, 6),
                },
                Some(u) => (char::from_u32(u), 6),
                None => (None, 2),
            },
            _ => (None, 2),
        };
        if let Some(c) = c
            && !kept.iter().any(|(k, _)| *k == c)
        {
            kept.push((c, &raw[at..at + len]));
        }
        i = at + len;
    }
    kept
}

/// Writes `value` as a JSON string literal: `"`, `\` and control
/// characters escaped as serde_json escapes them, and every character of
/// `kept` written with its escape. (Hand-written because serde_json's
/// writer has no way to keep an input's escapes.)
fn write_string(value: &str, kept: &[(char, &str)], out: &mut Vec<u8>) {
    out.push(b'"');
    let mut buf = [0u8; 4];
    for c in value.chars() {
        if let Some((_, esc)) = kept.iter().find(|(k, _)| *k == c) {
            out.extend_from_slice(esc.as_bytes());
            continue;
        }
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out.push(b'"');
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
            r#"{"id": 1.0e3, "meta":{"t":"头发","x":[1, 2]} , "text":"頭髮\u0041", "n":-0.50}"#
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
    fn line_separators_are_escaped() {
        // Changed and unchanged fields alike, raw or already escaped in
        // the input; the value read back is the same character.
        let p = s2t();
        let line = "{\"text\":\"头\u{2028}发\",\"x\":\"a\u{2029}b\\u2028“c”\"}";
        let (out, r) = run(&p, &["text"], line);
        assert_eq!(out, r#"{"text":"頭\u2028發","x":"a\u2029b\u2028“c”"}"#);
        assert!(r.bad.is_none());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["text"], "頭\u{2028}發");
        assert_eq!(v["x"], "a\u{2029}b\u{2028}“c”");
        // A line that is not a JSON object is still copied byte for byte.
        let (out, r) = run(&p, &["text"], "[\"\u{2028}\"");
        assert_eq!(out, "[\"\u{2028}\"");
        assert!(r.bad.is_some());
    }

    #[test]
    fn non_objects_pass_through() {
        let p = s2t();
        for line in ["[1,2]", "\"头发\"", "{\"text\":\"x\"", "{} {}", "nul"] {
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
        // A surrogate pair is one character: the field is converted, and
        // the pair keeps the escape the input wrote it with.
        let (out, r) = run(&p, &["text"], r#"{"text":"头\ud83d\ude00"}"#);
        assert_eq!(out, r#"{"text":"頭\ud83d\ude00"}"#);
        assert!(r.bad.is_none());
    }

    fn paths(specs: &[&str]) -> Vec<FieldPath> {
        specs.iter().map(|s| FieldPath::parse(s).unwrap()).collect()
    }

    fn run_paths(
        p: &Pipeline,
        specs: &[&str],
        line: &[u8],
        forced: Option<&'static Encoding>,
    ) -> (Vec<u8>, RecordOutput) {
        let mut out = Vec::new();
        let r = process_line_paths(p, &paths(specs), line, &mut out, forced);
        (out, r)
    }

    #[test]
    fn blank_lines_pass_through_and_are_not_bad() {
        let p = s2t();
        for line in ["", "   ", "\t"] {
            let (out, r) = run(&p, &["text"], line);
            assert_eq!(out, line);
            assert!(r.bad.is_none() && r.blank, "{line:?}");
        }
    }

    #[test]
    fn field_paths_parse() {
        assert_eq!(
            FieldPath::parse("段落[].内容").unwrap().steps,
            [Step::Key("段落".into()), Step::Each, Step::Key("内容".into())]
        );
        assert_eq!(
            FieldPath::parse(r"a\.b.c").unwrap().steps,
            [Step::Key("a.b".into()), Step::Key("c".into())]
        );
        assert_eq!(
            FieldPath::parse("m[][]").unwrap().steps,
            [Step::Key("m".into()), Step::Each, Step::Each]
        );
        for bad in ["", ".a", "a.", "a..b", "[]", "a[", "a[x]", "a[]b", "a\\"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nested_and_array_fields() {
        let p = s2t();
        let line = r#"{"meta": {"text": "发", "n": "发"}, "段落": [{"内容": "发"}, 3, {"内容": "后", "x": "发"}], "tags": ["发", 1]}"#;
        let (out, r) =
            run_paths(&p, &["meta.text", "段落[].内容", "tags[]"], line.as_bytes(), None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"meta": {"text": "發", "n": "发"}, "段落": [{"内容": "發"}, 3, {"内容": "後", "x": "发"}], "tags": ["發", 1]}"#
        );
        assert_eq!(r.changes.count(Rule::Convert), 4);
        // A path that meets something else (a number, a missing key) is
        // left alone; the same value named twice is cleaned once.
        let line = r#"{"meta": 5, "text": "发"}"#;
        let (out, r) = run_paths(&p, &["meta.text", "text", "text"], line.as_bytes(), None);
        assert_eq!(out, r#"{"meta": 5, "text": "發"}"#.as_bytes());
        assert_eq!(r.changes.count(Rule::Convert), 1);
    }

    #[test]
    fn escapes_stay_escaped_where_the_value_changed_elsewhere() {
        let p = s2t();
        let line = r#"{"text":"\u00e9\/\u2028发\ud83d\ude00\u000A\"\\"}"#;
        let (out, _) = run(&p, &["text"], line);
        assert_eq!(out, r#"{"text":"\u00e9\/\u2028發\ud83d\ude00\u000A\"\\"}"#);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["text"], "é/\u{2028}發😀\n\"\\");
        // Characters the input wrote raw stay raw; control characters are
        // escaped as serde_json would.
        let (out, _) = run(&p, &["text"], "{\"text\":\"é发\\nx\"}");
        assert_eq!(out, "{\"text\":\"é發\\nx\"}");
        let mut plain = Vec::new();
        write_string("a\u{1}\u{7f}\"", &[], &mut plain);
        assert_eq!(plain, "\"a\\u0001\u{7f}\\\"\"".as_bytes());
    }

    #[test]
    fn legacy_lines_are_decoded() {
        let p = s2t();
        // 头发 in GBK.
        let gbk = b"{\"text\":\"\xCD\xB7\xB7\xA2\",\"n\":\"\xCD\xB7\"}";
        let gbk_enc = Some(encoding_rs::GBK);
        let (out, r) = run_paths(&p, &["text"], gbk, gbk_enc);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"text":"頭髮","n":"头"}"#);
        assert!(r.encoding.is_some_and(|e| e.starts_with("GB")), "{:?}", r.encoding);
        assert_eq!(r.changes.count(Rule::Legacy), 1);
        assert!(r.bad.is_none());
        // Detected without --encoding.
        let (out, r) = run_paths(&p, &["text"], gbk, None);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"text":"頭髮","n":"头"}"#);
        assert!(r.encoding.is_some());
        // ASCII lines under a forced encoding are UTF-8 as they are.
        let (out, r) = run_paths(&p, &["text"], br#"{"text":"a"}"#, gbk_enc);
        assert_eq!(out, br#"{"text":"a"}"#);
        assert_eq!(r.encoding, None);
        // A line that decodes with errors under the forced encoding is
        // passed through, bad.
        let line = b"{\"text\":\"\xCD\"}";
        let (out, r) = run_paths(&p, &["text"], line, gbk_enc);
        assert_eq!(out, line);
        assert!(r.bad.is_some());
    }

    #[test]
    fn html_fragments_are_stripped_per_field() {
        let p = Pipeline::new(Config::default()).unwrap();
        let line = r#"{"text":"<p>你好</p><p>世界</p>","t":"用 <br> 换行"}"#;
        let (out, r) = run(&p, &["text", "t"], line);
        assert_eq!(out, r#"{"text":"你好\n世界","t":"用 <br> 换行"}"#);
        assert!(r.changes.count(Rule::Html) >= 4);
        let keep = Pipeline::new(Config { html: HtmlMode::Keep, ..Config::default() }).unwrap();
        let (out, _) = run(&keep, &["text"], r#"{"text":"<p>你好</p>"}"#);
        assert_eq!(out, r#"{"text":"<p>你好</p>"}"#);
    }
}
