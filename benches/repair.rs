//! Repair-stage throughput, single thread.
//!
//! `clean`: People's Daily 1998-01 plain text (from `.cache/repair/199801.txt`
//! when `scripts/repair/fetch_corpora.sh` has run, else the clean samples of
//! `tests/data/repair/negative.json` repeated): the common case, which must
//! be a fast scan. `damaged`: every damaged evaluation case, one per line.
//!
//! ```text
//! cargo bench --bench repair
//! ```

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhclean::repair::Repairer;
use zhclean::{Changes, Config};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// About `size` bytes of clean People's Daily text.
fn clean_text(size: usize) -> String {
    let mut out = String::with_capacity(size + 4096);
    if let Ok(pd) = std::fs::read_to_string(root().join(".cache/repair/199801.txt")) {
        for line in pd.lines() {
            for tok in line.split_whitespace() {
                let tok = tok.trim_start_matches('[');
                let tok = tok.split(']').next().unwrap_or(tok);
                if let Some((w, _)) = tok.rsplit_once('/') {
                    out.push_str(w);
                }
            }
            out.push('\n');
            if out.len() >= size {
                return out;
            }
        }
    }
    let neg: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/repair/negative.json")).unwrap(),
    )
    .unwrap();
    let samples: Vec<&str> = neg
        .iter()
        .filter(|c| c["label"].as_str().is_some_and(|l| l.starts_with("clean-pd")))
        .filter_map(|c| c["original"].as_str())
        .collect();
    while out.len() < size {
        for s in &samples {
            out.push_str(s);
            out.push('\n');
        }
    }
    out
}

fn damaged_text() -> String {
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/repair/cases.json")).unwrap(),
    )
    .unwrap();
    cases.iter().filter_map(|c| c["original"].as_str()).collect::<Vec<_>>().join("\n")
}

fn bench(c: &mut Criterion) {
    let repairer = Repairer::new(&Config::default());
    let mut group = c.benchmark_group("repair");
    group.sample_size(20);
    for (name, text) in [("clean", clean_text(4 << 20)), ("damaged", damaged_text())] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut ch = Changes::new();
                black_box(repairer.repair(black_box(&text), &mut ch).len())
            })
        });
    }
    // A reference on the same clean text: counting characters. The shared
    // 2-core machines are often loaded; the ratio to this is steadier than
    // the absolute figure.
    let clean = clean_text(4 << 20);
    group.throughput(Throughput::Bytes(clean.len() as u64));
    group.bench_function("reference-chars-count", |b| {
        b.iter(|| black_box(black_box(&clean).chars().count()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
