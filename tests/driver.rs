//! The batch driver's invariant: a document comes out the same, byte for
//! byte and count for count, whatever the block size it is read in, the
//! number of threads, and the shape of the run (tree, file, standard
//! input), as when it is processed whole by `Pipeline::process_bytes`.
//! Also the driver as a library service: observer, cancellation, two runs
//! at once.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use zhclean::report::{FileReport, SkipReason};
use zhclean::run::{CancelToken, Event, RunOptions, Status, run};
use zhclean::{Config, ConvertSpec, Pipeline};

use crate::util::Env;

/// The output, the counts per rule and the U+FFFD count of a document.
type Expected = (Vec<u8>, Vec<(String, u64)>, u64);

/// What processing `bytes` whole gives: the text and the counts per rule
/// (with the U+FFFD count), or `None` for a document judged not text.
fn whole(config: &Config, bytes: &[u8], name: &str) -> Option<Expected> {
    let p = Pipeline::new(config.clone()).unwrap();
    match p.process_bytes(bytes, Some(Path::new(name))) {
        Ok(doc) => {
            let counts = doc.changes.counts().map(|(r, n)| (r.name().to_string(), n)).collect();
            Some((doc.text.into_bytes(), counts, doc.decode.replacements))
        }
        Err(zhclean::Error::Binary { .. }) => None,
        Err(e) => panic!("{e}"),
    }
}

fn counts(r: &FileReport) -> Vec<(String, u64)> {
    r.changes.counts().map(|(r, n)| (r.name().to_string(), n)).collect()
}

/// Runs `bytes` (as file `name`) through the library in tree shape (or
/// file shape) with `block` and `jobs`; returns the output and the report.
fn run_lib(
    config: &Config,
    bytes: &[u8],
    name: &str,
    block: usize,
    jobs: usize,
    tree: bool,
) -> (Option<Vec<u8>>, FileReport) {
    let env = Env::new();
    env.write(format!("in/{name}"), bytes);
    let (input, output) = if tree {
        (env.path("in"), env.path("out"))
    } else {
        (env.path(format!("in/{name}")), env.path("out.txt"))
    };
    let opts = RunOptions {
        inputs: vec![input],
        output: Some(output.clone()),
        jobs,
        block_size: block,
        ..RunOptions::default()
    };
    let got = Mutex::new(None);
    let observer = |e: Event<'_>| {
        if let Event::FileDone { report } = e {
            *got.lock().unwrap() = Some(report.clone());
        }
    };
    let outcome = run(&opts, config.clone(), &observer, &CancelToken::new()).unwrap();
    let report = got.into_inner().unwrap().expect("a file report");
    assert_ne!(outcome.status, Status::Interrupted);
    let out = if tree { output.join(name) } else { output };
    (std::fs::read(out).ok(), report)
}

/// Checks one run against the whole-document result.
fn check(expect: &Option<Expected>, out: Option<Vec<u8>>, report: &FileReport, what: &str) {
    match expect {
        None => {
            assert!(
                matches!(report.skipped, Some(SkipReason::Binary { .. })),
                "{what}: not skipped as binary: {report:?}"
            );
        }
        Some((text, c, fffd)) => {
            let out = out.unwrap_or_else(|| panic!("{what}: no output ({report:?})"));
            if out != *text {
                let at = out.iter().zip(text).position(|(a, b)| a != b).unwrap_or(0);
                let from = at.saturating_sub(80);
                panic!(
                    "{what}: output differs at byte {at}:\n got {:?}\nwant {:?}",
                    String::from_utf8_lossy(&out[from..(at + 80).min(out.len())]),
                    String::from_utf8_lossy(&text[from..(at + 80).min(text.len())])
                );
            }
            assert_eq!(&counts(report), c, "{what}: counts");
            assert_eq!(report.replacement_chars, *fffd, "{what}: U+FFFD");
        }
    }
}

/// The same through the binary reading standard input (`--block-size`).
fn run_stdin(
    config_args: &[&str],
    bytes: &[u8],
    block: usize,
    jobs: usize,
) -> (Vec<u8>, FileReport) {
    let env = Env::new();
    let block = block.to_string();
    let jobs = jobs.to_string();
    let mut args = vec!["--block-size", &block, "-j", &jobs, "--report", "r.jsonl", "-q"];
    args.extend_from_slice(config_args);
    let o = env.cmd().args(&args).write_stdin(bytes.to_vec()).output().unwrap();
    let line = String::from_utf8(env.read("r.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let mut report = FileReport::new("-");
    if let Some(obj) = v["changes"].as_object() {
        for (k, n) in obj {
            let rule = zhclean::Rule::from_name(k).unwrap();
            report.changes.add(rule, n.as_u64().unwrap());
        }
    }
    report.replacement_chars = v["replacement_chars"].as_u64().unwrap();
    if v["skipped"].as_str().is_some_and(|s| s.starts_with("not text")) {
        report.skipped = Some(SkipReason::Binary { reason: String::new(), copied: false });
    }
    (o.stdout, report)
}

// ---- generators ----

const SENTENCES: &[&str] = &[
    "中共中央总书记、国家主席江泽民发表1998年新年讲话。",
    "头发与发展,网络软件的信息 ２０２４年 ABC",
    "据新华社北京电 今天上午，国务院召开常务会议……",
    "他说：\"我们一定要把这件事办好\"",
    "价格上涨了１０％，比去年同期（1997年）高出许多",
    "后来他们又去了干燥的地方，里面很安静",
];

/// One line of a generated document.
#[derive(Clone, Debug)]
enum Line {
    Plain(usize),
    /// A name whose dot was lost, doubtful on its own.
    Doubtful,
    /// A name whose dot was lost, accepted on its own.
    Sure,
    /// The doubtful name with its dot.
    Dotted,
    /// A line in GBK (in a UTF-8 file: a mixed file).
    Gbk(usize),
    /// A line with a NUL byte (rare: one makes a short document binary).
    Nul,
    /// A line longer than the smaller blocks.
    Long(usize),
    /// Markup: a paragraph with inline tags.
    Markup(usize),
    /// Entities: `&#63;` is a `?`.
    Entity,
    /// A Markdown code fence (what is between two is protected).
    Fence,
    /// A fence line only the normaliser reads as one (indented four).
    IndentedFence,
    /// A quotation that runs over a line end: its opening line...
    QuoteOpen,
    /// ...and its closing line.
    QuoteClose,
    /// A tag that runs over a line end, with a `?` in it (its `>` is on a
    /// later line, such as a [`Line::Markup`] one).
    TagOpen,
    /// A `<pre>` whose content (protected up to `</pre>`) runs on...
    PreOpen,
    /// ...to this line.
    PreClose,
    /// A comment over line ends: its opening line...
    CommentOpen,
    /// ...and its end.
    CommentClose,
    /// An escaped tag: `&lt;` is a `<` once decoded.
    EscapedTag,
}

fn line() -> impl Strategy<Value = Line> {
    let s = 0..SENTENCES.len();
    prop_oneof![
        8 => s.clone().prop_map(Line::Plain),
        2 => Just(Line::Doubtful),
        1 => Just(Line::Sure),
        1 => Just(Line::Dotted),
        2 => s.clone().prop_map(Line::Gbk),
        1 => (1usize..4).prop_map(Line::Long),
        2 => s.prop_map(Line::Markup),
        1 => Just(Line::Entity),
        1 => Just(Line::Fence),
        1 => Just(Line::IndentedFence),
        1 => Just(Line::QuoteOpen),
        1 => Just(Line::QuoteClose),
        1 => Just(Line::TagOpen),
        1 => Just(Line::PreOpen),
        1 => Just(Line::PreClose),
        1 => Just(Line::CommentOpen),
        1 => Just(Line::CommentClose),
        1 => Just(Line::EscapedTag),
    ]
}

/// How the whole document is encoded.
#[derive(Clone, Copy, Debug)]
enum Flavor {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16BeBom,
    Gb18030,
    Html,
}

fn flavor() -> impl Strategy<Value = Flavor> {
    prop_oneof![
        4 => Just(Flavor::Utf8),
        1 => Just(Flavor::Utf8Bom),
        1 => Just(Flavor::Utf16Le),
        1 => Just(Flavor::Utf16BeBom),
        2 => Just(Flavor::Gb18030),
        2 => Just(Flavor::Html),
    ]
}

fn text_of(line: &Line) -> String {
    match line {
        Line::Plain(i) | Line::Gbk(i) => SENTENCES[*i].to_string(),
        Line::Doubtful => "选手乔治?林赢了比赛".into(),
        Line::Sure => "斯科特?丹恩（Scott Dunn）说".into(),
        Line::Dotted => "乔治·林的教练".into(),
        Line::Nul => "前\0后".into(),
        Line::Long(n) => "很长的一行文字，".repeat(150 * n),
        Line::Markup(i) => format!("<p>{}<b>重要</b></p>", SENTENCES[*i]),
        Line::Entity => "显&#33879;下降&#63;".into(),
        Line::Fence => "```".into(),
        Line::IndentedFence => "    ```".into(),
        Line::PreOpen => "<pre>代码?林".into(),
        Line::PreClose => "</pre>乔治?林".into(),
        Line::CommentOpen => "<!-- 注释?林".into(),
        Line::CommentClose => "斯科特?丹恩 -->".into(),
        Line::EscapedTag => "&lt;a title=\"乔治?林\"".into(),
        Line::QuoteOpen => "他说：\"我们一定要".into(),
        Line::QuoteClose => "把这件事办好,\"他说".into(),
        Line::TagOpen => "见<a href=\"x?选手乔治?林\"".into(),
    }
}

/// Bytes of a document: `lines` in `flavor`, with `crlf` choosing line
/// ends. A 4-byte GB18030 character and an astral character (a surrogate
/// pair in UTF-16) are in every few lines.
fn document(flavor: Flavor, lines: &[(Line, bool)]) -> Vec<u8> {
    let mut text = String::new();
    if let Flavor::Html = flavor {
        text.push_str("<!DOCTYPE html>\n<html><head><title>标题</title></head><body>\n");
    }
    let mut gbk_lines = Vec::new();
    for (k, (l, crlf)) in lines.iter().enumerate() {
        let mut t = text_of(l);
        if k % 5 == 4 {
            t.push_str("，€😀䶵");
        }
        if matches!(l, Line::Gbk(_)) {
            gbk_lines.push(text.len());
        }
        text.push_str(&t);
        text.push_str(if *crlf { "\r\n" } else { "\n" });
    }
    match flavor {
        Flavor::Utf8 | Flavor::Html => {
            // GBK lines: re-encode those lines alone.
            let mut out = Vec::new();
            let mut from = 0;
            for &at in &gbk_lines {
                out.extend_from_slice(&text.as_bytes()[from..at]);
                let end = at + text[at..].find('\n').unwrap() + 1;
                let (gbk, _, _) = encoding_rs::GBK.encode(&text[at..end]);
                out.extend_from_slice(&gbk);
                from = end;
            }
            out.extend_from_slice(&text.as_bytes()[from..]);
            out
        }
        Flavor::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Flavor::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Flavor::Utf16BeBom => {
            std::iter::once(0xFEFF).chain(text.encode_utf16()).flat_map(u16::to_be_bytes).collect()
        }
        Flavor::Gb18030 => encoding_rs::GB18030.encode(&text).0.into_owned(),
    }
}

fn config(convert: bool) -> Config {
    Config { convert: convert.then(|| ConvertSpec::new("s2t")), ..Config::default() }
}

/// The cases of a property test: `PROPTEST_CASES` when set (for a longer
/// local run), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(40), ..ProptestConfig::default() })]

    /// Tree and file shape in the library, any block size from 1 KiB, one
    /// or two threads: the same bytes and counts as the whole document.
    #[test]
    fn pieces_equal_whole(
        flavor in flavor(),
        lines in prop::collection::vec((line(), any::<bool>()), 10..260),
        block in prop_oneof![Just(1024usize), 1024usize..6000, Just(65536)],
        jobs in 1usize..=2,
        convert in any::<bool>(),
        tree in any::<bool>(),
        nul in prop::option::weighted(0.1, any::<prop::sample::Index>()),
    ) {
        let mut lines = lines;
        if let Some(at) = nul {
            let at = at.index(lines.len());
            lines.insert(at, (Line::Nul, false));
        }
        let bytes = document(flavor, &lines);
        let name = if matches!(flavor, Flavor::Html) { "page.txt" } else { "doc.txt" };
        let config = config(convert);
        let expect = whole(&config, &bytes, name);
        let (out, report) = run_lib(&config, &bytes, name, block, jobs, tree);
        let what = format!("{flavor:?}, {} bytes, block {block}, -j{jobs}, tree {tree}", bytes.len());
        check(&expect, out, &report, &what);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Standard input through the binary (spooled when larger than a block).
    #[test]
    fn stdin_pieces_equal_whole(
        flavor in flavor(),
        lines in prop::collection::vec((line(), any::<bool>()), 10..200),
        block in 1024usize..5000,
        jobs in 1usize..=2,
    ) {
        let bytes = document(flavor, &lines);
        let expect = whole(&Config::default(), &bytes, "-");
        let (out, report) = run_stdin(&[], &bytes, block, jobs);
        let what = format!("stdin {flavor:?}, {} bytes, block {block}, -j{jobs}", bytes.len());
        let out = if report.skipped.is_some() { None } else { Some(out) };
        check(&expect, out, &report, &what);
    }

    /// JSON Lines: the same records out whatever the block size.
    #[test]
    fn jsonl_equals_whole(
        lines in prop::collection::vec(line(), 5..120),
        block in 1024usize..5000,
    ) {
        let input: String = lines
            .iter()
            .map(|l| serde_json::json!({"id": 1, "text": text_of(l)}).to_string() + "\n")
            .collect();
        let env = Env::new();
        let big = env.cmd().args(["--jsonl", "--block-size", "67108864"]).write_stdin(input.clone()).output().unwrap();
        let small = env.cmd().args(["--jsonl", "--block-size", &block.to_string()]).write_stdin(input).output().unwrap();
        prop_assert!(big.status.success());
        prop_assert_eq!(big.stdout, small.stdout);
    }
}

// ---- the files of the issue ----

const BLOCKS: [usize; 4] = [4 << 10, 64 << 10, 1 << 20, 64 << 20];

/// Each block size against the whole document, in file shape on two
/// threads; returns the report at the default block size.
fn at_every_block(config: &Config, bytes: &[u8], name: &str) -> FileReport {
    let expect = whole(config, bytes, name);
    let mut default = None;
    for block in BLOCKS {
        let (out, report) = run_lib(config, bytes, name, block, 2, false);
        check(&expect, out, &report, &format!("{name}, block {block}"));
        if block == 1 << 20 {
            default = Some(report);
        }
    }
    default.unwrap()
}

/// A 5.5 MB UTF-8 file with a GBK line every 97 lines and CRLF ends: every
/// GBK line decoded, no U+FFFD, at every block size.
#[test]
fn mixed_file_of_five_megabytes() {
    let mut bytes = Vec::new();
    let mut k = 0usize;
    let mut gbk = 0;
    while bytes.len() < 5_500_000 {
        let s = format!("{}{k}\r\n", SENTENCES[k % SENTENCES.len()]);
        if k.is_multiple_of(97) {
            bytes.extend_from_slice(&encoding_rs::GBK.encode(&s).0);
            gbk += 1;
        } else {
            bytes.extend_from_slice(s.as_bytes());
        }
        k += 1;
    }
    let report = at_every_block(&Config::default(), &bytes, "mixed.txt");
    assert_eq!(report.replacement_chars, 0);
    assert_eq!(report.changes.count(zhclean::Rule::Malformed), 0);
    // One `legacy` per GBK line, plus none for the decision (UTF-8).
    assert_eq!(report.changes.count(zhclean::Rule::Legacy), gbk);
    // 2.4 MB of UTF-8, then 400 KB of GBK.
    let mut bytes: Vec<u8> = SENTENCES.join("\n").repeat(2_400_000 / 300).into_bytes();
    let gbk_text = format!("\n{}\n", SENTENCES.join("\n")).repeat(400_000 / 300);
    bytes.extend_from_slice(&encoding_rs::GBK.encode(&gbk_text).0);
    let report = at_every_block(&Config::default(), &bytes, "tail.txt");
    assert_eq!(report.replacement_chars, 0);
}

/// A 3 MB `.txt` page that starts as HTML and then has long stretches of
/// text with a little inline markup: stripped all through at every block.
#[test]
fn html_page_of_three_megabytes() {
    let mut page = String::from("<!DOCTYPE html>\n<html><body>\n");
    let mut k = 0;
    while page.len() < 3_000_000 {
        page.push_str(SENTENCES[k % SENTENCES.len()]);
        if k.is_multiple_of(50) {
            page.push_str("<b>要点</b>");
        }
        page.push('\n');
        k += 1;
    }
    let report = at_every_block(&Config::default(), page.as_bytes(), "page.txt");
    assert!(report.changes.count(zhclean::Rule::Html) > 0);
    let (out, _) = run_lib(&Config::default(), page.as_bytes(), "page.txt", 4096, 2, false);
    assert!(!String::from_utf8(out.unwrap()).unwrap().contains("<b>"));
}

/// A document whose one name accepted on its own comes early and whose
/// doubtful names come later: every doubtful name gets its dot at every
/// block size (the evidence is the whole document's).
#[test]
fn names_document() {
    let mut text = String::from("斯科特?丹恩（Scott Dunn）说\n");
    for k in 0..20_000 {
        text.push_str(SENTENCES[k % SENTENCES.len()]);
        text.push('\n');
        if k % 1000 == 999 {
            text.push_str("选手乔治?林赢了比赛\n");
        }
    }
    let report = at_every_block(&Config::default(), text.as_bytes(), "names.txt");
    assert_eq!(report.changes.count(zhclean::Rule::NameSeparator), 21);
    // In small pieces, the later names cannot know the early one: the
    // pieces from the first of them on are redone (in one pass, into a
    // file), and only those.
    let (_, small) = run_lib(&Config::default(), text.as_bytes(), "names.txt", 16 << 10, 2, false);
    let pieces = text.len().div_ceil(16 << 10) as u64;
    assert!(small.redone_pieces > 0 && small.redone_pieces < pieces, "{}", small.redone_pieces);
    // Without the early name, the doubtful ones stay (so the evidence is
    // what made the difference).
    let alone = text.replacen("斯科特?丹恩（Scott Dunn）说\n", "", 1);
    let report = at_every_block(&Config::default(), alone.as_bytes(), "alone.txt");
    assert_eq!(report.changes.count(zhclean::Rule::NameSeparator), 0);
    let (_, small) = run_lib(&Config::default(), alone.as_bytes(), "alone.txt", 16 << 10, 2, false);
    assert_eq!(small.redone_pieces, 0);
}

/// A name with a real dot early, in pieces with no `?` at all, and the
/// same name with its dot lost in later pieces only: the early dot is the
/// evidence, so the pieces before the first `?` (which gather nothing as
/// they are written) are read again for it, at every block size.
#[test]
fn a_real_dot_before_any_question_mark_is_evidence() {
    let doc = |first: &str| {
        let mut text = String::from(first);
        for k in 0..20_000 {
            text.push_str(SENTENCES[k % SENTENCES.len()]);
            text.push('\n');
            if k % 1000 == 999 {
                text.push_str("是约翰?史密斯?\n");
            }
        }
        text
    };
    let with = doc("约翰·史密斯来了。\n");
    assert!(!with[..with.find('?').unwrap()].contains('&'));
    let report = at_every_block(&Config::default(), with.as_bytes(), "dot.txt");
    assert_eq!(report.changes.count(zhclean::Rule::NameSeparator), 20);
    let report = at_every_block(&Config::default(), doc("").as_bytes(), "none.txt");
    assert_eq!(report.changes.count(zhclean::Rule::NameSeparator), 0);
}

// ---- the library service ----

/// Two runs at once from two threads, each with its own observer; then a
/// run cancelled from its observer stops with `Interrupted` and leaves no
/// temporary behind.
#[test]
fn runs_from_threads_and_cancellation() {
    let env = Env::new();
    for i in 0..300 {
        env.write(format!("in/f{i:03}.txt"), SENTENCES.join("\n").repeat(20));
    }
    let go = |out: &str| {
        let opts = RunOptions {
            inputs: vec![env.path("in")],
            output: Some(env.path(out)),
            jobs: 1,
            ..RunOptions::default()
        };
        let files = AtomicU64::new(0);
        let observer = |e: Event<'_>| {
            if let Event::FileDone { .. } = e {
                files.fetch_add(1, Ordering::Relaxed);
            }
        };
        let outcome = run(&opts, config(true), &observer, &CancelToken::new()).unwrap();
        (outcome.status, files.into_inner(), outcome.summary.processed)
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| go("a"));
        let b = s.spawn(|| go("b"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a, (Status::Success, 300, 300));
    assert_eq!(b, a);
    assert!(env.tree("a") == env.tree("b"));

    let cancel = CancelToken::new();
    let files = AtomicU64::new(0);
    let observer = |e: Event<'_>| {
        if let Event::FileDone { .. } = e
            && files.fetch_add(1, Ordering::Relaxed) == 10
        {
            cancel.cancel();
        }
    };
    let opts = RunOptions {
        inputs: vec![env.path("in")],
        output: Some(env.path("c")),
        jobs: 1,
        ..RunOptions::default()
    };
    let outcome = run(&opts, config(true), &observer, &cancel).unwrap();
    assert_eq!(outcome.status, Status::Interrupted);
    let written = env.tree("c");
    assert!(written.len() < 300, "{} files written", written.len());
    assert!(written.keys().all(|p| !p.to_string_lossy().contains(".zhclean-tmp")));
    let whole = env.tree("a");
    for (rel, bytes) in &written {
        assert!(whole[rel] == *bytes, "{} is partial", rel.display());
    }
}

/// The report's script is the whole document's: a file whose first MiB
/// is Simplified and whose rest is as much Traditional is `mixed` at every
/// block size (the first piece alone would say `hans`), as processed whole.
#[test]
fn script_of_the_whole_document() {
    let hans = "头发与发展，经济增长，网络软件的信息。\n";
    let hant = "頭髮與發展，經濟增長，網絡軟件的資訊。\n";
    let head = hans.repeat((1 << 20) / hans.len() + 1);
    let text = head.clone() + &hant.repeat((1 << 20) / hant.len() + 1);
    let env = Env::new();
    env.write("in/s.txt", text.as_bytes());
    let whole = zhclean::convert::detect_script(&text);
    assert_eq!(whole, zhclean::convert::Script::Mixed);
    assert_eq!(zhclean::convert::detect_script(&head), zhclean::convert::Script::Hans);
    for block in [4 << 10, 1 << 20, 64 << 20] {
        let opts = RunOptions {
            inputs: vec![env.path("in/s.txt")],
            output: Some(env.path(format!("out{block}.txt"))),
            report: Some(env.path(format!("r{block}.jsonl"))),
            jobs: 2,
            block_size: block,
            ..RunOptions::default()
        };
        let got = Mutex::new(None);
        let observer = |e: Event<'_>| {
            if let Event::FileDone { report } = e {
                *got.lock().unwrap() = Some(report.clone());
            }
        };
        run(&opts, Config::default(), &observer, &CancelToken::new()).unwrap();
        let report = got.into_inner().unwrap().expect("a file report");
        assert_eq!(report.script, Some(whole), "block {block}");
    }
}

/// `--explain` positions in plain text are the input's lines (CRLF ends
/// counted once), whatever the block size: the same list of changes at
/// 1 KiB, 4 KiB and whole, and every repaired name on the line it was on
/// in the input.
#[test]
fn explained_lines_are_the_input_lines() {
    let mut text = String::new();
    let mut name_lines = Vec::new();
    for k in 0..3000 {
        if k % 97 == 50 {
            text.push_str("斯科特?丹恩（Scott Dunn）说，显&#33879;下降");
            name_lines.push(k + 1);
        } else {
            text.push_str(SENTENCES[k % SENTENCES.len()]);
        }
        text.push_str("\r\n");
    }
    let config = Config { explain: true, ..Config::default() };
    let env = Env::new();
    env.write("in/e.txt", text.as_bytes());
    let explained = |block: usize| {
        let opts = RunOptions {
            inputs: vec![env.path("in/e.txt")],
            output: Some(env.path(format!("out{block}.txt"))),
            jobs: 2,
            block_size: block,
            ..RunOptions::default()
        };
        let got = Mutex::new(Vec::new());
        let observer = |e: Event<'_>| {
            if let Event::Explained { change, .. } = e {
                got.lock().unwrap().push((change.rule, change.line, change.column));
            }
        };
        run(&opts, config.clone(), &observer, &CancelToken::new()).unwrap();
        // In text order within each stage of a piece: compared by position.
        let mut got = got.into_inner().unwrap();
        got.sort_by_key(|&(rule, line, column)| (line, column, rule.name()));
        got
    };
    let whole = explained(64 << 20);
    let names: Vec<usize> =
        whole.iter().filter(|c| c.0 == zhclean::Rule::NameSeparator).map(|c| c.1).collect();
    assert_eq!(names, name_lines);
    assert!(whole.iter().any(|c| c.0 == zhclean::Rule::Entities));
    for block in [1024, 4096] {
        let got = explained(block);
        let first = got.iter().zip(&whole).position(|(a, b)| a != b);
        assert!(got.len() == whole.len() && first.is_none(), "block {block}: differ at {first:?}");
    }
}

/// A NUL byte past the first 64 KiB (what decoding judges a file on) is
/// text to clean at every block size, as in the whole document.
#[test]
fn nul_past_the_head() {
    let mut text = SENTENCES.join("\n").repeat(1000);
    text.insert(100_000 - 100_000 % 3, '\0');
    let text = text.replace('\0', "\n\0\n");
    let report = at_every_block(&Config::default(), text.as_bytes(), "nul.txt");
    assert!(report.skipped.is_none());
    assert_eq!(report.changes.count(zhclean::Rule::Invisible), 1);
}

/// A 54 KB text file with one NUL byte is text, as a NUL in a large file
/// is: the NUL is removed and counted, at every block size.
#[test]
fn one_nul_in_a_small_file() {
    let mut text = SENTENCES.join("\n").repeat(54_000 / SENTENCES.join("\n").len());
    let at = text.len() / 2;
    let at = (at..).find(|&i| text.is_char_boundary(i)).unwrap();
    text.insert(at, '\0');
    assert!(text.len() < 60_000);
    let report = at_every_block(&Config::default(), text.as_bytes(), "one-nul.txt");
    assert!(report.skipped.is_none(), "{report:?}");
    assert_eq!(report.changes.count(zhclean::Rule::Invisible), 1);
}

/// A plain-text document (not judged HTML) whose lines are `Plain` but for
/// `special` (line number, kind), run at `blocks` against the whole.
fn special_lines_at(special: &[(usize, Line)], blocks: &[usize], what: &str) {
    let mut lines: Vec<(Line, bool)> = (0..400).map(|k| (Line::Plain(k % 6), false)).collect();
    for (at, l) in special {
        lines[*at] = (l.clone(), false);
    }
    let bytes = document(Flavor::Utf8, &lines);
    let config = Config::default();
    let expect = whole(&config, &bytes, "doc.txt");
    // Also the block that ends just after the first special line: the cut
    // it gives falls inside the region unless the region is seen.
    let first = special.iter().map(|s| s.0).min().unwrap_or(0);
    let after_first = memchr::memchr_iter(b'\n', &bytes).nth(first).unwrap() + 1;
    for &block in blocks.iter().chain([&after_first]).filter(|&&b| b >= 1024) {
        for jobs in [1, 2] {
            let (out, report) = run_lib(&config, &bytes, "doc.txt", block, jobs, false);
            check(&expect, out, &report, &format!("{what}, block {block}, -j{jobs}"));
        }
    }
}

/// In a plain-text document, a tag that runs over a line end protects what
/// follows it up to its `>` (here two lines on): a cut after its first
/// line (the cut that block size gives when nothing is open) would repair
/// the `?` of the next line in the second part. Cuts fall before the tag.
#[test]
fn tag_over_a_cut() {
    let special = [(200, Line::TagOpen), (201, Line::Sure), (202, Line::Markup(0))];
    special_lines_at(&special, &[1024, 2048, 4096], "a tag over a cut");
}

/// An ASCII quotation open over a line end. The normaliser pairs straight
/// quotes within a line only, so no state runs over the cut here: the
/// test keeps it that way at several block sizes.
#[test]
fn quote_over_a_cut() {
    let special = [(200, Line::QuoteOpen), (260, Line::QuoteClose)];
    special_lines_at(&special, &[1024, 2048, 4096], "a quotation over a cut");
}

/// A Markdown code block over a cut, as the repair rules read fences (a
/// `?` inside stays), and a block only the normaliser reads as one (an
/// indented fence: a `,` after Han inside stays): cuts fall outside both.
#[test]
fn code_block_over_a_cut() {
    let special = [(0, Line::Fence), (40, Line::Sure), (80, Line::Fence), (300, Line::Sure)];
    special_lines_at(&special, &[1024, 3850, 8192], "a code block over a cut");
    let special = [(100, Line::IndentedFence), (160, Line::IndentedFence)];
    special_lines_at(&special, &[1024, 3850, 8192], "an indented fence over a cut");
}

/// The other regions that run over line ends: a `<pre>` whose content is
/// protected up to `</pre>`, a comment, and an escaped tag (`&lt;`, a `<`
/// once decoded) closed by a later line's `>`.
#[test]
fn regions_over_a_cut() {
    let cases = [
        vec![(100, Line::PreOpen), (130, Line::Sure), (170, Line::PreClose)],
        vec![(100, Line::CommentOpen), (130, Line::Sure), (170, Line::CommentClose)],
        vec![(100, Line::EscapedTag), (101, Line::Sure), (102, Line::Markup(1))],
    ];
    for special in cases {
        special_lines_at(&special, &[1024, 2048, 5000], &format!("{:?}", special[0].1));
    }
}

/// A code block never closed, over every line end of a document of many
/// blocks: no cut falls inside it, so the document (far under the bound
/// past which a piece is cut anyway, see `run::pieces`) comes out as whole.
#[test]
fn an_open_code_block_is_held_whole() {
    let mut text = String::from("```\n");
    let mut k = 0;
    while text.len() < 200 * 1024 {
        text.push_str(SENTENCES[k % SENTENCES.len()]);
        text.push_str(if k % 50 == 0 { "斯科特?丹恩（Scott Dunn）说\n" } else { "\n" });
        k += 1;
    }
    let config = Config::default();
    let expect = whole(&config, text.as_bytes(), "doc.txt");
    for jobs in [1, 2] {
        let (out, report) = run_lib(&config, text.as_bytes(), "doc.txt", 1024, jobs, false);
        check(&expect, out, &report, &format!("an open code block, -j{jobs}"));
    }
}
