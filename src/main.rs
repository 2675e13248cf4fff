//! The `zhclean` command: parse arguments, run, map the result to an exit
//! code. The work is in the library ([`zhclean::run`]); the command owns
//! the terminal (progress bar, messages: [`Terminal`]), the signals
//! (Ctrl-C and SIGTERM cancel the run) and the exit code. The flags are in
//! `cli.rs`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use zhclean::error::escaped;
use zhclean::report::SkipReason;
use zhclean::run::{CancelToken, Event, Observer, Shape, Status};

mod cli;
mod progress;

use progress::{Progress, ProgressMode};

fn main() -> ExitCode {
    keep_freed_memory();
    let args = cli::Args::parse();
    #[cfg(feature = "cli")]
    if let Some(what) = args.generate {
        let mut out = std::io::stdout().lock();
        return match what.write(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&zhclean::Error::io("-", e)),
        };
    }
    let (config, options, mut show) = match args.into_parts() {
        Ok(parts) => parts,
        Err(e) => return fail(&e),
    };
    if options.reads_stdin() && std::io::stdin().is_terminal() {
        // A new user who typed `zhclean` alone: say what it waits for,
        // and draw no spinner over what they type.
        eprintln!(
            "zhclean: reading text from the terminal until Ctrl-D (see `zhclean --help` for files \
             and folders)"
        );
        show.progress = ProgressMode::Never;
    }
    let cancel = CancelToken::new();
    // A stream to standard output has nothing to clean up, and a read of
    // standard input may block: there a signal ends the process at once
    // (removing the temporary of `-o FILE` first).
    let exit_at_once = options.writes_stdout() || options.reads_stdin();
    if let Err(e) = install_signal_handler(cancel.clone(), exit_at_once) {
        return fail(&e);
    }
    let page = show.report_html.as_ref().map(|_| {
        // The command as typed, named `zhclean` whatever path ran it.
        let args = std::iter::once("zhclean".into()).chain(std::env::args_os().skip(1));
        Mutex::new(zhclean::report_html::HtmlReport::new().with_command(args))
    });
    let terminal =
        Terminal { show: show.clone(), shape: options.shape(), progress: Mutex::new(None), page };
    match zhclean::run::run(&options, config, &terminal, &cancel) {
        Ok(outcome) => {
            terminal.finish();
            let summary_wanted = !show.quiet
                && match outcome.shape {
                    // A stream prints its summary only beside a visible bar.
                    Shape::Stream => show.progress.visible(),
                    Shape::File | Shape::Tree => true,
                };
            if summary_wanted {
                eprint!("{}", outcome.summary.render(outcome.elapsed));
            }
            let mut status = outcome.status;
            if let Some(path) = &show.summary {
                let json = outcome.summary.to_json(outcome.elapsed).to_string() + "\n";
                if let Err(e) = std::fs::write(path, json) {
                    eprintln!("zhclean: {}: {e}", path.display());
                    status = status.max(Status::Failure);
                }
            }
            if let (Some(path), Some(page)) = (&show.report_html, &terminal.page) {
                let page = page.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = std::fs::write(path, page.render(&outcome.summary, outcome.elapsed))
                {
                    eprintln!("zhclean: {}: {e}", path.display());
                    status = status.max(Status::Failure);
                }
            }
            ExitCode::from(status.code())
        }
        Err(e) => {
            terminal.finish();
            fail(&e)
        }
    }
}

/// What the terminal shows.
#[derive(Clone, Debug)]
pub struct Show {
    /// When to draw the progress bar.
    pub progress: ProgressMode,
    /// No summary, no notes about skipped files (errors are still printed).
    pub quiet: bool,
    /// Where to write the summary as JSON (`--summary FILE`).
    pub summary: Option<std::path::PathBuf>,
    /// Where to write the visual report (`--report-html FILE`).
    pub report_html: Option<std::path::PathBuf>,
    /// Print explained changes (`--explain`); without it the changes the
    /// run gives are samples for the visual report.
    pub explain: bool,
    /// Between plain progress lines (`--progress always`, not a terminal).
    pub progress_interval: std::time::Duration,
}

/// The command's observer: the progress bar, and every message on stderr.
struct Terminal {
    show: Show,
    shape: Shape,
    /// Made when the run says how much it has to do.
    progress: Mutex<Option<Progress>>,
    /// What `--report-html` shows, gathered from the events.
    page: Option<Mutex<zhclean::report_html::HtmlReport>>,
}

impl Terminal {
    fn with(&self, f: impl FnOnce(&Progress)) {
        let mut guard = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        let p = guard.get_or_insert_with(|| Progress::bytes(ProgressMode::Never));
        f(p);
    }

    fn say(&self, line: &str) {
        self.with(|p| p.eprintln(line));
    }

    fn finish(&self) {
        if let Some(p) = self.progress.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            p.finish();
        }
    }
}

impl Observer for Terminal {
    fn event(&self, event: Event<'_>) {
        if let Some(page) = &self.page {
            page.lock().unwrap_or_else(|p| p.into_inner()).observe(&event);
        }
        match event {
            Event::Started { files, bytes } => {
                let p = match (self.shape, bytes) {
                    (Shape::Stream, _) | (_, None) => Progress::bytes(self.show.progress),
                    (_, Some(bytes)) => Progress::files(self.show.progress, files, bytes),
                }
                .with_interval(self.show.progress_interval);
                *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = Some(p);
            }
            Event::Progress { files, bytes } => self.with(|p| {
                if self.shape != Shape::Stream {
                    p.set_files_done(files);
                }
                p.set_position(bytes);
            }),
            Event::Explained { .. } if !self.show.explain => {}
            Event::Explained { path, record: None, change } => {
                self.say(&format!("{}:{change}", escaped(path)))
            }
            Event::Explained { path, record: Some((line, field)), change } => {
                self.say(&format!("{}:{line}: {field}:{change}", escaped(path)))
            }
            Event::BadRecord { path, line, message } => {
                self.say(&format!("zhclean: {}:{line}: {message}; passed through", escaped(path)))
            }
            Event::FileDone { report } => {
                if let Some(e) = &report.error {
                    self.say(&format!("zhclean: {e}"));
                } else if let Some(SkipReason::Binary { reason, copied: false }) = &report.skipped {
                    if self.shape == Shape::Stream {
                        self.say(&format!(
                            "zhclean: {}: not text ({reason})",
                            escaped(&report.path)
                        ));
                    } else if !self.show.quiet {
                        self.say(&format!(
                            "zhclean: {}: skipped, not text ({reason})",
                            escaped(&report.path)
                        ));
                    }
                }
            }
            Event::Error { error } => self.say(&format!("zhclean: {error}")),
            _ => {}
        }
    }
}

/// Ctrl-C, SIGTERM and SIGHUP: the first cancels the run (workers finish
/// their block, temporaries are removed, exit code 130); a second one, or
/// any when `exit_at_once`, removes the temporaries being written and ends
/// the process at once.
fn install_signal_handler(cancel: CancelToken, exit_at_once: bool) -> zhclean::Result<()> {
    static SEEN: AtomicBool = AtomicBool::new(false);
    ctrlc::set_handler(move || {
        if exit_at_once || SEEN.swap(true, Ordering::SeqCst) {
            zhclean::write::remove_live_temporaries();
            std::process::exit(i32::from(Status::Interrupted.code()));
        }
        cancel.cancel();
    })
    .map_err(|e| zhclean::Error::Usage(format!("cannot install the signal handler: {e}")))
}

/// Asks glibc's allocator to keep the memory a run frees for reuse. A
/// large file goes through in pieces of about a megabyte, each read into a
/// fresh buffer and converted into another; by default glibc gives such
/// blocks back to the system when they are freed (`munmap`, or trimming the
/// heap), so every piece starts on fresh pages: one page fault per 4 KiB,
/// 25,000 of them for a 64 MiB file, a few percent of the run. With these
/// two settings the pieces reuse the same memory; the peak stays what the
/// pieces in flight need, as before. (Other allocators were tried:
/// mimalloc removed the faults too but raised the peak memory and the
/// start-up time.)
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes allocator settings; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

/// Prints `e` as one line; usage errors exit 2, others 1.
fn fail(e: &zhclean::Error) -> ExitCode {
    eprintln!("zhclean: {e}");
    ExitCode::from(if e.is_usage() { 2 } else { 1 })
}
