//! One document, from its input to its output: whole when it fits in a
//! block, else in pieces with the decisions of one
//! [`DocumentPlan`] held for all of them.
//!
//! A large plain-text document takes up to three passes:
//!
//! 1. a scan of the raw bytes for `?` and `&` (only when the name rules are
//!    on): with neither, no `?` can reach the name rules, and the name
//!    evidence of the whole document is not needed;
//! 2. with them, the name evidence of every piece, merged (decoding,
//!    entities and mojibake on each piece, in parallel);
//! 3. the pieces processed with the plan, in parallel, written in order.
//!
//! A document of at most [`keep_limit`] bytes (64 blocks, at most
//! [`pieces::MAX_WHOLE`]) is read and decoded once: pass 2 keeps its pieces, with what entities and mojibake made of
//! them and the changes they counted, and pass 3 starts at the name rules.
//! A larger one is read again for pass 3 (memory stays a few blocks); then
//! only the scans of pieces those rules left as they were are reused.
//!
//! So that a document can be read more than once, standard input (or a
//! pipe) larger than a block is first copied to an anonymous temporary
//! file. A document whose markup is handled (HTML stripped or kept) is
//! processed whole, since a tag, a comment or a script may run over any
//! line end.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use super::observe::Note;
use super::pieces::{self, Decoded, Piece};
use super::{Ctx, Fail, strip_explained};
use crate::convert::ScriptTally;
use crate::decode::DecodeInfo;
use crate::error::Error;
use crate::pipeline::{DocumentPlan, PLAN_HEAD, Pipeline};
use crate::repair::{NameEvidence, PartScan};
use crate::report::FileReport;
use crate::rules::Changes;

/// Where a document comes from.
pub(super) struct Input {
    source: Source,
    /// Its size, when known (a file's size from the walk or a `stat`).
    size: Option<u64>,
}

enum Source {
    /// A regular file: it can be read again.
    File(File),
    /// Standard input.
    Stdin(io::Stdin),
}

impl Input {
    pub fn file(f: File, size: Option<u64>) -> Input {
        Input { source: Source::File(f), size }
    }

    pub fn stdin() -> Input {
        Input { source: Source::Stdin(io::stdin()), size: None }
    }

    fn reader(&mut self) -> &mut dyn Read {
        match &mut self.source {
            Source::File(f) => f,
            Source::Stdin(s) => s,
        }
    }
}

/// The output side of one document.
pub(super) struct Output<'a> {
    /// Its name, for messages.
    pub path: &'a Path,
    pub w: &'a mut dyn Write,
    /// Called with the number of input bytes each write accounts for.
    pub on_bytes: &'a mut dyn FnMut(u64),
}

impl Output<'_> {
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        self.w.write_all(bytes).map_err(|e| Fail::Error(Error::io(self.path, e)))
    }

    pub fn flush(&mut self) -> Result<(), Fail> {
        self.w.flush().map_err(|e| Fail::Error(Error::io(self.path, e)))
    }
}

impl Ctx<'_> {
    /// Reads a document from `input`, processes it (as text or as JSON
    /// Lines) and writes the result to `out`, filling `report`. `path`
    /// names the input in messages.
    pub(super) fn process(
        &self,
        input: &mut Input,
        path: &Path,
        out: Output<'_>,
        report: &mut FileReport,
        note: &mut dyn FnMut(Note),
    ) -> Result<(), Fail> {
        match &self.opts.jsonl_fields {
            Some(fields) => self.process_records(input.reader(), path, fields, out, report, note),
            None => self.process_text(input, path, out, report, note),
        }
    }

    /// Plain text: whole when it fits in a block, else in pieces.
    fn process_text(
        &self,
        input: &mut Input,
        path: &Path,
        mut out: Output<'_>,
        report: &mut FileReport,
        note: &mut dyn FnMut(Note),
    ) -> Result<(), Fail> {
        let block = self.opts.block_size.max(1);
        let read_err = |e| Fail::from(Error::io(path, e));
        let mut buf = Vec::new();
        // A file known to fit in a block is read with one `read` (one byte
        // more than expected, so that a file that grew since is read whole).
        let expected = input.size.and_then(|n| usize::try_from(n).ok()).filter(|&n| n < block);
        let mut eof = match expected {
            Some(n) => pieces::fill(input.reader(), &mut buf, n + 1, Some(n)).map_err(read_err)?,
            None => false,
        };
        if !eof {
            eof = pieces::fill(input.reader(), &mut buf, block, None).map_err(read_err)?;
        }
        if eof {
            report.bytes_in = buf.len() as u64;
            let doc = self.pipeline.process_bytes(&buf, Some(path))?;
            self.set_decode(report, &doc.decode);
            report.script = self.script_of(&doc.text);
            report.changes.merge(&strip_explained(&doc.changes));
            self.notes(&doc.changes, 0, note);
            report.bytes_out += doc.text.len() as u64;
            out.write(doc.text.as_bytes())?;
            (out.on_bytes)(buf.len() as u64);
            return Ok(());
        }
        let ext = path.extension().and_then(|e| e.to_str());
        if !self.pipeline.wants_name_evidence() {
            // No evidence to gather: one pass, straight from the input.
            let reader = input.reader();
            let mut decoded = self.decoded(reader, buf);
            let plan = self.plan(&mut decoded, ext, path)?;
            return self.write_pieces(decoded, plan, Gathered::default(), path, out, report, note);
        }
        // Make the input readable again, and see whether any `?` or `&`
        // could reach the name rules.
        let mut questions = has_question(&buf);
        let mut file = match &mut input.source {
            Source::File(f) => {
                questions = questions || self.scan(f, path)?;
                f.rewind().map_err(read_err)?;
                f.try_clone().map_err(read_err)?
            }
            Source::Stdin(s) => {
                let (f, q) = self.spool(&buf, s, path)?;
                questions = questions || q;
                f
            }
        };
        drop(buf);
        // A document that may be held in memory whole is read and decoded
        // once: pass 2 keeps its pieces, and what the first repair rules made
        // of them, for pass 3.
        let keep = file.metadata().is_ok_and(|m| m.len() <= keep_limit(block) as u64);
        let mut decoded = self.decoded(&mut file, Vec::new());
        let mut plan = self.plan(&mut decoded, ext, path)?;
        let mut gathered = Gathered::default();
        if questions && self.pipeline.can_split(&plan) {
            gathered = self.gather_evidence(&mut decoded, &plan, keep, path)?;
            plan.names = std::mem::take(&mut gathered.names);
            if gathered.kept.is_none() {
                drop(decoded);
                file.rewind().map_err(read_err)?;
                decoded = self.decoded(&mut file, Vec::new());
                // The same decisions again: the first bytes decide them.
                self.plan(&mut decoded, ext, path)?;
            }
        }
        self.write_pieces(decoded, plan, gathered, path, out, report, note)
    }

    fn decoded<R: Read>(&self, reader: R, first: Vec<u8>) -> Decoded<R> {
        let block = self.opts.block_size.max(1);
        Decoded::new(reader, first, self.pipeline.encoding(), self.pipeline.new_changes(), block)
    }

    /// The plan of the document `decoded` reads: decoding decided on its
    /// head, HTML on its first [`PLAN_HEAD`] bytes of text.
    fn plan<R: Read>(
        &self,
        decoded: &mut Decoded<R>,
        ext: Option<&str>,
        path: &Path,
    ) -> Result<DocumentPlan, Fail> {
        // A little more than the head, so that a character cut at its end
        // is not what the judgement sees.
        decoded.fill(PLAN_HEAD + 4).map_err(|e| Error::io(path, e))?;
        let info = decoded.info().clone();
        if let Some(reason) = info.binary {
            return Err(Fail::Binary(reason));
        }
        Ok(self.pipeline.plan(decoded.pending(), ext, Some(info)))
    }

    /// Pass 1: whether the rest of `f` holds a `?` or a `&` byte.
    fn scan(&self, f: &mut File, path: &Path) -> Result<bool, Fail> {
        let mut chunk = vec![0; 1 << 20];
        loop {
            if self.cancelled() {
                return Err(Fail::Interrupted);
            }
            let n = match f.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(path, e).into()),
            };
            if has_question(&chunk[..n]) {
                return Ok(true);
            }
        }
    }

    /// Copies `head` and the rest of `input` to an anonymous temporary
    /// file, rewound; says whether the rest held a `?` or a `&` byte.
    fn spool(&self, head: &[u8], input: &mut dyn Read, path: &Path) -> Result<(File, bool), Fail> {
        let tmp_err = |e| Fail::from(Error::io(std::env::temp_dir(), e));
        let mut f = tempfile::tempfile().map_err(tmp_err)?;
        f.write_all(head).map_err(tmp_err)?;
        let mut questions = false;
        let mut chunk = vec![0; 1 << 20];
        loop {
            if self.cancelled() {
                return Err(Fail::Interrupted);
            }
            let n = match input.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(path, e).into()),
            };
            questions = questions || has_question(&chunk[..n]);
            f.write_all(&chunk[..n]).map_err(tmp_err)?;
        }
        f.rewind().map_err(tmp_err)?;
        Ok((f, questions))
    }

    /// Pass 2: the name evidence of every piece, merged; and each piece's
    /// scan, so that pass 3 need not repeat what it found. With `keep`, the
    /// pieces themselves are kept too, with what the first repair rules made
    /// of them (unless they come to more than twice [`keep_limit`] bytes,
    /// a file that grew since its size was taken).
    fn gather_evidence<R: Read>(
        &self,
        decoded: &mut Decoded<R>,
        plan: &DocumentPlan,
        keep: bool,
        path: &Path,
    ) -> Result<Gathered, Fail> {
        let pipeline = &self.pipeline;
        let mut all = NameEvidence::default();
        let mut scans = VecDeque::new();
        let mut kept = keep.then(VecDeque::new);
        let mut held = 0usize;
        let mut lost = false;
        pieces::ordered(
            self.cancel,
            || decoded.next(pipeline).map_err(|e| Error::io(path, e).into()),
            |mut piece: Piece| {
                let mut changes = pipeline.new_changes();
                let mut scan = if keep {
                    pipeline.scan_part_keeping(&piece.text, plan, &mut changes)
                } else {
                    pipeline.scan_part(&piece.text)
                };
                // Hold one copy: what the first rules made of the piece
                // stands for it from here on (its line count stays the
                // input's, for the positions of explained changes).
                if let Some(repaired) = scan.take_repaired() {
                    piece.text = repaired;
                }
                (piece, scan, changes)
            },
            |(piece, mut scan, changes): (Piece, PartScan, Changes)| {
                all.merge(std::mem::take(&mut scan.names));
                if let Some(k) = &mut kept {
                    held += piece.text.len() + scan.held();
                    if held <= 2 * keep_limit(self.opts.block_size.max(1)) {
                        k.push_back((piece, scan, changes));
                        return Ok(());
                    }
                    // Too much to hold (the file grew since its size was
                    // taken): pass 3 reads it again and reuses no scan (a
                    // kept piece may be its repaired text, not the input's).
                    kept = None;
                    lost = true;
                }
                if !lost {
                    scans.push_back((piece.text.len(), scan.slim()));
                }
                Ok(())
            },
        )?;
        Ok(Gathered { names: all, scans, kept })
    }

    /// Pass 3: the pieces processed with `plan` in parallel, written in
    /// order (or the whole text at once when the plan cannot be split).
    /// The pieces are `gathered`'s kept ones when it kept them, else read
    /// from `decoded`; `gathered.scans` are pass 2's, piece by piece; each is
    /// used only while the pieces come out the same lengths as in pass 2.
    #[allow(clippy::too_many_arguments)]
    fn write_pieces<R: Read>(
        &self,
        mut decoded: Decoded<R>,
        plan: DocumentPlan,
        gathered: Gathered,
        path: &Path,
        mut out: Output<'_>,
        report: &mut FileReport,
        note: &mut dyn FnMut(Note),
    ) -> Result<(), Fail> {
        let pipeline: &Pipeline = &self.pipeline;
        let splits = pipeline.can_split(&plan);
        let Gathered { mut scans, mut kept, .. } = gathered;
        let mut lines_before = 0;
        // The script of the whole output, counted piece by piece (on the
        // pool) when a report will show it.
        let wants_script = self.script_of("").is_some();
        let mut script = ScriptTally::default();
        let mut take = |(piece_raw, lines, text, changes, tally): Processed| {
            report.bytes_in += piece_raw;
            script.merge(tally);
            report.changes.merge(&strip_explained(&changes));
            self.notes(&changes, lines_before, note);
            lines_before += lines;
            report.bytes_out += text.len() as u64;
            out.write(text.as_bytes())?;
            drop(text);
            out.flush()?;
            (out.on_bytes)(piece_raw);
            Ok(())
        };
        let work = |(piece, scan, changes): (Piece, Scan, Option<Changes>)| {
            let mut changes = changes.unwrap_or_else(|| pipeline.new_changes());
            let text = match scan {
                Scan::Kept(s) => pipeline.process_kept(&piece.text, &plan, s, &mut changes),
                Scan::Slim(s) => {
                    pipeline.process_scanned(&piece.text, &plan, s.as_ref(), &mut changes)
                }
            };
            let text = match text {
                std::borrow::Cow::Borrowed(_) => piece.text,
                std::borrow::Cow::Owned(t) => t,
            };
            let mut tally = ScriptTally::default();
            if wants_script {
                tally.add(&text);
            }
            (piece.raw, piece.lines, text, changes, tally)
        };
        if let Some(kept) = &mut kept {
            let mut next = || Ok(kept.pop_front().map(|(p, s, c)| (p, Scan::Kept(s), Some(c))));
            pieces::ordered(self.cancel, &mut next, work, &mut take)?;
        } else if splits {
            let mut aligned = true;
            let mut next = || -> Result<Option<(Piece, Scan, Option<Changes>)>, Fail> {
                let Some(piece) = decoded.next(pipeline).map_err(|e| Error::io(path, e))? else {
                    return Ok(None);
                };
                let scan = match scans.pop_front() {
                    Some((len, scan)) if aligned && len == piece.text.len() => Some(scan),
                    _ => {
                        aligned = false;
                        None
                    }
                };
                Ok(Some((piece, Scan::Slim(scan), None)))
            };
            pieces::ordered(self.cancel, &mut next, work, &mut take)?;
        } else {
            let whole = decoded.rest().map_err(|e| Error::io(path, e))?;
            take(work((whole, Scan::Slim(None), None)))?;
        }
        if wants_script {
            report.script = Some(script.script());
        }
        let (info, changes) = decoded.finish();
        self.set_decode(report, &info);
        report.changes.merge(&changes);
        Ok(())
    }

    fn set_decode(&self, report: &mut FileReport, info: &DecodeInfo) {
        report.encoding = Some(info.encoding.to_string());
        report.confidence = Some(info.confidence);
        report.replacement_chars = info.replacements;
    }

    /// Gives the explained changes of a piece to `note`, their lines
    /// counted from the start of the document.
    fn notes(&self, changes: &Changes, lines_before: usize, note: &mut dyn FnMut(Note)) {
        for c in changes.explained() {
            let mut change = c.clone();
            change.line += lines_before;
            note(Note::Explained { record: None, change });
        }
    }
}

/// The largest document whose pieces pass 2 keeps for pass 3 (else pass 3
/// reads it again): 64 blocks, so that memory follows the block size the
/// caller chose, and at most [`pieces::MAX_WHOLE`] (64 MiB at the default
/// block of 1 MiB).
fn keep_limit(block: usize) -> usize {
    block.saturating_mul(64).min(pieces::MAX_WHOLE)
}

/// What pass 2 gathered: the name evidence of the whole document, and
/// either every piece with its scan and the changes counted while scanning
/// it (`kept`), or the length and slim scan of every piece (`scans`).
#[derive(Default)]
struct Gathered {
    names: NameEvidence,
    scans: VecDeque<(usize, PartScan)>,
    kept: Option<VecDeque<(Piece, PartScan, Changes)>>,
}

/// A processed piece: its input bytes, line feeds, text, changes, and the
/// script counts of its text.
type Processed = (u64, usize, String, Changes, ScriptTally);

/// The scan a piece of pass 3 comes with.
enum Scan {
    /// By [`Pipeline::scan_part_keeping`], its changes counted.
    Kept(PartScan),
    /// By [`Pipeline::scan_part`], or none.
    Slim(Option<PartScan>),
}

/// Whether `bytes` hold a `?` or a `&`: in every encoding read here, a
/// text with either has the byte (UTF-16 too, as half of the code unit).
fn has_question(bytes: &[u8]) -> bool {
    memchr::memchr2(b'?', b'&', bytes).is_some()
}
