//! Stream shape: one input (standard input or a file) to one output
//! (standard output or a file).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::document::{Input, Output};
use super::{Ctx, Event, Fail, Shape, Status};
use crate::error::{Error, Result};
use crate::report::{FileReport, SkipReason, Summary};
use crate::write::{self, Rewind};

impl Ctx<'_> {
    /// `input` (or stdin) to `output` (or stdout).
    pub(super) fn run_stream(
        &self,
        input: Option<&Path>,
        output: Option<&Path>,
    ) -> Result<(Status, Shape, Summary)> {
        let o = self.opts;
        let through = output.map(write::check_written_through).transpose()?.unwrap_or(false);
        if let (Some(i), Some(out)) = (input, output) {
            write::check_output(&[i.to_path_buf()], out, false)?;
        }
        // Temporaries of a killed run beside the output file (none beside
        // a device or standard output).
        if let Some(out) = output.filter(|_| !o.dry_run && !through) {
            let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
            write::sweep_temporaries_in(dir.unwrap_or(Path::new(".")));
        }
        let name = input.unwrap_or(Path::new("-"));
        let mut report = FileReport::new(name);
        let size = input.and_then(|p| fs::metadata(p).ok()).map(|m| m.len());
        self.observer.event(Event::Started { files: 1, bytes: size });
        let mut source = match input {
            Some(p) => match File::open(p) {
                Ok(f) => Input::file(f, size),
                Err(e) => return Ok(self.finish_stream(report, Err(Error::io(p, e).into()))),
            },
            None => Input::stdin(),
        };
        let out_name = output.unwrap_or(Path::new("-"));
        let observer = self.observer;
        let mut note = |n: super::observe::Note| n.send(name, observer);
        let mut done = 0u64;
        let mut on_bytes = |n: u64| {
            done += n;
            observer.event(Event::Progress { files: 0, bytes: done });
        };
        let mut go = |w: &mut dyn Rewind| -> std::result::Result<(), Fail> {
            let out = Output { path: out_name, w, on_bytes: &mut on_bytes };
            self.process(&mut source, name, out, &mut report, &mut note)
        };
        let result = match output {
            Some(out) if !o.dry_run => write::write_atomic_with(out, o.fsync, go),
            _ if o.dry_run => go(&mut io::sink()),
            _ => {
                let stdout = io::stdout();
                let mut w = io::BufWriter::with_capacity(1 << 16, stdout.lock());
                go(&mut w).and_then(|()| w.flush().map_err(|e| Error::io("-", e).into()))
            }
        };
        Ok(self.finish_stream(report, result))
    }

    fn finish_stream(
        &self,
        mut report: FileReport,
        result: std::result::Result<(), Fail>,
    ) -> (Status, Shape, Summary) {
        let o = self.opts;
        let mut status = if report.bad_records > 0 { Status::Failure } else { Status::Success };
        let mut sum = Summary::default();
        match result {
            Ok(()) => {}
            // A closed standard output (`| head`) ends the run quietly.
            Err(Fail::Error(Error::Io { source, .. }))
                if source.kind() == io::ErrorKind::BrokenPipe =>
            {
                return (status, Shape::Stream, sum);
            }
            Err(Fail::Error(e)) => {
                report.error = Some(e.to_string());
                status = Status::Failure;
            }
            Err(Fail::Binary(reason)) => {
                // A stream has nowhere to put a skipped document: a failure.
                report.skipped = Some(SkipReason::Binary { reason, copied: false });
                status = Status::Failure;
            }
            Err(Fail::Interrupted) => status = Status::Interrupted,
        }
        if status != Status::Interrupted {
            self.observer.event(Event::FileDone { report: &report });
        }
        if let Some(path) = &o.report {
            let line = report.to_json(self.convert_name()) + "\n";
            if let Err(e) = fs::write(path, line) {
                self.observer.event(Event::Error { error: &Error::io(path, e) });
                status = status.max(Status::Failure);
            }
        }
        sum.add(&report);
        (status, Shape::Stream, sum)
    }
}
