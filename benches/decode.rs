//! Decode-stage throughput: valid UTF-8, GBK and Big5 (whole buffer and
//! streamed in 64 KiB chunks), and detection cost on a 64 KiB and a
//! 16 MiB input (it must not grow with the input).
//!
//! Run: `cargo bench --bench decode`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhclean::Changes;
use zhclean::decode::{self, StreamDecoder};

/// Real-looking Chinese prose (Simplified), with ASCII and punctuation.
const SIMP: &str = "中共中央总书记、国家主席江泽民发表了1998年新年讲话。\
他指出，我们要继续坚持改革开放，推动经济发展和社会全面进步。\
香港回归祖国以后，“一国两制”的方针得到了很好的贯彻落实。\n\
稀土磁铁（rare earth magnets）的出口量显著下降，市场价格上涨了15%。\n";
/// The same kind of text in Traditional characters.
const TRAD: &str = "中共中央總書記、國家主席江澤民發表了1998年新年講話。\
他指出，我們要繼續堅持改革開放，推動經濟發展和社會全面進步。\
許功蓋三字在Big5中都以5C結尾，處理時要格外小心。\n";

const MIB: usize = 1024 * 1024;

fn repeat_to(s: &str, len: usize) -> String {
    let mut out = String::with_capacity(len + s.len());
    while out.len() < len {
        out.push_str(s);
    }
    out
}

fn bench_decode(c: &mut Criterion) {
    let utf8 = repeat_to(SIMP, 16 * MIB).into_bytes();
    let gbk = encoding_rs::GBK.encode(&repeat_to(SIMP, 16 * MIB)).0.into_owned();
    let big5 = encoding_rs::BIG5.encode(&repeat_to(TRAD, 16 * MIB)).0.into_owned();

    let mut g = c.benchmark_group("decode");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    for (name, bytes) in [("utf8", &utf8), ("gbk", &gbk), ("big5", &big5)] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("whole/{name}"), |b| {
            b.iter(|| {
                let mut changes = Changes::new();
                let (text, info) = decode::decode(black_box(bytes), None, &mut changes);
                black_box((text.len(), info.encoding))
            })
        });
        g.bench_function(format!("stream64k/{name}"), |b| {
            let mut out = String::with_capacity(bytes.len() * 2);
            b.iter(|| {
                out.clear();
                let mut changes = Changes::new();
                let mut d = StreamDecoder::new(None);
                for chunk in bytes.chunks(64 * 1024) {
                    d.feed(chunk, false, &mut out, &mut changes);
                }
                d.feed(b"", true, &mut out, &mut changes);
                black_box(out.len())
            })
        });
    }
    g.finish();

    // What the libraries underneath manage on this machine, for scale.
    let mut g = c.benchmark_group("baseline");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(utf8.len() as u64));
    g.bench_function("std_from_utf8", |b| {
        b.iter(|| black_box(std::str::from_utf8(black_box(&utf8)).is_ok()))
    });
    g.bench_function("encoding_rs_utf8_valid_up_to", |b| {
        b.iter(|| black_box(encoding_rs::Encoding::utf8_valid_up_to(black_box(&utf8))))
    });
    for (name, bytes, enc) in [("gbk", &gbk, encoding_rs::GBK), ("big5", &big5, encoding_rs::BIG5)]
    {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("encoding_rs_{name}"), |b| {
            b.iter(|| black_box(enc.decode_without_bom_handling(black_box(bytes)).0.len()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("detect");
    g.sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    // Inputs of 64 KiB and 16 MiB, each whole (no character cut at the end).
    let inputs = [
        ("gbk", encoding_rs::GBK.encode(&repeat_to(SIMP, 64 * 1024)).0.into_owned(), gbk.clone()),
        (
            "big5",
            encoding_rs::BIG5.encode(&repeat_to(TRAD, 64 * 1024)).0.into_owned(),
            big5.clone(),
        ),
        ("utf8", repeat_to(SIMP, 64 * 1024).into_bytes(), utf8.clone()),
    ];
    // chardetng alone on 16 KiB (what detection feeds it), for scale.
    let gbk16k = &inputs[0].1[..16 * 1024];
    g.bench_function("chardetng_alone/gbk/16KiB", |b| {
        b.iter(|| {
            let mut d = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            d.feed(black_box(gbk16k), false);
            black_box(d.guess(None, chardetng::Utf8Detection::Deny))
        })
    });
    for (name, small, large) in &inputs {
        for input in [small, large] {
            g.bench_function(format!("{name}/{}KiB", input.len() / 1024), |b| {
                b.iter(|| black_box(decode::detect(black_box(input), None).encoding))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
