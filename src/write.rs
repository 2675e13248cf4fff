//! The output side: atomic writes, the refusal to write into an input,
//! clean-up of temporaries left by a killed run, and the resume journal.
//!
//! # Atomic writes
//!
//! Every output is written to a temporary file in its target folder (named
//! `.zhclean-tmp.*`) and renamed over the target only when complete, so a
//! target is always either the old file or the whole new one. A temporary is
//! deleted when the write fails or the run is interrupted with Ctrl-C; one
//! left by a run killed outright (SIGKILL, power loss) is removed by the next
//! run into the same folder ([`sweep_temporaries`]).
//!
//! # Resuming
//!
//! In directory mode, `OUT/.zhclean-journal` records, after each rename, one
//! JSON line per output: the relative path, the input's size and
//! modification time, a fingerprint of the options, and the output's size.
//! A later run skips an input whose latest journal line still matches (same
//! input size and mtime, same options, output present with that size), so
//! an interrupted run resumes where it stopped; `--force` ignores the
//! journal. A line cut short by a kill is ignored. The journal is not
//! synced to disk: it guards against interrupted processes, not against
//! power loss (after which a run simply redoes more work).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::UNIX_EPOCH;

use serde_json::Value;

use crate::error::{Error, Result};

/// Prefix of temporary files (a leading dot keeps them out of listings).
pub const TEMP_PREFIX: &str = ".zhclean-tmp.";

/// Name of the resume journal inside the output folder.
pub const JOURNAL_NAME: &str = ".zhclean-journal";

/// Writes `target` atomically: `fill` writes the content into a temporary
/// file beside it, which then replaces `target`. Missing folders are
/// created. On any error (from `fill` too) the temporary is removed and
/// `target` is untouched.
///
/// Per output this costs one `openat` (`O_CREAT|O_EXCL`, mode 0666 less
/// the umask, so no `fchmod`), the writes, one `rename` and one `close`:
/// the temporary's name is the process id and a counter, not a random
/// string that would need probing, and its folder is created only when
/// the first attempt says it is missing.
pub fn write_atomic<T, E>(
    target: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    E: From<Error>,
{
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = match Temporary::create(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            Temporary::create(dir)
        }
        other => other,
    }
    .map_err(|e| Error::io(dir, e))?;
    let mut out = io::BufWriter::with_capacity(1 << 16, tmp);
    let value = fill(&mut out)?;
    let tmp = out.into_inner().map_err(|e| Error::io(target, e.into_error()))?;
    tmp.persist(target).map_err(|e| Error::io(target, e))?;
    Ok(value)
}

/// Numbers the temporaries of this process (with the process id, a name
/// no other live process uses in the same folder).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary output file, removed when dropped unless persisted.
struct Temporary {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl Temporary {
    /// Creates `dir/.zhclean-tmp.<pid>.<n>`, exclusively. A name taken
    /// (left by an earlier process with the same id) is skipped.
    fn create(dir: &Path) -> io::Result<Temporary> {
        // Asked once: `getpid` is a system call every time.
        static PID: OnceLock<u32> = OnceLock::new();
        let pid = *PID.get_or_init(std::process::id);
        let mut attempts = 0;
        loop {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{TEMP_PREFIX}{pid}.{n}"));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(Temporary { path, file, persisted: false }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 1000 => {
                    attempts += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Renames the temporary over `target` (then closes it).
    fn persist(mut self, target: &Path) -> io::Result<()> {
        fs::rename(&self.path, target)?;
        self.persisted = true;
        Ok(())
    }
}

impl Write for Temporary {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Removes temporaries (`.zhclean-tmp.*`) left under `out` by a run that
/// was killed. Returns how many were removed. A missing `out` is fine.
pub fn sweep_temporaries(out: &Path) -> usize {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(out).into_iter().filter_map(|e| e.ok()) {
        let is_temp = entry.file_type().is_file()
            && entry.file_name().as_encoded_bytes().starts_with(TEMP_PREFIX.as_bytes());
        if is_temp && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// `path` made absolute with symbolic links resolved, as far as it exists;
/// the part that does not exist yet is appended as written (without `.`
/// and with `..` applied).
pub fn canonicalize_lenient(path: &Path) -> io::Result<PathBuf> {
    let abs =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut base) => {
                for c in rest.iter().rev() {
                    match c {
                        Component::ParentDir => {
                            base.pop();
                        }
                        Component::Normal(s) => base.push(s),
                        _ => {}
                    }
                }
                return Ok(base);
            }
            Err(e) => match (existing.parent(), existing.components().next_back()) {
                (Some(parent), Some(last)) => {
                    rest.push(last);
                    existing = parent;
                }
                _ => return Err(e),
            },
        }
    }
}

/// Refuses an output that is one of the inputs or lies inside an input
/// folder (it would be read while written, or walked into), and, when `out`
/// is an output folder, an input inside it (its output could be the input
/// itself).
pub fn check_output(inputs: &[PathBuf], out: &Path, out_is_dir: bool) -> Result<()> {
    let out_abs = canonicalize_lenient(out).map_err(|e| Error::io(out, e))?;
    for input in inputs {
        // An input that cannot be resolved is reported by the walk.
        let Ok(in_abs) = input.canonicalize() else { continue };
        if out_abs == in_abs {
            return Err(Error::Usage(format!(
                "output {} is the input {}; refusing to overwrite an input",
                out.display(),
                input.display()
            )));
        }
        if in_abs.is_dir() && out_abs.starts_with(&in_abs) {
            return Err(Error::Usage(format!(
                "output {} is inside the input folder {}; choose an output outside it",
                out.display(),
                input.display()
            )));
        }
        if out_is_dir && in_abs.starts_with(&out_abs) {
            return Err(Error::Usage(format!(
                "input {} is inside the output folder {}; choose an output outside it",
                input.display(),
                out.display()
            )));
        }
    }
    Ok(())
}

/// One journal line: what an output was made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// Input size in bytes.
    pub size: u64,
    /// Input modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u128,
    /// Fingerprint of the options that shape the output.
    pub options: u64,
    /// Size of the output written.
    pub out_size: u64,
}

impl JournalEntry {
    /// The entry for an input with metadata `meta`, written with options
    /// `options` into an output of `out_size` bytes.
    pub fn new(meta: &fs::Metadata, options: u64, out_size: u64) -> JournalEntry {
        JournalEntry { size: meta.len(), mtime_ns: mtime_ns(meta), options, out_size }
    }

    /// Appends this entry's journal line for `rel` (with its line feed) to
    /// `buf`, to be written with others by [`Journal::append`].
    pub fn push_line(&self, rel: &Path, buf: &mut Vec<u8>) {
        write_line(rel, self, buf);
        buf.push(b'\n');
    }
}

/// Modification time in nanoseconds since the Unix epoch (0 if unknown).
pub fn mtime_ns(meta: &fs::Metadata) -> u128 {
    meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos())
}

/// The resume journal of an output folder (see the module docs).
#[derive(Debug, Default)]
pub struct Journal {
    path: PathBuf,
    done: HashMap<PathBuf, JournalEntry>,
    // Workers read `done` while the reporting thread appends; only the
    // file needs a lock.
    file: Mutex<Option<File>>,
}

impl Journal {
    /// Reads `out/.zhclean-journal` and opens it for appending (creating
    /// `out`). With `write` false (`--dry-run`) nothing is created.
    pub fn open(out: &Path, write: bool) -> Result<Journal> {
        Journal::open_with(out, write, true)
    }

    /// [`Journal::open`], reading the existing entries only if `read`
    /// (`--force` consults none, and the journal of a folder redone many
    /// times holds a line per output per run).
    pub fn open_with(out: &Path, write: bool, read: bool) -> Result<Journal> {
        let path = out.join(JOURNAL_NAME);
        let mut done = HashMap::new();
        if let Some(f) = read.then(|| File::open(&path).ok()).flatten() {
            for line in BufReader::new(f).split(b'\n').map_while(|l| l.ok()) {
                if let Some((rel, entry)) = parse_line(&line) {
                    done.insert(rel, entry);
                }
            }
        }
        let file = if write {
            fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
            Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|e| Error::io(&path, e))?,
            )
        } else {
            None
        };
        Ok(Journal { path, done, file: Mutex::new(file) })
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the output `target` for input `rel` (of `size` bytes,
    /// modified at `mtime_ns`) is up to date for `options`.
    pub fn is_current(
        &self,
        rel: &Path,
        size: u64,
        mtime_ns: u128,
        options: u64,
        target: &Path,
    ) -> bool {
        let Some(e) = self.done.get(rel) else { return false };
        e.size == size
            && e.mtime_ns == mtime_ns
            && e.options == options
            && fs::metadata(target).is_ok_and(|m| m.is_file() && m.len() == e.out_size)
    }

    /// Appends a line saying `rel` was written (it counts from the next
    /// run on).
    pub fn record(&self, rel: &Path, entry: &JournalEntry) -> io::Result<()> {
        let mut line = Vec::new();
        entry.push_line(rel, &mut line);
        self.append(&line)
    }

    /// Appends whole lines made by [`JournalEntry::push_line`], in one
    /// write: a kill can cut at most the last line short, and a cut line
    /// is ignored when read. Only outputs already renamed into place may be
    /// written here, so the journal never names one that is not there.
    pub fn append(&self, lines: &[u8]) -> io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let Some(f) = file.as_mut() else { return Ok(()) };
        f.write_all(lines)
    }
}

#[cfg(test)]
fn format_line(rel: &Path, e: &JournalEntry) -> String {
    let mut line = Vec::with_capacity(128);
    write_line(rel, e, &mut line);
    String::from_utf8(line).expect("journal lines are UTF-8")
}

/// Writes the JSON object of one journal line (without its line feed):
/// the same text serde_json would give for the object, written straight
/// into `out` (the reporting thread makes one per file).
fn write_line(rel: &Path, e: &JournalEntry, out: &mut Vec<u8>) {
    // File names need not be UTF-8; the bytes are kept in hex then.
    match rel.to_str() {
        Some(s) => {
            out.extend_from_slice(b"{\"path\":");
            serde_json::to_writer(&mut *out, s).expect("writing to a Vec");
        }
        None => {
            out.extend_from_slice(b"{\"path_hex\":\"");
            out.extend_from_slice(hex(rel.as_os_str().as_encoded_bytes()).as_bytes());
            out.push(b'"');
        }
    }
    let _ = write!(
        out,
        ",\"size\":{},\"mtime_ns\":\"{}\",\"options\":\"{:016x}\",\"out_size\":{}}}",
        e.size, e.mtime_ns, e.options, e.out_size
    );
}

fn parse_line(line: &[u8]) -> Option<(PathBuf, JournalEntry)> {
    let v: Value = serde_json::from_slice(line).ok()?;
    let rel = match (v.get("path"), v.get("path_hex")) {
        (Some(Value::String(s)), _) => PathBuf::from(s),
        (_, Some(Value::String(h))) => path_from_bytes(unhex(h)?),
        _ => return None,
    };
    let entry = JournalEntry {
        size: v.get("size")?.as_u64()?,
        mtime_ns: v.get("mtime_ns")?.as_str()?.parse().ok()?,
        options: u64::from_str_radix(v.get("options")?.as_str()?, 16).ok()?,
        out_size: v.get("out_size")?.as_u64()?,
    };
    Some((rel, entry))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// A 64-bit FNV-1a hash. Hand-written (five lines) because the options
/// fingerprint must be stable across Rust releases, which std's `Hasher`
/// does not promise, and a cryptographic hash would be a dependency for
/// nothing.
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Whether `name` is one of zhclean's own files in an output folder.
pub fn is_own_file(name: &OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b == JOURNAL_NAME.as_bytes() || b.starts_with(TEMP_PREFIX.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temporary_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/out.txt");
        let r: Result<()> = write_atomic(&target, |w| {
            w.write_all(b"half").map_err(|e| Error::io("x", e))?;
            Err(Error::Interrupted)
        });
        assert!(r.is_err());
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path().join("sub")).unwrap().count(), 0);
        let r: Result<()> =
            write_atomic(&target, |w| w.write_all(b"whole").map_err(|e| Error::io("x", e)));
        r.unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"whole");
    }

    #[test]
    fn temporaries_are_numbered_and_gone_after_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let mut names = Vec::new();
        for i in 0..3 {
            let target = dir.path().join(format!("d/out{i}.txt"));
            let r: Result<()> = write_atomic(&target, |w| {
                // While writing, the temporary is the only other file.
                let tmp: Vec<_> = fs::read_dir(dir.path().join("d"))
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .filter(|n| is_own_file(n))
                    .collect();
                assert_eq!(tmp.len(), 1);
                names.push(tmp[0].clone());
                w.write_all(b"x").map_err(|e| Error::io("x", e))
            });
            r.unwrap();
        }
        let prefix = format!("{TEMP_PREFIX}{}.", std::process::id());
        for n in &names {
            assert!(n.to_str().unwrap().starts_with(&prefix), "{n:?}");
        }
        assert_ne!(names[0], names[1]);
        let left: Vec<_> = fs::read_dir(dir.path().join("d"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| is_own_file(n))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    /// A temporary left by another process with the same number is not
    /// overwritten; the next number is used.
    #[test]
    fn a_taken_temporary_name_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let next = TEMP_COUNTER.load(Ordering::Relaxed);
        let pid = std::process::id();
        // Occupy the next few names (other tests may take some meanwhile).
        for n in next..next + 8 {
            fs::write(dir.path().join(format!("{TEMP_PREFIX}{pid}.{n}")), "old").unwrap();
        }
        let target = dir.path().join("t.txt");
        let r: Result<()> =
            write_atomic(&target, |w| w.write_all(b"new").map_err(|e| Error::io("x", e)));
        r.unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        for n in next..next + 8 {
            let p = dir.path().join(format!("{TEMP_PREFIX}{pid}.{n}"));
            assert_eq!(fs::read(p).unwrap(), b"old");
        }
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("p.txt");
        let r: Result<()> =
            write_atomic(&target, |w| w.write_all(b"x").map_err(|e| Error::io("x", e)));
        r.unwrap();
        // Like a plain new file: 0666 less the umask, not 0600.
        fs::write(dir.path().join("plain"), "x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&target), mode(&dir.path().join("plain")));
    }

    #[test]
    fn output_inside_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        fs::create_dir(&input).unwrap();
        let inputs = vec![input.clone()];
        assert!(check_output(&inputs, &input, true).unwrap_err().is_usage());
        assert!(check_output(&inputs, &input.join("new/out"), true).unwrap_err().is_usage());
        let sneaky = input.join("x/../../in2/..").join("in/y");
        assert!(check_output(&inputs, &sneaky, true).is_err());
        assert!(check_output(&inputs, dir.path(), true).is_err());
        check_output(&inputs, &dir.path().join("out"), true).unwrap();
        check_output(&inputs, dir.path(), false).unwrap();
    }

    #[test]
    fn journal_round_trips_and_ignores_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.txt");
        fs::write(&input, "x").unwrap();
        let target = dir.path().join("out/a.txt");
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(&target, "yy").unwrap();
        let meta = fs::metadata(&input).unwrap();
        let out = dir.path().join("out");
        let j = Journal::open(&out, true).unwrap();
        j.record(Path::new("a.txt"), &JournalEntry::new(&meta, 7, 2)).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(out.join(JOURNAL_NAME)).unwrap();
        f.write_all(b"{\"path\":\"b.t").unwrap();
        let j = Journal::open(&out, false).unwrap();
        let (size, mtime) = (meta.len(), mtime_ns(&meta));
        assert!(j.is_current(Path::new("a.txt"), size, mtime, 7, &target));
        assert!(!j.is_current(Path::new("a.txt"), size, mtime, 8, &target));
        assert!(!j.is_current(Path::new("a.txt"), size, mtime + 1, 7, &target));
        fs::write(&target, "yyy").unwrap();
        assert!(!j.is_current(Path::new("a.txt"), size, mtime, 7, &target));
    }

    #[test]
    fn journal_lines_are_the_json_objects() {
        let e = JournalEntry { size: 1, mtime_ns: 1 << 100, options: 0xab, out_size: 4 };
        let line = format_line(Path::new("d/\"q\"\\头.txt"), &e);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["path"], "d/\"q\"\\头.txt");
        assert_eq!(v["mtime_ns"], (1u128 << 100).to_string());
        assert_eq!(v["options"], "00000000000000ab");
        assert_eq!(parse_line(line.as_bytes()), Some((PathBuf::from("d/\"q\"\\头.txt"), e)));
    }

    #[cfg(unix)]
    #[test]
    fn journal_keeps_non_utf8_names() {
        use std::os::unix::ffi::OsStrExt;
        let rel = Path::new(OsStr::from_bytes(b"d/\xffname.txt"));
        let e = JournalEntry { size: 1, mtime_ns: 2, options: 3, out_size: 4 };
        let line = format_line(rel, &e);
        assert!(line.contains("path_hex"));
        assert_eq!(parse_line(line.as_bytes()), Some((rel.to_path_buf(), e)));
    }

    #[test]
    fn fnv_separates_parts() {
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        assert_eq!(fnv1a(&[b"x"]), fnv1a(&[b"x"]));
    }
}
