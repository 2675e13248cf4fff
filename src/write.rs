//! The output side: atomic writes that stay inside the output folder, the
//! refusal to write into an input, clean-up of temporaries left by a killed
//! run, and the resume journal.
//!
//! # Writing only inside OUT
//!
//! The output folder is opened once ([`OutDir`]) and every output is
//! created relative to it, one folder at a time, with the `*at` system
//! calls: each folder below OUT is opened with `O_NOFOLLOW|O_DIRECTORY`
//! (made with `mkdirat` when missing), the temporary is created in it with
//! `O_CREAT|O_EXCL|O_NOFOLLOW`, and renamed over its target with
//! `renameat` in the same folder. A symbolic link met on the way (a folder
//! `OUT/sub -> /elsewhere`) makes that output fail with a message instead
//! of being written through; a link at the target name itself is replaced
//! by the output, not followed (a rename replaces a name, never what a
//! link points to). (A single output file the user named, `-o FILE`, is
//! written through when it is a character device, a FIFO or standard
//! output under another name: [`writes_through`].) The folder handles are
//! kept (a bounded cache), so a folder swapped for a link after it was
//! opened is not followed either.
//! Only OUT itself is taken as the user named it, links and all.
//!
//! Inputs and OUT are compared by device and inode, not by name: OUT, any
//! folder above it and any folder below it that is written into must not
//! be one of the input folders the walk went through (a bind mount, or a
//! link followed with `-L`, gives one folder two names). This design (a
//! held folder handle and identity checks) needs POSIX's `openat` family:
//! zhclean builds on Unix.
//!
//! # Atomic writes
//!
//! Every output is written to a temporary file in its target folder (named
//! `.zhclean-tmp.<pid>.<n>`) and renamed over the target only when
//! complete, so a target is always either the old file or the whole new
//! one. A temporary is deleted when the write fails or the run is
//! interrupted (Ctrl-C, SIGTERM, SIGHUP: [`remove_live_temporaries`]); one
//! left by a run killed outright (SIGKILL, power loss) is removed by the
//! next run into the same folder ([`sweep_temporaries`]), once no process
//! with the id in its name is alive.
//!
//! # Resuming
//!
//! In directory mode, `OUT/.zhclean-journal` records, after each rename, one
//! JSON line per output: the relative path, the input's size and
//! modification time, a fingerprint of the options, and the output's
//! stamp: device, inode, size, modification and change time of the file
//! *after* it was renamed into place. A later run skips an input whose
//! latest journal line still matches: same input size and mtime, same
//! options, and the very file the line was written for still at the
//! target (checked with `lstat`). An output written by any other run is
//! another inode made at another time, so a journal line lost to a kill
//! can never make a stale line vouch for a newer output (it is redone);
//! `--force` ignores the journal. A line cut short by a kill is ignored.
//! At the end of a run, a journal that holds more than twice its live
//! entries (the latest line per output) plus [`JOURNAL_SLACK`] lines is
//! rewritten atomically with those entries alone ([`Journal::compact`]).
//! The journal is not synced to disk: it guards against interrupted
//! processes, not against power loss (after which a run simply redoes
//! more work, since the inodes and times no longer match).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Seek, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::UNIX_EPOCH;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use serde_json::Value;

use crate::error::{Error, Result, escaped};

/// Prefix of temporary files (a leading dot keeps them out of listings).
pub const TEMP_PREFIX: &str = ".zhclean-tmp.";

/// Name of the resume journal inside the output folder.
pub const JOURNAL_NAME: &str = ".zhclean-journal";

/// Name of the lock file inside the output folder ([`OutDir::lock`]).
pub const LOCK_NAME: &str = ".zhclean-lock";

/// A writer of one output that may take back its end: a document written
/// in pieces, one of which must be written again with what the whole
/// document said, is cut back to that piece and written on from there.
/// Only the temporaries of [`write_atomic`] and [`OutDir::write_atomic`]
/// (and a sink) can; the others (standard output, the comparing writer of
/// [`replace_in_place`]) keep the defaults.
pub trait Rewind: Write {
    /// Whether [`Rewind::rewind_to`] works here.
    fn can_rewind(&self) -> bool {
        false
    }

    /// Drops everything written after the first `len` bytes; what is
    /// written next follows them.
    fn rewind_to(&mut self, _len: u64) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "this output cannot be rewritten"))
    }
}

/// Standard output (or any buffered writer): cannot take anything back.
impl<W: Write> Rewind for io::BufWriter<W> {}

/// Nothing is kept: nothing to take back.
impl Rewind for io::Sink {
    fn can_rewind(&self) -> bool {
        true
    }

    fn rewind_to(&mut self, _len: u64) -> io::Result<()> {
        Ok(())
    }
}

/// Writes `target` atomically: `fill` writes the content into a temporary
/// file beside it, which then replaces `target`. Missing folders are
/// created. On any error (from `fill` too) the temporary is removed and
/// `target` is untouched. The folder of `target` is taken as named (this
/// is for an output file the user named: `-o FILE`); the file itself is
/// created with `O_NOFOLLOW` and renamed into place as [`OutDir`] does.
/// A character device or a FIFO (`/dev/null`), a link to one, and a link
/// to standard output or error (`/dev/stdout`), is written in place
/// instead, and a block device or a socket is refused: see
/// [`writes_through`].
pub fn write_atomic<T, E>(
    target: &Path,
    fill: impl FnOnce(&mut dyn Rewind) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    E: From<Error>,
{
    write_atomic_with(target, false, fill)
}

/// [`write_atomic`], flushing the file and its folder to disk when `fsync`
/// (see [`OutDir::with_fsync`]).
pub fn write_atomic_with<T, E>(
    target: &Path,
    fsync: bool,
    fill: impl FnOnce(&mut dyn Rewind) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    E: From<Error>,
{
    if let Some(file) = open_written_through(target)? {
        let mut w = io::BufWriter::with_capacity(1 << 16, file);
        let value = fill(&mut w)?;
        w.flush().map_err(|e| Error::io(target, e))?;
        // Only a regular file (standard output sent to one) keeps data
        // that a flush to disk could save.
        if fsync && w.get_ref().metadata().is_ok_and(|m| m.is_file()) {
            w.get_ref().sync_all().map_err(|e| Error::io(target, e))?;
        }
        return Ok(value);
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let out = OutDir::open(dir, HashSet::new(), true)?.with_fsync(fsync);
    // The temporary is made at once: its folder exists already, and a
    // stream that blocks has its temporary to remove on a signal.
    out.write_atomic_as(&out.root.join(file_name_of(target)?), true, fill).map(|(value, _)| value)
}

/// What an output file named by the user is when it is not a file to
/// replace by a rename (see [`writes_through`]).
enum Through {
    /// Standard output (1) or standard error (2), under another name.
    Stream(std::os::fd::RawFd),
    /// A character device or a FIFO, with its identity as named.
    Device(fs::Metadata),
}

/// What `target` is, when it is written through; an error for what can
/// be neither replaced nor written (a block device, a socket).
fn through(target: &Path) -> Result<Option<Through>> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(meta) = fs::metadata(target) else { return Ok(None) };
    let kind = meta.file_type();
    let linked = fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    // Standard output or error, when it is `meta` and open for writing (a
    // read-only descriptor on `/dev/null` is no way to write to it).
    let is_stream = |fd: std::os::fd::BorrowedFd<'_>| {
        let same = rustix::fs::fstat(fd)
            .is_ok_and(|st| st.st_dev == meta.dev() && st.st_ino == meta.ino());
        let writable = rustix::fs::fcntl_getfl(fd)
            .is_ok_and(|f| f & rustix::fs::OFlags::RWMODE != rustix::fs::OFlags::RDONLY);
        same && writable
    };
    let stream = if is_stream(std::os::fd::AsFd::as_fd(&io::stdout())) {
        Some(1)
    } else if is_stream(std::os::fd::AsFd::as_fd(&io::stderr())) {
        Some(2)
    } else {
        None
    };
    let special = !kind.is_file() && !kind.is_dir();
    let refuse = |what: &str| Err(Error::Usage(format!("-o {}: {what}", escaped(target))));
    match stream {
        // What the shell opened is written on, whatever it is (`>
        // /dev/sdb` was the shell's to refuse).
        Some(fd) if special || (linked && kind.is_file()) => Ok(Some(Through::Stream(fd))),
        _ if kind.is_block_device() => refuse("a block device; zhclean writes text, not disks"),
        _ if kind.is_socket() => refuse("a socket, which cannot be opened as a file"),
        _ if special => Ok(Some(Through::Device(meta))),
        _ => Ok(None),
    }
}

/// Whether the output file named by the user is written through, in
/// place, rather than replaced by a rename: a character device or a FIFO
/// (`-o /dev/null`), or a link to one, or a link to what standard output
/// or standard error is (`-o /dev/stdout`, `/dev/fd/1`,
/// `/proc/self/fd/1`, whatever it was sent to). Renaming a file over such
/// a name would leave a regular file where the device or the link was
/// (for root, in `/dev` itself), and standard output sent to a file is
/// written where the shell put it (`>>` appends). A run so written is a
/// stream ([`crate::run::Shape::Stream`]), as without `-o`. Also true of a
/// block device or a socket, which [`check_written_through`] refuses. Not
/// for a missing name, a regular file (even the one standard output was
/// sent to, when named as itself: it is replaced), a link to a regular
/// file that is not standard output (replaced, not followed), or a folder.
pub fn writes_through(target: &Path) -> bool {
    !matches!(through(target), Ok(None))
}

/// [`writes_through`], with the usage error for an output file that can
/// be neither replaced nor written through: a block device or a socket
/// (unless it is standard output or error itself).
pub fn check_written_through(target: &Path) -> Result<bool> {
    through(target).map(|t| t.is_some())
}

/// `target` opened for writing in place when [`writes_through`] says so.
/// Standard output and error are written on a copy of their own
/// descriptor (its offset and `O_APPEND` shared, as a shell's `>>` needs);
/// a device is opened by name and must then still be the device that was
/// looked at, so a name swapped for a link to a file in between is opened
/// (which a device may notice) but not written.
fn open_written_through(target: &Path) -> Result<Option<File>> {
    use std::os::unix::fs::OpenOptionsExt;
    match through(target)? {
        None => Ok(None),
        Some(Through::Stream(fd)) => {
            let dup = match fd {
                1 => rustix::io::fcntl_dupfd_cloexec(io::stdout(), 3),
                _ => rustix::io::fcntl_dupfd_cloexec(io::stderr(), 3),
            };
            dup.map(|fd| Some(File::from(fd))).map_err(|e| Error::io(target, e.into()))
        }
        Some(Through::Device(meta)) => {
            // No O_TRUNC: a device or pipe has nothing to cut.
            let file = fs::OpenOptions::new()
                .write(true)
                .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
                .open(target)
                .map_err(|e| Error::io(target, e))?;
            let now = file.metadata().map_err(|e| Error::io(target, e))?;
            if now.dev() != meta.dev() || now.ino() != meta.ino() {
                return Err(Error::io(
                    target,
                    io::Error::other("changed while it was opened; nothing written"),
                ));
            }
            Ok(Some(file))
        }
    }
}

fn file_name_of(target: &Path) -> Result<&OsStr> {
    target
        .file_name()
        .ok_or_else(|| Error::Usage(format!("output {} does not name a file", escaped(target))))
}

/// Identity of a file: device and inode numbers.
pub type FileId = (u64, u64);

/// The identity of the file `meta` describes.
pub fn file_id(meta: &fs::Metadata) -> FileId {
    (meta.dev(), meta.ino())
}

/// What a journal line knows of the output file it was written for: which
/// file it is and when it was last changed, taken from the open file just
/// after it was renamed into place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputStamp {
    /// Device and inode.
    pub id: FileId,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Status change time (set by the rename itself), nanoseconds.
    pub ctime_ns: i128,
}

impl OutputStamp {
    /// The stamp of the file `meta` describes.
    pub fn of(meta: &fs::Metadata) -> OutputStamp {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        OutputStamp {
            id: file_id(meta),
            size: meta.len(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// How many folder handles an [`OutDir`] keeps open (the rest are opened
/// again when needed): well under the usual limit of 1,024 descriptors.
const DIR_CACHE: usize = 256;

/// An output folder, opened once; every output below it is written through
/// folder handles (see the module docs).
#[derive(Debug)]
pub struct OutDir {
    /// OUT as given, made absolute: for messages, and to take relative
    /// paths from targets.
    root: PathBuf,
    fd: Arc<OwnedFd>,
    /// Identities of the input folders: never written into.
    forbidden: HashSet<FileId>,
    /// Folders below OUT already opened, by relative path.
    dirs: Mutex<HashMap<PathBuf, Arc<OwnedFd>>>,
    /// Flush outputs, their folders and the journal to disk.
    fsync: bool,
}

impl OutDir {
    /// Opens the output folder `root` (creating it and its parents when
    /// `create`). Refused as a usage error when it, or a folder above it,
    /// is one of the `forbidden` folders (the input folders walked).
    pub fn open(root: &Path, forbidden: HashSet<FileId>, create: bool) -> Result<OutDir> {
        let root = std::path::absolute(root).map_err(|e| Error::io(root, e))?;
        if create {
            fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        }
        let fd = rustix::fs::open(
            &root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(&root, e.into()))?;
        let out = OutDir {
            root,
            fd: Arc::new(fd),
            forbidden,
            dirs: Mutex::new(HashMap::new()),
            fsync: false,
        };
        let own = stat_id(&out.fd).map_err(|e| Error::io(&out.root, e))?;
        let above = out.root.ancestors().skip(1).filter_map(|a| fs::metadata(a).ok());
        for id in std::iter::once(own).chain(above.map(|m| file_id(&m))) {
            if out.forbidden.contains(&id) {
                return Err(Error::Usage(format!(
                    "output folder {} is, or is inside, one of the input folders (the same \
                     device and inode: a bind mount, or a link followed with -L); choose an \
                     output outside the inputs",
                    escaped(&out.root)
                )));
            }
        }
        Ok(out)
    }

    /// This folder, flushing to disk when `on` (`--fsync`): each output's
    /// data with `fsync` before its rename, its folder with `fsync` after
    /// it, and each journal line after it is appended. What that buys:
    /// once a file counts as written (its journal line is there), a crash
    /// of the machine leaves that output whole; at any moment each target
    /// is either the old file or the whole new one. Without it, the same
    /// holds against a killed process, but not against a power cut (the
    /// kernel may write the rename before the data).
    pub fn with_fsync(mut self, on: bool) -> OutDir {
        self.fsync = on;
        self
    }

    /// The output folder, absolute.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The handle of the folder `rel` below OUT, opened (and made) one
    /// level at a time without following links.
    fn dir(&self, rel: &Path) -> Result<Arc<OwnedFd>> {
        let Some(name) = rel.file_name() else { return Ok(Arc::clone(&self.fd)) };
        if let Some(fd) = self.lock_dirs().get(rel) {
            return Ok(Arc::clone(fd));
        }
        let parent = self.dir(rel.parent().unwrap_or(Path::new("")))?;
        let here = || self.root.join(rel);
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&*parent, name, flags, Mode::empty()) {
            Err(Errno::NOENT) => {
                match rustix::fs::mkdirat(&*parent, name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(Error::io(here(), e.into())),
                }
                rustix::fs::openat(&*parent, name, flags, Mode::empty())
            }
            other => other,
        };
        let fd = match fd {
            Ok(fd) => fd,
            Err(Errno::LOOP | Errno::NOTDIR) => {
                return Err(Error::io(
                    here(),
                    io::Error::other(
                        "a symbolic link or a file, not a folder: outputs are written only \
                         into real folders inside the output folder",
                    ),
                ));
            }
            Err(e) => return Err(Error::io(here(), e.into())),
        };
        let id = stat_id(&fd).map_err(|e| Error::io(here(), e))?;
        if self.forbidden.contains(&id) {
            return Err(Error::io(
                here(),
                io::Error::other(
                    "this output folder is one of the input folders (same device and inode); \
                     not written",
                ),
            ));
        }
        let fd = Arc::new(fd);
        let mut dirs = self.lock_dirs();
        if dirs.len() >= DIR_CACHE {
            dirs.clear();
        }
        dirs.insert(rel.to_path_buf(), Arc::clone(&fd));
        Ok(fd)
    }

    fn lock_dirs(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<OwnedFd>>> {
        self.dirs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `target` (a path inside OUT) atomically, as
    /// [`write_atomic`] does, through the folder handles; returns what
    /// `fill` returned and the stamp of the file now at `target`. The
    /// target's folder is made, and the temporary created, only when `fill`
    /// writes its first byte (or at the end, for an empty output): a file
    /// refused before any output (not text) leaves no empty folder.
    ///
    /// Per output this costs one `openat` (`O_CREAT|O_EXCL`, mode 0666
    /// less the umask, so no `fchmod`), the writes, one `renameat`, one
    /// `fstat` (the stamp for the journal) and one `close`: the
    /// temporary's name is the process id and a counter, not a random
    /// string that would need probing, and folders are opened once per
    /// run (while in the cache).
    pub fn write_atomic<T, E>(
        &self,
        target: &Path,
        fill: impl FnOnce(&mut dyn Rewind) -> std::result::Result<T, E>,
    ) -> std::result::Result<(T, OutputStamp), E>
    where
        E: From<Error>,
    {
        self.write_atomic_as(target, false, fill)
    }

    /// [`OutDir::write_atomic`]; with `eager`, the temporary is made before
    /// `fill` runs rather than at its first byte.
    fn write_atomic_as<T, E>(
        &self,
        target: &Path,
        eager: bool,
        fill: impl FnOnce(&mut dyn Rewind) -> std::result::Result<T, E>,
    ) -> std::result::Result<(T, OutputStamp), E>
    where
        E: From<Error>,
    {
        let (dir_rel, name) = self.split(target)?;
        let mut out = Lazy { out: self, dir_rel: &dir_rel, tmp: None, error: None };
        if eager && let Err(e) = out.open().map(|_| ()) {
            return Err(out.error.take().unwrap_or_else(|| Error::io(target, e)).into());
        }
        let value = match fill(&mut out) {
            Ok(v) => v,
            // The folder could not be opened or made: that error, not the
            // write's copy of it.
            Err(e) => return Err(out.error.take().map_or(e, E::from)),
        };
        if out.tmp.is_none() {
            // An empty output is still a file.
            if let Err(e) = out.open().map(|_| ()) {
                return Err(out.error.take().unwrap_or_else(|| Error::io(target, e)).into());
            }
        }
        let tmp = out.tmp.take().expect("opened above");
        let tmp = tmp.into_inner().map_err(|e| Error::io(target, e.into_error()))?;
        let stamp = tmp.persist(name, self.fsync).map_err(|e| Error::io(target, e))?;
        Ok((value, stamp))
    }

    /// `target` as (folder below OUT, file name); only plain names below
    /// OUT are accepted.
    fn split<'t>(&self, target: &'t Path) -> Result<(PathBuf, &'t OsStr)> {
        let not_inside =
            || Error::Usage(format!("{} is not a file inside the output folder", escaped(target)));
        let rel = target.strip_prefix(&self.root).map_err(|_| not_inside())?;
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(not_inside());
        }
        let name = rel.file_name().ok_or_else(not_inside)?;
        Ok((rel.parent().unwrap_or(Path::new("")).to_path_buf(), name))
    }

    /// Takes the output folder for this run: `OUT/.zhclean-lock`, locked
    /// with `flock`. A second run into the same OUT while this one holds it
    /// is refused (usage error naming OUT, and the process id written in
    /// the file). The kernel releases the lock when the process ends, killed
    /// or not, so a lock cannot go stale: the file a killed run leaves is
    /// simply locked again. The lock file is removed when the [`OutLock`]
    /// is dropped. (A hand-written `flock` through rustix rather than a
    /// locking crate: rustix is here already and the call is one line.)
    pub fn lock(&self) -> Result<OutLock> {
        let path = self.root.join(LOCK_NAME);
        let refuse = |e: io::Error| Error::Usage(format!("lock file {}: {e}", escaped(&path)));
        loop {
            let flags = OFlags::RDWR | OFlags::CREATE;
            let file = self
                .open_own(LOCK_NAME, flags)
                .map_err(refuse)?
                .ok_or_else(|| refuse(io::Error::other("could not be made")))?;
            match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(Errno::WOULDBLOCK) => {
                    let mut held = String::new();
                    let _ = io::Read::read_to_string(&mut &file, &mut held);
                    let by = match held.trim().parse::<u32>() {
                        Ok(pid) => format!(" (process {pid})"),
                        Err(_) => String::new(),
                    };
                    return Err(Error::Usage(format!(
                        "output folder {} is in use by another zhclean run{by}; wait for it to \
                         end, or write elsewhere",
                        escaped(&self.root)
                    )));
                }
                Err(e) => return Err(Error::io(&path, e.into())),
            }
            // A run that was ending may have removed the file between our
            // open and our lock: the lock counts only on the file that is
            // still at the name.
            let at_name = rustix::fs::statat(&*self.fd, LOCK_NAME, AtFlags::SYMLINK_NOFOLLOW);
            let ours = rustix::fs::fstat(&file).map_err(|e| Error::io(&path, e.into()))?;
            match at_name {
                Ok(st) if st.st_dev == ours.st_dev && st.st_ino == ours.st_ino => {}
                _ => continue,
            }
            let mut file = file;
            let _ = file.set_len(0);
            let _ = writeln!(file, "{}", std::process::id());
            return Ok(OutLock { dir: Arc::clone(&self.fd), _file: file });
        }
    }

    /// Opens `name` in OUT (never through a link, and only a regular
    /// file), for the journal.
    fn open_own(&self, name: &str, flags: OFlags) -> io::Result<Option<File>> {
        let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = match rustix::fs::openat(&*self.fd, name, flags, Mode::from_raw_mode(0o666)) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP) => {
                return Err(io::Error::other(
                    "a symbolic link; zhclean reads and writes its journal only as a plain \
                     file (remove the link)",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(io::Error::other("not a regular file; remove it"));
        }
        Ok(Some(file))
    }
}

/// What [`replace_in_place`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// The new content was byte for byte the old: the file was left alone
    /// (its modification time too).
    Unchanged,
    /// The file was replaced by its new content.
    Rewritten,
}

/// Replaces the file `path` (`--in-place`) with what `fill` writes, unless
/// that is the same bytes.
///
/// The new content goes to a temporary (`.zhclean-tmp.<pid>.<n>`, as
/// [`OutDir`] names them) in the file's own folder, created with
/// `O_EXCL|O_NOFOLLOW`, given the file's permission bits (and its owner and
/// group where the system allows, else the set-id bits are dropped), then
/// renamed over the file in one `renameat`: the file is at every moment
/// either the old or the whole new one. While `fill` writes, the bytes are
/// compared with the file's; when they are the same, the temporary is
/// removed and the file not touched. The file is opened without following
/// a link (a link is refused: replacing it would turn the link into a
/// file) and must still be the file `expected` (device and inode) that was
/// read. With `dirs`, the folder must be one of them (device and inode):
/// one of the folders walked, not one swapped for a link since. With
/// `backup` (a suffix), the old file is first given the second
/// name NAME+SUFFIX (a hard link, replacing an older backup; where the file
/// system has no hard links, a rename), so the original name never goes
/// missing.
pub fn replace_in_place<E>(
    path: &Path,
    expected: FileId,
    dirs: Option<&HashSet<FileId>>,
    backup: Option<&OsStr>,
    fsync: bool,
    fill: impl FnOnce(&mut dyn Rewind) -> std::result::Result<(), E>,
) -> std::result::Result<Replaced, E>
where
    E: From<Error>,
{
    let name = file_name_of(path)?;
    let dir_path = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io_err = |e: Errno| Error::io(path, e.into());
    let dir = rustix::fs::open(
        dir_path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Error::io(dir_path, e.into()))?;
    if let Some(dirs) = dirs
        && !dirs.contains(&stat_id(&dir).map_err(|e| Error::io(dir_path, e))?)
    {
        let why = "not the folder walked any more (replaced, by a link?); nothing written in it";
        return Err(Error::io(dir_path, io::Error::other(why)).into());
    }
    let dir = Arc::new(dir);
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let old = match rustix::fs::openat(&*dir, name, flags, Mode::empty()) {
        Ok(fd) => File::from(fd),
        Err(Errno::LOOP) => {
            return Err(Error::io(
                path,
                io::Error::other(
                    "a symbolic link now; not replaced (--in-place never writes through a link)",
                ),
            )
            .into());
        }
        Err(e) => return Err(io_err(e).into()),
    };
    let meta = old.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() || file_id(&meta) != expected {
        return Err(Error::io(
            path,
            io::Error::other("replaced by another file while being read; not written"),
        )
        .into());
    }
    let tmp = Temporary::create(Arc::clone(&dir), dir_path).map_err(|e| Error::io(dir_path, e))?;
    // The owner and group first (only root may give a file away; a group
    // the user is in is allowed), then the mode: set-user and set-group
    // bits are kept only when the owner and group were.
    let owned = rustix::fs::fchown(
        &tmp.file,
        Some(rustix::fs::Uid::from_raw(meta.uid())),
        Some(rustix::fs::Gid::from_raw(meta.gid())),
    )
    .is_ok();
    let mode = meta.mode() & if owned { 0o7777 } else { 0o777 };
    rustix::fs::fchmod(&tmp.file, Mode::from_raw_mode(mode))
        .map_err(|e| Error::io(dir_path, e.into()))?;
    let mut w = Compare {
        old: io::BufReader::with_capacity(1 << 16, old),
        same: true,
        scratch: Vec::new(),
        out: io::BufWriter::with_capacity(1 << 16, tmp),
    };
    fill(&mut w)?;
    let same = w.same && {
        let mut one = [0u8; 1];
        matches!(io::Read::read(&mut w.old, &mut one), Ok(0))
    };
    let tmp = w.out.into_inner().map_err(|e| Error::io(path, e.into_error()))?;
    if same {
        // Dropped: removed.
        return Ok(Replaced::Unchanged);
    }
    if let Some(suffix) = backup {
        let mut backup_name = name.to_os_string();
        backup_name.push(suffix);
        let link = |d: &OwnedFd| rustix::fs::linkat(d, name, d, &*backup_name, AtFlags::empty());
        let linked = match link(&dir) {
            Err(Errno::EXIST) => {
                rustix::fs::unlinkat(&*dir, &*backup_name, AtFlags::empty()).map_err(io_err)?;
                link(&dir)
            }
            other => other,
        };
        match linked {
            Ok(()) => {}
            // No hard links here (some network and FAT file systems).
            Err(Errno::PERM | Errno::OPNOTSUPP | Errno::MLINK) => {
                rustix::fs::renameat(&*dir, name, &*dir, &*backup_name).map_err(io_err)?
            }
            Err(e) => return Err(io_err(e).into()),
        }
    }
    tmp.persist(name, fsync).map_err(|e| Error::io(path, e))?;
    Ok(Replaced::Rewritten)
}

/// The writer of [`replace_in_place`]: writes into the temporary and
/// compares each byte with the old file's as it goes, so that an unchanged
/// file is known without reading either file again.
struct Compare {
    old: io::BufReader<File>,
    same: bool,
    scratch: Vec<u8>,
    out: io::BufWriter<Temporary>,
}

impl Compare {
    fn compare(&mut self, buf: &[u8]) {
        if !self.same {
            return;
        }
        self.scratch.resize(buf.len(), 0);
        self.same =
            io::Read::read_exact(&mut self.old, &mut self.scratch).is_ok() && self.scratch == buf;
    }
}

impl Write for Compare {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.compare(&buf[..n]);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)?;
        self.compare(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Comparing as it goes: it takes nothing back.
impl Rewind for Compare {}

/// Removes the temporary at `path` when the process that made it is gone
/// (see [`sweep_temporaries`]); for the walk of `--in-place`, which finds
/// them among the inputs. Returns whether it was removed.
pub fn remove_stale_temporary(path: &Path) -> bool {
    path.file_name()
        .and_then(temp_owner)
        .is_some_and(|pid| !process_alive(pid) && fs::remove_file(path).is_ok())
}

/// The writer [`OutDir::write_atomic`] hands out: the output's folder is
/// opened (made, when missing) and the temporary created only when the
/// first byte comes, so that a file found not to be text before anything
/// is written leaves no folder behind it in OUT.
struct Lazy<'a> {
    out: &'a OutDir,
    dir_rel: &'a Path,
    tmp: Option<io::BufWriter<Temporary>>,
    /// Why the folder or the temporary could not be made, kept whole.
    error: Option<Error>,
}

impl Lazy<'_> {
    fn open(&mut self) -> io::Result<&mut io::BufWriter<Temporary>> {
        if self.tmp.is_none() {
            let dir_path = self.out.root.join(self.dir_rel);
            let made = self.out.dir(self.dir_rel).and_then(|dir| {
                Temporary::create(dir, &dir_path).map_err(|e| Error::io(&dir_path, e))
            });
            match made {
                Ok(tmp) => self.tmp = Some(io::BufWriter::with_capacity(1 << 16, tmp)),
                Err(e) => {
                    let message = e.to_string();
                    self.error = Some(e);
                    return Err(io::Error::other(message));
                }
            }
        }
        Ok(self.tmp.as_mut().expect("made above"))
    }
}

impl Write for Lazy<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.open()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.open()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.tmp.as_mut() {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}

impl Rewind for Lazy<'_> {
    fn can_rewind(&self) -> bool {
        true
    }

    fn rewind_to(&mut self, len: u64) -> io::Result<()> {
        match self.tmp.as_mut() {
            // Nothing written yet.
            None if len == 0 => Ok(()),
            None => Err(io::Error::other("rewound past what was written")),
            Some(t) => {
                t.flush()?;
                let file = &mut t.get_mut().file;
                file.set_len(len)?;
                file.seek(io::SeekFrom::Start(len)).map(|_| ())
            }
        }
    }
}

/// A run's hold on its output folder ([`OutDir::lock`]); the lock file is
/// removed, then the lock released, when it is dropped.
#[derive(Debug)]
pub struct OutLock {
    dir: Arc<OwnedFd>,
    _file: File,
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Removed while still locked: a run waiting on this file finds it
        // gone from the name once it gets the lock, and makes a new one.
        let _ = rustix::fs::unlinkat(&*self.dir, LOCK_NAME, AtFlags::empty());
    }
}

fn stat_id(fd: &OwnedFd) -> io::Result<FileId> {
    let st = rustix::fs::fstat(fd)?;
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    Ok((st.st_dev as u64, st.st_ino as u64))
}

/// Numbers the temporaries of this process (with the process id, a name
/// no other live process uses in the same folder).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The temporaries being written now, by number, with their paths, so that
/// a signal handler can remove them before the process exits; `None` once
/// [`remove_live_temporaries`] has run (no new one may be made then).
static LIVE: Mutex<Option<BTreeMap<u64, PathBuf>>> = Mutex::new(Some(BTreeMap::new()));

fn live() -> std::sync::MutexGuard<'static, Option<BTreeMap<u64, PathBuf>>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary this process is writing, and makes any later
/// attempt to make one fail: for a signal handler about to exit the
/// process (Ctrl-C twice, SIGTERM, SIGHUP), so that no `.zhclean-tmp.*`
/// is left behind. Returns how many were removed.
pub fn remove_live_temporaries() -> usize {
    let mut live = live();
    let removed = live.take().unwrap_or_default();
    removed.values().filter(|p| fs::remove_file(p).is_ok()).count()
}

/// A temporary output file, removed when dropped unless persisted.
struct Temporary {
    dir: Arc<OwnedFd>,
    name: String,
    number: u64,
    file: File,
    persisted: bool,
}

impl Temporary {
    /// Creates `.zhclean-tmp.<pid>.<n>` in the folder `dir` (`dir_path`
    /// names it), exclusively and never through a link. A name taken (left
    /// by an earlier process with the same id) is skipped.
    fn create(dir: Arc<OwnedFd>, dir_path: &Path) -> io::Result<Temporary> {
        // Asked once: `getpid` is a system call every time.
        static PID: OnceLock<u32> = OnceLock::new();
        let pid = *PID.get_or_init(std::process::id);
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut attempts = 0;
        loop {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!("{TEMP_PREFIX}{pid}.{n}");
            // Registered before it exists, so that a handler that runs
            // meanwhile either sees it or stops it being made.
            match live().as_mut() {
                Some(l) => l.insert(n, dir_path.join(&name)),
                None => return Err(io::Error::other("interrupted")),
            };
            match rustix::fs::openat(&*dir, name.as_str(), flags, Mode::from_raw_mode(0o666)) {
                Ok(fd) => {
                    let file = File::from(fd);
                    return Ok(Temporary { dir, name, number: n, file, persisted: false });
                }
                Err(e) => {
                    if let Some(l) = live().as_mut() {
                        l.remove(&n);
                    }
                    if e == Errno::EXIST && attempts < 1000 {
                        attempts += 1;
                    } else {
                        return Err(e.into());
                    }
                }
            }
        }
    }

    /// Renames the temporary over `target` in the same folder (then closes
    /// it), and returns the stamp of the file as it now is.
    /// With `fsync`, the data is flushed before the rename and the folder
    /// after it.
    fn persist(mut self, target: &OsStr, fsync: bool) -> io::Result<OutputStamp> {
        if fsync {
            self.file.sync_all()?;
        }
        rustix::fs::renameat(&*self.dir, self.name.as_str(), &*self.dir, target)?;
        if fsync {
            rustix::fs::fsync(&*self.dir)?;
        }
        self.persisted = true;
        if let Some(l) = live().as_mut() {
            l.remove(&self.number);
        }
        Ok(OutputStamp::of(&self.file.metadata()?))
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
            let _ = rustix::fs::unlinkat(&*self.dir, self.name.as_str(), AtFlags::empty());
            if let Some(l) = live().as_mut() {
                l.remove(&self.number);
            }
        }
    }
}

/// Removes temporaries (`.zhclean-tmp.*`) left under `out` by a run that
/// was killed: those whose process is gone (a live process, such as
/// another zhclean writing into the same folder, keeps its own). Links
/// are not followed. Returns how many were removed. A missing `out` is
/// fine.
pub fn sweep_temporaries(out: &Path) -> usize {
    sweep(walkdir::WalkDir::new(out))
}

/// [`sweep_temporaries`] in the folder `dir` alone (not below it): for an
/// output file (`-o FILE`), whose folder is not zhclean's.
pub fn sweep_temporaries_in(dir: &Path) -> usize {
    sweep(walkdir::WalkDir::new(dir).max_depth(1))
}

fn sweep(walk: walkdir::WalkDir) -> usize {
    let mut removed = 0;
    for entry in walk.into_iter().filter_map(|e| e.ok()) {
        let is_temp = entry.file_type().is_file()
            && temp_owner(entry.file_name()).is_some_and(|pid| !process_alive(pid));
        if is_temp && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in a temporary's name (`.zhclean-tmp.<pid>.<n>`).
fn temp_owner(name: &OsStr) -> Option<u32> {
    let rest = name.to_str()?.strip_prefix(TEMP_PREFIX)?;
    rest.split('.').next()?.parse().ok()
}

/// Whether a process with this id exists (a signal 0 reaches it, or it is
/// someone else's: EPERM). This process counts as alive.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else {
        return false;
    };
    !matches!(rustix::process::test_kill_process(pid), Err(Errno::SRCH))
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
///
/// Names are compared once resolved, and files by device and inode too: a
/// hard link, a bind mount or a second name through a link is the same
/// file (the folders walked are checked again by [`OutDir::open`]).
pub fn check_output(inputs: &[PathBuf], out: &Path, out_is_dir: bool) -> Result<()> {
    let out_abs = canonicalize_lenient(out).map_err(|e| Error::io(out, e))?;
    // The identities of the output and of every existing folder above it.
    let out_ids: Vec<FileId> =
        out_abs.ancestors().filter_map(|a| fs::metadata(a).ok()).map(|m| file_id(&m)).collect();
    let out_id = fs::metadata(&out_abs).ok().map(|m| file_id(&m));
    for input in inputs {
        // An input that cannot be resolved is reported by the walk.
        let Ok(in_abs) = input.canonicalize() else { continue };
        let Ok(in_meta) = fs::metadata(&in_abs) else { continue };
        let in_id = file_id(&in_meta);
        if out_abs == in_abs || out_id == Some(in_id) {
            return Err(Error::Usage(format!(
                "output {} is the input {}; refusing to overwrite an input",
                escaped(out),
                escaped(input)
            )));
        }
        if in_meta.is_dir() && (out_abs.starts_with(&in_abs) || out_ids.contains(&in_id)) {
            return Err(Error::Usage(format!(
                "output {} is inside the input folder {}; choose an output outside it",
                escaped(out),
                escaped(input)
            )));
        }
        let in_ids = || in_abs.ancestors().filter_map(|a| fs::metadata(a).ok());
        let inside_out = out_id.is_some_and(|o| in_ids().any(|m| file_id(&m) == o));
        if out_is_dir && (in_abs.starts_with(&out_abs) || inside_out) {
            return Err(Error::Usage(format!(
                "input {} is inside the output folder {}; choose an output outside it",
                escaped(input),
                escaped(out)
            )));
        }
    }
    Ok(())
}

/// Refuses a report file (`--report`) that would destroy an input or an
/// output: one that is an input (by name or by device and inode, standard
/// input and output included), lies inside an input folder, is the
/// output, or lies inside the output folder. `walked` holds the
/// identities of the files and folders the walk found, when there was one.
pub fn check_report(
    report: &Path,
    inputs: &[PathBuf],
    out: Option<&Path>,
    walked: Option<(&HashSet<FileId>, &HashSet<FileId>)>,
) -> Result<()> {
    let refuse = |what: String| {
        Err(Error::Usage(format!(
            "report {} {what}; refusing to overwrite it (put the report elsewhere)",
            escaped(report)
        )))
    };
    // `-` names standard output elsewhere on the command line; a report is
    // only ever a file (standard output may carry the cleaned text), and a
    // file called `-` is not what anyone asking for it means.
    if report.as_os_str() == "-" {
        return Err(Error::Usage(
            "report `-`: reports are written to a file, not to standard output; name a file".into(),
        ));
    }
    let abs = canonicalize_lenient(report).map_err(|e| Error::io(report, e))?;
    let id = fs::metadata(&abs).ok().map(|m| file_id(&m));
    let above: Vec<FileId> =
        abs.ancestors().skip(1).filter_map(|a| fs::metadata(a).ok()).map(|m| file_id(&m)).collect();
    for input in inputs.iter().filter(|p| p.as_os_str() != "-") {
        let Ok(in_abs) = input.canonicalize() else { continue };
        let Ok(meta) = fs::metadata(&in_abs) else { continue };
        if abs == in_abs || id == Some(file_id(&meta)) {
            return refuse(format!("is the input {}", escaped(input)));
        }
        if meta.is_dir() && (abs.starts_with(&in_abs) || above.contains(&file_id(&meta))) {
            return refuse(format!("is inside the input folder {}", escaped(input)));
        }
    }
    if let Some((files, dirs)) = walked {
        if id.is_some_and(|id| files.contains(&id)) {
            return refuse("is one of the input files".into());
        }
        if above.iter().any(|a| dirs.contains(a)) {
            return refuse("is inside one of the input folders".into());
        }
    }
    // Standard input and output, when they are files.
    for (fd, what) in [(0, "standard input"), (1, "standard output")] {
        let f = standard_fd(fd);
        if let (Some(id), Ok(st)) = (id, rustix::fs::fstat(f))
            && (st.st_mode & 0o170000) == 0o100000
        {
            #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
            if (st.st_dev as u64, st.st_ino as u64) == id {
                return refuse(format!("is {what}"));
            }
        }
    }
    if let Some(out) = out {
        let out_abs = canonicalize_lenient(out).map_err(|e| Error::io(out, e))?;
        let out_id = fs::metadata(&out_abs).ok().map(|m| file_id(&m));
        if abs == out_abs || (id.is_some() && id == out_id) {
            return refuse("is the output".into());
        }
        if abs.starts_with(&out_abs) || out_id.is_some_and(|o| above.contains(&o)) {
            return refuse("is inside the output folder".into());
        }
    }
    Ok(())
}

/// A borrowed handle on one of the standard descriptors.
fn standard_fd(fd: i32) -> std::os::fd::BorrowedFd<'static> {
    // SAFETY: 0 and 1 stay open for the life of the process (the standard
    // streams); only `fstat` is called on them.
    unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
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
    /// The output file written, as it was just after its rename.
    pub out: OutputStamp,
}

impl JournalEntry {
    /// The entry for an input with metadata `meta`, written with options
    /// `options` into the output stamped `out`.
    pub fn new(meta: &fs::Metadata, options: u64, out: OutputStamp) -> JournalEntry {
        JournalEntry { size: meta.len(), mtime_ns: mtime_ns(meta), options, out }
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
    /// Flush each append to disk (`--fsync`).
    fsync: bool,
    /// Lines in the file: read at opening, then appended.
    lines: AtomicU64,
}

/// A journal is compacted when it holds more than twice its live entries
/// (the latest line per output) plus this many lines: often enough that it
/// stays within a small multiple of the outputs, seldom enough that a run
/// that redoes a few files does not rewrite it.
pub const JOURNAL_SLACK: u64 = 64;

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
        if !write && !out.is_dir() {
            return Ok(Journal { path: out.join(JOURNAL_NAME), ..Journal::default() });
        }
        Journal::open_in(&OutDir::open(out, HashSet::new(), write)?, write, read)
    }

    /// [`Journal::open_with`] in an opened output folder: the journal is
    /// opened relative to it, never through a link, and must be a regular
    /// file (a link, FIFO or device there is refused: usage error).
    pub fn open_in(out: &OutDir, write: bool, read: bool) -> Result<Journal> {
        let path = out.root().join(JOURNAL_NAME);
        let refuse = |e: io::Error| Error::Usage(format!("journal {}: {e}", escaped(&path)));
        // Read when it will be written too: to know when to compact it.
        let (mut done, lines) =
            if read || write { read_journal(out).map_err(refuse)? } else { (HashMap::new(), 0) };
        let file = if write {
            let flags = OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE;
            let f = out.open_own(JOURNAL_NAME, flags).map_err(refuse)?;
            if out.fsync {
                // The journal's own name, if it was just made.
                rustix::fs::fsync(&*out.fd).map_err(|e| refuse(e.into()))?;
            }
            f
        } else {
            None
        };
        if !read {
            done.clear();
        }
        Ok(Journal {
            path,
            done,
            file: Mutex::new(file),
            lines: AtomicU64::new(lines),
            fsync: out.fsync,
        })
    }

    /// Rewrites the journal with only the latest line of each output when it
    /// has grown past twice that plus [`JOURNAL_SLACK`] lines: at the end of
    /// a run (no line is appended meanwhile), atomically (a temporary in
    /// OUT renamed over it), so a kill leaves either journal whole. Returns
    /// the number of lines it holds now, when it was rewritten.
    pub fn compact(&self, out: &OutDir) -> Result<Option<u64>> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if file.is_none() {
            return Ok(None);
        }
        let lines = self.lines.load(Ordering::Relaxed);
        // The outputs known at opening are a floor for the live entries:
        // when even they leave the journal small enough, no need to read it.
        if lines <= 2 * self.done.len() as u64 + JOURNAL_SLACK {
            return Ok(None);
        }
        let refuse = |e: io::Error| Error::Usage(format!("journal {}: {e}", escaped(&self.path)));
        let (live, lines) = read_journal(out).map_err(refuse)?;
        if lines <= 2 * live.len() as u64 + JOURNAL_SLACK {
            return Ok(None);
        }
        let mut entries: Vec<_> = live.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut text = Vec::with_capacity(entries.len() * 200);
        for (rel, entry) in entries {
            entry.push_line(rel, &mut text);
        }
        out.write_atomic(&self.path, |w| w.write_all(&text).map_err(|e| Error::io(&self.path, e)))?;
        // Later lines (none in a run that has ended) would go to the new file.
        let flags = OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE;
        *file = out.open_own(JOURNAL_NAME, flags).map_err(refuse)?;
        let now = live.len() as u64;
        self.lines.store(now, Ordering::Relaxed);
        Ok(Some(now))
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
        // `lstat`: a link put at the target is not the file written.
        e.size == size
            && e.mtime_ns == mtime_ns
            && e.options == options
            && fs::symlink_metadata(target)
                .is_ok_and(|m| m.is_file() && OutputStamp::of(&m) == e.out)
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
        f.write_all(lines)?;
        self.lines.fetch_add(memchr::memchr_iter(b'\n', lines).count() as u64, Ordering::Relaxed);
        if self.fsync { f.sync_data() } else { Ok(()) }
    }
}

/// The latest entry of each output in the journal of `out`, and how many
/// lines it holds (a line cut short or unreadable counts, and is dropped).
fn read_journal(out: &OutDir) -> io::Result<(HashMap<PathBuf, JournalEntry>, u64)> {
    let mut done = HashMap::new();
    let mut lines = 0;
    if let Some(f) = out.open_own(JOURNAL_NAME, OFlags::RDONLY)? {
        for line in BufReader::new(f).split(b'\n').map_while(|l| l.ok()) {
            lines += 1;
            if let Some((rel, entry)) = parse_line(&line) {
                done.insert(rel, entry);
            }
        }
    }
    Ok((done, lines))
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
    let o = &e.out;
    let _ = write!(
        out,
        ",\"size\":{},\"mtime_ns\":\"{}\",\"options\":\"{:016x}\",\"out_size\":{},\
         \"out_dev\":{},\"out_ino\":{},\"out_mtime_ns\":\"{}\",\"out_ctime_ns\":\"{}\"}}",
        e.size, e.mtime_ns, e.options, o.size, o.id.0, o.id.1, o.mtime_ns, o.ctime_ns
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
        // A line without the output's stamp (an older zhclean) proves
        // nothing: it is ignored and the output redone.
        out: OutputStamp {
            id: (v.get("out_dev")?.as_u64()?, v.get("out_ino")?.as_u64()?),
            size: v.get("out_size")?.as_u64()?,
            mtime_ns: v.get("out_mtime_ns")?.as_str()?.parse().ok()?,
            ctime_ns: v.get("out_ctime_ns")?.as_str()?.parse().ok()?,
        },
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
    b == JOURNAL_NAME.as_bytes()
        || b == LOCK_NAME.as_bytes()
        || b.starts_with(TEMP_PREFIX.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

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
    fn a_pipe_or_a_link_to_one_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        for target in [&fifo, &link] {
            let reader = {
                let fifo = fifo.clone();
                std::thread::spawn(move || fs::read(fifo).unwrap())
            };
            let r: Result<()> =
                write_atomic(target, |w| w.write_all(b"through").map_err(|e| Error::io("x", e)));
            r.unwrap();
            // Still a FIFO, still a link to it, and no temporary beside
            // (checked first: a reader of a replaced FIFO would wait on).
            assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
            assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
            assert_eq!(reader.join().unwrap(), b"through");
        }
        // A link to a regular file is still replaced, not followed.
        let file = dir.path().join("file.txt");
        fs::write(&file, "old").unwrap();
        let to_file = dir.path().join("to-file");
        std::os::unix::fs::symlink(&file, &to_file).unwrap();
        let r: Result<()> =
            write_atomic(&to_file, |w| w.write_all(b"new").map_err(|e| Error::io("x", e)));
        r.unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"old");
        assert!(fs::symlink_metadata(&to_file).unwrap().is_file());
        assert_eq!(fs::read(&to_file).unwrap(), b"new");
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

    #[cfg(unix)]
    #[test]
    fn out_dir_writes_only_into_real_folders_below_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        fs::create_dir_all(dir.path().join("victim")).unwrap();
        let out = OutDir::open(&root, HashSet::new(), true).unwrap();
        std::os::unix::fs::symlink("../victim", root.join("sub")).unwrap();
        let write = |target: &Path| -> Result<((), OutputStamp)> {
            out.write_atomic(target, |w| w.write_all(b"x").map_err(|e| Error::io("x", e)))
        };
        let e = write(&root.join("sub/a.txt")).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read_dir(dir.path().join("victim")).unwrap().count(), 0);
        assert!(write(&dir.path().join("elsewhere.txt")).unwrap_err().is_usage());
        assert!(write(&root.join("d/../../x.txt")).unwrap_err().is_usage());
        let ((), stamp) = write(&root.join("new/deeper/a.txt")).unwrap();
        let meta = fs::symlink_metadata(root.join("new/deeper/a.txt")).unwrap();
        assert_eq!(stamp, OutputStamp::of(&meta));
        // A folder that is an input (here: OUT's own subfolder declared so).
        let sub_id = file_id(&fs::metadata(root.join("new")).unwrap());
        let guarded = OutDir::open(&root, HashSet::from([sub_id]), false).unwrap();
        let r: Result<((), OutputStamp)> = guarded.write_atomic(&root.join("new/b.txt"), |w| {
            w.write_all(b"x").map_err(|e| Error::io("x", e))
        });
        assert!(r.unwrap_err().to_string().contains("input folders"));
        assert!(
            OutDir::open(&root.join("new/deeper"), HashSet::from([sub_id]), false)
                .unwrap_err()
                .is_usage()
        );
    }

    #[cfg(unix)]
    #[test]
    fn in_place_replaces_only_a_file_still_where_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, "old").unwrap();
        let id = file_id(&fs::metadata(&path).unwrap());
        let dir_id = file_id(&fs::metadata(dir.path()).unwrap());
        let new = |w: &mut dyn Rewind| w.write_all(b"new").map_err(|e| Error::io("x", e));
        // Not one of the folders walked: nothing written.
        let other = HashSet::from([(0, 0)]);
        let e = replace_in_place(&path, id, Some(&other), None, false, new).unwrap_err();
        assert!(e.to_string().contains("not the folder walked"), "{e}");
        // Another file at the name than the one read.
        let e = replace_in_place(&path, (0, 0), None, None, false, new).unwrap_err();
        assert!(e.to_string().contains("replaced by another file"), "{e}");
        // A link at the name is not written through.
        std::os::unix::fs::symlink("a.txt", dir.path().join("l.txt")).unwrap();
        let e =
            replace_in_place(&dir.path().join("l.txt"), id, None, None, false, new).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        let walked = HashSet::from([dir_id]);
        let same = |w: &mut dyn Rewind| w.write_all(b"old").map_err(|e| Error::io("x", e));
        assert_eq!(
            replace_in_place(&path, id, Some(&walked), None, false, same).unwrap(),
            Replaced::Unchanged
        );
        assert_eq!(file_id(&fs::metadata(&path).unwrap()), id);
        let r =
            replace_in_place(&path, id, Some(&walked), Some(OsStr::new("~")), false, new).unwrap();
        assert_eq!(r, Replaced::Rewritten);
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(file_id(&fs::metadata(dir.path().join("a.txt~")).unwrap()), id);
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| is_own_file(n))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn only_temporaries_of_dead_processes_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let mine = format!("{TEMP_PREFIX}{}.7", std::process::id());
        for name in [".zhclean-tmp.2147483646.1", mine.as_str(), ".zhclean-tmp.x.1", "keep.txt"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        assert_eq!(sweep_temporaries_in(dir.path()), 1);
        assert!(!dir.path().join(".zhclean-tmp.2147483646.1").exists());
        assert!(dir.path().join(&mine).exists() && dir.path().join(".zhclean-tmp.x.1").exists());
        assert_eq!(temp_owner(OsStr::new(".zhclean-tmp.12.3")), Some(12));
        assert!(process_alive(1) && !process_alive(2147483646));
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
        let stamp = OutputStamp::of(&fs::metadata(&target).unwrap());
        j.record(Path::new("a.txt"), &JournalEntry::new(&meta, 7, stamp)).unwrap();
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
        let out = OutputStamp { id: (3, 1 << 40), size: 4, mtime_ns: -5, ctime_ns: 1 << 70 };
        let e = JournalEntry { size: 1, mtime_ns: 1 << 100, options: 0xab, out };
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
        let e = JournalEntry { size: 1, mtime_ns: 2, options: 3, out: OutputStamp::default() };
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
