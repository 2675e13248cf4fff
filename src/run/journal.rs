//! The resume journal's side of a run: the fingerprint of everything that
//! shapes an output, and the journal entry of a finished file. (The
//! journal file itself is [`crate::write::Journal`].)

use std::fs;
use std::path::{Path, PathBuf};

use super::RunOptions;
use crate::config::Config;
use crate::walk::Entry;
use crate::write::{self, JournalEntry, OutputStamp};

/// A fingerprint of everything that shapes an output: the version, the
/// text settings, the output naming, and the dictionary files named (by
/// size and mtime, so editing one redoes the outputs).
pub(super) fn fingerprint(opts: &RunOptions, config: &Config) -> u64 {
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

/// The journal entry of `e`, written under options `fingerprint` into the
/// output stamped `out`. The size and time are the walk's: taken before
/// the file was read, so a file changed since is redone by the next run.
pub(super) fn entry(e: &Entry, fingerprint: u64, out: OutputStamp) -> JournalEntry {
    JournalEntry { size: e.size, mtime_ns: e.mtime_ns, options: fingerprint, out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConvertSpec;

    #[test]
    fn fingerprint_follows_what_shapes_the_output() {
        let opts = RunOptions::default();
        let base = fingerprint(&opts, &Config::default());
        assert_eq!(base, fingerprint(&opts, &Config::default()));
        // Explaining changes nothing in the output.
        assert_eq!(base, fingerprint(&opts, &Config { explain: true, ..Config::default() }));
        let s2t = Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() };
        assert_ne!(base, fingerprint(&opts, &s2t));
        let txt = RunOptions { ext: Some("txt".into()), ..RunOptions::default() };
        assert_ne!(base, fingerprint(&txt, &Config::default()));
    }
}
