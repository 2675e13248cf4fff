//! Walking, writing in place and the output folder's upkeep (issue 20):
//! `-g/--glob`, no empty output folders, `--in-place`, the journal kept
//! compact, and the lock that keeps two runs out of one output folder.

use std::path::PathBuf;

use crate::util::{Env, report_lines, stderr};

/// The relative paths of the files (and, with `dirs`, folders) under `rel`.
fn names(env: &Env, rel: &str, dirs: bool) -> Vec<String> {
    let root = env.path(rel);
    walkdir::WalkDir::new(&root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| dirs || e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&root).unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".zhclean-"))
        .collect()
}

#[test]
fn globs_select_files_and_later_ones_win() {
    let env = Env::new();
    for rel in ["in/a.txt", "in/b.md", "in/sub/c.txt", "in/sub/d.txt", "in/vendor/e.txt"] {
        env.write(rel, "头发\n");
    }
    let out = env
        .cmd()
        .args(["in", "-o", "out", "-g", "*.txt", "-g", "!sub/*", "-g", "sub/d.txt"])
        .args(["-g", "!vendor", "--report", "r.jsonl", "--copy-other"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(names(&env, "out", true), ["a.txt", "sub", "sub/d.txt"]);
    // Files left out are not reported (nor copied, with --copy-other).
    let mut paths: Vec<PathBuf> = report_lines(&env, "r.jsonl")
        .iter()
        .map(|r| PathBuf::from(r["path"].as_str().unwrap()))
        .collect();
    paths.sort();
    assert_eq!(paths, [PathBuf::from("in/a.txt"), PathBuf::from("in/sub/d.txt")]);
    // Excludes alone keep the rest.
    let out = env.cmd().args(["in", "-o", "out2", "-g", "!*.md"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(names(&env, "out2", false), ["a.txt", "sub/c.txt", "sub/d.txt", "vendor/e.txt"]);
}

#[test]
fn a_bad_glob_is_a_usage_error_naming_it() {
    let env = Env::new();
    env.write("in/a.txt", "x\n");
    let out = env.cmd().args(["in", "-o", "out", "-g", "*.txt", "-g", "src/[a-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--glob \"src/[a-\""), "{}", stderr(&out));
    assert!(!env.path("out").exists());
}

#[test]
fn no_empty_folder_for_a_skipped_file() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    env.write("in/sub/pic.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    env.write("in/deep/er/pic.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    let out = env.cmd().args(["in", "-o", "out"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("skipped"), "{}", stderr(&out));
    assert_eq!(names(&env, "out", true), ["a.txt"]);
    // Copied, they get their folders.
    let out = env.cmd().args(["in", "-o", "out", "--copy-other"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        names(&env, "out", true),
        ["a.txt", "deep", "deep/er", "deep/er/pic.png", "sub", "sub/pic.png"]
    );
}
