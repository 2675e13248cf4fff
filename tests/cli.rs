//! The `zhclean` command end to end: modes, tree mirroring, skipping,
//! JSON Lines, reports, safety (refusals, atomic writes, resume, signals).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::eqnice;
use crate::util::{Env, bin, report_lines, stderr, temporaries};

#[test]
fn stdin_to_stdout_converts() {
    let env = Env::new();
    let out = env.cmd().args(["--convert", "s2t"]).write_stdin("头发 发展\n").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("頭髮 發展\n".as_bytes(), out.stdout);
    let out = env.cmd().args(["--convert", "s2t", "-"]).write_stdin("发").output().unwrap();
    eqnice!("發".as_bytes(), out.stdout);
}

#[test]
fn tree_mirrors_relative_paths() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    env.write("in/sub/deeper/b.md", "发展\n");
    env.write("in/.hidden", "后来\n");
    env.write("single.txt", "干\n");
    let out =
        env.cmd().args(["in", "single.txt", "-o", "out", "--convert", "s2t"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = env.tree("out");
    let names: Vec<&Path> = tree.keys().map(PathBuf::as_path).collect();
    assert_eq!(
        names,
        [".hidden", "a.txt", "single.txt", "sub/deeper/b.md"].map(Path::new).to_vec()
    );
    eqnice!("頭髮\n".as_bytes(), tree[Path::new("a.txt")]);
    eqnice!("後來\n".as_bytes(), tree[Path::new(".hidden")]);
    // Inputs are never modified.
    eqnice!("头发\n".as_bytes(), env.read("in/a.txt"));

    let out = env.cmd().args(["in", "-o", "out2", "--ext", "txt"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<PathBuf> = env.tree("out2").into_keys().collect();
    // A name without extension gets one.
    assert_eq!(names, [".hidden.txt", "a.txt", "sub/deeper/b.txt"].map(PathBuf::from).to_vec());
}

#[test]
fn one_file_to_a_file_or_stdout() {
    let env = Env::new();
    env.write("a.txt", "头发");
    let out = env.cmd().args(["a.txt", "-o", "b.txt", "--convert", "s2t"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("頭髮".as_bytes(), env.read("b.txt"));
    assert!(!env.path(".zhclean-journal").exists());
    let out = env.cmd().args(["a.txt", "--convert", "s2t"]).output().unwrap();
    eqnice!("頭髮".as_bytes(), out.stdout);
    // An existing folder, or a name ending in `/`, is a folder.
    fs::create_dir(env.path("d")).unwrap();
    env.cmd().args(["a.txt", "-o", "d"]).assert().success();
    env.cmd().args(["a.txt", "-o", "e/"]).assert().success();
    assert!(env.path("d/a.txt").is_file() && env.path("e/a.txt").is_file());
}

/// `-o /dev/stdout` (or `/dev/null`) names no file to replace: the output
/// goes through the name, which stays what it was. Checked on links made
/// here, so that a failure replaces a link of the test's own and not
/// `/dev/stdout` itself.
#[cfg(unix)]
#[test]
fn an_output_that_is_standard_output_or_a_device_is_written_through() {
    let env = Env::new();
    env.write("a.txt", "头发");
    std::os::unix::fs::symlink("/dev/stdout", env.path("to-stdout")).unwrap();
    std::os::unix::fs::symlink("/dev/null", env.path("to-null")).unwrap();
    // Standard output a pipe.
    let out = env.cmd().args(["a.txt", "-o", "to-stdout", "--convert", "s2t"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("頭髮".as_bytes(), out.stdout);
    // Standard output a regular file opened to append (`>>`): appended to,
    // the link kept.
    env.write("captured.txt", "前\n");
    let file = fs::OpenOptions::new().append(true).open(env.path("captured.txt")).unwrap();
    let out = std::process::Command::new(bin())
        .current_dir(env.path("."))
        .args(["a.txt", "-o", "to-stdout", "--convert", "s2t", "-q", "--progress=never"])
        .stdout(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("前\n頭髮".as_bytes(), env.read("captured.txt"));
    let out = env.cmd().args(["a.txt", "-o", "to-null", "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // A block device is refused, not written (only where a device node
    // can be made here: as root).
    let made = std::process::Command::new("mknod")
        .args([env.path("disk").to_str().unwrap(), "b", "7", "0"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let out = env.cmd().args(["a.txt", "-o", "disk"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("-o disk: a block device"), "{}", stderr(&out));
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(env.path("disk")).unwrap().file_type().is_block_device());
        fs::remove_file(env.path("disk")).unwrap();
    }
    // A socket cannot be opened as a file: refused before anything is read.
    let _socket = std::os::unix::net::UnixListener::bind(env.path("sock")).unwrap();
    let out = env.cmd().args(["a.txt", "-o", "sock"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("-o sock: a socket"), "{}", stderr(&out));
    // A file that is not text, written through: as without `-o`, a failure
    // that says so (a stream has nowhere to put a skipped file).
    env.write("img.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    for args in [&["img.png"][..], &["img.png", "-o", "to-null"]] {
        let out = env.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("img.png: not text (PNG image)"), "{}", stderr(&out));
    }
    for link in ["to-stdout", "to-null"] {
        assert!(fs::symlink_metadata(env.path(link)).unwrap().file_type().is_symlink(), "{link}");
    }
    assert!(temporaries(&env.path(".")).is_empty());
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_kept_byte_for_byte() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let name = OsStr::from_bytes(b"caf\xff.txt");
    env.write(Path::new("in").join(name), "头发");
    let out = env.cmd().args(["in", "-o", "out", "--convert", "s2t"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("頭髮".as_bytes(), env.read(Path::new("out").join(name)));
    // And the journal recognises it on the next run.
    let out = env
        .cmd()
        .args(["in", "-o", "out", "--convert", "s2t", "--report", "r.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(report_lines(&env, "r.jsonl")[0]["skipped"], "up to date");
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02";

#[test]
fn binary_files_are_skipped_or_copied() {
    let env = Env::new();
    env.write("in/img/x.png", PNG);
    env.write("in/a.txt", "文字");
    let out = env.cmd().args(["in", "-o", "out", "--report", "r.jsonl"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("x.png: skipped, not text"), "{}", stderr(&out));
    assert!(!env.path("out/img/x.png").exists());
    let r = report_lines(&env, "r.jsonl");
    let png = r.iter().find(|v| v["path"].as_str().unwrap().ends_with("x.png")).unwrap();
    assert!(png["skipped"].as_str().unwrap().starts_with("not text"));

    let out = env.cmd().args(["in", "-o", "out", "--copy-other", "--ext", "txt"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!(PNG, env.read("out/img/x.png"));
}

#[cfg(unix)]
#[test]
fn links_and_special_files() {
    let env = Env::new();
    env.write("target/t.txt", "头");
    env.write("in/a.txt", "发");
    std::os::unix::fs::symlink(env.path("target/t.txt"), env.path("in/link.txt")).unwrap();
    std::os::unix::fs::symlink(env.path("in"), env.path("in/loop")).unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(env.path("in/fifo")).status().unwrap();
    assert!(fifo.success());
    let run = |extra: &[&str]| {
        let mut c = env.cmd();
        c.args(["in", "-o", "out", "--force", "--report", "r.jsonl"]).args(extra);
        c.timeout(Duration::from_secs(60)).output().unwrap()
    };
    let out = run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.path("out/link.txt").exists());
    assert!(!env.path("out/fifo").exists());
    let r = report_lines(&env, "r.jsonl");
    let skipped = |name: &str| {
        r.iter().find(|v| v["path"].as_str().unwrap().ends_with(name)).unwrap()["skipped"].clone()
    };
    assert_eq!(skipped("link.txt"), "symlink");
    assert_eq!(skipped("fifo"), "special file");

    let out = run(&["--follow"]);
    assert!(out.status.success(), "{}", stderr(&out));
    eqnice!("头".as_bytes(), env.read("out/link.txt"));
    let r = report_lines(&env, "r.jsonl");
    assert!(r.iter().any(|v| v["skipped"] == "symlink loop"), "{r:?}");
}

#[test]
fn jsonl_cleans_fields_and_passes_the_rest() {
    let env = Env::new();
    let input = concat!(
        "{\"id\":1.50,\"text\":\"头发\",\"title\":\"发\",\"esc\":\"\\u00e9\"}\n",
        "not json\n",
        "{\"text\":\"后\"}\r\n",
        "[1]\n",
        "{\"text\":\"发\"}"
    );
    let out = env.cmd().args(["--jsonl", "--convert", "s2t"]).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let expected = concat!(
        "{\"id\":1.50,\"text\":\"頭髮\",\"title\":\"发\",\"esc\":\"\\u00e9\"}\n",
        "not json\n",
        "{\"text\":\"後\"}\r\n",
        "[1]\n",
        "{\"text\":\"發\"}"
    );
    eqnice!(expected.as_bytes(), out.stdout);
    let err = stderr(&out);
    assert!(err.contains("-:2: not a JSON object"), "{err}");
    assert!(err.contains("-:4: not a JSON object"), "{err}");

    let out = env
        .cmd()
        .args(["--jsonl", "--field", "title", "--field", "text", "--convert", "s2t"])
        .write_stdin("{\"text\":\"发\",\"title\":\"发\"}\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    eqnice!("{\"text\":\"發\",\"title\":\"發\"}\n".as_bytes(), out.stdout);

    // Files too, with one line out per line in.
    let lines: String = (0..500).map(|i| format!("{{\"n\":{i},\"text\":\"头发{i}\"}}\n")).collect();
    env.write("in/data.jsonl", &lines);
    let out = env
        .cmd()
        .args(["in", "-o", "out", "--jsonl", "--convert", "s2t", "--block-size", "100", "-j2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = lines.replace("头发", "頭髮");
    eqnice!(expected.as_bytes(), env.read("out/data.jsonl"));
}

/// A file larger than a block is cut into pieces processed in parallel;
/// the result is the same as processing it whole.
#[test]
fn large_file_in_pieces_equals_whole() {
    let env = Env::new();
    let text: String = (0..3000).map(|i| format!("第{i}行，头发与发展。\r\n")).collect();
    env.write("big.txt", &text);
    let whole = env.cmd().args(["big.txt", "--convert", "s2t", "-j1"]).output().unwrap();
    assert!(whole.status.success());
    for (block, jobs) in [("1000", "2"), ("4096", "1"), ("65536", "2")] {
        let out = env
            .cmd()
            .args(["big.txt", "--convert", "s2t", "--block-size", block, "-j", jobs])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        eqnice!(whole.stdout, out.stdout);
        let out = env
            .cmd()
            .args(["--convert", "s2t", "--block-size", block, "-j", jobs])
            .write_stdin(text.as_bytes())
            .output()
            .unwrap();
        eqnice!(whole.stdout, out.stdout);
    }
}

/// A tree holding large files (many pieces each, on two threads) next to
/// small ones: every output equals the whole-file result, no temporary is
/// left, and the journal names each output once.
#[test]
fn large_files_in_a_tree_are_pipelined_in_order() {
    let env = Env::new();
    let text: String = (0..4000).map(|i| format!("第{i}行，头发与发展。\n")).collect();
    env.write("in/big1.txt", &text);
    env.write("in/sub/big2.txt", text.replace("发展", "后来"));
    for i in 0..20 {
        env.write(format!("in/small/s{i}.txt"), format!("{i} 头发\n"));
    }
    env.cmd().args(["in", "-o", "whole", "--convert", "s2t", "-j1", "-q"]).assert().success();
    let out = env
        .cmd()
        .args(["in", "-o", "out", "--convert", "s2t", "--block-size", "512", "-j2", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.tree("out") == env.tree("whole"), "pieced tree differs");
    assert!(temporaries(&env.path("out")).is_empty());
    let journal = std::fs::read_to_string(env.path("out/.zhclean-journal")).unwrap();
    assert_eq!(journal.lines().count(), 22);
    assert!(journal.lines().any(|l| l.contains("\"sub/big2.txt\"")));
}

#[test]
fn report_has_one_object_per_file() {
    let env = Env::new();
    env.write("in/a.txt", "头发");
    env.write("in/b.txt", "");
    let out = env
        .cmd()
        .args(["in", "-o", "out", "--convert", "s2t", "--report", "r.jsonl", "-j1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report_lines(&env, "r.jsonl");
    assert_eq!(r.len(), 2);
    let a = &r[0];
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "path",
            "encoding",
            "confidence",
            "script",
            "bytes_in",
            "bytes_out",
            "changes",
            "replacement_chars",
            "skipped",
            "error",
            "convert"
        ]
    );
    assert_eq!(a["path"], "in/a.txt");
    assert_eq!(a["bytes_in"], 6);
    assert_eq!(a["bytes_out"], 6);
    assert_eq!(a["script"], "hant");
    assert_eq!(a["convert"], "s2t");
    assert_eq!(a["changes"]["convert"], 1);
    assert_eq!(a["skipped"], Value::Null);
}

#[test]
fn output_inside_input_is_refused() {
    let env = Env::new();
    env.write("in/a.txt", "x");
    for out in ["in", "in/out", "."] {
        let o = env.cmd().args(["in", "-o", out]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "-o {out}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("zhclean: "), "{}", stderr(&o));
    }
    let o = env.cmd().args(["in/a.txt", "-o", "in/a.txt"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    eqnice!(b"x", env.read("in/a.txt"));
    assert!(!env.path("in/out").exists());
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    let o = env.cmd().args(["--no-rule", "cjk-punct,bogus"]).write_stdin("").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule 'bogus'") && stderr(&o).contains("name-separator"));
    let o = env.cmd().args(["--encoding", "nope"]).write_stdin("").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = env.cmd().args(["--convert", "x2y"]).write_stdin("").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    env.write("in/a.txt", "x");
    let o = env.cmd().args(["in"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "a folder needs -o");
}

#[test]
fn errors_are_reported_and_the_run_goes_on() {
    let env = Env::new();
    env.write("in/a.txt", "头");
    let o = env.cmd().args(["missing.txt", "in", "-o", "out"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.lines().any(|l| l.starts_with("zhclean: missing.txt: ")), "{err}");
    assert!(env.path("out/a.txt").is_file());
}

#[test]
fn write_failures_are_reported_and_the_run_goes_on() {
    let env = Env::new();
    env.write("in/sub/a.txt", "头");
    env.write("in/b.txt", "发");
    // A file where the output needs a folder: the write of sub/a.txt fails.
    env.write("out/sub", "in the way");
    let o = env.cmd().args(["in", "-o", "out", "--report", "r.jsonl"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.lines().any(|l| l.starts_with("zhclean: ") && l.contains("sub")), "{err}");
    eqnice!("发".as_bytes(), env.read("out/b.txt"));
    let r = report_lines(&env, "r.jsonl");
    assert!(r.iter().any(|v| v["error"].is_string()), "{r:?}");
}

#[test]
fn dry_run_writes_nothing() {
    let env = Env::new();
    env.write("in/a.txt", "头发");
    let o = env
        .cmd()
        .args(["in", "-o", "out", "-n", "--report", "r.jsonl", "--convert", "s2t"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!env.path("out").exists());
    assert_eq!(report_lines(&env, "r.jsonl")[0]["bytes_out"], 6);
}

#[test]
fn up_to_date_outputs_are_skipped_until_something_changes() {
    let env = Env::new();
    env.write("in/a.txt", "头发");
    env.write("in/b.txt", "发展");
    let run = |extra: &[&str]| {
        let o = env
            .cmd()
            .args(["in", "-o", "out", "--report", "r.jsonl", "-j1"])
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        report_lines(&env, "r.jsonl").iter().map(|v| v["skipped"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(run(&[]), [Value::Null, Value::Null]);
    assert_eq!(run(&[]), ["up to date", "up to date"]);
    // Other options: redone.
    assert_eq!(run(&["--convert", "s2t"]), [Value::Null, Value::Null]);
    eqnice!("頭髮".as_bytes(), env.read("out/a.txt"));
    // A changed input (size), a damaged output, --force.
    env.write("in/a.txt", "头发!");
    assert_eq!(run(&["--convert", "s2t"]), [Value::Null, "up to date".into()]);
    env.write("out/b.txt", "");
    assert_eq!(run(&["--convert", "s2t"]), ["up to date".into(), Value::Null]);
    assert_eq!(run(&["--convert", "s2t", "--force"]), [Value::Null, Value::Null]);
}

/// Many files of some size, so that a run at -j1 takes a while.
/// Files in the trees that the interrupt tests stop midway: enough that the
/// run is still going when the test, having seen ten outputs, sends its
/// signal (80 was once too few for a faster converter).
const INTERRUPTED_FILES: usize = 600;

fn slow_tree(env: &Env, files: usize) {
    let body: String = (0..150).map(|i| format!("第{i}行，头发与发展，干净的文本。\n")).collect();
    for i in 0..files {
        env.write(format!("in/d{}/f{i:04}.txt", i % 7), &body);
    }
}

fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .count()
}

/// Starts a slow run into `out` and sends `signal` once some outputs exist.
/// Returns the exit status, or `None` if the run ended before the signal.
fn interrupt(env: &Env, out: &str, signal: &str) -> Option<std::process::ExitStatus> {
    let mut child = std::process::Command::new(bin())
        .current_dir(env.path(""))
        .args(["in", "-o", out, "--convert", "s2t", "-j1", "--progress=never", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Ten outputs in place, and five of them in the journal (which the run
    // appends to a burst of files at a time), so that a resumed run has
    // something to reuse.
    let journaled = || {
        std::fs::read(env.path(out).join(".zhclean-journal"))
            .map_or(0, |j| j.iter().filter(|&&b| b == b'\n').count())
    };
    while (count_files(&env.path(out)) < 10 || journaled() < 5)
        && start.elapsed() < Duration::from_secs(60)
    {
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    Some(status)
}

#[test]
fn killed_run_resumes_to_the_same_tree() {
    let env = Env::new();
    slow_tree(&env, INTERRUPTED_FILES);
    env.cmd().args(["in", "-o", "whole", "--convert", "s2t", "-q"]).assert().success();
    let expected = env.tree("whole");
    let Some(status) = interrupt(&env, "out", "-KILL") else {
        panic!("the run ended before it could be killed; make slow_tree slower");
    };
    assert!(!status.success());
    let partial = count_files(&env.path("out"));
    assert!(partial < expected.len(), "killed run wrote everything");
    let o = env
        .cmd()
        .args(["in", "-o", "out", "--convert", "s2t", "--report", "r.jsonl"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(temporaries(&env.path("out")).is_empty());
    assert!(env.tree("out") == expected, "resumed tree differs from an uninterrupted run");
    // The resumed run skipped what the killed one had finished.
    let up_to_date =
        report_lines(&env, "r.jsonl").iter().filter(|v| v["skipped"] == "up to date").count();
    assert!(up_to_date >= 5, "only {up_to_date} outputs were reused");
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_130_without_partial_files() {
    let env = Env::new();
    slow_tree(&env, INTERRUPTED_FILES);
    env.cmd().args(["in", "-o", "whole", "--convert", "s2t", "-q"]).assert().success();
    let expected = env.tree("whole");
    let Some(status) = interrupt(&env, "out", "-INT") else {
        panic!("the run ended before it could be interrupted; make slow_tree slower");
    };
    assert_eq!(status.code(), Some(130));
    assert!(temporaries(&env.path("out")).is_empty());
    let got = env.tree("out");
    assert!(got.len() < expected.len());
    for (rel, bytes) in &got {
        assert!(expected[rel] == *bytes, "{} is partial", rel.display());
    }
}

#[test]
fn closed_stdout_ends_quietly() {
    let env = Env::new();
    let text = "头发与发展\n".repeat(400_000);
    env.write("big.txt", &text);
    let o = std::process::Command::new("bash")
        .current_dir(env.path(""))
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' --convert s2t < big.txt | head -c 10 >/dev/null",
            bin()
        ))
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?} {}", o.status, stderr(&o));
    assert_eq!(stderr(&o), "");
}

/// Under a terminal (`script` gives one), `--progress auto` draws a bar.
#[test]
fn progress_bar_under_a_terminal() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("`script` (bsdutils) missing: test not run");
        return;
    }
    let env = Env::new();
    slow_tree(&env, 60);
    let run = |progress: &str| {
        let cmd = format!("'{}' in -o out --force -j1 --progress {progress}", bin());
        let o = std::process::Command::new("script")
            .current_dir(env.path(""))
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let tty = run("auto");
    assert!(tty.contains("files ") && tty.contains("/60"), "no bar in {tty:?}");
    let quiet = run("never");
    assert!(!quiet.contains("/60"), "bar drawn with --progress never: {quiet:?}");
    // Without a terminal, auto draws nothing; always draws anyway.
    let o =
        env.raw_cmd().args(["in", "-o", "out", "--force", "--progress", "auto"]).output().unwrap();
    assert!(!stderr(&o).contains("/60"), "{}", stderr(&o));
    let o = env
        .raw_cmd()
        .args(["in", "-o", "out", "--force", "--progress", "always"])
        .output()
        .unwrap();
    // There as plain lines (at least the last one), no control codes.
    assert!(stderr(&o).contains("files 60/60"), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\x1b'), "{}", stderr(&o));
}

/// The bundled example tree goes through whole: every text file written
/// under its own name, the PNG skipped (or copied with --copy-other).
#[test]
fn bundled_example_dump() {
    let env = Env::new();
    let dump = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dump");
    let o = env
        .cmd()
        .arg(&dump)
        .args(["-o", "out", "--report", "r.jsonl", "--copy-other"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let inputs: Vec<PathBuf> = walkdir::WalkDir::new(&dump)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&dump).unwrap().to_path_buf())
        .collect();
    let outputs: Vec<PathBuf> = env.tree("out").into_keys().collect();
    let mut sorted = inputs.clone();
    sorted.sort();
    assert_eq!(outputs, sorted);
    assert!(inputs.len() >= 17);
    eqnice!(fs::read(dump.join("images/logo.png")).unwrap(), env.read("out/images/logo.png"));
    assert_eq!(report_lines(&env, "r.jsonl").len(), inputs.len());
}
