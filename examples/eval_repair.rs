//! Evaluates the repair stage: precision and recall per rule on the
//! injected cases of `tests/data/repair/` (built by
//! `scripts/repair/make_eval.py`), and, with `--corpus`, every change the
//! repair rules make on clean corpus text (which should be none).
//!
//! ```text
//! cargo run --release --example eval_repair
//! cargo run --release --example eval_repair -- --verbose
//! cargo run --release --example eval_repair -- --pd .cache/repair/199801.txt --tang .cache/repair/tang
//! cargo run --release --example eval_repair -- --data /tmp/heldout   # another case set
//! cargo run --release --example eval_repair -- --lines clean.txt      # any clean text
//! cargo run --release --example eval_repair -- --real tests/data/repair/real  # browser damage of real text
//! cargo run --release --example eval_repair -- --real tests/data/repair/real --zh .cache/corpora/pd1998.txt
//! cargo run --release --example eval_repair -- --real tests/data/repair/real --held .cache/repair/real-heldout/zh_CN.txt
//! ```
//!
//! Scoring. A case names the rules it expects and how many changes of each.
//! For the `?` rules, whose changes keep the text's length, every `?` is
//! scored on its own: turned into what the fixed text has (true positive),
//! left although it should change (false negative), or changed although it
//! should stay or into the wrong thing (false positive). For the other rules
//! a case is right when the output equals the fixed text; then its expected
//! changes are true positives; otherwise they are false negatives and any
//! change the rule made is a false positive. On negative cases every change
//! is a false positive.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;
use zhclean::repair::Repairer;
use zhclean::{Changes, Config, Rule};

#[derive(Deserialize)]
struct Case {
    label: String,
    comment: String,
    original: String,
    fixed: String,
    expect: String,
    rules: BTreeMap<String, u64>,
}

#[derive(Default, Clone, Copy)]
struct Score {
    tp: u64,
    fp: u64,
    fn_: u64,
}

fn load(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const QMARK_RULES: [Rule; 2] = [Rule::NameSeparator, Rule::LostSpace];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let value = |flag: &str| {
        args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(PathBuf::from)
    };
    // `--data DIR`: another case set in the same format, such as a
    // held-out one made with `make_eval.py --seed N --out DIR`.
    let dir = value("--data")
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/repair"));
    let repairer = Repairer::new(&Config::default());

    let mut scores: BTreeMap<Rule, Score> = BTreeMap::new();
    let mut classes: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut failures = Vec::new();

    for (file, negative) in [("cases.json", false), ("negative.json", true)] {
        for case in load(&dir.join(file)) {
            let mut changes = Changes::new();
            let out = repairer.repair(&case.original, &mut changes);
            let expected: BTreeMap<Rule, u64> = case
                .rules
                .iter()
                .map(|(k, &v)| (Rule::from_name(k).unwrap_or_else(|| panic!("rule {k}")), v))
                .collect();
            let counts_ok = Rule::ALL
                .iter()
                .filter(|r| r.stage() == zhclean::rules::PipelineStage::Repair)
                .all(|&r| changes.count(r) == expected.get(&r).copied().unwrap_or(0));
            let pass = out == case.fixed && counts_ok;
            let entry = classes
                .entry(if negative {
                    format!("negative/{}", case.label)
                } else {
                    case.label.clone()
                })
                .or_default();
            entry.0 += 1;
            entry.1 += u64::from(pass);
            if !pass {
                failures.push(format!(
                    "[{}] {} ({})\n  original: {:?}\n  expected: {:?}\n  got:      {:?}\n  counts:   {:?}",
                    case.label,
                    case.comment,
                    case.expect,
                    case.original,
                    case.fixed,
                    out,
                    changes.counts().collect::<Vec<_>>()
                ));
            }

            // `?` rules, per `?`, when lengths line up.
            let (o, f, g): (Vec<char>, Vec<char>, Vec<char>) = (
                case.original.chars().collect(),
                case.fixed.chars().collect(),
                out.chars().collect(),
            );
            let per_mark = o.len() == f.len() && o.len() == g.len();
            if per_mark {
                for i in (0..o.len()).filter(|&i| o[i] == '?') {
                    let rule = |c: char| match c {
                        '·' => Some(Rule::NameSeparator),
                        ' ' => Some(Rule::LostSpace),
                        _ => None,
                    };
                    if f[i] != '?' && g[i] == f[i] {
                        scores.entry(rule(f[i]).unwrap_or(Rule::NameSeparator)).or_default().tp +=
                            1;
                    } else if f[i] != '?' && g[i] == '?' {
                        scores.entry(rule(f[i]).unwrap_or(Rule::NameSeparator)).or_default().fn_ +=
                            1;
                    } else if g[i] != f[i] {
                        scores.entry(rule(g[i]).unwrap_or(Rule::NameSeparator)).or_default().fp +=
                            1;
                        if f[i] != '?' {
                            scores
                                .entry(rule(f[i]).unwrap_or(Rule::NameSeparator))
                                .or_default()
                                .fn_ += 1;
                        }
                    }
                }
            }
            for &r in
                Rule::ALL.iter().filter(|r| r.stage() == zhclean::rules::PipelineStage::Repair)
            {
                if per_mark && QMARK_RULES.contains(&r) {
                    continue;
                }
                let e = expected.get(&r).copied().unwrap_or(0);
                let a = changes.count(r);
                let s = scores.entry(r).or_default();
                if out == case.fixed {
                    s.tp += e.min(a);
                    s.fp += a.saturating_sub(e);
                    s.fn_ += e.saturating_sub(a);
                } else {
                    s.fn_ += e;
                    // Loss markers change nothing: a count on a case that
                    // expects it is not a false change.
                    s.fp += if e > 0 && r == Rule::LossMarkers { a.saturating_sub(e) } else { a };
                }
            }
        }
    }

    println!("| class | cases | pass | % |");
    println!("|---|---:|---:|---:|");
    for (label, (n, ok)) in &classes {
        println!("| {label} | {n} | {ok} | {:.1} |", 100.0 * *ok as f64 / *n as f64);
    }
    println!();
    println!("| rule | TP | FP | FN | precision % | recall % |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (rule, s) in &scores {
        if s.tp + s.fp + s.fn_ == 0 {
            continue;
        }
        let p = 100.0 * s.tp as f64 / (s.tp + s.fp).max(1) as f64;
        let r = 100.0 * s.tp as f64 / (s.tp + s.fn_).max(1) as f64;
        println!("| {rule} | {} | {} | {} | {p:.2} | {r:.2} |", s.tp, s.fp, s.fn_);
    }
    println!("\n{} case(s) not as expected", failures.len());
    if verbose {
        for f in &failures {
            println!("{f}");
        }
    }

    // `--names`: the name-separator sets of `scripts/repair/make_names_eval.py`.
    if args.iter().any(|a| a == "--names") {
        name_sets(&repairer, &dir, verbose);
    }

    if let Some(pd) = value("--pd") {
        let lines = pd_lines(&pd);
        let not_names = load_not_names(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/repair/dots-not-names.tsv"),
        );
        question_stress(&repairer, &lines, &not_names);
        corpus(&repairer, "People's Daily 1998-01", lines);
    }
    if let Some(tang) = value("--tang") {
        corpus(&repairer, "Tang poems", tang_lines(&tang));
    }
    if let Some(dir) = value("--real") {
        let more = [("zh+", value("--zh")), ("zh-held", value("--held"))];
        real(&repairer, &dir, &more, verbose);
    }
    // `--lines FILE`: any other clean text, one line at a time.
    if let Some(path) = value("--lines") {
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let lines = String::from_utf8_lossy(&text).lines().map(str::to_string).collect();
        corpus(&repairer, &path.display().to_string(), lines);
    }
}

/// The name-separator sets (`tests/data/repair/names-*.json`, built by
/// `scripts/repair/make_names_eval.py` from text the rule was not tuned
/// on): per set, every `?` scored on its own. A `?` the fixed text has as
/// `·` is a lost dot (restored: true positive; left: false negative); any
/// other `?` is a real question mark or other text (changed: false
/// positive). Prints one table row per set, and with `--verbose` every
/// miss and false change in context.
fn name_sets(repairer: &Repairer, dir: &Path, verbose: bool) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("names-") && name.ends_with(".json")
        })
        .collect();
    files.sort();
    println!();
    println!(
        "| set | cases | lost dots | restored | missed | other `?` | changed | precision % | recall % |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut notes = Vec::new();
    for path in &files {
        let cases = load(path);
        let (mut tp, mut fn_, mut others, mut fp) = (0u64, 0u64, 0u64, 0u64);
        for case in &cases {
            let out = repairer.repair(&case.original, &mut Changes::new());
            let o: Vec<char> = case.original.chars().collect();
            let f: Vec<char> = case.fixed.chars().collect();
            let g: Vec<char> = out.chars().collect();
            assert_eq!(o.len(), f.len(), "{}: {:?}", path.display(), case.original);
            if g.len() != o.len() {
                // Another rule changed the length: every `?` counts as
                // not handled, and the case is shown.
                notes.push(format!("  length changed: {:?} -> {:?}", case.original, out));
            }
            for i in (0..o.len()).filter(|&i| o[i] == '?') {
                let got = g.get(i).copied().unwrap_or('\0');
                let context = || {
                    let from = i.saturating_sub(12);
                    let to = (i + 13).min(o.len());
                    format!(
                        "{}【{}】{}",
                        o[from..i].iter().collect::<String>(),
                        got,
                        o[i + 1..to].iter().collect::<String>()
                    )
                };
                if f[i] == '·' {
                    if got == '·' {
                        tp += 1;
                    } else {
                        fn_ += 1;
                        notes.push(format!("  missed ({}): {}", case.label, context()));
                    }
                } else {
                    others += 1;
                    if got == '·' {
                        fp += 1;
                        notes.push(format!("  FALSE ({}): {}", case.label, context()));
                    }
                }
            }
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let p = if tp + fp == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", 100.0 * tp as f64 / (tp + fp) as f64)
        };
        let r = if tp + fn_ == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", 100.0 * tp as f64 / (tp + fn_) as f64)
        };
        println!(
            "| {name} | {} | {} | {tp} | {fn_} | {others} | {fp} | {p} | {r} |",
            cases.len(),
            tp + fn_
        );
    }
    if verbose {
        for n in &notes {
            println!("{n}");
        }
    } else if !notes.is_empty() {
        println!("({} misses and false changes: --verbose lists them)", notes.len());
    }
}

/// The `?` rules at corpus scale: on the odd lines of People's Daily (the
/// even ones fed the transliteration table), every full-width `？` becomes
/// `?` (a real question that must stay) and every `·` between two Han
/// characters becomes `?` (a lost separator that should come back). A few
/// of those dots are not in names (`《市场报·财富周刊》`); they are listed,
/// with the reason, in `tests/data/repair/dots-not-names.tsv`, reported
/// apart and left out of the recall on names.
fn question_stress(repairer: &Repairer, lines: &[String], not_names: &[(Vec<char>, Vec<char>)]) {
    let is_han = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF);
    let (mut tp, mut fp, mut fn_, mut questions) = (0u64, 0u64, 0u64, 0u64);
    // Dots listed as not in names: restored, left.
    let (mut other_tp, mut other_fn) = (0u64, 0u64);
    let mut used = vec![false; not_names.len()];
    let mut shown = 0;
    for line in lines.iter().step_by(2) {
        if !line.contains('？') && !line.contains('·') {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut damaged = String::with_capacity(line.len());
        let mut lost = vec![false; chars.len()];
        for (i, &c) in chars.iter().enumerate() {
            let between_han =
                i > 0 && i + 1 < chars.len() && is_han(chars[i - 1]) && is_han(chars[i + 1]);
            lost[i] = c == '·' && between_han;
            damaged.push(match c {
                '？' => '?',
                _ if lost[i] => '?',
                _ => c,
            });
        }
        let out = repairer.repair(&damaged, &mut Changes::new());
        let got: Vec<char> = out.chars().collect();
        if got.len() != chars.len() {
            continue;
        }
        for (i, &c) in chars.iter().enumerate() {
            if c == '？' {
                questions += 1;
                if got[i] != '?' {
                    fp += 1;
                    if shown < 20 {
                        shown += 1;
                        println!(
                            "  question changed: {:?}",
                            truncate(&chars[i.saturating_sub(12)..].iter().collect::<String>(), 30)
                        );
                    }
                }
                continue;
            }
            if !lost[i] {
                continue;
            }
            let listed = not_names.iter().position(|(l, r)| {
                i >= l.len() && chars[i - l.len()..i] == l[..] && chars[i + 1..].starts_with(r)
            });
            let restored = got[i] == '·';
            let from = i.saturating_sub(10);
            let to = (i + 11).min(chars.len());
            let context = format!(
                "{}【{}】{}",
                chars[from..i].iter().collect::<String>(),
                got[i],
                chars[i + 1..to].iter().collect::<String>()
            );
            match (listed, restored) {
                (Some(k), r) => {
                    used[k] = true;
                    if r {
                        other_tp += 1;
                    } else {
                        other_fn += 1;
                        println!("  not a name, left: {context}");
                    }
                }
                (None, true) => tp += 1,
                (None, false) => {
                    fn_ += 1;
                    println!("  name dot missed: {context}");
                }
            }
        }
    }
    for (k, (l, r)) in not_names.iter().enumerate() {
        if !used[k] {
            println!(
                "  listed non-name separator never met: {}·{}",
                l.iter().collect::<String>(),
                r.iter().collect::<String>()
            );
        }
    }
    let lost = tp + fn_ + other_tp + other_fn;
    println!(
        "\nPeople's Daily odd lines, `？`→`?` and `·`→`?`: {questions} question marks, {fp} changed; \
         {lost} dots lost, {} restored, {} missed (all dots: recall {:.2}%)",
        tp + other_tp,
        fn_ + other_fn,
        100.0 * (tp + other_tp) as f64 / lost.max(1) as f64
    );
    println!(
        "  in names: {} dots, {tp} restored, {fn_} missed: name-separator precision {:.2}%, \
         recall {:.2}%; not in names (dots-not-names.tsv): {} dots, {other_tp} restored, \
         {other_fn} left",
        tp + fn_,
        100.0 * tp as f64 / (tp + fp).max(1) as f64,
        100.0 * tp as f64 / (tp + fn_).max(1) as f64,
        other_tp + other_fn
    );
}

/// The separators of `dots-not-names.tsv`: (left, right) Han context.
fn load_not_names(path: &Path) -> Vec<(Vec<char>, Vec<char>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let (left, right) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
            (left.chars().collect(), right.chars().collect())
        })
        .collect()
}

/// Runs every line of a clean corpus through the repairer and lists every
/// change by rule.
fn corpus(repairer: &Repairer, name: &str, lines: Vec<String>) {
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let start = Instant::now();
    let mut total = Changes::explaining();
    for line in &lines {
        let mut ch = Changes::explaining();
        let out = repairer.repair(line, &mut ch);
        if ch.total() > 0 {
            for c in ch.explained() {
                println!("  {name}: {c}  in {:?}", truncate(line, 80));
            }
            if out != line.as_str() {
                println!("    -> {:?}", truncate(&out, 80));
            }
        }
        total.merge(&ch);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "\n{name}: {} lines, {:.1} MB, {} change(s) {:?}, {:.2} s",
        lines.len(),
        bytes as f64 / 1e6,
        total.total(),
        total.counts().collect::<Vec<_>>(),
        secs
    );
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The plain text of every line of People's Daily (`word/TAG` tokens).
fn pd_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| {
            line.split_whitespace()
                .filter_map(|tok| {
                    let tok = tok.trim_start_matches('[');
                    let tok = tok.split(']').next().unwrap_or(tok);
                    tok.rsplit_once('/').map(|(w, _)| w.to_string())
                })
                .collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every line of every poem in `poet.tang.*.json` files.
fn tang_lines(dir: &Path) -> Vec<String> {
    #[derive(Deserialize)]
    struct Poem {
        paragraphs: Vec<String>,
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("poet.tang."))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let poems: Vec<Poem> =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap_or_default())
                .unwrap_or_default();
        out.extend(poems.into_iter().flat_map(|p| p.paragraphs));
    }
    out
}

/// The real-text evaluation (`--real DIR`, the files of
/// `tests/data/repair/real/`): clean lines nobody here wrote or tuned on,
/// damaged in-process the way browsers and Windows do it (encoding_rs, the
/// WHATWG decoders: `gbk` reads 0x80 as `€`, `windows-1252` reads the five
/// undefined bytes as C1 controls), then repaired. Classes:
///
/// - `gbk`: UTF-8 read as gbk with no byte lost (`gbk €` when a `€` is in
///   the damage); `gbk lossy`: the decoder lost bytes (U+FFFD); `gbk ?`:
///   the same with each U+FFFD written `?`; `gbk drop`: one byte of a
///   non-ASCII character dropped before the damage;
/// - `1252`: UTF-8 read as windows-1252; `1252 strict`: the undefined bytes
///   lost (U+FFFD), as a strict decoder does; `1252 ?` likewise with `?`.
///
/// The expected output is the original line with every character that lost
/// a byte replaced by one U+FFFD. Each line is scored: exact; left
/// unchanged; or otherwise, when every change the mojibake rule made is a
/// piece of the expected line (a run repaired right, other runs left:
/// `partial`), or not (`wrong`: a right character deleted or changed, or a
/// character invented). `hanzi made` counts non-Chinese lines whose output
/// has a Han character the original did not. The clean lines themselves,
/// and `latin.txt` (real French, German, Polish... text), must not change.
fn real(repairer: &Repairer, dir: &Path, more: &[(&str, Option<PathBuf>)], verbose: bool) {
    let read = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
            .lines()
            .map(str::to_string)
            .collect()
    };
    #[derive(Default)]
    struct Tally {
        n: u64,
        exact: u64,
        unchanged: u64,
        partial: u64,
        wrong: u64,
        hanzi: u64,
        lost: u64,
        marked: u64,
    }
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut shown: BTreeMap<String, u32> = BTreeMap::new();
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut sets: Vec<(String, Vec<String>)> = ["zh_CN", "el", "ru", "uk", "ko", "ja"]
        .iter()
        .map(|&l| (l.to_string(), read(&format!("{l}.txt"))))
        .collect();
    // `--zh FILE`: more Chinese lines (every line of the file), damaged the
    // same ways, as class `zh+`; `--held FILE` likewise as `zh-held` (the
    // held-out catalogues of `scripts/repair/make_real.py --heldout`).
    for (name, path) in more {
        let Some(path) = path else { continue };
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        sets.push((
            name.to_string(),
            text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
        ));
    }
    for (lang, lines) in &sets {
        let lang = lang.as_str();
        let chinese = lang.starts_with("zh");
        for line in lines {
            let bytes = line.as_bytes();
            let mut variants: Vec<(String, String, String)> = Vec::new(); // class, damaged, expected
            let mut add = |class: &str, damaged: String, lost: Vec<usize>, bytes: &[u8]| {
                variants.push((format!("{lang} {class}"), damaged, expected(line, bytes, &lost)));
            };
            // gbk (Chinese only: other scripts read as gbk are not this issue's).
            if chinese {
                let (text, lost) = damage(encoding_rs::GBK, bytes);
                let class = if !lost.is_empty() {
                    "gbk lossy"
                } else if text.contains('€') {
                    "gbk €"
                } else {
                    "gbk"
                };
                if !lost.is_empty() {
                    add("gbk ?", text.replace('\u{FFFD}', "?"), lost.clone(), bytes);
                }
                add(class, text, lost, bytes);
                // One byte of a non-ASCII character dropped.
                let high: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] >= 0x80).collect();
                if !high.is_empty() {
                    let at = high[(next() % high.len() as u64) as usize];
                    let mut cut = bytes.to_vec();
                    cut.remove(at);
                    let (text, lost) = damage(encoding_rs::GBK, &cut);
                    // Positions in the original: shift those after the cut,
                    // and the cut byte itself is lost.
                    let mut lost: Vec<usize> =
                        lost.into_iter().map(|p| if p >= at { p + 1 } else { p }).collect();
                    lost.push(at);
                    add("gbk drop", text, lost, bytes);
                }
            }
            let (text, _) = damage(encoding_rs::WINDOWS_1252, bytes);
            add("1252", text, Vec::new(), bytes);
            let undefined: Vec<usize> = (0..bytes.len())
                .filter(|&i| matches!(bytes[i], 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
                .collect();
            if !undefined.is_empty() {
                let strict: String = bytes
                    .iter()
                    .map(|&b| match b {
                        0x81 | 0x8D | 0x8F | 0x90 | 0x9D => '\u{FFFD}',
                        _ => encoding_rs::WINDOWS_1252
                            .decode_without_bom_handling(&[b])
                            .0
                            .chars()
                            .next()
                            .unwrap_or('\u{FFFD}'),
                    })
                    .collect();
                add("1252 ?", strict.replace('\u{FFFD}', "?"), undefined.clone(), bytes);
                add("1252 strict", strict, undefined, bytes);
            }
            // The clean line itself.
            variants.push((format!("{lang} clean"), line.clone(), line.clone()));
            for (class, damaged, want) in variants {
                let mut ch = Changes::explaining();
                let out = repairer.repair(&damaged, &mut ch);
                let t = tallies.entry(class.clone()).or_default();
                t.n += 1;
                let lost_here = want.matches('\u{FFFD}').count() as u64;
                t.lost += lost_here;
                let verdict = if out == want {
                    t.exact += 1;
                    t.marked += lost_here;
                    "exact"
                } else if out == damaged {
                    t.unchanged += 1;
                    "unchanged"
                } else if ch
                    .explained()
                    .iter()
                    .filter(|c| c.rule == Rule::Mojibake)
                    .all(|c| want.contains(c.after.as_str()))
                {
                    t.partial += 1;
                    "partial"
                } else {
                    t.wrong += 1;
                    "wrong"
                };
                if !chinese && out.chars().any(|c| is_han(c) && !line.contains(c)) {
                    t.hanzi += 1;
                }
                if verdict != "exact"
                    && !class.ends_with("clean")
                    && (verbose
                        || verdict == "wrong"
                        || !class.starts_with("zh+") && !class.starts_with("zh-held"))
                {
                    let n = shown.entry(format!("{class} {verdict}")).or_default();
                    if *n < if verbose { 12 } else { 3 } || verdict == "wrong" {
                        *n += 1;
                        println!(
                            "  [{class}] {verdict}: {damaged:?}\n    got  {out:?}\n    want {want:?}"
                        );
                    }
                } else if class.ends_with("clean") && out != want {
                    println!("  [{class}] changed: {damaged:?} -> {out:?}");
                }
            }
        }
    }
    for line in read("latin.txt") {
        let mut ch = Changes::new();
        let out = repairer.repair(&line, &mut ch);
        let t = tallies.entry("latin clean".into()).or_default();
        t.n += 1;
        if out == line.as_str() {
            t.exact += 1;
        } else {
            t.wrong += 1;
            println!("  [latin clean] changed: {line:?} -> {out:?}");
        }
    }
    println!(
        "\n| class | lines | exact | unchanged | partial | wrong | lost chars | marked | hanzi made |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (class, t) in &tallies {
        println!(
            "| {class} | {} | {} ({:.1}%) | {} | {} | {} | {} | {} | {} |",
            t.n,
            t.exact,
            100.0 * t.exact as f64 / t.n.max(1) as f64,
            t.unchanged,
            t.partial,
            t.wrong,
            t.lost,
            t.marked,
            t.hanzi
        );
    }
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// `bytes` decoded by `enc` as a browser does; and the offsets of the bytes
/// the decoder could not read (each became U+FFFD).
fn damage(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> (String, Vec<usize>) {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 + 16);
    let mut lost = Vec::new();
    let mut read_total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len() + 16),
            encoding_rs::DecoderResult::Malformed(bad, extra) => {
                let end = read_total - extra as usize;
                lost.extend(end - bad as usize..end);
                out.push('\u{FFFD}');
            }
        }
    }
    (out, lost)
}

/// `line` with every character that has a byte in `lost` (offsets into
/// `bytes`, its UTF-8) replaced by one U+FFFD.
fn expected(line: &str, bytes: &[u8], lost: &[usize]) -> String {
    debug_assert_eq!(line.as_bytes(), bytes);
    line.char_indices()
        .map(
            |(i, c)| {
                if lost.iter().any(|&p| p >= i && p < i + c.len_utf8()) { '\u{FFFD}' } else { c }
            },
        )
        .collect()
}
