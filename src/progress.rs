//! The command's progress bar on stderr, and the one place that prints
//! while it is shown.
//!
//! The run's events come from one thread at a time, and only the
//! command's observer owns a [`Progress`]; workers never touch the
//! terminal, so messages and the bar do not tear each other. When
//! stderr is not a terminal (and `--progress always` was not given) the bar
//! is hidden and costs nothing.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// When to show the progress bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// When stderr is a terminal.
    #[default]
    Auto,
    /// Always, even when stderr is a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl ProgressMode {
    /// Whether a bar is drawn in this mode, given the real stderr.
    pub fn visible(self) -> bool {
        match self {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Always => true,
            ProgressMode::Never => false,
        }
    }
}

/// A progress bar (possibly hidden) plus a way to print above it.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    total_files: Option<u64>,
}

impl Progress {
    fn target(mode: ProgressMode) -> ProgressDrawTarget {
        match mode {
            ProgressMode::Never => ProgressDrawTarget::hidden(),
            ProgressMode::Auto if !mode.visible() => ProgressDrawTarget::hidden(),
            ProgressMode::Auto => ProgressDrawTarget::stderr(),
            // indicatif's stderr target hides itself when stderr is not a
            // terminal; a `TermLike` target draws whatever stderr is.
            ProgressMode::Always => {
                ProgressDrawTarget::term_like(Box::new(console::Term::stderr()))
            }
        }
    }

    /// A bar over `files` files totalling `bytes` bytes.
    pub fn files(mode: ProgressMode, files: u64, bytes: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(bytes), Progress::target(mode));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} \
                 {binary_bytes_per_sec} ETA {eta}",
            )
            .expect("static template"),
        );
        let p = Progress { bar, total_files: Some(files) };
        p.set_files_done(0);
        p.bar.enable_steady_tick(Duration::from_millis(200));
        p
    }

    /// A counter of bytes for a stream of unknown length.
    pub fn bytes(mode: ProgressMode) -> Progress {
        let bar = ProgressBar::with_draw_target(None, Progress::target(mode));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {binary_bytes} {binary_bytes_per_sec} {msg}")
                .expect("static template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar, total_files: None }
    }

    /// Records that `done` files are finished.
    pub fn set_files_done(&self, done: u64) {
        if let Some(total) = self.total_files {
            self.bar.set_message(format!("files {done}/{total}"));
        }
    }

    /// Sets the byte count.
    pub fn set_position(&self, bytes: u64) {
        self.bar.set_position(bytes);
    }

    /// Prints `line` on stderr without tearing the bar (printed even when
    /// the bar is hidden).
    pub fn eprintln(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_is_hidden() {
        let p = Progress::files(ProgressMode::Never, 3, 100);
        assert!(p.bar.is_hidden());
        p.set_files_done(2);
        assert_eq!(p.bar.message(), "files 2/3");
        p.finish();
    }
}
