//! Conversion throughput of every built-in config on real text.
//!
//! Each of the 16 configs converts one of the ~100 KB golden inputs
//! (`tests/golden/input/`): the Simplified People's Daily sample for the
//! `s2*` configs, the Traditional Tang poems for the rest, so every config
//! sees the script it is meant for. Throughput is in input bytes.
//! `convert_parallel` is measured on the same text repeated to 1.6 MB, the
//! size where the rayon pool starts to pay.
//!
//! Converter load time is not measured here: built-in stages are cached
//! process-wide after their first load, so a criterion loop would time the
//! cache, and the compiled stage blobs that a first load deserialises are
//! private to the crate. `scripts/bench-compare.sh` times the first load as
//! part of the whole-process start-up instead.
//!
//! Run: `cargo bench --bench convert` (a few minutes on 2 cores; the
//! sample sizes are kept small on purpose).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhclean::convert::{BUILTIN_CONFIGS, Converter};

/// Reads one golden input.
fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/input").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// One benchmark per config, in input bytes per second.
fn bench_configs(c: &mut Criterion) {
    let hans = golden("pd1998.txt");
    let hant = golden("tang.txt");
    let mut group = c.benchmark_group("convert");
    group.sample_size(10).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for &cfg in BUILTIN_CONFIGS {
        let input = if cfg.starts_with("s2") { &hans } else { &hant };
        let conv = Converter::builtin(cfg).expect("built-in config");
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(cfg, |b| b.iter(|| conv.convert(black_box(input))));
    }
    group.finish();
}

/// `convert_parallel` against `convert` on a larger text, for s2t and t2s.
fn bench_parallel(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert_parallel");
    group.sample_size(10).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for (cfg, name) in [("s2t", "pd1998.txt"), ("t2s", "tang.txt")] {
        let input = golden(name).repeat(16);
        let conv = Converter::builtin(cfg).expect("built-in config");
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(format!("{cfg}/serial"), |b| {
            b.iter(|| conv.convert(black_box(&input)))
        });
        group.bench_function(format!("{cfg}/parallel_64k"), |b| {
            b.iter(|| conv.convert_parallel(black_box(&input), 64 << 10))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_configs, bench_parallel);
criterion_main!(benches);
