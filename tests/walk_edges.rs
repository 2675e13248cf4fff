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
        .filter(|e| dirs || !e.file_type().is_dir())
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

#[cfg(unix)]
fn mode(env: &Env, rel: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(env.path(rel)).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
#[test]
fn in_place_replaces_changed_files_only_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, SystemTime};
    let env = Env::new();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    // 头发 in GBK, a clean UTF-8 file, a file to clean, a PNG.
    env.write("in/gbk.txt", b"\xCD\xB7\xB7\xA2\n");
    env.write("in/clean.txt", "头发。\n");
    env.write("in/sub/dirty.txt", "斯科特?丹恩（Scott Dunn）说\n");
    env.write("in/pic.png", png);
    env.write("in/ascii.txt", "Already clean.\n");
    std::os::unix::fs::symlink("clean.txt", env.path("in/link.txt")).unwrap();
    std::fs::set_permissions(env.path("in/sub/dirty.txt"), PermissionsExt::from_mode(0o640))
        .unwrap();
    std::fs::set_permissions(env.path("in/gbk.txt"), PermissionsExt::from_mode(0o604)).unwrap();
    let old = SystemTime::now() - Duration::from_secs(3600);
    for rel in ["in/clean.txt", "in/sub/dirty.txt", "in/pic.png", "in/ascii.txt"] {
        let f = std::fs::File::options().write(true).open(env.path(rel)).unwrap();
        f.set_modified(old).unwrap();
    }
    let mtime = |rel: &str| std::fs::metadata(env.path(rel)).unwrap().modified().unwrap();
    let out = env.cmd().args(["--in-place", "in", "--convert", "s2t"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.read("in/gbk.txt"), "頭髮\n".as_bytes());
    assert_eq!(env.read("in/sub/dirty.txt"), "斯科特·丹恩（Scott Dunn）說\n".as_bytes());
    assert_eq!(env.read("in/clean.txt"), "頭髮。\n".as_bytes());
    assert_eq!(env.read("in/pic.png"), png);
    assert_eq!(mode(&env, "in/sub/dirty.txt"), 0o640);
    assert_eq!(mode(&env, "in/gbk.txt"), 0o604);
    assert!(mtime("in/sub/dirty.txt") > old + Duration::from_secs(60));
    assert_eq!(mtime("in/pic.png"), old);
    // A text file with nothing to change is not rewritten.
    assert_eq!(mtime("in/ascii.txt"), old);
    // The link was left a link, and nothing else was made.
    assert!(std::fs::symlink_metadata(env.path("in/link.txt")).unwrap().file_type().is_symlink());
    assert_eq!(
        names(&env, "in", false),
        ["ascii.txt", "clean.txt", "gbk.txt", "link.txt", "pic.png", "sub/dirty.txt"]
    );
    assert!(crate::util::temporaries(&env.path("in")).is_empty());
    // Run again: every file is clean now, nothing is rewritten.
    let before = mtime("in/clean.txt");
    std::thread::sleep(Duration::from_millis(20));
    let out = env.cmd().args(["--in-place", "in", "--convert", "s2t"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mtime("in/clean.txt"), before);
}

#[test]
fn in_place_one_file_with_a_backup_and_dry_run() {
    let env = Env::new();
    env.write("a.txt", "斯科特?丹恩说\n");
    env.write("a.txt.orig", "an older backup\n");
    // --dry-run reports and writes nothing.
    let out =
        env.cmd().args(["--in-place", "a.txt", "-n", "--report", "r.jsonl"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.read("a.txt"), "斯科特?丹恩说\n".as_bytes());
    assert_eq!(report_lines(&env, "r.jsonl")[0]["changes"]["name-separator"], 1);
    let out = env.cmd().args(["--in-place", "a.txt", "--backup", ".orig"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.read("a.txt"), "斯科特·丹恩说\n".as_bytes());
    assert_eq!(env.read("a.txt.orig"), "斯科特?丹恩说\n".as_bytes());
    // Unchanged the second time: the backup stays the first original.
    let out = env.cmd().args(["--in-place", "a.txt", "--backup", ".orig"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.read("a.txt.orig"), "斯科特?丹恩说\n".as_bytes());
    assert!(crate::util::temporaries(&env.path("")).is_empty());
}

#[test]
fn in_place_refusals_exit_2() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    let cases: &[(&[&str], &str)] = &[
        (&["--in-place", "in", "-o", "out"], "--in-place: refused with -o"),
        (&["--in-place"], "--in-place: needs input files"),
        (&["--in-place", "-"], "--in-place: needs input files"),
        (&["--in-place", "in", "--backup", "a/b"], "--backup a/b"),
        (&["--in-place", "in", "--copy-other"], "--copy-other"),
        (&["--backup", ".bak", "in", "-o", "out"], "--in-place"),
    ];
    for (args, want) in cases {
        let out = env.cmd().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(env.read("in/a.txt"), "头发\n".as_bytes());
    assert!(!env.path("out").exists());
}

#[test]
fn in_place_sweeps_temporaries_of_a_killed_run_and_cleans_nothing_of_them() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    // Left by a run killed outright (no such process), and one of a live one.
    env.write("in/sub/.zhclean-tmp.2147483646.3", "half-writ?ten\n");
    let live = format!("in/.zhclean-tmp.{}.1", std::process::id());
    env.write(&live, "a live run's?\n");
    let out = env.cmd().args(["--in-place", "in", "--report", "r.jsonl"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.path("in/sub/.zhclean-tmp.2147483646.3").exists());
    assert_eq!(env.read(&live), "a live run's?\n".as_bytes());
    assert_eq!(report_lines(&env, "r.jsonl").len(), 1);
}

#[test]
fn the_journal_is_compacted_and_resume_still_works() {
    let env = Env::new();
    for i in 0..50 {
        env.write(format!("in/d{}/f{i}.txt", i % 5), format!("第{i}行?\n"));
    }
    let lines = || String::from_utf8(env.read("out/.zhclean-journal")).unwrap().lines().count();
    let mut counts = Vec::new();
    for run in 0..4 {
        let mut cmd = env.cmd();
        cmd.args(["in", "-o", "out"]);
        if run > 0 {
            cmd.arg("--force");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        counts.push(lines());
    }
    // Without compaction the fourth run would leave 200 lines.
    assert_eq!(counts[..3], [50, 100, 150]);
    let bound = 2 * 50 + zhclean::write::JOURNAL_SLACK as usize;
    assert!(counts[3] <= bound, "{counts:?}");
    assert_eq!(counts[3], 50, "{counts:?}");
    // Resume: every output is up to date, and one touched input is redone.
    env.write("in/d0/f0.txt", "改了?\n");
    let out = env.cmd().args(["in", "-o", "out", "--report", "r.jsonl"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = report_lines(&env, "r.jsonl");
    let up_to_date = report.iter().filter(|r| r["skipped"] == "up to date").count();
    assert_eq!((report.len(), up_to_date), (50, 49));
    assert_eq!(lines(), 51);
}

/// Holds `OUT/.zhclean-lock` as a run does (`flock`), until dropped.
#[cfg(unix)]
fn hold_lock(env: &Env, out: &str) -> std::fs::File {
    std::fs::create_dir_all(env.path(out)).unwrap();
    let f = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(env.path(out).join(".zhclean-lock"))
        .unwrap();
    rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    f
}

#[cfg(unix)]
#[test]
fn a_second_run_into_a_locked_output_folder_exits_2() {
    let env = Env::new();
    env.write("in/a.txt", "头发\n");
    let held = hold_lock(&env, "out");
    let out = env.cmd().args(["in", "-o", "out"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("is in use by another zhclean run"), "{err}");
    assert!(err.contains(&env.path("out").display().to_string()), "{err}");
    assert!(!env.path("out/a.txt").exists());
    drop(held);
    // Released: the next run goes through and leaves no lock file.
    let out = env.cmd().args(["in", "-o", "out"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.path("out/a.txt").exists());
    assert!(!env.path("out/.zhclean-lock").exists());
    // An old output folder walked as an input gives up none of its own files.
    let out = env.cmd().args(["out", "-o", "again"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(names(&env, "again", false), ["a.txt"]);
}

#[cfg(unix)]
#[test]
fn a_run_killed_outright_does_not_block_the_next() {
    use std::time::{Duration, Instant};
    let env = Env::new();
    // Large enough that the run is still going when it is killed.
    let line = "斯科特?丹恩（Scott Dunn）说，头发。\n".repeat(1 << 13);
    for i in 0..2 {
        env.write(format!("in/{i}.txt"), &line);
    }
    let mut child = std::process::Command::new(crate::util::bin())
        .current_dir(env.path(""))
        .args(["--progress=never", "-j1", "in", "-o", "out", "--convert", "s2twp"])
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !env.path("out/.zhclean-lock").exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed, not ended");
    // The killed run's lock file is still there, its lock gone with it.
    assert!(env.path("out/.zhclean-lock").exists());
    let out = env.cmd().args(["in", "-o", "out"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.path("out/.zhclean-lock").exists());
    assert_eq!(names(&env, "out", false).len(), 2);
}

/// Ctrl-C during an in-place run: exit 130, every file either its old self
/// or whole and new, and no temporary left.
#[cfg(unix)]
#[test]
fn an_interrupted_in_place_run_leaves_no_half_file() {
    use std::time::{Duration, Instant};
    let env = Env::new();
    let old = "斯科特?丹恩（Scott Dunn）说，头发。\n".repeat(1 << 13);
    let new = "斯科特·丹恩（Scott Dunn）說，頭髮。\n".repeat(1 << 13);
    for i in 0..6 {
        env.write(format!("in/{i}.txt"), &old);
    }
    let mut child = std::process::Command::new(crate::util::bin())
        .current_dir(env.path(""))
        .args(["--progress=never", "-j1", "--in-place", "in", "--convert", "s2t"])
        .args(["--block-size", "4096"])
        .spawn()
        .unwrap();
    let start = Instant::now();
    while crate::util::temporaries(&env.path("in")).is_empty()
        && start.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(crate::util::temporaries(&env.path("in")).is_empty());
    let mut rewritten = 0;
    for i in 0..6 {
        let text = String::from_utf8(env.read(format!("in/{i}.txt"))).unwrap();
        assert!(text == old || text == new, "file {i} is half old, half new");
        rewritten += usize::from(text == new);
    }
    assert!(rewritten < 6, "the run ended before the signal: nothing was tested");
}
