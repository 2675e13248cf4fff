//! The normalise stage and HTML handling, from outside the crate:
//! fixture pairs (`tests/data/normalize/cases.json`), the negative file of
//! text that must not change (`negative.json`), the seed pages through
//! `--html strip`, keep mode through the pipeline, and property tests
//! (idempotence, borrowed-iff-unchanged, no panic).

use std::borrow::Cow;
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;
use zhclean::normalize::Normalizer;
use zhclean::{Changes, Config, HtmlMode, Pipeline, Rule, html};

fn data(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/normalize").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn normalize(s: &str) -> (String, Changes) {
    let n = Normalizer::new(&Config::default());
    let mut c = Changes::explaining();
    let out = n.normalize(s, &mut c).into_owned();
    (out, c)
}

#[test]
fn fixture_pairs() {
    let cases: Vec<Value> = serde_json::from_str(&data("cases.json")).unwrap();
    assert!(cases.len() >= 50);
    let mut failures = Vec::new();
    for case in &cases {
        let label = case["label"].as_str().unwrap();
        let original = case["original"].as_str().unwrap();
        let fixed = case["fixed"].as_str().unwrap();
        let (got, changes) = normalize(original);
        if got != fixed {
            failures.push(format!("{label}: {original:?} -> {got:?}, want {fixed:?}"));
            continue;
        }
        let mut want: Vec<&str> =
            case["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        want.sort_by_key(|n| Rule::from_name(n).unwrap_or_else(|| panic!("rule {n}")));
        let fired: Vec<&str> = changes.counts().map(|(r, _)| r.name()).collect();
        if fired != want {
            failures.push(format!("{label}: rules {fired:?}, want {want:?}"));
        }
        let (again, more) = normalize(&got);
        if again != got || more.total() != 0 {
            failures.push(format!("{label}: second run changed {got:?} to {again:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn negative_cases_stay_byte_identical() {
    let cases: Vec<Value> = serde_json::from_str(&data("negative.json")).unwrap();
    let n = Normalizer::new(&Config::default());
    let mut failures = Vec::new();
    for case in &cases {
        let text = case["text"].as_str().unwrap();
        // Alone, and as a line among others.
        for t in [text.to_string(), format!("前一行。\n{text}\n后一行。\n")] {
            let mut c = Changes::explaining();
            let out = n.normalize(&t, &mut c);
            if !matches!(out, Cow::Borrowed(_)) || c.total() != 0 {
                failures.push(format!("{}: {t:?} -> {out:?} {:?}", case["label"], c.explained()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn strip_seed(name: &str) -> (String, String) {
    let raw = data(&format!("html/{name}"));
    let mut c = Changes::new();
    let out = html::strip(&raw, &mut c).into_owned();
    assert!(c.count(Rule::Html) > 300, "{name}: {} html changes", c.count(Rule::Html));
    (raw, out)
}

#[test]
fn seeds_strip_to_readable_text() {
    for name in ["seed-000.txt", "seed-001.txt", "seed-002.txt"] {
        let (raw, out) = strip_seed(name);
        assert!(html::looks_like_html(&raw, Some("txt")), "{name} counts as mostly markup");
        let (tags, _) = html::markup_share(&out);
        assert_eq!(tags, 0, "{name}: tags left");
        for bad in ["href=", "<a ", "</p>", "<td", "VALIGN", "quickchart"] {
            assert!(!out.contains(bad), "{name}: {bad} left");
        }
        // Link text kept, one block per line, no blank or padded lines.
        for link in ["翻墙软件", "三退", "大纪元"] {
            assert!(out.contains(link), "{name}: link text {link} lost");
        }
        assert!(out.lines().all(|l| !l.is_empty() && l.trim() == l), "{name}: untidy lines");
        assert!(out.lines().count() > 30);
    }
    let (_, out) = strip_seed("seed-000.txt");
    assert!(out.contains("\n周晓辉：俄愿与美达成稀土贸易协议 背刺中共?\n"));
    assert!(out.contains("詹姆斯·利廷斯基（James Litinsky）"));
    assert!(out.contains("\n本文转自大纪元（国内需用翻墙软件才能访问）\n"));
    let (_, out) = strip_seed("seed-002.txt");
    // References are left for the repair stage.
    assert!(out.contains("显&#33879;下降"));
    assert!(out.contains("斯科特?丹恩（Scott Dunn）"));
}

#[test]
fn pipeline_auto_strips_html_files_and_seeds() {
    let p = Pipeline::new(Config::default()).unwrap();
    let doc = p.process_bytes("<p>你好,世界</p>\n".as_bytes(), Some(Path::new("a.html"))).unwrap();
    assert_eq!(doc.text, "你好，世界\n");
    assert_eq!(doc.changes.count(Rule::Html), 2);
    // The same text in a .txt file is not mostly markup: tags stay.
    let doc = p.process_bytes("<p>你好,世界</p>\n".as_bytes(), Some(Path::new("a.txt"))).unwrap();
    assert_eq!(doc.text, "<p>你好，世界</p>\n");
    let seed = data("html/seed-001.txt");
    let doc = p.process_bytes(seed.as_bytes(), Some(Path::new("seed.txt"))).unwrap();
    assert!(!doc.text.contains("<a "));
    assert!(doc.text.contains("稀土磁铁"));
}

#[test]
fn pipeline_keep_mode_cleans_text_only() {
    let config = Config { html: HtmlMode::Keep, ..Config::default() };
    let p = Pipeline::new(config).unwrap();
    let input = "<p class=\"x\" title=\"１,２\">价格(含税)为１００元 <b>很好</b>.</p>\n\
                 <a href=\"https://a.b/c?d=1,e=2\">链接,说明</a><pre>代码,１</pre>\n";
    let doc = p.process_bytes(input.as_bytes(), Some(Path::new("a.html"))).unwrap();
    assert_eq!(
        doc.text,
        "<p class=\"x\" title=\"１,２\">价格（含税）为100元 <b>很好</b>.</p>\n\
         <a href=\"https://a.b/c?d=1,e=2\">链接，说明</a><pre>代码,１</pre>\n"
    );
    assert_eq!(doc.changes.count(Rule::Html), 0);
    // Every tag survives byte for byte.
    let tags = |s: &str| -> Vec<String> {
        html::pieces(s)
            .into_iter()
            .filter_map(|p| match p {
                html::Piece::Markup(r) => Some(s[r].to_string()),
                html::Piece::Text(_) => None,
            })
            .collect()
    };
    assert_eq!(tags(input), tags(&doc.text));
}

#[test]
fn pipeline_keep_mode_never_decodes_references_into_markup() {
    let config = Config { html: HtmlMode::Keep, ..Config::default() };
    let p = Pipeline::new(config).unwrap();
    let input = "<p>显&#33879;下降 &lt;b&gt;粗体&lt;/b&gt; AT&amp;T</p>\n";
    let doc = p.process_bytes(input.as_bytes(), Some(Path::new("a.html"))).unwrap();
    assert_eq!(doc.text, "<p>显著下降 &lt;b&gt;粗体&lt;/b&gt; AT&amp;T</p>\n");
    assert_eq!(doc.changes.count(Rule::Entities), 1);
    // Outside keep mode the same references are text and are decoded.
    let p = Pipeline::new(Config::default()).unwrap();
    let doc = p.process_bytes("显&#33879;下降 AT&amp;T\n".as_bytes(), None).unwrap();
    assert_eq!(doc.text, "显著下降 AT&T\n");
}

#[test]
fn pipeline_strip_mode_on_plain_text_changes_nothing_more() {
    let config = Config { html: HtmlMode::Strip, ..Config::default() };
    let p = Pipeline::new(config).unwrap();
    let doc = p.process_bytes("第一行 a < b\n第二行\n".as_bytes(), None).unwrap();
    assert_eq!(doc.text, "第一行 a < b\n第二行\n");
    assert_eq!(doc.changes.count(Rule::Html), 0);
}

/// Pieces the Chinese-ish generator joins: Han, CJK punctuation, the
/// characters every rule looks for, and the traps around them.
const TOKENS: &[&str] = &[
    "中",
    "文",
    "的",
    "是",
    "吗",
    "第一章",
    "总则",
    "斯科特",
    "丹恩",
    "𠀀",
    "〇",
    "，",
    "。",
    "、",
    "：",
    "；",
    "？",
    "！",
    "（",
    "）",
    "“",
    "”",
    "‘",
    "’",
    "「",
    "」",
    "『",
    "』",
    "《",
    "》",
    "—",
    "…",
    "·",
    "\u{3000}",
    ",",
    ".",
    "?",
    "!",
    ":",
    ";",
    "(",
    ")",
    "\"",
    "'",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "a",
    "Z",
    "1",
    "0",
    "3.14",
    "1,000",
    "10:30",
    "e.g.",
    "１",
    "９",
    "Ａ",
    "ｚ",
    "．",
    "％",
    "／",
    "－",
    "～",
    "＂",
    "＇",
    "＄",
    "\u{200B}",
    "\u{FEFF}",
    "\u{AD}",
    "\u{7}",
    "\u{85}",
    "\u{200D}",
    "\u{A0}",
    "\u{2003}",
    "\u{F900}",
    "\u{FA11}",
    "\u{2F800}",
    "⼈",
    "⺠",
    "⾮",
    "・",
    "･",
    "‧",
    "•",
    "⋅",
    "︰",
    "﹐",
    "﹒",
    "︙",
    "︵",
    "︶",
    "｡",
    "﹁",
    "...",
    "......",
    "。。。",
    "⋯",
    "e\u{301}",
    "\u{301}",
    "\u{387}",
    "`",
    "```",
    "<a href=\"x\">",
    "</a>",
    "https://a.b/c?d=1,e=2",
    "www.x.cn",
    "a@b.cn",
    "](",
    "![",
    "[1]: ",
    ":)",
    ":-(",
    "^_^",
    "(^_^)",
    "XD",
    "👨",
    "\u{309A}",
    "か",
    "ジョン",
];

fn chineseish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.concat())
}

fn check_stable(input: &str, config: &Config) -> Result<(), TestCaseError> {
    let n = Normalizer::new(config);
    let mut c1 = Changes::new();
    let once = n.normalize(input, &mut c1);
    match &once {
        Cow::Borrowed(_) => prop_assert_eq!(c1.total(), 0, "borrowed but counted"),
        Cow::Owned(o) => {
            prop_assert_ne!(o.as_str(), input, "owned but unchanged");
            prop_assert!(c1.total() > 0, "changed but nothing counted");
        }
    }
    let mut c2 = Changes::new();
    let twice = n.normalize(&once, &mut c2);
    prop_assert_eq!(twice.as_ref(), once.as_ref(), "not idempotent: {:?}", input);
    prop_assert_eq!(c2.total(), 0);
    prop_assert!(!once.contains('\r') || !config.rules.contains(Rule::LineEnds));
    Ok(())
}

fn corner() -> Config {
    Config { quotes: zhclean::QuoteStyle::Corner, ..Config::default() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn idempotent_on_chineseish(s in chineseish()) {
        check_stable(&s, &Config::default())?;
        check_stable(&s, &corner())?;
    }

    #[test]
    fn idempotent_on_any_string(s in any::<String>()) {
        check_stable(&s, &Config::default())?;
    }

    #[test]
    fn idempotent_with_one_rule_off(s in chineseish(), k in 0usize..64) {
        let rules: Vec<Rule> = Rule::ALL.iter().copied()
            .filter(|r| r.stage() == zhclean::rules::PipelineStage::Normalize).collect();
        let mut config = corner();
        config.rules.remove(rules[k % rules.len()]);
        check_stable(&s, &config)?;
    }

    #[test]
    fn html_never_panics_and_pieces_cover(s in "[<>a-z/!\"'= 中文\n-]{0,60}") {
        let mut c = Changes::new();
        let out = html::strip(&s, &mut c);
        prop_assert!(out.len() <= s.len() + c.count(Rule::Html) as usize);
        let spans = html::pieces(&s);
        let mut at = 0;
        for p in spans {
            let r = match p { html::Piece::Text(r) | html::Piece::Markup(r) => r };
            prop_assert_eq!(r.start, at);
            at = r.end;
        }
        prop_assert_eq!(at, s.len());
    }
}

/// The clean-text audit (`docs/normalize-eval.md`): runs the People's
/// Daily 1998-01 corpus and the Tang poems through the normaliser and
/// prints every rule that fired with examples. Needs `.cache/pd.txt` and
/// `.cache/tang.txt` (see the doc for how to make them); run with
/// `cargo test --release --test integration audit -- --ignored --nocapture`.
#[test]
#[ignore]
fn audit_corpora() {
    for (name, allowed) in [
        ("pd.txt", &["width-alnum", "width-symbols"][..]),
        ("tang.txt", &["compat-ideographs", "width-alnum"][..]),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache").join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("{} missing, skipped", path.display());
            continue;
        };
        let n = Normalizer::new(&Config::default());
        let mut c = Changes::explaining();
        let out = n.normalize(&text, &mut c);
        let lines: Vec<&str> = text.lines().collect();
        eprintln!("== {name}: {} bytes, {} lines, {} changes", text.len(), lines.len(), c.total());
        for (rule, count) in c.counts() {
            eprintln!("  {rule}: {count}");
            let mut seen = std::collections::HashSet::new();
            for e in c.explained().iter().filter(|e| e.rule == rule) {
                if seen.len() >= 6 || !seen.insert((e.before.clone(), e.after.clone())) {
                    continue;
                }
                let line: String =
                    lines[e.line - 1].chars().skip(e.column.saturating_sub(8)).take(18).collect();
                eprintln!("    {}:{} {:?} -> {:?}   …{line}…", e.line, e.column, e.before, e.after);
            }
            assert!(allowed.contains(&rule.name()), "{name}: unexpected rule {rule}");
        }
        let mut again = Changes::new();
        assert_eq!(n.normalize(&out, &mut again), out, "{name}: second run changed it");
    }
}
