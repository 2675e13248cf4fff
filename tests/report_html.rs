//! `--report-html FILE`: the page's figures against `--summary`, names and
//! samples escaped, the shapes it works in, and the files it refuses. (The
//! same page rendered by a real browser: `scripts/report-browser-test.py`.)

use std::collections::BTreeMap;

use crate::util::{Env, stderr};

/// Every `ATTR="key" data-count="n"` in the page, as a map.
fn counts(page: &str, attr: &str) -> BTreeMap<String, u64> {
    let open = format!("{attr}=\"");
    let mut out = BTreeMap::new();
    let mut rest = page;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let end = rest.find('"').unwrap();
        let key = rest[..end].to_string();
        let after = rest[end..].strip_prefix("\" data-count=\"").expect("data-count follows");
        let n: u64 = after[..after.find('"').unwrap()].parse().unwrap();
        assert!(out.insert(key.clone(), n).is_none(), "{attr} {key} twice");
        rest = after;
    }
    out
}

/// The `data-value` of `data-figure="name"`.
fn figure(page: &str, name: &str) -> String {
    let open = format!("data-figure=\"{name}\" data-value=\"");
    let i = page.find(&open).unwrap_or_else(|| panic!("no figure {name}")) + open.len();
    page[i..i + page[i..].find('"').unwrap()].to_string()
}

fn as_map(v: &serde_json::Value) -> BTreeMap<String, u64> {
    v.as_object().unwrap().iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap())).collect()
}

#[test]
fn figures_match_the_summary_on_the_sample_tree() {
    let env = Env::new();
    let dump = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dump");
    let out = env
        .cmd()
        .args([dump, "-o", "out", "--summary", "s.json", "--report-html", "r.html", "-j2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sum: serde_json::Value = serde_json::from_slice(&env.read("s.json")).unwrap();
    let page = String::from_utf8(env.read("r.html")).unwrap();
    for key in ["files", "processed", "errors", "bytes_in", "bytes_out", "interrupted"] {
        assert_eq!(figure(&page, key), sum[key].to_string(), "{key}");
    }
    let changes = as_map(&sum["changes"]);
    assert!(changes.len() > 5, "the sample tree exercises many rules: {changes:?}");
    assert_eq!(counts(&page, "data-rule"), changes, "bars");
    assert_eq!(counts(&page, "data-rule-samples"), changes, "sample sections");
    assert_eq!(figure(&page, "changes"), changes.values().sum::<u64>().to_string());
    assert_eq!(counts(&page, "data-encoding"), as_map(&sum["encodings"]));
    assert_eq!(counts(&page, "data-decoding"), as_map(&sum["decoding"]));
    assert_eq!(counts(&page, "data-skip-kind"), as_map(&sum["skipped"]));
    // A sample for the name rule, with its file and line.
    let names = &page[page.find("id=\"rule-name-separator\"").unwrap()..];
    let names = &names[..names.find("</article>").unwrap()];
    assert!(names.contains("name-separator.txt:"), "{names}");
    assert!(names.contains("<span class=\"before\">?</span>"), "{names}");
    // The PNG is listed among the skipped files, with its reason.
    assert!(page.contains("logo.png</td><td>not text (PNG image)</td>"));
    // No explain lines on stderr: the samples are for the page only.
    assert!(!stderr(&out).contains("name-separator: \"?\""), "{}", stderr(&out));
    // The outputs are those of a run without the page.
    let plain = env.cmd().args([dump, "-o", "plain", "-j2", "-q"]).output().unwrap();
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert_eq!(env.tree("out"), env.tree("plain"));
    // Self-contained: nothing loaded from elsewhere, no script needed.
    for bad in ["src=", "href=\"http", "url(", "@import", "<script", "<link"] {
        assert!(!page.contains(bad), "{bad}");
    }
}

#[test]
fn names_and_samples_are_escaped() {
    let env = Env::new();
    // A file whose path reads `<script>alert(1)</script>.txt` (the `/`
    // makes a folder), with markup whose stripped sample holds `</script>`.
    let name = "in/<script>alert(1)</script>.txt";
    env.write(name, "<p>斯科特?丹恩说</p><script>alert(2)</script><p>好</p>\n");
    env.write("in/x\"><img onerror=alert(3)>.txt", "ＡＢＣ\n");
    let out = env
        .cmd()
        .args(["in", "-o", "out", "--html", "strip", "--report-html", "r.html", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let page = String::from_utf8(env.read("r.html")).unwrap();
    let lower = page.to_lowercase();
    for bad in ["<script", "</script", "<img"] {
        assert!(!lower.contains(bad), "{bad} in the page");
    }
    assert!(page.contains("in/&lt;script&gt;alert(1)&lt;/script&gt;.txt"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(2)&lt;/script&gt;"), "the sample is shown");
    assert!(page.contains("x&quot;&gt;&lt;img onerror=alert(3)&gt;.txt"));
    assert_eq!(counts(&page, "data-rule")["html"], counts(&page, "data-rule-samples")["html"]);
}

#[test]
fn standard_input_and_json_lines() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["--jsonl", "--report-html", "r.html"])
        .write_stdin("{\"text\":\"１２３，你好,世界\"}\n\n{\"text\":\"斯科特?丹恩说\"}\nnot json\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a bad record: {}", stderr(&out));
    let page = String::from_utf8(env.read("r.html")).unwrap();
    // The record's line and field, then the line and column in the field.
    assert!(page.contains("<div class=\"where\">-:3: text:1:4</div>"), "{page}");
    assert!(page.contains("<div class=\"where\">-:1: text:1:1</div>"), "{page}");
    assert!(page.contains("<td class=\"path\">-:4</td>"), "the bad record is listed");
    assert_eq!(figure(&page, "files"), "1");
    // A plain filter, quiet.
    let out =
        env.cmd().args(["-q", "--report-html", "p.html"]).write_stdin("ＡＢ\n").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, b"AB\n");
    let page = String::from_utf8(env.read("p.html")).unwrap();
    assert_eq!(counts(&page, "data-rule")["width-alnum"], 2);
}

#[test]
fn explain_still_prints_with_the_page() {
    let env = Env::new();
    env.write("a.txt", "ＡＢＣＤ\n");
    let out = env
        .cmd()
        .args(["a.txt", "-o", "b.txt", "--explain", "--report-html", "r.html"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).matches("width-alnum: ").count(), 4, "{}", stderr(&out));
    let page = String::from_utf8(env.read("r.html")).unwrap();
    assert_eq!(counts(&page, "data-rule")["width-alnum"], 4);
    // Every change is explained, but the page keeps a few.
    assert_eq!(page.matches("<span class=\"before\">").count(), 3);
}

#[test]
fn refused_where_it_would_destroy_an_input_or_an_output() {
    let env = Env::new();
    env.write("in/a.txt", "好\n");
    let cases: &[(&[&str], &str)] = &[
        (&["in", "-o", "out", "--report-html", "in/r.html"], "inside the input folder"),
        (&["in", "-o", "out", "--report-html", "out/r.html"], "output"),
        (&["in/a.txt", "-o", "b.txt", "--report-html", "in/a.txt"], "is the input"),
        (&["in/a.txt", "-o", "b.txt", "--report-html", "b.txt"], "output"),
        (&["in", "-o", "out", "--report-html", "r", "--summary", "r"], "--summary"),
        (&["in", "-o", "out", "--report-html", "r", "--report", "r"], "--report"),
    ];
    for (args, want) in cases {
        let out = env.cmd().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(!env.path("out").exists() && !env.path("b.txt").exists(), "{args:?}");
    }
    assert_eq!(env.read("in/a.txt"), "好\n".as_bytes());
}

#[test]
fn an_interrupted_run_writes_its_page() {
    use std::time::{Duration, Instant};
    let env = Env::new();
    let body: String = (0..150).map(|i| format!("第{i}行，ＡＢＣ与发展,干净的文本。\n")).collect();
    for i in 0..600 {
        env.write(format!("in/d{}/f{i:04}.txt", i % 7), &body);
    }
    let mut child = std::process::Command::new(crate::util::bin())
        .current_dir(env.path(""))
        .args(["in", "-o", "out", "-j1", "--progress=never", "-q"])
        .args(["--summary", "s.json", "--report-html", "r.html"])
        .spawn()
        .unwrap();
    let start = Instant::now();
    while walkdir::WalkDir::new(env.path("out")).into_iter().count() < 15 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be stopped");
        assert!(start.elapsed() < Duration::from_secs(60), "no output after a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill").args(["-TERM", &pid]).status();
    assert!(kill.unwrap().success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("still running two minutes after the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
    let sum: serde_json::Value = serde_json::from_slice(&env.read("s.json")).unwrap();
    let page = String::from_utf8(env.read("r.html")).unwrap();
    assert_eq!(sum["interrupted"], true);
    assert_eq!(figure(&page, "interrupted"), "true");
    assert!(page.contains("\">interrupted: the files not counted here were not done<"));
    let files = sum["files"].as_u64().unwrap();
    assert!(files > 0 && files < 600, "{files} files done");
    assert_eq!(figure(&page, "files"), files.to_string());
    assert_eq!(counts(&page, "data-rule"), as_map(&sum["changes"]));
}
