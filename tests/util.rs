//! Helpers for the command-line tests: a temporary folder to work in, raw
//! file writes, the `zhclean` binary as a command, and trees compared whole.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary folder the command runs in.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// A fresh, empty folder.
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temporary folder") }
    }

    /// The absolute path of `rel` inside the folder.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes raw bytes to `rel`, creating folders.
    pub fn write(&self, rel: impl AsRef<Path>, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }

    /// Reads `rel`.
    pub fn read(&self, rel: impl AsRef<Path>) -> Vec<u8> {
        let p = self.path(rel);
        fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The binary, run in the folder, without a progress bar.
    pub fn cmd(&self) -> Command {
        let mut c = self.raw_cmd();
        c.arg("--progress=never");
        c
    }

    /// The binary, run in the folder, no flags added.
    pub fn raw_cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.dir.path());
        c
    }

    /// Every file under `rel` (relative path → content), zhclean's journal
    /// excluded.
    pub fn tree(&self, rel: impl AsRef<Path>) -> BTreeMap<PathBuf, Vec<u8>> {
        let root = self.path(rel);
        walkdir::WalkDir::new(&root)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file() && e.file_name() != ".zhclean-journal")
            .map(|e| {
                (e.path().strip_prefix(&root).unwrap().to_path_buf(), fs::read(e.path()).unwrap())
            })
            .collect()
    }
}

/// The path of the built binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_zhclean")
}

/// Asserts two byte strings are equal, printing both as text when not.
#[macro_export]
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {{
        let (e, g): (&[u8], &[u8]) = (&$expected[..], &$got[..]);
        if e != g {
            panic!(
                "\nexpected:\n{}\ngot:\n{}\n",
                String::from_utf8_lossy(e),
                String::from_utf8_lossy(g)
            );
        }
    }};
}

/// A command's standard error as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The zhclean temporaries (`.zhclean-tmp*`) left anywhere below `dir`.
pub fn temporaries(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".zhclean-tmp"))
        .map(|e| e.into_path())
        .collect()
}

/// The lines of the JSON Lines report at `rel`, parsed.
pub fn report_lines(env: &Env, rel: &str) -> Vec<serde_json::Value> {
    String::from_utf8(env.read(rel))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
