//! Quick in-process conversion speed check: `cargo run --release --example
//! convert_speed -- CONFIG FILE [REPEAT]`. The criterion benches are the
//! reference; this prints MB/s for one config and one file. CONFIG `clean`
//! times the whole cleaning pipeline (decode, repair, normalise) instead,
//! and `clean+CFG` the pipeline with conversion, as the pipeline bench does.
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cfg = args.get(1).map_or("s2t", String::as_str);
    let text = std::fs::read_to_string(args.get(2).expect("FILE")).expect("read");
    let repeat: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
    if let Some(rest) = cfg.strip_prefix("clean") {
        let convert = rest.strip_prefix('+').map(zhclean::ConvertSpec::new);
        let config = zhclean::Config { convert, ..zhclean::Config::default() };
        let pipeline = zhclean::Pipeline::new(config).expect("pipeline");
        let mut best = f64::MAX;
        for _ in 0..repeat {
            let t = Instant::now();
            let done = pipeline.process_bytes(text.as_bytes(), None).expect("pipeline");
            best = best.min(t.elapsed().as_secs_f64());
            std::hint::black_box(done.text.len());
        }
        let mb = text.len() as f64 / 1e6;
        println!("{cfg}: best {:.1} MB/s ({} bytes)", mb / best, text.len());
        return;
    }
    let t0 = Instant::now();
    let conv = zhclean::convert::Converter::builtin(cfg).expect("config");
    let load = t0.elapsed();
    let mut best = f64::MAX;
    let mut out = String::with_capacity(text.len() * 2);
    for _ in 0..repeat {
        out.clear();
        let t = Instant::now();
        conv.convert_to(&text, &mut out);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mb = text.len() as f64 / 1e6;
    println!(
        "{cfg}: load {:.2} ms, best {:.1} MB/s ({} bytes)",
        load.as_secs_f64() * 1e3,
        mb / best,
        text.len()
    );
}
