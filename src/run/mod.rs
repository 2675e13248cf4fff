//! The batch driver behind the `zhclean` command, as a library service:
//! inputs in, outputs, report and a [`Outcome`] out.
//!
//! [`run`] picks one of three shapes from [`RunOptions`]:
//!
//! * **stream** (`run/stream.rs`): standard input (or one input file without
//!   `-o`, or with an `-o` that is written through: `/dev/stdout`, a device,
//!   a FIFO) to standard output (or `-o FILE`);
//! * **file** and **tree** (`run/tree.rs`): one input file to `-o FILE`, or files
//!   and folders to an output folder that mirrors their relative paths,
//!   processed in parallel on a pool of `-j` threads, with a resume journal
//!   (`run/journal.rs`).
//!
//! Each document goes through `run/document.rs`: whole when it fits in a block,
//! else in pieces (`run/pieces.rs`) processed in parallel and written in order,
//! with every per-document decision (encoding, HTML, name evidence: see
//! [`DocumentPlan`](crate::pipeline::DocumentPlan)) made once and held for
//! all its pieces, so that the output does not depend on the block size.
//! JSON Lines go through `run/records.rs`.
//!
//! The library prints nothing and exits nothing: a run reports what
//! happens to the caller's [`Observer`] ([`Event`]s: file done, skipped,
//! failed, explained changes, progress), stops when the caller's
//! [`CancelToken`] is cancelled, and returns an [`Outcome`]. A run holds no
//! global state: runs may follow each other or go on at once from threads.
//!
//! ```
//! use zhclean::run::{CancelToken, Event, RunOptions, Status, run};
//! use zhclean::Config;
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("a.txt"), "斯科特?丹恩（Scott Dunn）说").unwrap();
//! let opts = RunOptions {
//!     inputs: vec![dir.path().join("a.txt")],
//!     output: Some(dir.path().join("out.txt")),
//!     ..RunOptions::default()
//! };
//! let done = std::sync::atomic::AtomicU64::new(0);
//! let observer = |e: Event<'_>| {
//!     if let Event::FileDone { .. } = e {
//!         done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!     }
//! };
//! let outcome = run(&opts, Config::default(), &observer, &CancelToken::new()).unwrap();
//! assert_eq!(outcome.status, Status::Success);
//! assert_eq!(done.into_inner(), 1);
//! let out = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
//! assert_eq!(out, "斯科特·丹恩（Scott Dunn）说");
//! ```

mod cancel;
mod document;
mod journal;
mod observe;
mod pieces;
mod records;
mod stream;
mod tree;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use cancel::CancelToken;
pub use observe::{Event, Observer};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::pipeline::Pipeline;
use crate::report::Summary;
use crate::rules::Changes;

/// Default block size: 1 MiB. A piece being processed costs a few times
/// its size (input, decoded text, stage outputs), and a few pieces are in
/// flight per thread. On a 64 MiB s2t run (`--no-clean`) 1 MiB keeps the
/// resident memory near 18 MiB on one thread and 27 MiB on two (2 MiB gave
/// 27 and 42, 4 MiB 35 and 60; with cleaning on, 37 MiB against 59 on
/// two threads), and it ran 1.04x faster than 2 MiB on two threads (median
/// of 11 alternating pairs): a piece and its output stay in the second-level
/// cache, and the last pieces keep both threads busy longer.
pub const DEFAULT_BLOCK_SIZE: usize = 1 << 20;

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
    /// Select files below input folders (`-g`, ripgrep's syntax, `!` to
    /// exclude, the later glob winning; see [`crate::walk::Globs`]).
    pub globs: Vec<String>,
    /// Replace each input file with its cleaned text (`--in-place`; no
    /// output, no journal; see `docs/usage.md`).
    pub in_place: bool,
    /// With `in_place`, keep each replaced file as NAME+this suffix.
    pub backup: Option<OsString>,
    /// Bytes per block when reading (see the module docs); at least 1.
    /// The output does not depend on it.
    pub block_size: usize,
    /// Flush each output (and its folder, and the journal) to disk before
    /// it counts as written: see [`crate::write::OutDir::with_fsync`].
    pub fsync: bool,
    /// When the config does not explain: give the observer, as
    /// [`Event::Explained`], the first `samples` changes of each rule in
    /// every block of text (or JSON Lines record), for a report's samples
    /// ([`crate::report_html`]). 0 (the default) gives none. The output
    /// does not depend on it.
    pub samples: usize,
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
            globs: Vec::new(),
            in_place: false,
            backup: None,
            block_size: DEFAULT_BLOCK_SIZE,
            fsync: false,
            samples: 0,
        }
    }
}

impl RunOptions {
    /// The shape [`run`] will take with these options (before it checks
    /// them).
    pub fn shape(&self) -> Shape {
        let stdin = self.reads_stdin();
        let output = self.output.as_deref().filter(|p| !is_dash(p));
        if self.in_place && !stdin {
            let single = self.inputs.len() == 1 && !self.inputs[0].is_dir();
            return if single { Shape::File } else { Shape::Tree };
        }
        match output {
            None => Shape::Stream,
            Some(_) if stdin => Shape::Stream,
            Some(out) => {
                let single = self.inputs.len() == 1 && !self.inputs[0].is_dir();
                let names_folder =
                    out.is_dir() || out.as_os_str().as_encoded_bytes().ends_with(b"/");
                if !single || names_folder {
                    Shape::Tree
                } else if crate::write::writes_through(out) {
                    // `-o /dev/null`, `-o /dev/stdout`, a FIFO: written
                    // through like standard output, so a stream.
                    Shape::Stream
                } else {
                    Shape::File
                }
            }
        }
    }

    /// Whether the input is standard input.
    pub fn reads_stdin(&self) -> bool {
        self.inputs.is_empty() || (self.inputs.len() == 1 && is_dash(&self.inputs[0]))
    }

    /// Whether the output is standard output, or is written through in
    /// place like it (`-o /dev/stdout`, a device, a FIFO: see
    /// [`crate::write::writes_through`]): no temporary to remove.
    pub fn writes_stdout(&self) -> bool {
        !self.in_place
            && self.output.as_deref().is_none_or(|p| is_dash(p) || crate::write::writes_through(p))
    }
}

/// The three shapes of a run (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One input (standard input or a file) to one output (standard
    /// output or a file), no journal.
    Stream,
    /// One input file to an output file.
    File,
    /// Files and folders to an output folder.
    Tree,
}

/// How a run ended, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Everything went through (skipped files are not failures).
    Success,
    /// Some file or record failed; the others were done.
    Failure,
    /// Stopped by the [`CancelToken`].
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

/// What a run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The shape it took.
    pub shape: Shape,
    /// Totals over the files.
    pub summary: Summary,
    /// How long it took.
    pub elapsed: Duration,
}

/// Runs the job described by `opts` with the text settings `config`,
/// telling `observer` what happens, until done or `cancel` is cancelled.
///
/// Problems with single files are [`Event::FileDone`] reports with an
/// error and make the status [`Status::Failure`]; an `Err` means the run
/// could not start (a usage error, such as an output inside an input, or
/// a bad dictionary).
pub fn run(
    opts: &RunOptions,
    config: Config,
    observer: &dyn Observer,
    cancel: &CancelToken,
) -> Result<Outcome> {
    let pipeline = Pipeline::new(config)?.sampling(opts.samples);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
    let ctx = Ctx {
        opts,
        fingerprint: journal::fingerprint(opts, pipeline.config()),
        pipeline,
        observer,
        cancel,
    };
    let started = std::time::Instant::now();
    let (status, shape, mut summary) = pool.install(|| ctx.dispatch())?;
    summary.interrupted = status == Status::Interrupted;
    Ok(Outcome { status, shape, summary, elapsed: started.elapsed() })
}

/// What every part of a run shares.
struct Ctx<'a> {
    opts: &'a RunOptions,
    pipeline: Pipeline,
    fingerprint: u64,
    observer: &'a dyn Observer,
    cancel: &'a CancelToken,
}

/// Why a document was not written.
enum Fail {
    /// Not text.
    Binary(String),
    /// Reading or writing failed.
    Error(Error),
    /// Cancelled.
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

/// Refuses a `--backup` suffix that is empty (the backup would be the file
/// itself) or holds a `/` or NUL (it would name another folder, or nothing).
pub fn check_backup_suffix(suffix: &std::ffi::OsStr) -> Result<()> {
    let b = suffix.as_encoded_bytes();
    let why = if b.is_empty() {
        "it is empty"
    } else if b.contains(&b'/') {
        "it holds a `/`"
    } else if b.contains(&0) {
        "it holds a NUL byte"
    } else {
        return Ok(());
    };
    Err(Error::Usage(format!(
        "--backup {}: not a file name suffix ({why})",
        crate::error::escaped(Path::new(suffix))
    )))
}

fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

impl Ctx<'_> {
    fn dispatch(&self) -> Result<(Status, Shape, Summary)> {
        let o = self.opts;
        let stdin = o.reads_stdin();
        if !stdin && o.inputs.iter().any(|p| is_dash(p)) {
            return Err(Error::Usage(
                "`-` (standard input) cannot be mixed with other inputs".into(),
            ));
        }
        let output = o.output.as_deref().filter(|p| !is_dash(p));
        if let Some(report) = &o.report {
            crate::write::check_report(report, &o.inputs, output, None)?;
        }
        if o.in_place {
            return self.run_in_place(stdin);
        }
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
        match o.shape() {
            // `-o /dev/stdout`, `-o /dev/null`, a FIFO: as without `-o`,
            // with nothing renamed over the name.
            Shape::Stream => self.run_stream(Some(&o.inputs[0]), Some(out)),
            Shape::File => {
                crate::write::check_output(&o.inputs, out, false)?;
                self.run_tree(Some(out), true)
            }
            _ => {
                if out.is_file() {
                    return Err(Error::Usage(format!(
                        "{} is a file, but the output must be a folder for a folder or several \
                         inputs (give a folder name with -o)",
                        out.display()
                    )));
                }
                crate::write::check_output(&o.inputs, out, true)?;
                self.run_tree(Some(out), false)
            }
        }
    }

    /// `--in-place`: the checks, then the tree or file shape with no
    /// output folder.
    fn run_in_place(&self, stdin: bool) -> Result<(Status, Shape, Summary)> {
        let o = self.opts;
        let refuse = |why: &str| Err(Error::Usage(format!("--in-place: {why}")));
        if stdin {
            return refuse("needs input files or folders (standard input has no file to replace)");
        }
        if o.output.is_some() {
            return refuse("the inputs are the outputs; leave out -o");
        }
        if o.follow {
            return refuse(
                "links are never followed (a replaced link would become a file); leave out -L",
            );
        }
        if o.ext.is_some() || o.copy_other || o.force {
            return refuse("--ext, --copy-other and --force are for an output folder");
        }
        if let Some(b) = &o.backup {
            check_backup_suffix(b)?;
        }
        let single_file = o.inputs.len() == 1 && !o.inputs[0].is_dir();
        self.run_tree(None, single_file)
    }

    /// The conversion config name, for the report.
    fn convert_name(&self) -> Option<&str> {
        self.pipeline.config().convert.as_ref().map(|c| c.config.as_str())
    }

    /// The script of `text`, when a report will show it (judging it is a
    /// pass over the text with a set lookup per character: not free).
    fn script_of(&self, text: &str) -> Option<crate::convert::Script> {
        self.opts.report.as_ref().map(|_| crate::convert::detect_script(text))
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// The counts of `changes` without the kept explanations (given to the
/// observer already).
fn strip_explained(changes: &Changes) -> Changes {
    let mut c = Changes::new();
    for (rule, n) in changes.counts() {
        c.add(rule, n);
    }
    c
}
