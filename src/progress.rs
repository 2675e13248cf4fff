//! The command's progress bar on stderr, and the one place that prints
//! while it is shown.
//!
//! The run's events come from one thread at a time, and only the
//! command's observer owns a [`Progress`]; workers never touch the
//! terminal, so messages and the bar do not tear each other. When
//! stderr is not a terminal (and `--progress always` was not given) the bar
//! is hidden and costs nothing.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// How often `--progress always` prints a plain line when stderr is not a
/// terminal (a log file, a pipe).
pub const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// A progress bar (possibly hidden) plus a way to print above it.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    total_files: Option<u64>,
    /// `--progress always` with stderr not a terminal: no bar (its control
    /// codes would litter a log), a plain line at most once per interval;
    /// when the last line was printed.
    plain: Option<(Duration, Mutex<Instant>)>,
}

impl Progress {
    fn target(mode: ProgressMode) -> ProgressDrawTarget {
        match mode {
            ProgressMode::Never => ProgressDrawTarget::hidden(),
            ProgressMode::Auto if !mode.visible() => ProgressDrawTarget::hidden(),
            ProgressMode::Auto => ProgressDrawTarget::stderr(),
            ProgressMode::Always if std::io::stderr().is_terminal() => ProgressDrawTarget::stderr(),
            // Not a terminal: plain lines instead (see `plain`).
            ProgressMode::Always => ProgressDrawTarget::hidden(),
        }
    }

    fn plain(mode: ProgressMode, interval: Duration) -> Option<(Duration, Mutex<Instant>)> {
        (mode == ProgressMode::Always && !std::io::stderr().is_terminal())
            .then(|| (interval, Mutex::new(Instant::now())))
    }

    /// Sets the interval of the plain lines (`--progress always` when
    /// stderr is not a terminal).
    pub fn with_interval(mut self, interval: Duration) -> Progress {
        if let Some((i, _)) = &mut self.plain {
            *i = interval;
        }
        self
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
        let p = Progress {
            bar,
            total_files: Some(files),
            plain: Progress::plain(mode, PLAIN_INTERVAL),
        };
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
        Progress { bar, total_files: None, plain: Progress::plain(mode, PLAIN_INTERVAL) }
    }

    /// Records that `done` files are finished.
    pub fn set_files_done(&self, done: u64) {
        if let Some(total) = self.total_files {
            self.bar.set_message(format!("files {done}/{total}"));
        }
    }

    /// Sets the byte count (and prints a plain line if one is due).
    pub fn set_position(&self, bytes: u64) {
        self.bar.set_position(bytes);
        if let Some((interval, last)) = &self.plain {
            let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
            if last.elapsed() >= *interval {
                *last = Instant::now();
                eprintln!("{}", self.plain_line());
            }
        }
    }

    /// `zhclean: files 3/10, 1.5 MiB of 4.0 MiB, 0.8 MiB/s` (or, for a
    /// stream, the bytes so far).
    fn plain_line(&self) -> String {
        let done = zhclean::report::human_bytes(self.bar.position());
        let elapsed = self.bar.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 { (self.bar.position() as f64 / elapsed) as u64 } else { 0 };
        let rate = zhclean::report::human_bytes(rate);
        match (self.total_files, self.bar.length()) {
            (Some(_), Some(total)) => format!(
                "zhclean: {}, {done} of {}, {rate}/s",
                self.bar.message(),
                zhclean::report::human_bytes(total)
            ),
            _ => format!("zhclean: {done} read, {rate}/s"),
        }
    }

    /// Prints `line` on stderr without tearing the bar (printed even when
    /// the bar is hidden).
    pub fn eprintln(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Removes the bar; plain lines end with one for the end of the run.
    pub fn finish(&self) {
        if self.plain.is_some() && !self.bar.is_finished() {
            eprintln!("{}", self.plain_line());
        }
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

    #[test]
    fn plain_lines_have_no_control_codes() {
        let p = Progress::files(ProgressMode::Never, 3, 2048);
        p.set_files_done(1);
        p.set_position(1024);
        let line = p.plain_line();
        assert!(line.starts_with("zhclean: files 1/3, 1.0 KiB of 2.0 KiB, "), "{line}");
        assert!(!line.contains('\x1b'), "{line}");
    }
}
