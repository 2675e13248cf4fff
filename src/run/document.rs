//! One document, from its input to its output: whole when it fits in a
//! block, else in pieces with the decisions of one
//! [`DocumentPlan`] held for all of them.
//!
//! The pieces of a large document are processed in parallel and written
//! in order as they come. The one decision that needs the whole document
//! is what it says about names (a `?` repaired as `·` on the strength of
//! a dot elsewhere). So, when the name rules are on and the output can
//! take back its end (a file; [`Rewind`]), a large plain-text document
//! takes one pass, optimistically:
//!
//! 1. every piece is processed on its own
//!    ([`Pipeline::process_part_gathering`]) and written at once; each
//!    also keeps what it asks of the rest of the document
//!    ([`NameEvidence::questions`]: nothing, for most pieces), and its
//!    evidence is merged into the whole document's;
//! 2. at the end, each piece that asked is checked against the whole
//!    ([`NameEvidence::decides_alike`]). From the first that does not
//!    decide alike on, the pieces are processed again with the whole's
//!    evidence: the output is cut back to where that piece began, the
//!    input read again (the pieces before it only decoded), and their
//!    first counts dropped. Real text almost never needs this (no piece of
//!    the test corpora at 1 MiB, 64 KiB or 16 KiB blocks).
//!
//! A document whose raw bytes hold no `?` and no `&` (looked for first)
//! gathers nothing: no `?` can reach the name rules.
//!
//! The report is made from the pieces as finally written, so it counts
//! what a whole-document run counts.
//!
//! An output that cannot take anything back (standard output, `--in-place`,
//! which compares as it writes), or a run that gives changes as they are
//! made (`--explain`, samples for a report), takes two passes instead when
//! the raw bytes hold a `?` or `&` (else no `?` can reach the name rules):
//! the evidence of every piece, merged ([`Pipeline::scan_part`]), then the
//! pieces processed with it.
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
use crate::write::Rewind;

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
    pub w: &'a mut dyn Rewind,
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
            let mut decoded = self.decoded(input.reader(), buf);
            let plan = self.plan(&mut decoded, ext, path)?;
            return self.write_once(decoded, &plan, None, path, &mut out, report, note);
        }
        // An output that can take back its end, with no change given to
        // `note` as it is made (a change once given stays given): one pass,
        // redone from a piece on only when needed.
        if out.w.can_rewind() && !self.pipeline.new_changes().is_explaining() {
            return self.one_pass(input, buf, ext, path, out, report, note);
        }
        let (file, head, questions) = self.readable_again(input, buf, path, true)?;
        let mut decoded = self.decoded(&file, head);
        let mut plan = self.plan(&mut decoded, ext, path)?;
        let mut scans = None;
        if questions == Some(true) && self.pipeline.can_split(&plan) {
            let (names, found) = self.gather_evidence(&mut decoded, path)?;
            plan.names = names;
            scans = Some(found);
            drop(decoded);
            (&file).rewind().map_err(read_err)?;
            decoded = self.decoded(&file, Vec::new());
            // The same decisions again: the first bytes decide them.
            self.plan(&mut decoded, ext, path)?;
        }
        self.write_once(decoded, &plan, scans, path, &mut out, report, note)
    }

    /// A large plain-text document whose output can be rewound, name rules
    /// on: every piece is processed once, on its own, and written at once,
    /// and gives its evidence and what it asks of the rest of the document
    /// about names (a piece with no `?` asks nothing). When all are
    /// written and some piece asks, the
    /// first piece whose own evidence does not decide as the whole
    /// document's does (almost never, in real text) and every piece after
    /// it are processed again with the whole's evidence, from the input
    /// read again, over the output cut back to that piece; their first
    /// counts are dropped.
    #[allow(clippy::too_many_arguments)]
    fn one_pass(
        &self,
        input: &mut Input,
        head: Vec<u8>,
        ext: Option<&str>,
        path: &Path,
        mut out: Output<'_>,
        report: &mut FileReport,
        note: &mut dyn FnMut(Note),
    ) -> Result<(), Fail> {
        let read_err = |e| Fail::from(Error::io(path, e));
        // A file to read again for a redo; not looked through for a `?`
        // first (that would read the whole input twice).
        let (file, head, questions) = self.readable_again(input, head, path, false)?;
        let mut decoded = self.decoded(&file, head);
        let mut plan = self.plan(&mut decoded, ext, path)?;
        if questions == Some(false) || !self.pipeline.can_split(&plan) {
            // No `?` for the name rules, or processed whole (its own
            // document): no evidence to gather.
            return self.write_once(decoded, &plan, None, path, &mut out, report, note);
        }
        let mut log = Log::default();
        let whole = self.write_pieces(
            &mut decoded,
            &plan,
            Pass::Gather,
            None,
            path,
            &mut out,
            &mut log,
            note,
        )?;
        let from = log
            .pieces
            .iter()
            .position(|p| p.questions.as_ref().is_some_and(|q| !q.decides_alike(&whole)));
        let Some(from) = from else {
            self.finish(decoded, log, report);
            return Ok(());
        };
        drop(decoded);
        let kept: u64 = log.pieces[..from].iter().map(|p| p.out).sum();
        out.w.rewind_to(kept).map_err(|e| Error::io(out.path, e))?;
        let pieces = log.pieces.len();
        log.pieces.truncate(from);
        (&file).rewind().map_err(read_err)?;
        let mut decoded = self.decoded(&file, Vec::new());
        // The same decisions and the same pieces: the same bytes decide them.
        self.plan(&mut decoded, ext, path)?;
        for _ in 0..from {
            if self.cancelled() {
                return Err(Fail::Interrupted);
            }
            decoded.next(&self.pipeline).map_err(read_err)?;
        }
        plan.names = whole;
        self.write_pieces(&mut decoded, &plan, Pass::Redo, None, path, &mut out, &mut log, note)?;
        report.redone_pieces += (pieces - from) as u64;
        self.finish(decoded, log, report);
        Ok(())
    }

    /// The document read again: a file holding it whole from its start
    /// (the input itself, or standard input copied to a temporary file),
    /// positioned so that `head` (what was read of it already) then the
    /// file's rest are the document; and whether any `?` or `&` could reach
    /// the name rules (a look for the two bytes costs far less than
    /// gathering the real dots of every piece for nothing). A file is
    /// looked through only when `look` says so (`None` when it is not);
    /// standard input is, as it is copied.
    fn readable_again(
        &self,
        input: &mut Input,
        head: Vec<u8>,
        path: &Path,
        look: bool,
    ) -> Result<(File, Vec<u8>, Option<bool>), Fail> {
        let read_err = |e| Fail::from(Error::io(path, e));
        match &mut input.source {
            Source::File(f) => {
                let questions =
                    if look { Some(has_question(&head) || self.scan(f, path)?) } else { None };
                f.seek(io::SeekFrom::Start(head.len() as u64)).map_err(read_err)?;
                Ok((f.try_clone().map_err(read_err)?, head, questions))
            }
            Source::Stdin(s) => {
                let (f, q) = self.spool(&head, s, path)?;
                Ok((f, Vec::new(), Some(q || has_question(&head))))
            }
        }
    }

    /// All the pieces `decoded` reads, processed with `plan` in one pass
    /// and written, and the report filled from them.
    #[allow(clippy::too_many_arguments)]
    fn write_once<R: Read>(
        &self,
        mut decoded: Decoded<R>,
        plan: &DocumentPlan,
        scans: Option<VecDeque<(usize, PartScan)>>,
        path: &Path,
        out: &mut Output<'_>,
        report: &mut FileReport,
        note: &mut dyn FnMut(Note),
    ) -> Result<(), Fail> {
        let mut log = Log::default();
        self.write_pieces(&mut decoded, plan, Pass::Only, scans, path, out, &mut log, note)?;
        self.finish(decoded, log, report);
        Ok(())
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

    /// The first of two passes, for an output that cannot be rewound (or
    /// a run that gives the changes as they are made): the name evidence of
    /// every piece, merged, and each piece's length and scan, so that the
    /// second pass need not repeat what it found.
    fn gather_evidence<R: Read>(
        &self,
        decoded: &mut Decoded<R>,
        path: &Path,
    ) -> Result<(NameEvidence, VecDeque<(usize, PartScan)>), Fail> {
        let pipeline = &self.pipeline;
        let mut all = NameEvidence::default();
        let mut scans = VecDeque::new();
        pieces::ordered(
            self.cancel,
            || decoded.next(pipeline).map_err(|e| Error::io(path, e).into()),
            |piece: Piece| (piece.text.len(), pipeline.scan_part(&piece.text)),
            |(len, mut scan): (usize, PartScan)| {
                all.merge(std::mem::take(&mut scan.names));
                scans.push_back((len, scan));
                Ok(())
            },
        )?;
        Ok((all, scans))
    }

    /// The pieces `decoded` gives, processed with `plan` in parallel and
    /// written in order (or the whole text at once when the plan cannot be
    /// split), each logged in `log`. With [`Pass::Gather`], each piece is
    /// processed on its own and the merged name evidence of the pieces is
    /// returned (else the evidence is empty); `path`
    /// names the input in messages. `scans` are a first pass's, piece by
    /// piece; each is used only while the pieces come out the same lengths.
    #[allow(clippy::too_many_arguments)]
    fn write_pieces<R: Read>(
        &self,
        decoded: &mut Decoded<R>,
        plan: &DocumentPlan,
        pass: Pass,
        scans: Option<VecDeque<(usize, PartScan)>>,
        path: &Path,
        out: &mut Output<'_>,
        log: &mut Log,
        note: &mut dyn FnMut(Note),
    ) -> Result<NameEvidence, Fail> {
        let pipeline: &Pipeline = &self.pipeline;
        let mut all = NameEvidence::default();
        let gathering = pass == Pass::Gather;
        let mut lines_before = log.pieces.iter().map(|p| p.lines).sum();
        // The script of the whole output, counted piece by piece (on the
        // pool) when a report will show it.
        let wants_script = self.script_of("").is_some();
        let mut take = |done: Processed| {
            self.notes(&done.changes, lines_before, note);
            lines_before += done.lines;
            out.write(done.text.as_bytes())?;
            out.flush()?;
            if pass != Pass::Redo {
                (out.on_bytes)(done.raw);
            }
            if let Some(names) = done.names {
                all.merge(names);
            }
            log.pieces.push(Logged {
                raw: done.raw,
                lines: done.lines,
                out: done.text.len() as u64,
                counts: strip_explained(&done.changes),
                tally: done.tally,
                questions: done.questions,
            });
            Ok(())
        };
        let work = |(piece, scan, gather): (Piece, Option<PartScan>, bool)| {
            let mut changes = pipeline.new_changes();
            // Only an explained change needs its line placed in the
            // document.
            let lines = if changes.is_explaining() {
                memchr::memchr_iter(b'\n', piece.text.as_bytes()).count()
            } else {
                0
            };
            let (text, names) = if gather {
                let (text, names) =
                    pipeline.process_part_gathering(&piece.text, plan, &mut changes);
                (text, Some(names))
            } else {
                (pipeline.process_scanned(&piece.text, plan, scan.as_ref(), &mut changes), None)
            };
            let text = match text {
                std::borrow::Cow::Borrowed(_) => piece.text,
                std::borrow::Cow::Owned(t) => t,
            };
            let mut tally = ScriptTally::default();
            if wants_script {
                tally.add(&text);
            }
            let questions = names.as_ref().and_then(NameEvidence::questions);
            Processed { raw: piece.raw, lines, text, changes, tally, names, questions }
        };
        if pipeline.can_split(plan) {
            let mut scans = scans.unwrap_or_default();
            let mut aligned = true;
            let mut next = || -> Result<Option<(Piece, Option<PartScan>, bool)>, Fail> {
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
                Ok(Some((piece, scan, gathering)))
            };
            pieces::ordered(self.cancel, &mut next, work, &mut take)?;
        } else {
            let whole = decoded.rest().map_err(|e| Error::io(path, e))?;
            take(work((whole, None, pass == Pass::Gather)))?;
        }
        Ok(all)
    }

    /// Fills `report` from the pieces `log` holds and what decoding found.
    fn finish<R: Read>(&self, decoded: Decoded<R>, log: Log, report: &mut FileReport) {
        let mut script = ScriptTally::default();
        for p in log.pieces {
            report.bytes_in += p.raw;
            report.bytes_out += p.out;
            report.changes.merge(&p.counts);
            script.merge(p.tally);
        }
        if self.script_of("").is_some() {
            report.script = Some(script.script());
        }
        let (info, changes) = decoded.finish();
        self.set_decode(report, &info);
        report.changes.merge(&changes);
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

/// Which pass over the pieces [`Ctx::write_pieces`] makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The only one (or the second of two): with the plan's evidence.
    Only,
    /// The first of one pass: each piece on its own, gathering its
    /// evidence. (Gathering from the first piece on costs a look for `·`
    /// in a piece with no `?`; waiting for the first `?` meant reading,
    /// decoding and repairing again every piece before it: 12 % more
    /// instructions on `hans.txt`, whose first `?` is 5 MiB in.)
    Gather,
    /// The pieces after a redo's first, again with the whole's evidence
    /// (their input was counted for progress the first time).
    Redo,
}

/// A processed piece, from the pool to the writer.
struct Processed {
    /// Input bytes it accounts for.
    raw: u64,
    /// Its input's line feeds, when changes are explained (else 0).
    lines: usize,
    text: String,
    changes: Changes,
    /// The script counts of its text.
    tally: ScriptTally,
    /// What it says of the names of the document ([`Pass::Gather`]).
    names: Option<NameEvidence>,
    /// What it asks of the rest of the document
    /// ([`NameEvidence::questions`]).
    questions: Option<NameEvidence>,
}

/// What was written of one piece, for the report once the document is
/// done (a piece redone replaces its entry).
struct Logged {
    raw: u64,
    lines: usize,
    /// Bytes written.
    out: u64,
    counts: Changes,
    tally: ScriptTally,
    questions: Option<NameEvidence>,
}

/// The pieces of one document written so far, in order.
#[derive(Default)]
struct Log {
    pieces: Vec<Logged>,
}

/// Whether `bytes` hold a `?` or a `&`: in every encoding read here, a
/// text with either has the byte (UTF-16 too, as half of the code unit).
fn has_question(bytes: &[u8]) -> bool {
    memchr::memchr2(b'?', b'&', bytes).is_some()
}
