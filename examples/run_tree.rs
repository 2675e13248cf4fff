//! Runs a tree from Rust with its own observer, and cancels it.
//!
//! `cargo run --example run_tree --no-default-features`: makes a tree of
//! 200 small files in a temporary folder, cleans and converts it once to
//! the end (counting files and explained changes), then again with a token
//! the observer cancels after 20 files.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use zhclean::run::{CancelToken, Event, Observer, RunOptions, Status, run};
use zhclean::{Config, ConvertSpec};

/// An observer that keeps its own tallies, and cancels after `stop_after`
/// files when given a token.
struct Tally {
    files: AtomicU64,
    explained: AtomicU64,
    last: Mutex<Option<String>>,
    stop_after: Option<(u64, CancelToken)>,
}

impl Observer for Tally {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::FileDone { report } => {
                let n = self.files.fetch_add(1, Ordering::Relaxed) + 1;
                *self.last.lock().unwrap() = Some(report.path.display().to_string());
                if let Some((limit, token)) = &self.stop_after
                    && n >= *limit
                {
                    token.cancel();
                }
            }
            Event::Explained { .. } => {
                self.explained.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("in");
    for i in 0..200 {
        let sub = input.join(format!("d{}", i % 5));
        std::fs::create_dir_all(&sub).unwrap();
        let body = format!("第{i}篇：斯科特?丹恩（Scott Dunn）说,头发与发展\n").repeat(50);
        std::fs::write(sub.join(format!("f{i:03}.txt")), body).unwrap();
    }
    let config =
        Config { convert: Some(ConvertSpec::new("s2t")), explain: true, ..Config::default() };
    let opts = |out: &str| RunOptions {
        inputs: vec![input.clone()],
        output: Some(dir.path().join(out)),
        jobs: 2,
        ..RunOptions::default()
    };

    let tally = Tally {
        files: AtomicU64::new(0),
        explained: AtomicU64::new(0),
        last: Mutex::new(None),
        stop_after: None,
    };
    let outcome = run(&opts("all"), config.clone(), &tally, &CancelToken::new()).unwrap();
    assert_eq!(outcome.status, Status::Success);
    println!(
        "whole run: {:?}, {} files, {} explained changes, {} bytes out, last {:?}",
        outcome.status,
        tally.files.load(Ordering::Relaxed),
        tally.explained.load(Ordering::Relaxed),
        outcome.summary.bytes_out,
        tally.last.lock().unwrap(),
    );

    let token = CancelToken::new();
    let tally = Tally {
        files: AtomicU64::new(0),
        explained: AtomicU64::new(0),
        last: Mutex::new(None),
        stop_after: Some((20, token.clone())),
    };
    let outcome = run(&opts("part"), config, &tally, &token).unwrap();
    assert_eq!(outcome.status, Status::Interrupted);
    println!(
        "cancelled run: {:?} after {} files ({} processed)",
        outcome.status,
        tally.files.load(Ordering::Relaxed),
        outcome.summary.processed
    );
}
