//! What a run tells its caller while it goes: [`Event`]s, given to the
//! caller's [`Observer`]. The library prints nothing; the `zhclean` binary's
//! observer draws the progress bar and prints messages.

use std::path::Path;

use crate::error::Error;
use crate::report::FileReport;
use crate::rules::Change;

/// One thing that happened in a run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The run knows what it has to do: `files` inputs of `bytes` bytes in
    /// all (`None` for a stream of unknown length).
    Started {
        /// How many files (1 for a stream).
        files: u64,
        /// Their total size, when known.
        bytes: Option<u64>,
    },
    /// Work done so far, at most a few times a second: files finished and
    /// input bytes processed, over the whole run.
    Progress {
        /// Files finished (processed, skipped or failed).
        files: u64,
        /// Input bytes processed.
        bytes: u64,
    },
    /// One change explained (`explain` in the config), in text order.
    Explained {
        /// The input file (`-` for standard input).
        path: &'a Path,
        /// For JSON Lines: the line number and the field.
        record: Option<(u64, &'a str)>,
        /// The change; its line is counted from the start of the document
        /// (or of the field).
        change: &'a Change,
    },
    /// A JSON Lines record that could not be cleaned; it was passed
    /// through unchanged.
    BadRecord {
        /// The input file.
        path: &'a Path,
        /// Its 1-based line number.
        line: u64,
        /// What is wrong with it.
        message: &'a str,
    },
    /// A file is finished: processed, skipped (its report's `skipped`
    /// says why) or failed (its report's `error`). Every event about the
    /// file came before this one.
    FileDone {
        /// The file's report.
        report: &'a FileReport,
    },
    /// A problem not tied to one finished file: an input that could not be
    /// walked, the report or the journal could not be written.
    Error {
        /// What went wrong.
        error: &'a Error,
    },
}

/// Receives a run's events. Events come from one thread at a time (not
/// always the caller's), in order; a slow observer slows the run's
/// bookkeeping, not its workers.
pub trait Observer: Sync {
    /// Called for every event.
    fn event(&self, event: Event<'_>);
}

/// An observer that ignores everything.
impl Observer for () {
    fn event(&self, _: Event<'_>) {}
}

impl<F: Fn(Event<'_>) + Sync> Observer for F {
    fn event(&self, event: Event<'_>) {
        self(event)
    }
}

/// An event about one document, kept by the worker until the file is
/// done (the owned form of [`Event::Explained`] and [`Event::BadRecord`]).
#[derive(Debug)]
pub(crate) enum Note {
    Explained { record: Option<(u64, String)>, change: Change },
    BadRecord { line: u64, message: String },
}

impl Note {
    /// Gives this note to `observer` as an event about `path`.
    pub(crate) fn send(&self, path: &Path, observer: &dyn Observer) {
        match self {
            Note::Explained { record, change } => observer.event(Event::Explained {
                path,
                record: record.as_ref().map(|(l, f)| (*l, f.as_str())),
                change,
            }),
            Note::BadRecord { line, message } => {
                observer.event(Event::BadRecord { path, line: *line, message })
            }
        }
    }
}
