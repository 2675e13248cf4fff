//! The edges a new user meets first (issue 20): JSON Lines as real dumps
//! hold them, and flag combinations that would do nothing refused with
//! exit code 2.

use crate::eqnice;
use crate::util::Env;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

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
        (&["--convert", "missing.json", "in/a.txt"], "--convert missing.json: no such file"),
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
