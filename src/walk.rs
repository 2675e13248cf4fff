//! Finding the input files: the command-line inputs, and every file below
//! the input folders, each with the relative path its output will get.
//!
//! The walk is done once, up front, by walkdir: the list gives the progress
//! bar its total and lets duplicate targets be refused before anything is
//! written; the work on the files is what runs in parallel. Hidden files
//! are included (a dump is not a source tree: there is no `.gitignore` to
//! honour). Symbolic links below an input folder are reported and not
//! followed unless asked (`--follow`, with walkdir's loop detection); an
//! input named on the command line is always followed. File names are kept
//! as `Path`s throughout, so names that are not UTF-8 survive byte for byte.
//!
//! `-g/--glob` ([`Globs`]) selects files below the input folders with
//! ripgrep's rules: a glob is matched against the path relative to the input
//! folder, a glob with no `/` matches the file name at any depth, `!GLOB`
//! excludes, a later glob wins over an earlier one, and once any glob
//! includes, a file that no including glob matches is left out. A folder
//! excluded by a glob is not walked. Files left out are not processed, not
//! copied and not reported: the walk never returns them. An input named on
//! the command line (a file, or a folder itself) is taken whatever the globs
//! say. zhclean's own files (`.zhclean-journal`, `.zhclean-lock`,
//! `.zhclean-tmp.*`) below an input folder are never inputs.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::write::{FileId, file_id};

/// What kind of file an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file (or a followed link to one).
    File,
    /// A symbolic link that is not followed.
    Symlink,
    /// A symbolic link that leads back to one of its ancestors.
    SymlinkLoop,
    /// A FIFO, socket or device.
    Special,
}

/// One file found among the inputs.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The path to read.
    pub path: PathBuf,
    /// The path relative to the output folder: the path below the input
    /// folder, or the file name for an input file.
    pub rel: PathBuf,
    /// What it is.
    pub kind: EntryKind,
    /// Its size in bytes (0 for anything but a file).
    pub size: u64,
    /// Its modification time in nanoseconds since the Unix epoch (0 for
    /// anything but a file, or when unknown). Taken with the size by the
    /// walk's one `stat`, so that processing the file needs no other.
    pub mtime_ns: u128,
}

/// Everything found under `inputs`, in order (inputs as given, each
/// folder's entries sorted by name), plus the errors met on the way
/// (missing inputs, unreadable folders).
pub fn collect(inputs: &[PathBuf], follow: bool) -> (Vec<Entry>, Vec<Error>) {
    let walk = collect_tree(inputs, follow, &Globs::default());
    (walk.entries, walk.errors)
}

/// The `-g/--glob` selection (see the module docs): globs in the order
/// given, each including or (`!GLOB`) excluding.
#[derive(Clone, Debug, Default)]
pub struct Globs {
    /// Every glob, compiled; a match's index is its place on the command line.
    set: globset::GlobSet,
    /// Per glob: whether it excludes (`!`), and whether it names only
    /// folders (a trailing `/`).
    kinds: Vec<(bool, bool)>,
    /// Whether any glob includes.
    any_include: bool,
}

/// What the globs say of one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Include,
    Exclude,
    /// No glob matches.
    Silent,
}

impl Globs {
    /// Compiles `globs` (ripgrep's syntax, `!` to exclude). A glob that does
    /// not compile is a usage error naming it.
    pub fn new(globs: &[String]) -> crate::error::Result<Globs> {
        let mut builder = globset::GlobSetBuilder::new();
        let mut kinds = Vec::with_capacity(globs.len());
        for raw in globs {
            let (exclude, pat) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, raw.as_str()),
            };
            let dir_only = pat.len() > 1 && pat.ends_with('/');
            let pat = if dir_only { &pat[..pat.len() - 1] } else { pat };
            // As in a .gitignore: a leading `/` or any `/` inside anchors the
            // glob at the input folder; with none it matches a name at any
            // depth.
            let anchored = pat.contains('/');
            let pat = pat.strip_prefix('/').unwrap_or(pat);
            let full = if anchored || pat.starts_with("**/") {
                pat.to_string()
            } else {
                format!("**/{pat}")
            };
            if pat.is_empty() {
                return Err(crate::error::Error::Usage(format!(
                    "--glob {raw:?}: an empty glob matches nothing"
                )));
            }
            let glob = globset::GlobBuilder::new(&full)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| {
                    crate::error::Error::Usage(format!(
                        "--glob {raw:?}: not a valid glob ({})",
                        e.kind()
                    ))
                })?;
            builder.add(glob);
            kinds.push((exclude, dir_only));
        }
        let set =
            builder.build().map_err(|e| crate::error::Error::Usage(format!("--glob: {e}")))?;
        let any_include = kinds.iter().any(|&(exclude, _)| !exclude);
        Ok(Globs { set, kinds, any_include })
    }

    /// Whether no glob was given.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The last glob matching `rel` (a folder when `is_dir`) decides.
    fn verdict(&self, rel: &Path, is_dir: bool) -> Verdict {
        let last = self.set.matches(rel).into_iter().filter(|&i| is_dir || !self.kinds[i].1).max();
        match last {
            Some(i) if self.kinds[i].0 => Verdict::Exclude,
            Some(_) => Verdict::Include,
            None => Verdict::Silent,
        }
    }

    /// Whether the folder `rel` below an input folder is walked: unless a
    /// glob excludes it.
    pub fn walks_dir(&self, rel: &Path) -> bool {
        self.is_empty() || self.verdict(rel, true) != Verdict::Exclude
    }

    /// Whether the file `rel` below an input folder is selected.
    pub fn selects_file(&self, rel: &Path) -> bool {
        if self.is_empty() {
            return true;
        }
        match self.verdict(rel, false) {
            Verdict::Include => true,
            Verdict::Exclude => false,
            Verdict::Silent => !self.any_include,
        }
    }
}

/// What a walk found: [`collect`]'s entries and errors, and the device and
/// inode of every folder it went through and every file it found, to tell
/// an output or report that is an input under another name (a bind mount,
/// a hard link, a link followed with `-L`).
#[derive(Debug, Default)]
pub struct Walk {
    /// The entries, in order.
    pub entries: Vec<Entry>,
    /// Missing inputs, unreadable folders, dangling links under `-L`...
    pub errors: Vec<Error>,
    /// The folders walked (the input folders and every folder below).
    pub dirs: HashSet<FileId>,
    /// The regular files found.
    pub files: HashSet<FileId>,
    /// zhclean's own files met below the input folders (a journal, a lock
    /// file, temporaries: [`crate::write::is_own_file`]), not taken as
    /// inputs: an old output folder walked as an input gives no journal to
    /// write over the new one's.
    pub own_files: Vec<PathBuf>,
}

/// Whether `e` says a chain of symbolic links does not end (`ELOOP`: a
/// link to itself, or two links to each other).
fn is_link_loop(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

/// [`collect`], with the identities of what was walked, below the input
/// folders only what `globs` selects.
pub fn collect_tree(inputs: &[PathBuf], follow: bool, globs: &Globs) -> Walk {
    let mut walk = Walk::default();
    let Walk { entries: found, errors, dirs, files, own_files } = &mut walk;
    for input in inputs {
        let meta = match fs::metadata(input) {
            Ok(m) => m,
            Err(e) => {
                errors.push(Error::io(input, e));
                continue;
            }
        };
        if meta.is_dir() {
            dirs.insert(file_id(&meta));
        } else if meta.is_file() {
            files.insert(file_id(&meta));
        }
        if !meta.is_dir() {
            let rel = input.file_name().map_or_else(|| input.clone(), PathBuf::from);
            found.push(Entry {
                path: input.clone(),
                rel,
                kind: kind_of(&meta.file_type(), false),
                size: meta.len(),
                mtime_ns: crate::write::mtime_ns(&meta),
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(input).follow_links(follow).sort_by_file_name();
        let walked_into = |e: &walkdir::DirEntry| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || (!is_vcs_folder(e) && globs.walks_dir(&relative(e.path(), input)))
        };
        for item in walker.into_iter().filter_entry(walked_into) {
            let entry = match item {
                Ok(e) => e,
                Err(e) if e.loop_ancestor().is_some() => {
                    let path = e.path().map_or_else(|| input.clone(), Path::to_path_buf);
                    let rel = relative(&path, input);
                    found.push(Entry {
                        path,
                        rel,
                        kind: EntryKind::SymlinkLoop,
                        size: 0,
                        mtime_ns: 0,
                    });
                    continue;
                }
                Err(e) => {
                    let path = e.path().map_or_else(|| input.clone(), Path::to_path_buf);
                    let source =
                        e.into_io_error().unwrap_or_else(|| std::io::Error::other("walk failed"));
                    // Under -L, a link that leads to itself (directly or
                    // through others) is the documented loop skip.
                    if follow && is_link_loop(&source) {
                        let rel = relative(&path, input);
                        let kind = EntryKind::SymlinkLoop;
                        found.push(Entry { path, rel, kind, size: 0, mtime_ns: 0 });
                        continue;
                    }
                    errors.push(Error::io(path, source));
                    continue;
                }
            };
            let ft = entry.file_type();
            if ft.is_dir() {
                match entry.metadata() {
                    Ok(m) => {
                        dirs.insert(file_id(&m));
                    }
                    Err(e) => {
                        let source = e.into_io_error().unwrap_or_else(|| {
                            std::io::Error::other("cannot read the folder's metadata")
                        });
                        errors.push(Error::io(entry.path(), source));
                    }
                }
                continue;
            }
            if !globs.selects_file(&relative(entry.path(), input)) {
                continue;
            }
            if crate::write::is_own_file(entry.file_name()) {
                own_files.push(entry.into_path());
                continue;
            }
            let (size, mtime_ns) = match ft.is_file().then(|| entry.metadata()) {
                Some(Ok(m)) => {
                    files.insert(file_id(&m));
                    (m.len(), crate::write::mtime_ns(&m))
                }
                _ => (0, 0),
            };
            found.push(Entry {
                rel: relative(entry.path(), input),
                path: entry.into_path(),
                kind: kind_of(&ft, true),
                size,
                mtime_ns,
            });
        }
    }
    walk
}

/// Whether `entry` is a version-control folder (`.git`, `.hg`, `.svn`)
/// below an input folder: never walked, as ripgrep and fd do not. Their
/// contents are the tool's own (objects, packed history), not text to
/// clean, and a cleaned copy of them is of no use. An input named on the
/// command line is walked whatever its name.
fn is_vcs_folder(entry: &walkdir::DirEntry) -> bool {
    entry.file_type().is_dir()
        && [".git", ".hg", ".svn"].iter().any(|n| entry.file_name() == std::ffi::OsStr::new(n))
}

fn relative(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

fn kind_of(ft: &fs::FileType, below_root: bool) -> EntryKind {
    if ft.is_file() {
        EntryKind::File
    } else if ft.is_symlink() && below_root {
        EntryKind::Symlink
    } else {
        EntryKind::Special
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hidden_and_nested_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        fs::create_dir_all(root.join("b/c")).unwrap();
        fs::write(root.join(".hidden"), "h").unwrap();
        fs::write(root.join("b/c/z.txt"), "z").unwrap();
        fs::write(root.join("a.txt"), "aa").unwrap();
        let (found, errors) = collect(&[root.clone(), dir.path().join("missing")], false);
        assert_eq!(errors.len(), 1);
        let rels: Vec<_> = found.iter().map(|e| e.rel.clone()).collect();
        assert_eq!(
            rels,
            [PathBuf::from(".hidden"), PathBuf::from("a.txt"), PathBuf::from("b/c/z.txt")]
        );
        assert_eq!(found[1].size, 2);
        assert!(found.iter().all(|e| e.kind == EntryKind::File));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_reported_unless_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        fs::create_dir_all(root.join("d")).unwrap();
        fs::write(root.join("d/f.txt"), "f").unwrap();
        std::os::unix::fs::symlink("d/f.txt", root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink("..", root.join("d/up")).unwrap();
        let (found, _) = collect(std::slice::from_ref(&root), false);
        let link = found.iter().find(|e| e.rel == Path::new("link.txt")).unwrap();
        assert_eq!(link.kind, EntryKind::Symlink);
        let (found, errors) = collect(&[root], true);
        assert!(errors.is_empty(), "{errors:?}");
        let link = found.iter().find(|e| e.rel == Path::new("link.txt")).unwrap();
        assert_eq!(link.kind, EntryKind::File);
        assert!(found.iter().any(|e| e.kind == EntryKind::SymlinkLoop));
    }

    /// Links that never reach a file (`self -> self`, `a -> b -> a`) are
    /// loop skips under -L, not errors; a dangling link is an error.
    #[cfg(unix)]
    #[test]
    fn link_chains_that_loop_are_skipped_as_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("ok.txt"), "x").unwrap();
        std::os::unix::fs::symlink("self", root.join("self")).unwrap();
        std::os::unix::fs::symlink("b", root.join("a")).unwrap();
        std::os::unix::fs::symlink("a", root.join("b")).unwrap();
        std::os::unix::fs::symlink("nowhere", root.join("dangling")).unwrap();
        let walk = collect_tree(std::slice::from_ref(&root), true, &Globs::default());
        let loops: Vec<_> = walk
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::SymlinkLoop)
            .map(|e| e.rel.clone())
            .collect();
        assert_eq!(loops, [PathBuf::from("a"), PathBuf::from("b"), PathBuf::from("self")]);
        assert_eq!(walk.errors.len(), 1, "{:?}", walk.errors);
        assert!(walk.errors[0].to_string().contains("dangling"));
        assert_eq!(walk.files.len(), 1);
        assert!(walk.dirs.contains(&file_id(&fs::metadata(&root).unwrap())));
    }

    #[test]
    fn version_control_folders_are_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [".git/HEAD", ".hg/store/x", "sub/.svn/entries", "a.txt", ".github/ci.yml"] {
            let p = root.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        // A file named .git (a worktree's pointer) is a file, walked.
        fs::write(root.join("sub/.git"), "gitdir: x").unwrap();
        let (found, errors) = collect(&[root.to_path_buf()], false);
        assert!(errors.is_empty());
        let rels: Vec<PathBuf> = found.into_iter().map(|e| e.rel).collect();
        assert_eq!(rels, [".github/ci.yml", "a.txt", "sub/.git"].map(PathBuf::from).to_vec());
        // Named as an input, it is walked.
        let (found, _) = collect(&[root.join(".git")], false);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn own_files_are_not_inputs() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.txt", ".zhclean-journal", ".zhclean-lock", ".zhclean-tmp.1.2"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let walk = collect_tree(&[dir.path().to_path_buf()], false, &Globs::default());
        let rels: Vec<PathBuf> = walk.entries.into_iter().map(|e| e.rel).collect();
        assert_eq!(rels, [PathBuf::from("a.txt")]);
        assert_eq!(walk.own_files.len(), 3);
    }

    fn selected(globs: &[&str], files: &[&str]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        for rel in files {
            let p = dir.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        let globs = Globs::new(&globs.iter().map(|g| g.to_string()).collect::<Vec<_>>()).unwrap();
        let walk = collect_tree(&[dir.path().to_path_buf()], false, &globs);
        assert!(walk.errors.is_empty());
        walk.entries.into_iter().map(|e| e.rel.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn globs_select_as_ripgrep_does() {
        let files = ["a.txt", "b.md", "sub/c.txt", "sub/d.html", "sub/deep/e.txt", "x/sub/f.txt"];
        // A glob with no slash matches the name at any depth.
        assert_eq!(
            selected(&["*.txt"], &files),
            ["a.txt", "sub/c.txt", "sub/deep/e.txt", "x/sub/f.txt"]
        );
        // Excludes alone keep everything else.
        assert_eq!(selected(&["!*.txt"], &files), ["b.md", "sub/d.html"]);
        // A glob with a slash is anchored at the input folder; `*` stops at `/`.
        assert_eq!(selected(&["sub/*.txt"], &files), ["sub/c.txt"]);
        assert_eq!(selected(&["sub/**"], &files), ["sub/c.txt", "sub/d.html", "sub/deep/e.txt"]);
        // The later glob wins.
        assert_eq!(selected(&["*.txt", "!sub/**"], &files), ["a.txt", "x/sub/f.txt"]);
        // ... but a folder it excludes (`sub/deep` matches `sub/**`) is not
        // walked, so a later glob cannot bring back what is inside.
        assert_eq!(selected(&["!sub/**", "*.txt"], &files), ["a.txt", "sub/c.txt", "x/sub/f.txt"]);
        // An excluded folder is not walked, at any depth when unanchored.
        assert_eq!(selected(&["!sub"], &files), ["a.txt", "b.md"]);
        assert_eq!(selected(&["!/sub"], &files), ["a.txt", "b.md", "x/sub/f.txt"]);
        // A trailing slash names folders only.
        assert_eq!(selected(&["!deep/"], &files).len(), 5);
        assert_eq!(selected(&["!a.txt/"], &files).len(), 6);
    }

    #[test]
    fn bad_globs_are_usage_errors_naming_them() {
        for bad in ["a[b", "{x", "!", ""] {
            let e = Globs::new(&[bad.to_string()]).unwrap_err();
            assert!(e.is_usage(), "{bad}");
            assert!(e.to_string().contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }

    #[test]
    fn inputs_named_are_taken_whatever_the_globs() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.md"), "x").unwrap();
        let globs = Globs::new(&["*.txt".to_string()]).unwrap();
        let walk = collect_tree(&[dir.path().join("a.md")], false, &globs);
        assert_eq!(walk.entries.len(), 1);
    }
}
