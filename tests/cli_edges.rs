//! The edges a new user meets first (issue 20): JSON Lines as real dumps
//! hold them, and flag combinations that would do nothing refused with
//! exit code 2.

use crate::eqnice;
use crate::util::{Env, stderr};

#[test]
fn jsonl_blank_lines_bom_paths_and_escapes() {
    let env = Env::new();
    let input = concat!(
        "\u{feff}{\"text\":\"发\"}\n",
        "\n",
        "  \r\n",
        "{\"meta\":{\"text\":\"头发\\u00e9\"},\"段落\":[{\"内容\":\"后\"},{\"内容\":\"\\u53d1\"}]}\n",
    );
    let out = env
        .cmd()
        .args(["--jsonl", "--convert", "s2t", "--field", "text", "--field", "meta.text"])
        .args(["--field", "段落[].内容", "--report", "r.jsonl"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // `\u00e9` stays escaped (é did not change); `\u53d1` (发) became 發,
    // a new character, written as UTF-8.
    let expected = concat!(
        "{\"text\":\"發\"}\n",
        "\n",
        "  \r\n",
        "{\"meta\":{\"text\":\"頭髮\\u00e9\"},\"段落\":[{\"内容\":\"後\"},{\"内容\":\"發\"}]}\n",
    );
    eqnice!(expected.as_bytes(), out.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&String::from_utf8(env.read("r.jsonl")).unwrap()).unwrap();
    assert_eq!(report["blank_records"], 2);
    assert_eq!(report["changes"]["bom"], 1);
    assert!(report.get("bad_records").is_none(), "{report}");
}

#[test]
fn jsonl_gbk_lines_are_decoded() {
    let env = Env::new();
    // 头发 and 显著下降 in GBK, one line each, and an ASCII line.
    let input: &[u8] =
        b"{\"text\":\"\xCD\xB7\xB7\xA2\"}\n{\"n\":1}\n{\"text\":\"\xCF\xD4\xD6\xF8\xCF\xC2\xBD\xB5\"}\n";
    for enc in [&["--encoding", "gbk"][..], &[][..]] {
        let out = env
            .cmd()
            .args(["--jsonl", "--convert", "s2t", "--report", "r.jsonl"])
            .args(enc)
            .write_stdin(input)
            .output()
            .unwrap();
        assert!(out.status.success(), "{enc:?}: {}", stderr(&out));
        eqnice!("{\"text\":\"頭髮\"}\n{\"n\":1}\n{\"text\":\"顯著下降\"}\n".as_bytes(), out.stdout);
        let report: serde_json::Value =
            serde_json::from_str(&String::from_utf8(env.read("r.jsonl")).unwrap()).unwrap();
        assert!(report["encoding"].as_str().unwrap().starts_with("GB"), "{report}");
        assert_eq!(report["changes"]["legacy"], 2);
    }
    // A stray byte is not guessed at: the line is passed through, exit 1.
    let out = env.cmd().args(["--jsonl"]).write_stdin(&b"{\"text\":\"caf\xe9\"}\n"[..]).output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(1));
    eqnice!(b"{\"text\":\"caf\xe9\"}\n", out.stdout);
    assert!(stderr(&out).contains("-:1: not UTF-8"), "{}", stderr(&out));
}

#[test]
fn jsonl_html_fields_are_judged_one_by_one() {
    let env = Env::new();
    let input = "{\"text\":\"<p>你好</p><p>世界</p>\",\"t\":\"a <b> c\"}\n";
    let out = env
        .cmd()
        .args(["--jsonl", "--field", "text", "--field", "t"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("{\"text\":\"你好\\n世界\",\"t\":\"a <b> c\"}\n".as_bytes(), out.stdout);
}

#[test]
fn flags_that_would_do_nothing_exit_2() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    env.write("file.txt", "x");
    env.write("d.txt", "头发\t頭髮\n");
    let cases: &[(&[&str], &str)] = &[
        (&["--no-rule", "convert", "--convert", "s2t", "in/a.txt"], "--no-rule convert"),
        (&["--no-rule", "legacy", "in/a.txt"], "--no-rule legacy"),
        (&["--dict", "d.txt", "in/a.txt"], "--dict d.txt: needs --convert"),
        (&["--no-clean", "--html", "strip", "in/a.txt"], "--html strip"),
        (&["--no-clean", "--quotes", "curly", "in/a.txt"], "--quotes curly"),
        (&["--convert", "s2t", "--dict", "missing.txt", "in/a.txt"], "no such file"),
        (&["--convert", "missing.json", "in/a.txt"], "unknown config 'missing.json' (no such file"),
        (&["in", "-o", "file.txt"], "file.txt is a file"),
        (&["in/a.txt", "--ext", "txt"], "--ext: only for an output folder"),
    ];
    for (args, want) in cases {
        let out = env.cmd().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(env.read("file.txt"), b"x");
    // `--ext .txt` is `--ext txt`.
    let out = env.cmd().args(["in", "-o", "out", "--ext", ".md"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("头发\n".as_bytes(), env.read("out/a.md"));
}

#[test]
fn summary_file_and_human_summary() {
    let env = Env::new();
    env.write("in/a.txt", "头发,发展\n");
    env.write("in/b.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let out = env
        .cmd()
        .args(["in", "-o", "out", "--summary", "s.json", "--convert", "s2t"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let s: serde_json::Value =
        serde_json::from_str(&String::from_utf8(env.read("s.json")).unwrap()).unwrap();
    assert_eq!(s["files"], 2);
    assert_eq!(s["processed"], 1);
    assert_eq!(s["bytes_in"], "头发,发展\n".len());
    assert_eq!(s["encodings"]["UTF-8"], 1);
    assert_eq!(s["decoding"]["utf8"], 1);
    assert!(s["changes"].get("utf8").is_none(), "{s}");
    assert!(s["changes"]["convert"].as_u64().unwrap() >= 2, "{s}");
    assert_eq!(s["skipped"]["not text"], 1);
    assert_eq!(s["errors"], 0);
    assert_eq!(s["interrupted"], false);
    assert!(s["seconds"].as_f64().unwrap() >= 0.0);
    let err = stderr(&out);
    assert!(err.contains("zhclean: 2 files (1 processed)"), "{err}");
    assert!(err.contains("  decoding: utf8 1\n"), "{err}");
    assert!(!err.contains("changes: utf8"), "{err}");
    // One file is "1 file"; -q still writes the summary file.
    let out = env.cmd().args(["in/a.txt", "-o", "one.txt"]).output().unwrap();
    assert!(stderr(&out).contains("zhclean: 1 file (1 processed)"), "{}", stderr(&out));
    let out = env.cmd().args(["-q", "--summary", "q.json"]).write_stdin("x").output().unwrap();
    assert!(out.status.success());
    let s: serde_json::Value =
        serde_json::from_str(&String::from_utf8(env.read("q.json")).unwrap()).unwrap();
    assert_eq!(s["files"], 1);
}

#[test]
fn help_version_and_generate() {
    let env = Env::new();
    let out = env.raw_cmd().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for cfg in zhclean::convert::BUILTIN_CONFIGS {
        assert!(help.contains(cfg), "{cfg} missing from --help");
    }
    assert!(help.contains("Exit codes: 0"), "{help}");
    assert!(help.contains("130 interrupted"), "{help}");
    let out = env.raw_cmd().arg("--version").output().unwrap();
    let v = String::from_utf8(out.stdout).unwrap();
    assert!(v.contains("OpenCC 1.4.2"), "{v}");
    for (what, mark) in [
        ("complete-bash", "_zhclean()"),
        ("complete-zsh", "#compdef zhclean"),
        ("complete-fish", "complete -c zhclean"),
        ("complete-powershell", "Register-ArgumentCompleter"),
        ("man", ".TH zhclean"),
    ] {
        let out = env.raw_cmd().args(["--generate", what]).output().unwrap();
        assert!(out.status.success(), "{what}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(mark), "{what}: {}", &text[..text.len().min(300)]);
        assert!(text.contains("summary"), "{what}");
    }
}

#[test]
fn progress_always_into_a_pipe_is_plain_lines() {
    let env = Env::new();
    for i in 0..40 {
        env.write(format!("in/{i}.txt"), "头发\n".repeat(200));
    }
    let out = env
        .raw_cmd()
        .args(["in", "-o", "out", "--progress", "always", "--progress-interval", "0", "-j1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    assert!(err.lines().any(|l| l.starts_with("zhclean: files ") && l.contains(" of ")), "{err}");
}

#[test]
fn version_control_folders_are_skipped() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    env.write("in/.git/HEAD", "ref: refs/heads/main\n");
    env.write("in/sub/.svn/entries", "x\n");
    let out = env.cmd().args(["in", "-o", "out", "--summary", "s.json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<_> = env.tree("out").into_keys().collect();
    assert_eq!(names, [std::path::PathBuf::from("a.txt")]);
    let s: serde_json::Value =
        serde_json::from_str(&String::from_utf8(env.read("s.json")).unwrap()).unwrap();
    assert_eq!(s["files"], 1);
}

/// `--fsync`: the same outputs as without it, each flushed (file before its
/// rename, folder after, journal lines too) where `strace` can see it; and
/// a usage error where nothing is written.
#[test]
fn fsync_flushes_every_output_and_needs_outputs() {
    let env = Env::new();
    env.write("in/a.txt", "你好，世界\n");
    env.write("in/sub/b.txt", "测试１２３\n");
    let plain = env.cmd().args(["-q", "in", "-o", "plain"]).output().unwrap();
    assert!(plain.status.success(), "{}", stderr(&plain));
    let synced = env.cmd().args(["-q", "--fsync", "in", "-o", "synced"]).output().unwrap();
    assert!(synced.status.success(), "{}", stderr(&synced));
    assert_eq!(env.tree("plain"), env.tree("synced"));
    let one = env.cmd().args(["-q", "--fsync", "-o", "one.txt"]).write_stdin("测试１\n").output();
    assert!(one.unwrap().status.success());
    assert_eq!(env.read("one.txt"), "测试1\n".as_bytes());

    // Two outputs: each a flush of the file and one of its folder; plus
    // the journal's lines. None without the flag.
    let trace = |flag: &[&str], out: &str| -> Option<usize> {
        let o = std::process::Command::new("strace")
            .current_dir(env.path(""))
            .args(["-f", "-e", "trace=fsync,fdatasync", "-o", "trace.txt", crate::util::bin()])
            .args(flag)
            .args(["-q", "in", "-o", out])
            .output()
            .ok()?;
        // No strace here, or no permission to trace.
        if !o.status.success() {
            return None;
        }
        let text = String::from_utf8(env.read("trace.txt")).unwrap();
        // One line per call started (a call another thread interrupts
        // ends on a `<... resumed>` line of its own).
        Some(text.lines().filter(|l| l.contains("sync(")).count())
    };
    if let (Some(with), Some(without)) = (trace(&["--fsync"], "t1"), trace(&[], "t2")) {
        assert!(with >= 2 * 2 + 2, "{with} flushes for two outputs");
        assert_eq!(without, 0);
    }

    for args in [&["--fsync", "in/a.txt"][..], &["--fsync", "--dry-run", "in", "-o", "d"]] {
        let o = env.cmd().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("--fsync: only when outputs are written"), "{}", stderr(&o));
    }
}

/// `--explain` on a page that is stripped: the positions of every rule are
/// the input file's lines and columns, markup included, not those of the
/// stripped text (where the digits below are on lines 2 and 3).
#[test]
fn explain_positions_are_the_input_lines_of_a_page() {
    let env = Env::new();
    let mut page = vec!["<!DOCTYPE html>", "<html>", "<head>", "<title>测试</title>", "<style>"];
    let rules: Vec<String> = (0..30).map(|i| format!("p.c{i} {{ color: red; }}")).collect();
    page.extend(rules.iter().map(String::as_str));
    page.extend(["</style>", "</head>", "<body>"]);
    page.resize(38, "");
    page.extend([
        "<p>第一段。</p>",
        "<p>数字１２３在这里</p>",
        "<div>",
        "<span>价格：</span>   ４５６元</div>",
    ]);
    page.push("</body></html>");
    env.write("page.html", page.join("\n") + "\n");
    for args in [&["--explain", "page.html", "-o", "out.txt"][..], &["--explain", "-"]] {
        let mut cmd = env.cmd();
        cmd.args(args);
        if args.contains(&"-") {
            cmd.args(["--html", "strip"]).write_stdin(env.read("page.html"));
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        let width: Vec<&str> = err.lines().filter(|l| l.contains(": width-alnum: ")).collect();
        let at: Vec<&str> =
            width.iter().map(|l| l.split(": width-alnum").next().unwrap()).collect();
        let name = if args.contains(&"-") { "-" } else { "page.html" };
        let want: Vec<String> = ["40:6", "40:7", "40:8", "42:20", "42:21", "42:22"]
            .iter()
            .map(|p| format!("{name}:{p}"))
            .collect();
        assert_eq!(at, want, "{err}");
        // The tags' own changes keep their input positions too.
        assert!(
            err.lines().any(|l| l.starts_with(&format!("{name}:39:1: html: \"<p>\""))),
            "{err}"
        );
    }
}
