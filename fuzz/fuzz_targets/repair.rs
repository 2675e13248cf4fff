//! Repair of arbitrary strings: no panic, and repairing twice changes
//! nothing more than repairing once. Every rule is linear in a line's
//! length, so the target also fails an input that takes too long for its
//! size (a budget of 50 ms plus 20 µs per byte, far above the linear cost
//! even in a debug build; the quadratic scans it caught took 1.1 s on
//! 60 KB). Run with libFuzzer's own limit too:
//! `cargo +nightly fuzz run repair -- -timeout=10 -max_len=65536`.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use zhclean::repair::Repairer;
use zhclean::{Changes, Config};

fuzz_target!(|text: &str| {
    static REPAIRER: OnceLock<Repairer> = OnceLock::new();
    let r = REPAIRER.get_or_init(|| {
        let r = Repairer::new(&Config::default());
        // The tables every rule builds on first use, built before any
        // input is timed.
        let warm = "斯科特?丹恩（Scott Dunn）显&#33879;下降 rare?earth 寮€鍙戠幆澧冩樉绀 A?B?C? �";
        r.repair(warm, &mut Changes::explaining());
        r
    });
    let budget = Duration::from_millis(50) + Duration::from_micros(20) * text.len() as u32;
    let timed = || {
        let start = Instant::now();
        let once = r.repair(text, &mut Changes::explaining()).into_owned();
        (once, start.elapsed())
    };
    let (once, mut took) = timed();
    // Timed again (up to three times, the fastest counts) before it fails:
    // a machine busy elsewhere slows one run, a slow rule every run.
    for _ in 0..2 {
        if took <= budget {
            break;
        }
        took = took.min(timed().1);
    }
    assert!(took <= budget, "repair took {took:?} on {} bytes", text.len());
    let twice = r.repair(&once, &mut Changes::new());
    assert_eq!(twice, once, "repair is not idempotent on {text:?}");
});
