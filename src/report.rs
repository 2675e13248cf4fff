//! Per-file report records (`--report FILE`, JSON Lines) and the summary
//! printed on stderr at the end of a run.
//!
//! The batch driver ([`crate::run`]) builds one [`FileReport`] per input
//! file and hands it to the single thread that owns the terminal and the
//! report file; that thread writes the record and adds it to the
//! [`Summary`]. Keeping both here keeps the report format in one place.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::convert::Script;
use crate::rules::{Changes, PipelineStage as Stage};

/// Why a file was not processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The file is not text; the string says why (from the decoder, or a
    /// known file signature). With `--copy-other` it was copied verbatim.
    Binary {
        /// Why it was judged binary.
        reason: String,
        /// Whether it was copied verbatim (`--copy-other`).
        copied: bool,
    },
    /// A symbolic link, not followed (`--follow` follows links).
    Symlink,
    /// A symbolic link that leads back to one of its own ancestors.
    SymlinkLoop,
    /// A FIFO, socket or device.
    Special,
    /// The output is up to date for this input and these options (see the
    /// journal in [`crate::write`]); `--force` redoes it.
    UpToDate,
}

impl SkipReason {
    /// A short kind, used to group skips in the summary.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::Binary { copied: false, .. } => "not text",
            SkipReason::Binary { copied: true, .. } => "not text (copied)",
            SkipReason::Symlink => "symlink",
            SkipReason::SymlinkLoop => "symlink loop",
            SkipReason::Special => "special file",
            SkipReason::UpToDate => "up to date",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Binary { reason, copied } => {
                write!(f, "not text ({reason})")?;
                if *copied {
                    f.write_str(", copied")?;
                }
                Ok(())
            }
            other => f.write_str(other.kind()),
        }
    }
}

/// What happened to one input file: one line of the `--report` file.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The input path as given or found by the walk (`-` for stdin).
    pub path: PathBuf,
    /// The encoding the input was decoded from, when it was decoded.
    pub encoding: Option<String>,
    /// How sure the decoder was, from 0 to 1.
    pub confidence: Option<f32>,
    /// The script of the output text (after conversion, if any): what was
    /// written, which is what a consumer of the output cares about. For
    /// files processed in pieces, judged on the first piece.
    pub script: Option<Script>,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written (or that would have been, under `--dry-run`).
    pub bytes_out: u64,
    /// What every rule changed.
    pub changes: Changes,
    /// How many U+FFFD the decoder produced for undecodable bytes.
    pub replacement_chars: u64,
    /// Why the file was skipped, if it was.
    pub skipped: Option<SkipReason>,
    /// The error that stopped the file, if any (one line).
    pub error: Option<String>,
    /// JSON Lines mode: lines that were not JSON objects (passed through).
    pub bad_records: u64,
    /// JSON Lines mode: blank lines (passed through, not errors).
    pub blank_records: u64,
    /// A large document processed in one pass: how many of its pieces
    /// were processed a second time, with what the whole document says
    /// about names (see [`crate::run`]). Not in the report file: the
    /// output and counts do not depend on it.
    pub redone_pieces: u64,
}

impl FileReport {
    /// A report for `path` with nothing filled in yet.
    pub fn new(path: impl Into<PathBuf>) -> FileReport {
        FileReport { path: path.into(), ..FileReport::default() }
    }

    /// The JSON object for the report file (one line, no line feed).
    /// `convert` is the conversion config name, or `None`.
    ///
    /// Paths that are not valid UTF-8 are written lossily (U+FFFD for the
    /// bad bytes): the report is for people and tools reading JSON, which
    /// has no way to carry raw bytes.
    pub fn to_json(&self, convert: Option<&str>) -> String {
        let mut o = Map::new();
        o.insert("path".into(), self.path.to_string_lossy().into_owned().into());
        o.insert("encoding".into(), self.encoding.clone().map_or(Value::Null, Value::from));
        o.insert(
            "confidence".into(),
            // Through a decimal string so 0.9 is written as 0.9, not as the
            // f64 nearest to the f32 (0.8999999761581421).
            self.confidence
                .and_then(|c| c.to_string().parse::<f64>().ok())
                .map_or(Value::Null, Value::from),
        );
        o.insert("script".into(), self.script.map_or(Value::Null, |s| s.as_str().into()));
        o.insert("bytes_in".into(), self.bytes_in.into());
        o.insert("bytes_out".into(), self.bytes_out.into());
        let changes: Map<String, Value> =
            self.changes.counts().map(|(r, n)| (r.name().to_string(), n.into())).collect();
        o.insert("changes".into(), changes.into());
        o.insert("replacement_chars".into(), self.replacement_chars.into());
        o.insert(
            "skipped".into(),
            self.skipped.as_ref().map_or(Value::Null, |s| s.to_string().into()),
        );
        o.insert("error".into(), self.error.clone().map_or(Value::Null, Value::from));
        if self.bad_records > 0 {
            o.insert("bad_records".into(), self.bad_records.into());
        }
        if self.blank_records > 0 {
            o.insert("blank_records".into(), self.blank_records.into());
        }
        o.insert("convert".into(), convert.map_or(Value::Null, Value::from));
        Value::Object(o).to_string()
    }
}

/// Totals over a run, for the summary on stderr.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Files seen (processed, skipped or failed).
    pub files: u64,
    /// Files processed and written (or that would have been).
    pub processed: u64,
    /// Bytes read from processed files.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
    /// Files per encoding.
    pub encodings: BTreeMap<String, u64>,
    /// Changes per rule over all files.
    pub changes: Changes,
    /// Files skipped, per kind of reason.
    pub skipped: BTreeMap<&'static str, u64>,
    /// Files that failed.
    pub errors: u64,
    /// JSON Lines that were not JSON objects.
    pub bad_records: u64,
    /// JSON Lines that were blank (passed through).
    pub blank_records: u64,
    /// The run was stopped before the end (Ctrl-C, SIGTERM, a cancel).
    pub interrupted: bool,
}

/// `n` and `word`, with an `s` unless `n` is 1 (`1 file`, `2 files`).
fn count(n: u64, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

impl Summary {
    /// Adds one file's report.
    pub fn add(&mut self, r: &FileReport) {
        self.files += 1;
        self.changes.merge(&r.changes);
        self.bad_records += r.bad_records;
        self.blank_records += r.blank_records;
        if r.error.is_some() {
            self.errors += 1;
        } else if let Some(s) = &r.skipped {
            *self.skipped.entry(s.kind()).or_default() += 1;
        } else {
            self.processed += 1;
            self.bytes_in += r.bytes_in;
            self.bytes_out += r.bytes_out;
            if let Some(e) = &r.encoding {
                *self.encodings.entry(e.clone()).or_default() += 1;
            }
        }
    }

    /// The decoding counts (`utf8`, `legacy`, `bom`, `malformed`...):
    /// what the inputs were, not changes made to their text.
    fn decoding(&self) -> impl Iterator<Item = (crate::rules::Rule, u64)> + '_ {
        self.changes.counts().filter(|(r, _)| r.stage() == Stage::Decode)
    }

    /// The changes the rules made to the text (repair, normalise, convert).
    fn text_changes(&self) -> impl Iterator<Item = (crate::rules::Rule, u64)> + '_ {
        self.changes.counts().filter(|(r, _)| r.stage() != Stage::Decode)
    }

    /// The summary as a few lines of text (ending in a line feed).
    pub fn render(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64();
        let mut s = String::new();
        let _ = writeln!(
            s,
            "zhclean: {}{} ({} processed), {} in, {} out, {:.2} s, {}/s",
            if self.interrupted { "interrupted after " } else { "" },
            count(self.files, "file"),
            self.processed,
            human_bytes(self.bytes_in),
            human_bytes(self.bytes_out),
            secs,
            human_bytes(if secs > 0.0 { (self.bytes_in as f64 / secs) as u64 } else { 0 }),
        );
        if !self.encodings.is_empty() {
            let list: Vec<String> =
                self.encodings.iter().map(|(e, n)| format!("{e} {n}")).collect();
            let _ = writeln!(s, "  encodings: {}", list.join(", "));
        }
        let decoding: Vec<String> =
            self.decoding().map(|(r, n)| format!("{} {n}", r.name())).collect();
        if !decoding.is_empty() {
            let _ = writeln!(s, "  decoding: {}", decoding.join(", "));
        }
        let changes: Vec<String> =
            self.text_changes().map(|(r, n)| format!("{} {n}", r.name())).collect();
        if changes.is_empty() {
            let _ = writeln!(s, "  changes: none");
        } else {
            let _ = writeln!(s, "  changes: {}", changes.join(", "));
        }
        if !self.skipped.is_empty() {
            let list: Vec<String> = self.skipped.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(s, "  skipped: {}", list.join(", "));
        }
        if self.bad_records > 0 {
            let _ = writeln!(s, "  lines not JSON objects (passed through): {}", self.bad_records);
        }
        if self.blank_records > 0 {
            let _ = writeln!(s, "  blank lines (passed through): {}", self.blank_records);
        }
        if self.errors > 0 {
            let _ = writeln!(s, "  errors: {}", self.errors);
        }
        if self.interrupted {
            let _ = writeln!(s, "  interrupted: the files not listed above were not done");
        }
        s
    }

    /// The summary as one JSON object (`--summary FILE`): files, bytes,
    /// seconds, encodings (files per encoding), decoding and changes (per
    /// rule), skipped (files per reason), errors, bad and blank JSON
    /// Lines, interrupted.
    pub fn to_json(&self, elapsed: Duration) -> Value {
        let rules = |it: &mut dyn Iterator<Item = (crate::rules::Rule, u64)>| -> Value {
            Value::Object(it.map(|(r, n)| (r.name().to_string(), n.into())).collect())
        };
        let mut o = Map::new();
        o.insert("files".into(), self.files.into());
        o.insert("processed".into(), self.processed.into());
        o.insert("bytes_in".into(), self.bytes_in.into());
        o.insert("bytes_out".into(), self.bytes_out.into());
        o.insert("seconds".into(), elapsed.as_secs_f64().into());
        let encodings: Map<String, Value> =
            self.encodings.iter().map(|(e, n)| (e.clone(), (*n).into())).collect();
        o.insert("encodings".into(), encodings.into());
        o.insert("decoding".into(), rules(&mut self.decoding()));
        o.insert("changes".into(), rules(&mut self.text_changes()));
        let skipped: Map<String, Value> =
            self.skipped.iter().map(|(k, n)| (k.to_string(), (*n).into())).collect();
        o.insert("skipped".into(), skipped.into());
        o.insert("errors".into(), self.errors.into());
        o.insert("bad_records".into(), self.bad_records.into());
        o.insert("blank_records".into(), self.blank_records.into());
        o.insert("interrupted".into(), self.interrupted.into());
        Value::Object(o)
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    #[test]
    fn record_has_every_field_in_order() {
        let mut r = FileReport::new("a/b.txt");
        r.encoding = Some("GBK".into());
        r.confidence = Some(0.9);
        r.script = Some(Script::Hant);
        r.bytes_in = 10;
        r.bytes_out = 12;
        r.changes.add(Rule::WidthAlnum, 3);
        let json = r.to_json(Some("s2t"));
        assert_eq!(
            json,
            r#"{"path":"a/b.txt","encoding":"GBK","confidence":0.9,"script":"hant","bytes_in":10,"bytes_out":12,"changes":{"width-alnum":3},"replacement_chars":0,"skipped":null,"error":null,"convert":"s2t"}"#
        );
    }

    #[test]
    fn skipped_files_are_grouped_by_kind() {
        let mut sum = Summary::default();
        let mut r = FileReport::new("x.png");
        r.skipped = Some(SkipReason::Binary { reason: "PNG signature".into(), copied: false });
        sum.add(&r);
        assert!(r.to_json(None).contains(r#""skipped":"not text (PNG signature)""#));
        let mut ok = FileReport::new("y.txt");
        ok.encoding = Some("UTF-8".into());
        ok.bytes_in = 2048;
        sum.add(&ok);
        assert_eq!(sum.files, 2);
        assert_eq!(sum.processed, 1);
        assert_eq!(sum.skipped.get("not text"), Some(&1));
        let text = sum.render(Duration::from_secs(1));
        assert!(text.contains("2 files (1 processed), 2.0 KiB in"), "{text}");
        assert!(text.contains("changes: none"), "{text}");
        assert!(text.contains("skipped: not text 1"), "{text}");
        assert!(text.contains("encodings: UTF-8 1"), "{text}");
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(5), "5 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn summary_keeps_decoding_apart_and_counts_in_english() {
        let mut sum = Summary::default();
        let mut r = FileReport::new("a.txt");
        r.encoding = Some("GB18030".into());
        r.changes.add(Rule::Legacy, 1);
        r.changes.add(Rule::CjkPunct, 2);
        sum.add(&r);
        let text = sum.render(Duration::from_secs(1));
        assert!(text.starts_with("zhclean: 1 file (1 processed)"), "{text}");
        assert!(text.contains("  decoding: legacy 1\n"), "{text}");
        assert!(text.contains("  changes: cjk-punct 2\n"), "{text}");
        assert!(!text.contains("interrupted"), "{text}");
        sum.interrupted = true;
        let text = sum.render(Duration::from_secs(1));
        assert!(text.starts_with("zhclean: interrupted after 1 file"), "{text}");
        let json = sum.to_json(Duration::from_millis(1500));
        assert_eq!(json["files"], 1);
        assert_eq!(json["seconds"], 1.5);
        assert_eq!(json["encodings"]["GB18030"], 1);
        assert_eq!(json["decoding"]["legacy"], 1);
        assert_eq!(json["changes"], serde_json::json!({"cjk-punct": 2}));
        assert_eq!(json["interrupted"], true);
    }
}
