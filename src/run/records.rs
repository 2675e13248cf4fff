//! JSON Lines (`--jsonl`): a batch of lines at a time, cleaned in
//! parallel by [`crate::record`], one line out per line in, in order.

use std::io::{BufReader, Read};
use std::path::Path;

use rayon::prelude::*;

use super::document::Output;
use super::observe::Note;
use super::{Ctx, Fail, strip_explained};
use crate::error::Error;
use crate::record;
use crate::report::FileReport;

impl Ctx<'_> {
    pub(super) fn process_records(
        &self,
        reader: &mut dyn Read,
        path: &Path,
        fields: &[String],
        mut out: Output<'_>,
        report: &mut FileReport,
        note: &mut dyn FnMut(Note),
    ) -> Result<(), Fail> {
        let block = self.opts.block_size.max(1);
        let paths = fields
            .iter()
            .map(|f| record::FieldPath::parse(f))
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(|e| Fail::Error(Error::Usage(e)))?;
        let forced = self.pipeline.encoding();
        // Lines per encoding they were decoded from (UTF-8 lines with
        // non-ASCII text under "UTF-8"), for the report.
        let mut encodings: Vec<(&'static str, u64)> = Vec::new();
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let mut batch: Vec<Vec<u8>> = Vec::new();
        let mut batch_bytes = 0;
        let mut line_no: u64 = 0;
        report.encoding = Some("UTF-8".into());
        report.confidence = Some(1.0);
        let mut script_sample = String::new();
        loop {
            let mut line = Vec::new();
            let (n, whole) = record::read_record(&mut reader, &mut line, record::MAX_RECORD)
                .map_err(|e| Error::io(path, e))?;
            if n > 0 && whole {
                batch_bytes += n;
                batch.push(std::mem::take(&mut line));
            }
            // Process when the batch is big, at the end, before a line too
            // long to hold, or when no more input is waiting, so that a
            // caller that feeds one line and waits for its answer is not
            // kept waiting.
            let hold = n > 0 && batch_bytes < block && !reader.buffer().is_empty();
            if whole && (batch.is_empty() || hold) {
                if n == 0 {
                    break;
                }
                continue;
            }
            if self.cancelled() {
                return Err(Fail::Interrupted);
            }
            if line_no == 0
                && let Some(first) = batch.first_mut()
                && first.starts_with(b"\xEF\xBB\xBF")
            {
                // A byte-order mark before the first record: dropped (the
                // output is UTF-8 without one) and counted.
                first.drain(..3);
                report.changes.add(crate::rules::Rule::Bom, 1);
            }
            let outs: Vec<(Vec<u8>, bool, record::RecordOutput)> = batch
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
                    let body = &line[..body_len];
                    let r =
                        record::process_line_paths(&self.pipeline, &paths, body, &mut out, forced);
                    out.extend_from_slice(&line[body_len..]);
                    (out, !body.is_ascii(), r)
                })
                .collect();
            for (bytes, non_ascii, r) in outs {
                line_no += 1;
                if r.blank {
                    report.blank_records += 1;
                }
                let enc = match r.encoding {
                    Some(e) => Some(e),
                    None if non_ascii && r.bad.is_none() => Some("UTF-8"),
                    None => None,
                };
                if let Some(enc) = enc {
                    match encodings.iter_mut().find(|(e, _)| *e == enc) {
                        Some((_, n)) => *n += 1,
                        None => encodings.push((enc, 1)),
                    }
                }
                report.bytes_out += bytes.len() as u64;
                report.changes.merge(&strip_explained(&r.changes));
                if let Some(bad) = &r.bad {
                    report.bad_records += 1;
                    note(Note::BadRecord { line: line_no, message: bad.to_string() });
                }
                for (field, change) in r.explained {
                    note(Note::Explained { record: Some((line_no, field)), change });
                }
                if self.opts.report.is_some() && script_sample.len() < 1 << 16 && r.bad.is_none() {
                    script_sample.push_str(&String::from_utf8_lossy(&bytes));
                }
                out.write(&bytes)?;
            }
            report.bytes_in += batch_bytes as u64;
            (out.on_bytes)(batch_bytes as u64);
            batch.clear();
            batch_bytes = 0;
            if !whole {
                // Too long to clean: copied through as it is, in order.
                line_no += 1;
                out.write(&line)?;
                let rest = record::copy_rest_of_line(&mut reader, out.w)
                    .map_err(|e| Error::io(path, e))?;
                let len = line.len() as u64 + rest;
                report.bytes_in += len;
                report.bytes_out += len;
                report.bad_records += 1;
                (out.on_bytes)(len);
                let message = format!(
                    "a record of {len} bytes, over the {} MiB that are cleaned",
                    record::MAX_RECORD >> 20
                );
                note(Note::BadRecord { line: line_no, message });
            }
            out.flush()?;
            if n == 0 {
                break;
            }
        }
        report.script = self.script_of(&script_sample);
        // One encoding: its name; several: all of them, most lines first.
        encodings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if encodings.len() > 1 {
            let names: Vec<&str> = encodings.iter().map(|(e, _)| *e).collect();
            report.encoding = Some(format!("mixed {}", names.join("/")));
        } else if let Some((e, _)) = encodings.first() {
            report.encoding = Some(e.to_string());
        }
        Ok(())
    }
}
