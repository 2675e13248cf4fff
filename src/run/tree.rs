//! Tree and file shape: the inputs walked, each file processed on the
//! pool, each result sent to one bookkeeping thread that alone gives
//! events to the observer and writes the report and the journal.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rayon::prelude::*;

use super::document::{Input, Output};
use super::observe::Note;
use super::{Ctx, Event, Fail, Shape, Status, journal};
use crate::error::{Error, Result};
use crate::report::{FileReport, SkipReason, Summary};
use crate::walk::{self, Entry, EntryKind};
use crate::write::{self, Journal, JournalEntry, OutDir, Rewind};

/// How many explanations a worker gathers before it sends them ahead.
const NOTE_CHUNK: usize = 1024;

/// How many such chunks may wait for the bookkeeping thread.
const NOTE_CHUNKS: usize = 64;

/// The result of one file, sent to the bookkeeping thread.
struct Done {
    report: FileReport,
    /// Events about the file (explanations, bad records), in order.
    notes: Vec<Note>,
    journal: Option<(PathBuf, JournalEntry)>,
    interrupted: bool,
}

impl Ctx<'_> {
    /// Tree (or, with `single_file`, file) shape; with no `out`, in place
    /// (`--in-place`: every input file is its own output).
    pub(super) fn run_tree(
        &self,
        out: Option<&Path>,
        single_file: bool,
    ) -> Result<(Status, Shape, Summary)> {
        let o = self.opts;
        let shape = if single_file { Shape::File } else { Shape::Tree };
        let in_place = out.is_none();
        // Absolute once, so that no per-file call resolves it again.
        let out = &match out {
            Some(out) => std::path::absolute(out).map_err(|e| Error::io(out, e))?,
            None => PathBuf::new(),
        };
        let globs = walk::Globs::new(&o.globs)?;
        let walked = walk::collect_tree(&o.inputs, o.follow, &globs);
        if let Some(report) = &o.report {
            let out = Some(out.as_path()).filter(|_| !in_place);
            write::check_report(report, &o.inputs, out, Some((&walked.files, &walked.dirs)))?;
        }
        if in_place && !o.dry_run {
            // zhclean's own files among the inputs are not text to clean
            // (the walk leaves them out); in place, the temporaries of a
            // killed run are removed, those of a live one left alone.
            for p in &walked.own_files {
                write::remove_stale_temporary(p);
            }
        }
        let walk::Walk { entries, errors: walk_errors, dirs: input_dirs, .. } = walked;
        let mut status = Status::Success;
        let targets: Vec<(PathBuf, PathBuf)> = entries
            .iter()
            .map(|e| {
                if in_place {
                    (e.path.clone(), e.path.clone())
                } else if single_file {
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
                    crate::error::escaped(t),
                    crate::error::escaped(&e.path)
                )));
            }
        }
        // Outputs are written only through the opened output folder (the
        // folder of the output file, for one file), never into an input
        // folder (compared by device and inode).
        let out_root = if single_file { out.parent().unwrap_or(out) } else { out.as_path() };
        // In place, a file below an input folder is replaced only in a
        // folder the walk went through (by device and inode: not in one
        // swapped for a link since); a file named on the command line, in
        // its folder as named.
        let walked_dirs = in_place.then(|| InPlace {
            dirs: input_dirs.clone(),
            named: o.inputs.iter().cloned().collect(),
        });
        let out_dir = if o.dry_run || in_place {
            if !in_place && out_root.is_dir() {
                OutDir::open(out_root, input_dirs, false)?;
            }
            None
        } else {
            Some(OutDir::open(out_root, input_dirs, true)?.with_fsync(o.fsync))
        };
        // One run at a time into an output folder: taken before the journal
        // is read, held to the end of the run.
        let _lock = match &out_dir {
            Some(d) if !single_file => Some(d.lock()?),
            _ => None,
        };
        let journal = match &out_dir {
            Some(d) if !single_file => {
                write::sweep_temporaries(out);
                Journal::open_in(d, true, !o.force)?
            }
            Some(_) => {
                write::sweep_temporaries_in(out_root);
                Journal::default()
            }
            None => Journal::default(),
        };
        let mut report_file = match &o.report {
            Some(p) => Some(io::BufWriter::new(File::create(p).map_err(|e| Error::io(p, e))?)),
            None => None,
        };
        let total: u64 = entries.iter().map(|e| e.size).sum();
        let files = (entries.len() + walk_errors.len()) as u64;
        self.observer.event(Event::Started { files, bytes: Some(total) });
        let bytes_done = AtomicU64::new(0);
        // Bounded so that memory stays bounded if the receiver falls behind;
        // sized to the run (the channel allocates its slots up front, and
        // 16 Ki slots of `Done` cost ~9 MB of page faults for one file).
        let (tx, rx) = mpsc::sync_channel::<Done>(entries.len().clamp(1, 1 << 14));
        let convert = self.convert_name();
        // Batching the receiver's wake-ups only pays with many files; for a
        // few it would only delay the end of the run.
        let batch_wakeups = entries.len() > 256;
        let observer = self.observer;
        // Explanations of a file that has many are sent ahead in chunks on
        // a channel of their own, so that a worker holds at most a chunk
        // (not all of a file's changes: 733k explained lines were 98 MB).
        // Bounded too: a worker waits while the bookkeeping thread prints.
        let (notes_tx, notes_rx) = mpsc::sync_channel::<(PathBuf, Vec<Note>)>(NOTE_CHUNKS);
        let notes_tx = &notes_tx;
        let (summary, received_status) = std::thread::scope(|scope| {
            let bytes_done = &bytes_done;
            let report_file = &mut report_file;
            let journal = &journal;
            // The one thread that gives events, writes the report and the
            // journal; the workers below only send it their results.
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
                    // A file's chunks were sent before its result: they
                    // are all here now, and go out first.
                    for (path, notes) in notes_rx.try_iter() {
                        for n in &notes {
                            n.send(&path, observer);
                        }
                    }
                    let burst = queue.len() as u64;
                    for done in queue.drain(..) {
                        for n in &done.notes {
                            n.send(&done.report.path, observer);
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
                            observer.event(Event::Error { error: &Error::io(p, e) });
                            *report_file = None;
                            status = status.max(Status::Failure);
                        }
                        summary.add(&done.report);
                        observer.event(Event::FileDone { report: &done.report });
                    }
                    // One write for the burst. A kill loses at most the
                    // entries of one burst (those files are redone), and
                    // every line names an output already in place.
                    if let Err(e) = journal.append(&journal_lines)
                        && journal_ok
                    {
                        observer.event(Event::Error { error: &Error::io(journal.path(), e) });
                        journal_ok = false;
                    }
                    journal_lines.clear();
                    files_done += burst;
                    observer.event(Event::Progress {
                        files: files_done,
                        bytes: bytes_done.load(Ordering::Relaxed),
                    });
                }
                (summary, status)
            });
            // Walk errors go into the report and the summary like any
            // failed file.
            for err in walk_errors {
                let path = match &err {
                    Error::Io { path, .. } => path.clone(),
                    _ => PathBuf::from("-"),
                };
                let report = FileReport { error: Some(err.to_string()), ..FileReport::new(path) };
                let _ =
                    tx.send(Done { report, notes: Vec::new(), journal: None, interrupted: false });
            }
            // The workers, on the pool this function runs on.
            let out_dir = out_dir.as_ref();
            entries.par_iter().zip(&targets).for_each_with(tx, |tx, (e, (text, copy))| {
                let (text, copy) = (text.as_path(), copy.as_path());
                let done = self.process_entry(
                    e,
                    (text, copy),
                    out_dir,
                    journal,
                    single_file,
                    bytes_done,
                    notes_tx,
                    walked_dirs.as_ref(),
                );
                let _ = tx.send(done);
            });
            receiver.join().expect("the bookkeeping thread does not panic")
        });
        status = status.max(received_status);
        if let Some(d) = &out_dir
            && let Err(e) = journal.compact(d)
        {
            self.observer.event(Event::Error { error: &e });
            status = status.max(Status::Failure);
        }
        if let Some(Err(e)) = report_file.as_mut().map(Write::flush) {
            let p = o.report.as_deref().unwrap_or(Path::new("report"));
            self.observer.event(Event::Error { error: &Error::io(p, e) });
            status = status.max(Status::Failure);
        }
        Ok((status, shape, summary))
    }

    /// Processes one file of a tree. Its journal entry, if any, is only
    /// made once the output has been renamed into place; the bookkeeping
    /// thread writes the entries of a burst of files in one write.
    #[allow(clippy::too_many_arguments)]
    fn process_entry(
        &self,
        e: &Entry,
        (text_target, copy_target): (&Path, &Path),
        out_dir: Option<&OutDir>,
        journal: &Journal,
        single_file: bool,
        bytes_done: &AtomicU64,
        notes_tx: &mpsc::SyncSender<(PathBuf, Vec<Note>)>,
        in_place: Option<&InPlace>,
    ) -> Done {
        let o = self.opts;
        let mut done = Done {
            report: FileReport::new(&e.path),
            notes: Vec::new(),
            journal: None,
            interrupted: false,
        };
        let skip = match e.kind {
            EntryKind::File => None,
            EntryKind::Symlink => Some(SkipReason::Symlink),
            EntryKind::SymlinkLoop => Some(SkipReason::SymlinkLoop),
            EntryKind::Special => Some(SkipReason::Special),
        };
        // In place, a file named on the command line is taken as it is, not
        // as what a link there points to: replacing a link would make it a
        // file (a link below an input folder is already a link entry).
        let skip = skip.or_else(|| {
            let link = o.in_place
                && fs::symlink_metadata(&e.path).is_ok_and(|m| m.file_type().is_symlink());
            link.then_some(SkipReason::Symlink)
        });
        if let Some(s) = skip {
            done.report.skipped = Some(s);
            return done;
        }
        if self.cancelled() {
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
        let (mut input, input_id) = match File::open(&e.path) {
            Ok(f) => {
                // In place, the file replaced must be the one read (one
                // `fstat`, spared to the other shapes).
                let id = match o.in_place {
                    true => f.metadata().map(|m| write::file_id(&m)).unwrap_or_default(),
                    false => (0, 0),
                };
                (Input::file(f, Some(e.size)), id)
            }
            Err(err) => return failed(done, Error::io(&e.path, err)),
        };
        let mut on_bytes = |n: u64| {
            bytes_done.fetch_add(n, Ordering::Relaxed);
        };
        let mut notes = Vec::new();
        let result = {
            let mut note = |n: Note| {
                notes.push(n);
                if notes.len() >= NOTE_CHUNK {
                    let _ = notes_tx.send((e.path.clone(), std::mem::take(&mut notes)));
                }
            };
            let report = &mut done.report;
            let mut go = |w: &mut dyn Rewind| {
                let out = Output { path: text_target, w, on_bytes: &mut on_bytes };
                self.process(&mut input, &e.path, out, report, &mut note)?;
                // A file cut short while it was read (the walk saw more) is
                // not written as if whole.
                if report.bytes_in < e.size {
                    let why = format!(
                        "shrank from {} to {} bytes while being read; not written",
                        e.size, report.bytes_in
                    );
                    return Err(Fail::Error(Error::io(&e.path, io::Error::other(why))));
                }
                Ok(())
            };
            match out_dir {
                Some(d) if !o.dry_run => d.write_atomic(text_target, go).map(|((), s)| Some(s)),
                None if !o.dry_run
                    && let Some(guard) = in_place =>
                {
                    let backup = o.backup.as_deref();
                    let dirs = (!guard.named.contains(&e.path)).then_some(&guard.dirs);
                    write::replace_in_place(&e.path, input_id, dirs, backup, o.fsync, go)
                        .map(|_| None)
                }
                _ => go(&mut io::sink()).map(|()| None),
            }
        };
        done.notes = notes;
        match result {
            Ok(stamp) => {
                if let Some(stamp) = stamp {
                    let entry = journal::entry(e, self.fingerprint, stamp);
                    done.journal = Some((e.rel.clone(), entry));
                }
                done
            }
            Err(Fail::Error(err)) => failed(done, err),
            Err(Fail::Interrupted) => {
                done.interrupted = true;
                done
            }
            Err(Fail::Binary(reason)) => {
                let mut copied = false;
                if o.copy_other {
                    copied = true;
                    if let Some(d) = out_dir.filter(|_| !o.dry_run) {
                        let copy = d.write_atomic(copy_target, |w| {
                            let mut f =
                                File::open(&e.path).map_err(|err| Error::io(&e.path, err))?;
                            io::copy(&mut f, w).map_err(|err| Error::io(copy_target, err))
                        });
                        match copy {
                            Ok((n, stamp)) => {
                                done.report.bytes_out = n;
                                let entry = journal::entry(e, self.fingerprint, stamp);
                                done.journal = Some((e.rel.clone(), entry));
                            }
                            Err(err) => return failed(done, err),
                        }
                    }
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
}

/// What an in-place run may replace (see `run_tree`).
struct InPlace {
    /// The folders walked.
    dirs: std::collections::HashSet<write::FileId>,
    /// The inputs named on the command line.
    named: std::collections::HashSet<PathBuf>,
}

fn failed(mut done: Done, err: Error) -> Done {
    done.report.error = Some(err.to_string());
    done
}
