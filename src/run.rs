//! The batch driver behind the `zhclean` command: inputs in, outputs,
//! report and summary out.
//!
//! [`run`] picks one of three shapes from [`RunOptions`]:
//!
//! * **stream**: standard input (or one input file without `-o`) to
//!   standard output (or `-o FILE`), in bounded memory;
//! * **file**: one input file to `-o FILE`;
//! * **tree**: files and folders to an output folder that mirrors their
//!   relative paths.
//!
//! In tree and file shape, files are processed in parallel on a rayon pool
//! of `-j` threads; each result (report, messages, journal entry) goes over
//! a channel to the calling thread, which alone owns the terminal (progress
//! bar, messages), the report file and the journal.
//!
//! A document is read in blocks of [`RunOptions::block_size`] bytes. One
//! that fits in a block is processed whole with [`Pipeline::process_bytes`].
//! A larger one is streamed: the encoding is detected on its first
//! mebibyte, then blocks cut at line ends (at [`Pipeline::split_point`] for
//! UTF-8) are processed with that encoding forced. This is a pipeline: the
//! thread that owns the document reads and cuts pieces and hands each to
//! the pool at once, the pool processes them in parallel, and the owner
//! writes the results in order as they arrive (processing a waiting piece
//! itself meanwhile), so reading, processing and writing overlap. At most
//! 2 × threads + 1 pieces are between read and written, so memory stays a few
//! blocks per thread whatever the size of the input; a single line longer
//! than a block is held whole.
//!
//! JSON Lines (`--jsonl`) go through [`crate::record`] a batch of lines at a
//! time, in parallel, one line out per line in, in order.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::convert::detect_script;
use crate::error::{Error, Result};
use crate::pipeline::{Document, Pipeline};
use crate::progress::{Progress, ProgressMode};
use crate::record;
use crate::report::{FileReport, SkipReason, Summary};
use crate::rules::{Changes, Rule, Stage};
use crate::walk::{self, Entry, EntryKind};
use crate::write::{self, Journal, JournalEntry};

/// Default block size: 1 MiB. A piece being processed costs a few times
/// its size (input, decoded text, stage outputs), and a few pieces are in
/// flight per thread. On a 64 MiB s2t run (`--no-clean`) 1 MiB keeps the
/// resident memory near 18 MiB on one thread and 27 MiB on two (2 MiB gave
/// 27 and 42, 4 MiB 35 and 60; with cleaning on, 37 MiB against 59 on
/// two threads), and it ran 1.04x faster than 2 MiB on two threads (median
/// of 11 alternating pairs): a piece and its output stay in the second-level
/// cache, and the last pieces keep both threads busy longer.
pub const DEFAULT_BLOCK_SIZE: usize = 1 << 20;

/// How many bytes of a large input the encoding is detected on.
const PROBE_SIZE: usize = 1 << 20;

/// What to do, beyond the text settings in [`Config`].
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Input files and folders; empty or `["-"]` for standard input.
    pub inputs: Vec<PathBuf>,
    /// Output folder or file; `None` or `-` for standard output.
    pub output: Option<PathBuf>,
    /// New extension for text outputs (`txt`), or `None` to keep names.
    pub ext: Option<OsString>,
    /// Worker threads; 0 for one per core.
    pub jobs: usize,
    /// Treat input as JSON Lines and clean these fields of each record.
    pub jsonl_fields: Option<Vec<String>>,
    /// Write a JSON Lines report here.
    pub report: Option<PathBuf>,
    /// Report what would be done without writing outputs.
    pub dry_run: bool,
    /// Redo outputs the journal says are up to date.
    pub force: bool,
    /// Copy files that are not text verbatim instead of skipping them.
    pub copy_other: bool,
    /// Follow symbolic links below input folders.
    pub follow: bool,
    /// When to show the progress bar.
    pub progress: ProgressMode,
    /// No summary, no notes about skipped files (errors are still printed).
    pub quiet: bool,
    /// Bytes per block when reading (see the module docs).
    pub block_size: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            inputs: Vec::new(),
            output: None,
            ext: None,
            jobs: 0,
            jsonl_fields: None,
            report: None,
            dry_run: false,
            force: false,
            copy_other: false,
            follow: false,
            progress: ProgressMode::Auto,
            quiet: false,
            block_size: DEFAULT_BLOCK_SIZE,
        }
    }
}

/// How a run ended, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Everything went through (skipped files are not failures).
    Success,
    /// Some file or record failed; the others were done.
    Failure,
    /// Stopped by Ctrl-C.
    Interrupted,
}

impl Status {
    /// The process exit code: 0, 1, or 130 (128 + SIGINT, as shells do).
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Interrupted => 130,
        }
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static EXIT_ON_INTERRUPT: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler: the first Ctrl-C asks the run to stop
/// (workers finish their block, temporaries are removed, exit code 130);
/// a second one, or any while writing to standard output (nothing to clean
/// up, and a read of standard input may block), exits at once.
pub fn install_interrupt_handler() -> Result<()> {
    ctrlc::set_handler(|| {
        if EXIT_ON_INTERRUPT.load(Ordering::SeqCst) || INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(Status::Interrupted.code()));
        }
    })
    .map_err(|e| Error::Usage(format!("cannot install the Ctrl-C handler: {e}")))
}

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Runs the job described by `opts` with the text settings `config`.
///
/// Problems with single files are printed on stderr and make the status
/// [`Status::Failure`]; an `Err` means the run could not start (a usage
/// error, such as an output inside an input, or a bad dictionary).
pub fn run(opts: &RunOptions, config: Config) -> Result<Status> {
    let pipeline = Pipeline::new(config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
    let ctx = Ctx { opts, fingerprint: fingerprint(opts, pipeline.config()), pipeline };
    pool.install(|| ctx.dispatch())
}

/// What every part of a run shares.
struct Ctx<'a> {
    opts: &'a RunOptions,
    pipeline: Pipeline,
    fingerprint: u64,
}

/// Why a document was not written.
enum Fail {
    /// Not text.
    Binary(String),
    /// Reading or writing failed.
    Error(Error),
    /// Ctrl-C.
    Interrupted,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        match e {
            Error::Binary { reason, .. } => Fail::Binary(reason),
            Error::Interrupted => Fail::Interrupted,
            e => Fail::Error(e),
        }
    }
}

/// The result of one file in tree shape, sent to the reporting thread.
struct Done {
    report: FileReport,
    /// Lines for stderr (errors, notes, `--explain`), in order.
    lines: Vec<String>,
    journal: Option<(PathBuf, JournalEntry)>,
    interrupted: bool,
}

fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

impl Ctx<'_> {
    fn dispatch(&self) -> Result<Status> {
        let o = self.opts;
        let stdin = o.inputs.is_empty() || (o.inputs.len() == 1 && is_dash(&o.inputs[0]));
        if !stdin && o.inputs.iter().any(|p| is_dash(p)) {
            return Err(Error::Usage(
                "`-` (standard input) cannot be mixed with other inputs".into(),
            ));
        }
        let output = o.output.as_deref().filter(|p| !is_dash(p));
        if stdin {
            return self.run_stream(None, output);
        }
        let single_file = o.inputs.len() == 1 && !o.inputs[0].is_dir();
        let Some(out) = output else {
            if single_file {
                return self.run_stream(Some(&o.inputs[0]), None);
            }
            return Err(Error::Usage(
                "an output folder is needed (-o OUT) for folders or several inputs".into(),
            ));
        };
        let names_folder = out.is_dir() || out.as_os_str().as_encoded_bytes().ends_with(b"/");
        if single_file && !names_folder {
            write::check_output(&o.inputs, out, false)?;
            self.run_tree(out, true)
        } else {
            write::check_output(&o.inputs, out, true)?;
            self.run_tree(out, false)
        }
    }

    /// The conversion config name, for the report.
    fn convert_name(&self) -> Option<&str> {
        self.pipeline.config().convert.as_ref().map(|c| c.config.as_str())
    }

    /// Stream shape: `input` (or stdin) to `output` (or stdout).
    fn run_stream(&self, input: Option<&Path>, output: Option<&Path>) -> Result<Status> {
        let o = self.opts;
        if let (Some(i), Some(out)) = (input, output) {
            write::check_output(&[i.to_path_buf()], out, false)?;
        }
        if output.is_none() {
            EXIT_ON_INTERRUPT.store(true, Ordering::SeqCst);
        }
        let started = Instant::now();
        let name = input.unwrap_or(Path::new("-"));
        let mut report = FileReport::new(name);
        let progress = Progress::bytes(o.progress);
        let reader: Box<dyn Read> = match input {
            Some(p) => match File::open(p) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    return Ok(self.finish_stream(
                        report,
                        Err(Error::io(p, e).into()),
                        &progress,
                        started,
                    ));
                }
            },
            None => Box::new(io::stdin()),
        };
        let out_name = output.unwrap_or(Path::new("-"));
        let mut emit = |line: String| progress.eprintln(&line);
        let on_bytes = |n: u64| progress.add_bytes(n);
        let go = |w: &mut dyn Write| -> std::result::Result<(), Fail> {
            self.process(reader, None, name, out_name, w, &mut report, &mut emit, &on_bytes)
        };
        let result = match output {
            Some(out) if !o.dry_run => write::write_atomic(out, go),
            _ if o.dry_run => go(&mut io::sink()),
            _ => {
                let stdout = io::stdout();
                let mut w = io::BufWriter::with_capacity(1 << 16, stdout.lock());
                go(&mut w).and_then(|()| w.flush().map_err(|e| Error::io("-", e).into()))
            }
        };
        Ok(self.finish_stream(report, result, &progress, started))
    }

    fn finish_stream(
        &self,
        mut report: FileReport,
        result: std::result::Result<(), Fail>,
        progress: &Progress,
        started: Instant,
    ) -> Status {
        let o = self.opts;
        let mut status = if report.bad_records > 0 { Status::Failure } else { Status::Success };
        match result {
            Ok(()) => {}
            // A closed standard output (`| head`) ends the run quietly.
            Err(Fail::Error(Error::Io { source, .. }))
                if source.kind() == io::ErrorKind::BrokenPipe =>
            {
                progress.finish();
                return status;
            }
            Err(Fail::Error(e)) => {
                progress.eprintln(&format!("zhclean: {e}"));
                report.error = Some(e.to_string());
                status = Status::Failure;
            }
            Err(Fail::Binary(reason)) => {
                // A stream has nowhere to put a skipped document: say so.
                progress
                    .eprintln(&format!("zhclean: {}: not text ({reason})", report.path.display()));
                report.skipped = Some(SkipReason::Binary { reason, copied: false });
                status = Status::Failure;
            }
            Err(Fail::Interrupted) => status = Status::Interrupted,
        }
        progress.finish();
        if let Some(path) = &o.report {
            let line = report.to_json(self.convert_name()) + "\n";
            if let Err(e) = fs::write(path, line) {
                eprintln!("zhclean: {}", Error::io(path, e));
                status = status.max(Status::Failure);
            }
        }
        if !o.quiet && o.progress.visible() {
            let mut sum = Summary::default();
            sum.add(&report);
            eprint!("{}", sum.render(started.elapsed()));
        }
        status
    }

    /// Tree (or file) shape.
    fn run_tree(&self, out: &Path, single_file: bool) -> Result<Status> {
        let o = self.opts;
        // Absolute once, so that no per-file call resolves it again.
        let out = &std::path::absolute(out).map_err(|e| Error::io(out, e))?;
        let started = Instant::now();
        let (entries, walk_errors) = walk::collect(&o.inputs, o.follow);
        let mut status = Status::Success;
        for e in &walk_errors {
            eprintln!("zhclean: {e}");
            status = Status::Failure;
        }
        let targets: Vec<(PathBuf, PathBuf)> = entries
            .iter()
            .map(|e| {
                if single_file {
                    (out.to_path_buf(), out.to_path_buf())
                } else {
                    let copy = out.join(&e.rel);
                    let text = match &o.ext {
                        Some(ext) => copy.with_extension(ext),
                        None => copy.clone(),
                    };
                    (text, copy)
                }
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (e, (t, _)) in entries.iter().zip(&targets) {
            if e.kind == EntryKind::File && !seen.insert(t) {
                return Err(Error::Usage(format!(
                    "two inputs would be written to {} (the second is {}); give them separate runs",
                    t.display(),
                    e.path.display()
                )));
            }
        }
        let journal = if single_file || o.dry_run {
            Journal::default()
        } else {
            write::sweep_temporaries(out);
            Journal::open_with(out, true, !o.force)?
        };
        let mut report_file = match &o.report {
            Some(p) => Some(io::BufWriter::new(File::create(p).map_err(|e| Error::io(p, e))?)),
            None => None,
        };
        let total: u64 = entries.iter().map(|e| e.size).sum();
        let progress = Progress::files(o.progress, entries.len() as u64, total);
        let bytes_done = AtomicU64::new(0);
        // Bounded so that memory stays bounded if the receiver falls behind;
        // sized to the run (the channel allocates its slots up front, and
        // 16 Ki slots of `Done` cost ~9 MB of page faults for one file).
        let (tx, rx) = mpsc::sync_channel::<Done>(entries.len().clamp(1, 1 << 14));
        let convert = self.convert_name();
        // Batching the receiver's wake-ups only pays with many files; for a
        // few it would only delay the end of the run.
        let batch_wakeups = entries.len() > 256;
        let (summary, received_status) = std::thread::scope(|scope| {
            let progress = &progress;
            let bytes_done = &bytes_done;
            let report_file = &mut report_file;
            // The one thread that owns the terminal, the report and the
            // summary; the workers below only send it their results.
            let journal = &journal;
            let receiver = scope.spawn(move || {
                let mut summary = Summary::default();
                let mut status = Status::Success;
                let mut files_done = 0;
                // Journal lines of the outputs renamed in this burst.
                let mut journal_lines = Vec::new();
                let mut journal_ok = true;
                // With many files, results are taken in bursts (one wake-up
                // per 20 ms, not one per file): waking this thread for each
                // small file costs more than the file itself.
                let mut queue = Vec::new();
                let mut open = true;
                while open {
                    match rx.recv_timeout(Duration::from_millis(100)) {
                        Ok(done) => {
                            queue.push(done);
                            if batch_wakeups {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            queue.extend(rx.try_iter());
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => open = false,
                    }
                    let burst = queue.len() as u64;
                    for done in queue.drain(..) {
                        for line in &done.lines {
                            progress.eprintln(line);
                        }
                        if done.interrupted {
                            status = Status::Interrupted;
                            continue;
                        }
                        if let Some((rel, entry)) = &done.journal {
                            entry.push_line(rel, &mut journal_lines);
                        }
                        if done.report.error.is_some() || done.report.bad_records > 0 {
                            status = status.max(Status::Failure);
                        }
                        if let Some(w) = report_file.as_mut()
                            && let Err(e) = writeln!(w, "{}", done.report.to_json(convert))
                        {
                            let p = o.report.as_deref().unwrap_or(Path::new("report"));
                            progress.eprintln(&format!("zhclean: {}", Error::io(p, e)));
                            *report_file = None;
                            status = status.max(Status::Failure);
                        }
                        summary.add(&done.report);
                    }
                    // One write for the burst. A kill loses at most the
                    // entries of one burst (those files are redone), and
                    // every line names an output already in place.
                    if let Err(e) = journal.append(&journal_lines)
                        && journal_ok
                    {
                        progress.eprintln(&format!("zhclean: {}", Error::io(journal.path(), e)));
                        journal_ok = false;
                    }
                    journal_lines.clear();
                    if burst > 0 {
                        files_done += burst;
                        progress.set_files_done(files_done);
                    }
                    progress.set_position(bytes_done.load(Ordering::Relaxed));
                }
                (summary, status)
            });
            // The workers, on the pool this function runs on.
            entries.par_iter().zip(&targets).for_each_with(tx, |tx, (e, (text, copy))| {
                let done = self.process_entry(e, text, copy, journal, single_file, bytes_done);
                let _ = tx.send(done);
            });
            receiver.join().expect("the reporting thread does not panic")
        });
        status = status.max(received_status);
        progress.finish();
        if let Some(Err(e)) = report_file.as_mut().map(Write::flush) {
            eprintln!(
                "zhclean: {}",
                Error::io(o.report.as_deref().unwrap_or(Path::new("report")), e)
            );
            status = status.max(Status::Failure);
        }
        if !o.quiet {
            eprint!("{}", summary.render(started.elapsed()));
        }
        Ok(status)
    }

    /// Processes one file of a tree. Its journal entry, if any, is only
    /// made once the output has been renamed into place; the reporting
    /// thread writes the entries of a burst of files in one write.
    fn process_entry(
        &self,
        e: &Entry,
        text_target: &Path,
        copy_target: &Path,
        journal: &Journal,
        single_file: bool,
        bytes_done: &AtomicU64,
    ) -> Done {
        let o = self.opts;
        let mut done = Done {
            report: FileReport::new(&e.path),
            lines: Vec::new(),
            journal: None,
            interrupted: false,
        };
        let skip = match e.kind {
            EntryKind::File => None,
            EntryKind::Symlink => Some(SkipReason::Symlink),
            EntryKind::SymlinkLoop => Some(SkipReason::SymlinkLoop),
            EntryKind::Special => Some(SkipReason::Special),
        };
        if let Some(s) = skip {
            done.report.skipped = Some(s);
            return done;
        }
        if interrupted() {
            done.interrupted = true;
            return done;
        }
        // The size and time are the walk's: taken before the file is read,
        // so a file changed since then is redone by the next run.
        if !o.force
            && !single_file
            && journal.is_current(&e.rel, e.size, e.mtime_ns, self.fingerprint, text_target)
        {
            bytes_done.fetch_add(e.size, Ordering::Relaxed);
            done.report.skipped = Some(SkipReason::UpToDate);
            return done;
        }
        let file = match File::open(&e.path) {
            Ok(f) => f,
            Err(err) => return self.failed(done, Error::io(&e.path, err)),
        };
        let on_bytes = |n: u64| {
            bytes_done.fetch_add(n, Ordering::Relaxed);
        };
        let mut lines = Vec::new();
        let result = {
            let mut emit = |line: String| lines.push(line);
            let report = &mut done.report;
            let go = |w: &mut dyn Write| {
                let hint = Some(e.size);
                self.process(file, hint, &e.path, text_target, w, report, &mut emit, &on_bytes)
            };
            if o.dry_run { go(&mut io::sink()) } else { write::write_atomic(text_target, go) }
        };
        done.lines = lines;
        match result {
            Ok(()) => {
                if !o.dry_run {
                    done.journal =
                        Some((e.rel.clone(), self.journal_entry(e, done.report.bytes_out)));
                }
                done
            }
            Err(Fail::Error(err)) => self.failed(done, err),
            Err(Fail::Interrupted) => {
                done.interrupted = true;
                done
            }
            Err(Fail::Binary(reason)) => {
                let mut copied = false;
                if o.copy_other {
                    copied = true;
                    if !o.dry_run {
                        let copy = write::write_atomic(copy_target, |w| {
                            let mut f =
                                File::open(&e.path).map_err(|err| Error::io(&e.path, err))?;
                            io::copy(&mut f, w).map_err(|err| Error::io(copy_target, err))
                        });
                        match copy {
                            Ok(n) => {
                                done.report.bytes_out = n;
                                done.journal = Some((e.rel.clone(), self.journal_entry(e, n)));
                            }
                            Err(err) => return self.failed(done, err),
                        }
                    }
                } else if !o.quiet {
                    done.lines.push(format!(
                        "zhclean: {}: skipped, not text ({reason})",
                        e.path.display()
                    ));
                }
                done.report = FileReport {
                    path: done.report.path,
                    bytes_in: e.size,
                    bytes_out: done.report.bytes_out,
                    skipped: Some(SkipReason::Binary { reason, copied }),
                    ..FileReport::default()
                };
                bytes_done.fetch_add(e.size, Ordering::Relaxed);
                done
            }
        }
    }

    fn journal_entry(&self, e: &Entry, out_size: u64) -> JournalEntry {
        JournalEntry { size: e.size, mtime_ns: e.mtime_ns, options: self.fingerprint, out_size }
    }

    fn failed(&self, mut done: Done, err: Error) -> Done {
        done.lines.push(format!("zhclean: {err}"));
        done.report.error = Some(err.to_string());
        done
    }

    /// Reads a document from `reader`, processes it (whole, streamed, or as
    /// JSON Lines) and writes the result to `w`, filling `report`. `path`
    /// and `out` name the input and the output in messages.
    #[allow(clippy::too_many_arguments)]
    fn process(
        &self,
        reader: impl Read,
        size_hint: Option<u64>,
        path: &Path,
        out: &Path,
        w: &mut dyn Write,
        report: &mut FileReport,
        emit: &mut dyn FnMut(String),
        on_bytes: &dyn Fn(u64),
    ) -> std::result::Result<(), Fail> {
        let io = Io { path, out, w, on_bytes };
        match &self.opts.jsonl_fields {
            Some(fields) => self.process_records(reader, fields, io, report, emit),
            None => self.process_text(reader, size_hint, io, report, emit),
        }
    }

    /// Plain text: whole when it fits in a block, else streamed.
    ///
    /// `size_hint` is the size the walk saw: a file that fits in a block
    /// is then read with one `read` into a buffer of that size.
    fn process_text(
        &self,
        mut reader: impl Read,
        size_hint: Option<u64>,
        mut io: Io<'_>,
        report: &mut FileReport,
        emit: &mut dyn FnMut(String),
    ) -> std::result::Result<(), Fail> {
        let block = self.opts.block_size.max(1);
        let mut buf = Vec::new();
        let expected = size_hint.and_then(|n| usize::try_from(n).ok()).filter(|&n| n < block);
        let read_err = |e| Fail::from(Error::io(io.path, e));
        let mut eof = match expected {
            // One byte more than expected, so that a file that grew since
            // the walk is still read whole.
            Some(n) => fill(&mut reader, &mut buf, n + 1, Some(n)).map_err(read_err)?,
            None => false,
        };
        if !eof {
            eof = fill(&mut reader, &mut buf, block, None).map_err(read_err)?;
        }
        if let Some(kind) = binary_signature(&buf) {
            return Err(Fail::Binary(format!("{kind} signature")));
        }
        if eof {
            report.bytes_in = buf.len() as u64;
            let doc = self.pipeline.process_bytes(&buf, Some(io.path))?;
            report.encoding = Some(doc.decode.encoding.to_string());
            report.confidence = Some(doc.decode.confidence);
            report.script = self.script_of(&doc.text);
            self.take_piece(&doc, 0, true, report, io.path, emit);
            io.write(doc.text.as_bytes())?;
            (io.on_bytes)(buf.len() as u64);
            return Ok(());
        }

        // Large: detect on a prefix, then force that encoding on every piece
        // so that all pieces are read alike.
        // Only decoding is done on the probe (as the pipeline would do it):
        // the rest of the pipeline would be work thrown away, done before
        // the parallel part can start.
        let mut probe_changes = self.pipeline.new_changes();
        let given = self.pipeline.encoding();
        let (_, info) = crate::decode::decode(&buf[..probe_len(&buf)], given, &mut probe_changes);
        if let Some(reason) = info.binary {
            return Err(Fail::Binary(reason));
        }
        let encoding = info.encoding;
        report.encoding = Some(encoding.to_string());
        report.confidence = Some(info.confidence);
        for (rule, n) in probe_changes.counts() {
            if is_identity_decode_rule(rule) {
                report.changes.add(rule, n);
            }
        }
        let forced = self.pipeline.with_encoding(encoding)?;
        let unit = LineUnit::for_encoding(encoding);
        let pieces = Pieces { reader, buf, eof, block, unit, pipeline: &forced };
        self.stream_pieces(pieces, &forced, io, report, emit)
    }

    /// The pipeline for a large document: this thread reads and cuts
    /// pieces and hands each to the pool as soon as it is cut; the pool
    /// processes them in any order; this thread writes the results in
    /// order as they come. At most [`in_flight_limit`] pieces are between
    /// being read and being written, which bounds memory; while waiting
    /// for the next piece in order, this thread processes a waiting piece
    /// itself rather than sleep.
    fn stream_pieces<R: Read>(
        &self,
        mut pieces: Pieces<'_, R>,
        forced: &Pipeline,
        mut io: Io<'_>,
        report: &mut FileReport,
        emit: &mut dyn FnMut(String),
    ) -> std::result::Result<(), Fail> {
        let limit = in_flight_limit(rayon::current_num_threads());
        let unit = pieces.unit;
        let path = io.path;
        let stop = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel::<Processed>();
        rayon::in_place_scope(|scope| {
            let mut read = 0usize;
            let mut written = 0usize;
            let mut more = true;
            let mut ready: BTreeMap<usize, Processed> = BTreeMap::new();
            let mut lines_before = 0usize;
            let mut go = || -> std::result::Result<(), Fail> {
                loop {
                    while more && read - written < limit {
                        if interrupted() {
                            return Err(Fail::Interrupted);
                        }
                        let Some(piece) = pieces.next().map_err(|e| Error::io(path, e))? else {
                            more = false;
                            break;
                        };
                        let (tx, stop, seq) = (tx.clone(), &stop, read);
                        scope.spawn(move |_| {
                            let doc = if stop.load(Ordering::Relaxed) {
                                None
                            } else {
                                Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    forced.process_bytes(&piece, Some(path))
                                })))
                            };
                            let lines = unit.map_or(0, |u| u.count_lines(&piece));
                            let len = piece.len();
                            drop(piece);
                            let _ = tx.send(Processed { seq, len, lines, doc });
                        });
                        read += 1;
                    }
                    while let Some(p) = ready.remove(&written) {
                        let doc = match p.doc {
                            None => return Err(Fail::Interrupted),
                            Some(Err(panic)) => std::panic::resume_unwind(panic),
                            Some(Ok(doc)) => doc?,
                        };
                        report.bytes_in += p.len as u64;
                        if written == 0 {
                            report.script = self.script_of(&doc.text);
                        }
                        self.take_piece(&doc, lines_before, false, report, path, emit);
                        lines_before += p.lines;
                        io.write(doc.text.as_bytes())?;
                        drop(doc);
                        io.w.flush().map_err(|e| Error::io(io.out, e))?;
                        (io.on_bytes)(p.len as u64);
                        written += 1;
                    }
                    if !more && written == read {
                        return Ok(());
                    }
                    let p = match rx.try_recv() {
                        Ok(p) => p,
                        Err(_) => {
                            if rayon::yield_local() == Some(rayon::Yield::Executed) {
                                continue;
                            }
                            // No piece is queued here: the others are being
                            // processed elsewhere. Wait for one, but look
                            // again for local work now and then rather than
                            // block for good (each job sends exactly once,
                            // panics included).
                            match rx.recv_timeout(Duration::from_millis(2)) {
                                Ok(p) => p,
                                Err(_) => continue,
                            }
                        }
                    };
                    ready.insert(p.seq, p);
                }
            };
            let result = go();
            if result.is_err() {
                // The pieces still queued are skipped, not processed.
                stop.store(true, Ordering::Relaxed);
            }
            result
        })
    }
    /// The script of `text`, when a report will show it (judging it is a
    /// pass over the text with a set lookup per character: not free).
    fn script_of(&self, text: &str) -> Option<crate::convert::Script> {
        self.opts.report.as_ref().map(|_| detect_script(text))
    }

    /// Adds one processed piece to the report and prints its explanations.
    fn take_piece(
        &self,
        doc: &Document,
        lines_before: usize,
        whole: bool,
        report: &mut FileReport,
        path: &Path,
        emit: &mut dyn FnMut(String),
    ) {
        report.bytes_out += doc.text.len() as u64;
        report.replacement_chars += doc.decode.replacements;
        if whole {
            report.changes.merge(&strip_explained(&doc.changes));
        } else {
            // Which decoder was used is counted once per document (from the
            // probe), not once per piece.
            for (rule, n) in doc.changes.counts() {
                if !is_identity_decode_rule(rule) {
                    report.changes.add(rule, n);
                }
            }
        }
        for c in doc.changes.explained() {
            let mut c = c.clone();
            c.line += lines_before;
            emit(format!("{}:{c}", path.display()));
        }
    }

    /// JSON Lines: a batch of lines at a time, in parallel, in order.
    fn process_records(
        &self,
        reader: impl Read,
        fields: &[String],
        mut io: Io<'_>,
        report: &mut FileReport,
        emit: &mut dyn FnMut(String),
    ) -> std::result::Result<(), Fail> {
        let block = self.opts.block_size.max(1);
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let mut batch: Vec<Vec<u8>> = Vec::new();
        let mut batch_bytes = 0;
        let mut line_no: u64 = 0;
        report.encoding = Some("UTF-8".into());
        report.confidence = Some(1.0);
        let mut script_sample = String::new();
        loop {
            let mut line = Vec::new();
            let n = reader.read_until(b'\n', &mut line).map_err(|e| Error::io(io.path, e))?;
            if n > 0 {
                batch_bytes += n;
                batch.push(line);
            }
            // Process when the batch is big, at the end, or when no more
            // input is waiting, so that a caller that feeds one line and
            // waits for its answer is not kept waiting.
            if batch.is_empty() || (n > 0 && batch_bytes < block && !reader.buffer().is_empty()) {
                if n == 0 {
                    break;
                }
                continue;
            }
            if interrupted() {
                return Err(Fail::Interrupted);
            }
            let outs: Vec<(Vec<u8>, record::RecordOutput)> = batch
                .par_iter()
                .map(|line| {
                    let body_len = if line.ends_with(b"\r\n") {
                        line.len() - 2
                    } else if line.ends_with(b"\n") {
                        line.len() - 1
                    } else {
                        line.len()
                    };
                    let mut out = Vec::with_capacity(line.len() + 16);
                    let r =
                        record::process_line(&self.pipeline, fields, &line[..body_len], &mut out);
                    out.extend_from_slice(&line[body_len..]);
                    (out, r)
                })
                .collect();
            for (out, r) in outs {
                line_no += 1;
                report.bytes_out += out.len() as u64;
                report.changes.merge(&strip_explained(&r.changes));
                if let Some(bad) = &r.bad {
                    report.bad_records += 1;
                    emit(format!(
                        "zhclean: {}:{line_no}: {bad}; passed through",
                        io.path.display()
                    ));
                }
                for (field, c) in &r.explained {
                    emit(format!("{}:{line_no}: {field}:{c}", io.path.display()));
                }
                if self.opts.report.is_some() && script_sample.len() < 1 << 16 && r.bad.is_none() {
                    script_sample.push_str(&String::from_utf8_lossy(&out));
                }
                io.write(&out)?;
            }
            report.bytes_in += batch_bytes as u64;
            (io.on_bytes)(batch_bytes as u64);
            batch.clear();
            batch_bytes = 0;
            io.w.flush().map_err(|e| Error::io(io.out, e))?;
            if n == 0 {
                break;
            }
        }
        report.script = self.script_of(&script_sample);
        Ok(())
    }
}

/// The output side of one document.
struct Io<'a> {
    path: &'a Path,
    out: &'a Path,
    w: &'a mut dyn Write,
    on_bytes: &'a dyn Fn(u64),
}

impl Io<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), Fail> {
        self.w.write_all(bytes).map_err(|e| Fail::Error(Error::io(self.out, e)))
    }
}

/// How many pieces of a large document may be between being read and
/// being written: two per thread and one more being read or written.
/// Pieces finish out of order (the thread that writes also processes
/// pieces while it waits, newest first), so with only one per thread the
/// others often sat idle behind the oldest piece: on a 256 MiB file with
/// `--convert s2t`, `-j2` took 3.28 s (median of 3) with `threads + 1`,
/// 2.82 s with this, against 5.4 s for `-j1`. Memory stays a few blocks
/// (input, output and working copies) per thread: 40 MiB peak for s2t of
/// a 64 MiB file on two threads.
fn in_flight_limit(threads: usize) -> usize {
    2 * threads.max(1) + 1
}

/// One processed piece of a large document, from a worker to the writer.
struct Processed {
    /// The piece's position in the document (0 for the first).
    seq: usize,
    /// Its length in bytes, and how many line ends it holds.
    len: usize,
    lines: usize,
    /// The result; `None` when skipped because the run is stopping, and a
    /// caught panic is passed on to be raised again by the writer.
    doc: Option<std::thread::Result<Result<Document>>>,
}

/// The pieces of a large document, cut at line ends, read on demand.
struct Pieces<'a, R> {
    reader: R,
    /// Read but not yet cut off.
    buf: Vec<u8>,
    eof: bool,
    block: usize,
    unit: Option<LineUnit>,
    pipeline: &'a Pipeline,
}

impl<R: Read> Pieces<'_, R> {
    /// The next piece: up to a block, cut after a line end (see
    /// [`LineUnit::cut`]). A block with no safe cut (one very long line,
    /// or an encoding that cannot be cut) is extended a block at a time
    /// until one is found; the piece is then everything up to that cut.
    fn next(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut limit = self.block;
        loop {
            if self.eof && self.buf.is_empty() {
                return Ok(None);
            }
            if !self.eof && self.buf.len() < limit {
                self.eof = fill(&mut self.reader, &mut self.buf, limit, None)?;
            }
            let cut = if self.eof && self.buf.len() <= limit {
                Some(self.buf.len())
            } else {
                let window = &self.buf[..limit.min(self.buf.len())];
                self.unit.and_then(|u| u.cut(window, self.pipeline))
            };
            match cut {
                Some(cut) if cut > 0 => {
                    let rest = self.buf[cut..].to_vec();
                    self.buf.truncate(cut);
                    return Ok(Some(std::mem::replace(&mut self.buf, rest)));
                }
                _ if !self.eof => limit += self.block,
                _ => return Ok(Some(std::mem::take(&mut self.buf))),
            }
        }
    }
}

/// The counts of `changes` without the kept explanations (printed already).
fn strip_explained(changes: &Changes) -> Changes {
    let mut c = Changes::new();
    for (rule, n) in changes.counts() {
        c.add(rule, n);
    }
    c
}

/// Decode rules that say which decoder was used, rather than count damage.
fn is_identity_decode_rule(rule: Rule) -> bool {
    rule.stage() == Stage::Decode && rule != Rule::Malformed
}

/// Reads until `buf` holds `target` bytes or the input ends; true at the
/// end. The reads go straight into `buf` (grown to `target` first), one
/// `read` call for as much as is wanted.
///
/// `expected` is the length the input is known to have (a file's size from
/// the walk): a short read that brings `buf` to exactly that length is
/// taken as the end, which saves the extra `read` that would return 0. (A
/// read of a regular file comes short only at its end; were the file
/// growing meanwhile, the part read is what was there at the walk, and the
/// journal, which keeps the walk's size and time, has the next run redo it.)
fn fill(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
    target: usize,
    expected: Option<usize>,
) -> io::Result<bool> {
    let mut len = buf.len();
    if len >= target {
        return Ok(false);
    }
    buf.resize(target, 0);
    let result = loop {
        match r.read(&mut buf[len..]) {
            Ok(0) => break Ok(true),
            Ok(n) => {
                len += n;
                if len == target {
                    break Ok(false);
                }
                if Some(len) == expected {
                    break Ok(true);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(len);
    result
}

/// How much of `buf` to detect the encoding on: up to [`PROBE_SIZE`],
/// ending at a line end so that no character is cut in two (which could
/// make valid UTF-8 look invalid); the `00` after a `0A` is kept, so that
/// a UTF-16LE line end stays whole.
fn probe_len(buf: &[u8]) -> usize {
    let max = buf.len().min(PROBE_SIZE);
    match memchr::memrchr(b'\n', &buf[..max]) {
        Some(i) if buf.get(i + 1) == Some(&0) => i + 2,
        Some(i) => i + 1,
        None => max,
    }
}

/// How a line ends in the raw bytes of an encoding, for cutting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineUnit {
    /// UTF-8: cut where [`Pipeline::split_point`] says.
    Utf8,
    /// An ASCII-compatible legacy encoding (GBK, Big5, ...): a 0x0A byte
    /// is always a line feed, never part of a multi-byte character.
    Byte,
    /// UTF-16LE: `0A 00` at an even offset.
    Utf16Le,
    /// UTF-16BE: `00 0A` at an even offset.
    Utf16Be,
}

impl LineUnit {
    /// The unit for an encoding name, or `None` for encodings whose line
    /// ends cannot be found in the bytes (stateful ones): those are read
    /// whole.
    fn for_encoding(name: &str) -> Option<LineUnit> {
        let enc = encoding_rs::Encoding::for_label(name.as_bytes())?;
        if enc == encoding_rs::UTF_8 {
            Some(LineUnit::Utf8)
        } else if enc == encoding_rs::UTF_16LE {
            Some(LineUnit::Utf16Le)
        } else if enc == encoding_rs::UTF_16BE {
            Some(LineUnit::Utf16Be)
        } else if enc.is_ascii_compatible() && enc != encoding_rs::ISO_2022_JP {
            Some(LineUnit::Byte)
        } else {
            None
        }
    }

    /// Where `buf` may be cut: just after its last line end (that is a safe
    /// cut for `pipeline`, for UTF-8). `None` when there is none.
    fn cut(self, buf: &[u8], pipeline: &Pipeline) -> Option<usize> {
        match self {
            LineUnit::Utf8 => {
                // Only the end of the block matters: look for the cut in the
                // last 256 KiB first (from a character start), and decode the
                // whole block only when that finds nothing far enough from
                // the window's start for the IDS check to see everything.
                const TAIL: usize = 256 << 10;
                if buf.len() > 2 * TAIL {
                    let mut start = buf.len() - TAIL;
                    while start < buf.len() && buf[start] & 0xC0 == 0x80 {
                        start += 1;
                    }
                    // The window usually ends inside a character: an
                    // incomplete last character is left out, not a reason
                    // to decode the whole block.
                    // (encoding_rs validates CJK text several times faster
                    // than `std::str::from_utf8`; see `decode::valid_str`.)
                    let window = &buf[start..];
                    let valid = encoding_rs::Encoding::utf8_valid_up_to(window);
                    // What follows `valid` is nothing or the start of a
                    // character cut off by the window's end; a malformed
                    // byte sends the block to the whole decode below.
                    let rest = &window[valid..];
                    let cut_off = rest.is_empty()
                        || std::str::from_utf8(rest).is_err_and(|e| e.error_len().is_none());
                    // SAFETY: `utf8_valid_up_to` says the bytes up to `valid`
                    // are valid UTF-8 (validating them again would double
                    // the cost of this check).
                    let tail =
                        cut_off.then(|| unsafe { std::str::from_utf8_unchecked(&window[..valid]) });
                    if let Some(tail) = tail
                        && let Some(cut) = pipeline.split_point(tail, tail.len())
                        && cut > 1024
                    {
                        return Some(start + cut);
                    }
                }
                let text = String::from_utf8_lossy(buf);
                let cut = pipeline.split_point(&text, text.len())?;
                if matches!(text, std::borrow::Cow::Borrowed(_)) {
                    return Some(cut);
                }
                // Malformed bytes changed lengths; line feeds survive lossy
                // decoding one for one, so count them back from the end.
                let after = memchr::memchr_iter(b'\n', &text.as_bytes()[cut..]).count();
                let mut end = buf.len();
                for _ in 0..after {
                    end = memchr::memrchr(b'\n', &buf[..end])?;
                }
                Some(memchr::memrchr(b'\n', &buf[..end])? + 1)
            }
            LineUnit::Byte => memchr::memrchr(b'\n', buf).map(|i| i + 1),
            LineUnit::Utf16Le | LineUnit::Utf16Be => {
                let pair: [u8; 2] = if self == LineUnit::Utf16Le { [0x0A, 0] } else { [0, 0x0A] };
                let mut i = (buf.len() & !1).checked_sub(2)?;
                loop {
                    if buf[i..i + 2] == pair {
                        return Some(i + 2);
                    }
                    i = i.checked_sub(2)?;
                }
            }
        }
    }

    /// How many line ends `piece` holds.
    fn count_lines(self, piece: &[u8]) -> usize {
        match self {
            LineUnit::Utf8 | LineUnit::Byte => memchr::memchr_iter(b'\n', piece).count(),
            LineUnit::Utf16Le => piece.chunks_exact(2).filter(|c| c == &[0x0A, 0]).count(),
            LineUnit::Utf16Be => piece.chunks_exact(2).filter(|c| c == &[0, 0x0A]).count(),
        }
    }
}

/// Known signatures of binary formats, checked before decoding: such a
/// file is never text, whatever a decoder would make of its bytes, and the
/// check costs nothing. (The decoder has its own, broader judgement.)
fn binary_signature(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"GIF87a", "GIF"),
        (b"GIF89a", "GIF"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"%PDF-", "PDF"),
        (b"PK\x03\x04", "ZIP"),
        (b"\x1f\x8b", "gzip"),
        (b"\x7fELF", "ELF"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"RIFF", "RIFF"),
        (b"\x00\x00\x01\x00", "ICO"),
        (b"SQLite format 3\x00", "SQLite"),
    ];
    SIGNATURES.iter().find(|(sig, _)| head.starts_with(sig)).map(|&(_, name)| name)
}

/// A fingerprint of everything that shapes an output: the version, the
/// text settings, the output naming, and the dictionary files named (by
/// size and mtime, so editing one redoes the outputs).
fn fingerprint(opts: &RunOptions, config: &Config) -> u64 {
    let settings = format!("{:?}", Config { explain: false, ..config.clone() });
    let mut parts: Vec<Vec<u8>> = vec![
        env!("CARGO_PKG_VERSION").into(),
        settings.into_bytes(),
        opts.ext.as_ref().map_or(Vec::new(), |e| e.as_encoded_bytes().to_vec()),
        format!("{:?}", (opts.copy_other, &opts.jsonl_fields)).into_bytes(),
    ];
    let mut files: Vec<&Path> = Vec::new();
    if let Some(spec) = &config.convert {
        files.extend(spec.user_dicts.iter().map(PathBuf::as_path));
        files.push(Path::new(&spec.config));
    }
    for f in files {
        if let Ok(m) = fs::metadata(f) {
            parts.push(format!("{}:{}", m.len(), write::mtime_ns(&m)).into_bytes());
        }
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    write::fnv1a(&refs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConvertSpec;

    fn s2t() -> Pipeline {
        Pipeline::new(Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() })
            .unwrap()
    }

    #[test]
    fn cuts_fall_after_line_ends() {
        let p = s2t();
        assert_eq!(LineUnit::Utf8.cut("头发\n发展\n未完".as_bytes(), &p), Some(14));
        assert_eq!(LineUnit::Utf8.cut("no line end".as_bytes(), &p), None);
        // A malformed byte before the cut must not shift it.
        let bytes = b"a\xff\xfe\nbc\nd";
        assert_eq!(LineUnit::Utf8.cut(bytes, &p), Some(7));
        // A big window that ends inside a character (the usual case).
        let big = "头发与发展\n".repeat(60_000) + "头发";
        let window = &big.as_bytes()[..big.len() - 1];
        assert_eq!(LineUnit::Utf8.cut(window, &p), Some(big.len() - "头发".len()));
        assert_eq!(LineUnit::Byte.cut(b"\xb0\xa1\n\xb0\xa1", &p), Some(3));
        let le: Vec<u8> = "a\n\u{0a00}b".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(LineUnit::Utf16Le.cut(&le, &p), Some(4));
        assert_eq!(LineUnit::Utf16Le.count_lines(&le), 1);
        let be: Vec<u8> = "a\nb".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(LineUnit::Utf16Be.cut(&be, &p), Some(4));
        assert_eq!(LineUnit::for_encoding("GBK"), Some(LineUnit::Byte));
        assert_eq!(LineUnit::for_encoding("UTF-16LE"), Some(LineUnit::Utf16Le));
        assert_eq!(LineUnit::for_encoding("ISO-2022-JP"), None);
    }

    #[test]
    fn probe_ends_at_a_line_end() {
        let mut text = "头发\n".repeat(PROBE_SIZE / 7 + 10).into_bytes();
        let n = probe_len(&text);
        assert!(n <= PROBE_SIZE && std::str::from_utf8(&text[..n]).is_ok());
        assert_eq!(text[n - 1], b'\n');
        text.truncate(5);
        assert_eq!(probe_len(&text), 5);
        assert_eq!(probe_len(b"a\n\0b"), 3);
    }

    #[test]
    fn explained_changes_name_the_file_and_shift_lines() {
        let opts = RunOptions::default();
        let ctx = Ctx { opts: &opts, pipeline: s2t(), fingerprint: 0 };
        let mut changes = Changes::explaining();
        changes.record_at(Rule::CjkPunct, 2, 3, ",", "，");
        let mut doc = ctx.pipeline.process_bytes(b"x", None).unwrap();
        doc.changes = changes;
        let mut report = FileReport::new("a.txt");
        let mut lines = Vec::new();
        ctx.take_piece(&doc, 10, false, &mut report, Path::new("d/a.txt"), &mut |l| lines.push(l));
        assert_eq!(lines, ["d/a.txt:12:3: cjk-punct: \",\" -> \"，\""]);
        assert_eq!(report.changes.count(Rule::CjkPunct), 1);
        assert_eq!(report.bytes_out, 1);
    }

    #[test]
    fn fill_reads_to_target_or_end() {
        let mut r: &[u8] = b"abcdef";
        let mut buf = Vec::new();
        assert!(!fill(&mut r, &mut buf, 4, None).unwrap());
        assert_eq!(buf, b"abcd");
        assert!(fill(&mut r, &mut buf, 10, None).unwrap());
        assert_eq!(buf, b"abcdef");
        // A short read to the expected length ends the input, without
        // another read; a reader that gives a byte at a time is read on.
        struct Once(Option<Vec<u8>>);
        impl Read for Once {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let data = self.0.take().expect("read once only");
                out[..data.len()].copy_from_slice(&data);
                Ok(data.len())
            }
        }
        let mut buf = Vec::new();
        assert!(fill(&mut Once(Some(b"xyz".to_vec())), &mut buf, 4, Some(3)).unwrap());
        assert_eq!(buf, b"xyz");
        // The file grew after the walk: the read of one byte more than
        // expected fills the target, so the input is read on.
        let mut r: &[u8] = b"abcdef";
        let mut buf = Vec::new();
        assert!(!fill(&mut r, &mut buf, 4, Some(3)).unwrap());
        assert!(fill(&mut r, &mut buf, 100, None).unwrap());
        assert_eq!(buf, b"abcdef");
    }

    #[test]
    fn status_codes_and_order() {
        assert_eq!(Status::Success.code(), 0);
        assert_eq!(Status::Failure.code(), 1);
        assert_eq!(Status::Interrupted.code(), 130);
        assert_eq!(Status::Success.max(Status::Failure), Status::Failure);
        assert_eq!(Status::Interrupted.max(Status::Failure), Status::Interrupted);
    }

    #[test]
    fn signatures() {
        assert_eq!(binary_signature(b"\x89PNG\r\n\x1a\nxxxx"), Some("PNG"));
        assert_eq!(binary_signature("头发".as_bytes()), None);
    }

    /// Many small pieces through the pipeline on a pool of two threads
    /// (and on one): written in order, explanations numbered from the
    /// document's first line, and no more pieces in flight than allowed.
    #[test]
    fn pipelined_pieces_stay_in_order() {
        let text: String = (0..3000).map(|i| format!("{i:05} 头发 发展,\n")).collect();
        let config =
            Config { convert: Some(ConvertSpec::new("s2t")), explain: true, ..Config::default() };
        let whole = Pipeline::new(config.clone()).unwrap().process_bytes(text.as_bytes(), None);
        let whole = whole.unwrap().text;
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            // About 100 pieces of 16 lines or so.
            let opts = RunOptions { block_size: 300, ..RunOptions::default() };
            let ctx = Ctx {
                opts: &opts,
                pipeline: Pipeline::new(config.clone()).unwrap(),
                fingerprint: 0,
            };
            // Everything the run borrows is made on the pool's thread.
            let (ok, out, lines, calls) = pool.install(|| {
                let mut out = Vec::new();
                let mut report = FileReport::new("x");
                let calls = AtomicU64::new(0);
                let on_bytes = |_| {
                    calls.fetch_add(1, Ordering::Relaxed);
                };
                let mut lines = Vec::new();
                let io = Io {
                    path: Path::new("x"),
                    out: Path::new("y"),
                    w: &mut out,
                    on_bytes: &on_bytes,
                };
                let r = ctx
                    .process_text(text.as_bytes(), None, io, &mut report, &mut |l| lines.push(l));
                (r.is_ok(), out, lines, calls.into_inner())
            });
            assert!(ok);
            assert_eq!(String::from_utf8(out).unwrap(), whole, "{threads} threads");
            assert!(calls > 50, "too few pieces");
            // One explained punctuation change per line, in line order.
            let numbers: Vec<usize> = lines
                .iter()
                .filter(|l| l.contains("cjk-punct"))
                .map(|l| l.split(':').nth(1).unwrap().parse().unwrap())
                .collect();
            assert_eq!(numbers, (1..=3000).collect::<Vec<_>>());
        }
        assert_eq!(in_flight_limit(1), 3);
        assert_eq!(in_flight_limit(2), 5);
    }

    /// A line longer than a block is held whole, and the pieces after it
    /// are cut again at block size rather than read to the end.
    #[test]
    fn a_long_line_does_not_hold_the_rest() {
        let long = "头发".repeat(500);
        let text = format!("a\n{long}\n{}", "发展\n".repeat(400));
        let p = s2t();
        let mut pieces = Pieces {
            reader: text.as_bytes(),
            buf: Vec::new(),
            eof: false,
            block: 100,
            unit: Some(LineUnit::Utf8),
            pipeline: &p,
        };
        let mut got = Vec::new();
        while let Some(piece) = pieces.next().unwrap() {
            assert!(piece.ends_with(b"\n"));
            got.push(piece);
        }
        assert_eq!(got.concat(), text.as_bytes());
        assert!(got.iter().any(|x| x.len() > long.len()));
        // The 2,800 bytes after the long line come in pieces of a block.
        assert!(got.len() > 25, "{} pieces", got.len());
        assert!(got.iter().skip(2).all(|x| x.len() <= 100));
    }

    /// A large document processed in small blocks gives the same text as
    /// processed whole, for every block size.
    #[test]
    fn streamed_equals_whole() {
        let text: String = (0..200).map(|i| format!("第{i}行 头发 发展 ABC\r\n")).collect();
        let whole = s2t().process_bytes(text.as_bytes(), None).unwrap().text;
        for block in [7, 64, 1000, 1 << 20] {
            let opts = RunOptions { block_size: block, ..RunOptions::default() };
            let ctx = Ctx { opts: &opts, pipeline: s2t(), fingerprint: 0 };
            let mut out = Vec::new();
            let mut report = FileReport::new("x");
            let on_bytes = |_| {};
            let io =
                Io { path: Path::new("x"), out: Path::new("y"), w: &mut out, on_bytes: &on_bytes };
            let r = ctx.process_text(text.as_bytes(), None, io, &mut report, &mut |_| {});
            assert!(r.is_ok());
            assert_eq!(String::from_utf8(out).unwrap(), whole, "block {block}");
            assert_eq!(report.bytes_in, text.len() as u64);
            assert_eq!(report.bytes_out, whole.len() as u64);
        }
    }
}
