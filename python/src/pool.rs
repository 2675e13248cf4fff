//! Each cleaner's rayon pool, made when first needed and made again after
//! `fork`.
//!
//! A forked child has only the thread that called `fork`: the parent's pool
//! threads are gone, and handing work to that pool would wait for ever
//! (Spark's and multiprocessing's workers are forked, and so may inherit a
//! cleaner that already ran). So the pool remembers the process that made
//! it, and a cleaner used in another process makes a new pool. The old one
//! is leaked, never dropped: its locks may have been held by a parent
//! thread at the moment of the fork.

use std::sync::{Arc, Mutex};

use rayon::{ThreadPool, ThreadPoolBuilder};

/// The pool of one cleaner and the process it belongs to.
#[derive(Default)]
pub(crate) struct PoolSlot {
    pool: Option<(u32, Arc<ThreadPool>)>,
}

/// The pool to run on for `threads` (0: one per core), or `None` when the
/// work should run on the calling thread (one thread, or a machine with one
/// core).
pub(crate) fn get(slot: &Mutex<PoolSlot>, threads: usize) -> Option<Arc<ThreadPool>> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    if threads <= 1 {
        return None;
    }
    let pid = std::process::id();
    // A poisoned lock only means a panic elsewhere while it was held; the
    // slot itself is always in a usable state.
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    match &slot.pool {
        Some((owner, pool)) if *owner == pid => return Some(pool.clone()),
        Some(_) => {
            if let Some((_, stale)) = slot.pool.take() {
                std::mem::forget(stale);
            }
        }
        None => {}
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("zhclean-{i}"))
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    slot.pool = Some((pid, pool.clone()));
    Some(pool)
}
