//! Cancellation: a token the caller owns and the run looks at.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks a run to stop. Clones share one flag: keep one, give one to the
/// run, and call [`cancel`](Self::cancel) from any thread (a signal
/// handler, a user interface, a time-out).
///
/// A cancelled run stops starting files and pieces, lets the ones being
/// processed finish their block, removes its temporaries, writes what it
/// has of the report and the journal, and returns
/// [`Status::Interrupted`](super::Status::Interrupted). A read of standard
/// input that blocks is not interrupted.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks every run holding a clone of this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let token = CancelToken::new();
        let other = token.clone();
        assert!(!other.is_cancelled());
        std::thread::spawn(move || token.cancel()).join().unwrap();
        assert!(other.is_cancelled());
        assert!(!CancelToken::new().is_cancelled());
    }
}
