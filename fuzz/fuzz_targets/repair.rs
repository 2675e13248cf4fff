//! Repair of arbitrary strings: no panic, and repairing twice changes
//! nothing more than repairing once.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhclean::repair::Repairer;
use zhclean::{Changes, Config};

fuzz_target!(|text: &str| {
    static REPAIRER: OnceLock<Repairer> = OnceLock::new();
    let r = REPAIRER.get_or_init(|| Repairer::new(&Config::default()));
    let once = r.repair(text, &mut Changes::explaining()).into_owned();
    let twice = r.repair(&once, &mut Changes::new());
    assert_eq!(twice, once, "repair is not idempotent on {text:?}");
});
