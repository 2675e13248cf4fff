//! The batch driver end to end: many small files against one large file of
//! the same total size, on one and two threads, with `--convert s2t`.
//!
//! CI sizes (4 MiB in all); the full-size figures (100,000 files, a 4 GB
//! file, peak memory) come from `scripts/bench-batch.sh`.

use std::fs;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhclean::run::{CancelToken, RunOptions, Status, run};
use zhclean::{Config, ConvertSpec};

const FILES: usize = 2000;
const FILE_SIZE: usize = 2048;

/// About `size` bytes of Simplified Chinese lines with some damage.
fn text(size: usize, seed: usize) -> String {
    let mut s = String::with_capacity(size + 100);
    let mut i = seed;
    while s.len() < size {
        s.push_str(&format!("第{i}行：头发与发展,网络软件的信息 ２０２４年 ABC。\n"));
        i += 1;
    }
    s
}

fn options(input: &Path, out: &Path, jobs: usize) -> RunOptions {
    RunOptions {
        inputs: vec![input.to_path_buf()],
        output: Some(out.to_path_buf()),
        jobs,
        force: true,
        block_size: 256 << 10,
        ..RunOptions::default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    for i in 0..FILES {
        let d = small.join(format!("d{}", i % 50));
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join(format!("f{i}.txt")), text(FILE_SIZE, i)).unwrap();
    }
    let large = dir.path().join("large.txt");
    fs::write(&large, text(FILES * FILE_SIZE, 0)).unwrap();
    let total = FILES as u64 * FILE_SIZE as u64;
    let config = Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() };

    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total));
    for jobs in [1, 2] {
        let out = dir.path().join(format!("out-small-{jobs}"));
        g.bench_function(format!("{FILES}-files-j{jobs}"), |b| {
            b.iter(|| {
                let opts = options(&small, &out, jobs);
                let done = run(&opts, config.clone(), &(), &CancelToken::new()).unwrap();
                assert_eq!(done.status, Status::Success);
            })
        });
        let out = dir.path().join(format!("out-large-{jobs}.txt"));
        g.bench_function(format!("one-file-j{jobs}"), |b| {
            b.iter(|| {
                let opts = options(&large, &out, jobs);
                let done = run(&opts, config.clone(), &(), &CancelToken::new()).unwrap();
                assert_eq!(done.status, Status::Success);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
