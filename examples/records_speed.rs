//! The in-process speed of the pipeline on the `text` fields of a JSON Lines
//! file, one thread: the Rust figure that the Python binding's `clean_batch`
//! and `clean_arrow` are compared with (`python/bench/bench_batch.py` runs
//! both on the same records).
//!
//! ```sh
//! cargo run --release --example records_speed -- records.jsonl [s2t] [ROUNDS]
//! ```
//!
//! Each round cleans every text once with `record::clean_field` (what
//! `zhclean --jsonl` runs on each field, and what the binding calls) and
//! keeps the outputs, as the binding does; the JSON reading is not timed. Prints one JSON object per
//! round: seconds, MB/s of input text and records/s, and on Linux the
//! thread's CPU seconds (`cpu_seconds`: not inflated by other processes
//! taking the core).

use std::time::Instant;

use zhclean::{Changes, Config, ConvertSpec, Pipeline};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: records_speed FILE [CONFIG|-] [ROUNDS]");
    let convert = args.next().filter(|c| c != "-");
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS is a number"));
    let data = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let texts: Vec<String> = data
        .lines()
        .filter_map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).ok()?;
            v.get("text")?.as_str().map(str::to_string)
        })
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let pipeline = Pipeline::new(Config {
        convert: convert.as_deref().map(ConvertSpec::new),
        ..Config::default()
    })
    .expect("a known config");
    for _ in 0..rounds {
        let cpu_start = thread_cpu_seconds();
        let start = Instant::now();
        let out: Vec<_> = texts
            .iter()
            .map(|t| {
                let mut changes = Changes::new();
                zhclean::record::clean_field(&pipeline, t, &mut changes).into_owned()
            })
            .collect();
        let secs = start.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
        std::hint::black_box(&out);
        let cpu = cpu.map_or(String::new(), |c| format!(", \"cpu_seconds\": {c:.4}"));
        println!(
            "{{\"texts\": {}, \"bytes\": {bytes}, \"seconds\": {secs:.4}{cpu}, \"mb_per_s\": {:.1}, \"records_per_s\": {:.0}}}",
            texts.len(),
            bytes as f64 / secs / 1e6,
            texts.len() as f64 / secs
        );
    }
}

/// The CPU time of the calling thread (time it ran, whatever else ran on
/// the machine), where the platform gives it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn thread_cpu_seconds() -> Option<f64> {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    (rc == 0).then_some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
}

/// The CPU time of the calling thread: not measured on this platform.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn thread_cpu_seconds() -> Option<f64> {
    None
}
