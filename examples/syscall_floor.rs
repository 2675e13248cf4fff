//! The file-system floor of a batch run: what reading every file of a tree
//! and writing an untouched copy of it atomically costs, with no cleaning
//! at all. `cargo run --release --example syscall_floor -- IN OUT [MODE]`
//!
//! It does what `zhclean IN -o OUT` must do per file, and nothing else: the
//! walk (walkdir, one `stat` per file for size and time), then `open`,
//! `read`, `close` of the input, and a temporary created in the target
//! folder, written, renamed over the target and closed. MODE `path` (the
//! default) names every file by its whole path, as zhclean does; MODE
//! `dirfd` (Linux) opens each folder once and works relative to it
//! (`openat`, `renameat`), to measure what shorter path walks would save.
//! It prints wall time and the process's user and system time, so that
//! `docs/batch-eval.md` can set zhclean's per-file cost against the floor.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::ffi::CString;
    use std::fs;
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    fn cpu_times() -> (f64, f64) {
        // SAFETY: `getrusage` fills the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
        let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
        (t(u.ru_utime), t(u.ru_stime))
    }

    fn cstr(p: &[u8]) -> CString {
        CString::new(p).expect("no NUL in file names")
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().collect();
        let input = PathBuf::from(args.get(1).expect("IN"));
        let out = PathBuf::from(args.get(2).expect("OUT"));
        let mode = args.get(3).map_or("path", String::as_str);
        let t0 = Instant::now();
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(&input).sort_by_file_name() {
            let e = e.expect("walk");
            if e.file_type().is_file() {
                let m = e.metadata().expect("stat");
                std::hint::black_box(m.len());
                files.push(e.into_path());
            }
        }
        let mut buf = Vec::new();
        let mut bytes = 0;
        match mode {
            "path" => {
                for (i, f) in files.iter().enumerate() {
                    let rel = f.strip_prefix(&input).expect("below IN");
                    let target = out.join(rel);
                    let dir = target.parent().expect("parent");
                    if i == 0 || !dir.exists() {
                        fs::create_dir_all(dir).expect("mkdir");
                    }
                    buf.clear();
                    let mut r = fs::File::open(f).expect("open");
                    std::io::Read::read_to_end(&mut r, &mut buf).expect("read");
                    drop(r);
                    bytes += buf.len();
                    let tmp = dir.join(format!(".floor-tmp.{i}"));
                    let mut w = fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&tmp)
                        .expect("create");
                    w.write_all(&buf).expect("write");
                    fs::rename(&tmp, &target).expect("rename");
                    drop(w);
                }
            }
            "dirfd" => {
                // Folder handles, opened once per folder of the walk order.
                let mut cur: Option<(PathBuf, libc::c_int, libc::c_int)> = None;
                for (i, f) in files.iter().enumerate() {
                    let rel = f.strip_prefix(&input).expect("below IN");
                    let parent = rel.parent().unwrap_or(Path::new(""));
                    if cur.as_ref().is_none_or(|c| c.0 != parent) {
                        if let Some((_, a, b)) = cur.take() {
                            // SAFETY: both are open descriptors owned here.
                            unsafe {
                                libc::close(a);
                                libc::close(b);
                            }
                        }
                        fs::create_dir_all(out.join(parent)).expect("mkdir");
                        let open_dir = |p: PathBuf| {
                            let c = cstr(p.as_os_str().as_bytes());
                            // SAFETY: a valid C string; the result is checked.
                            let fd = unsafe {
                                libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY)
                            };
                            assert!(fd >= 0, "open {}", p.display());
                            fd
                        };
                        cur = Some((
                            parent.to_path_buf(),
                            open_dir(input.join(parent)),
                            open_dir(out.join(parent)),
                        ));
                    }
                    let (_, din, dout) = cur.as_ref().expect("set above");
                    let name = cstr(f.file_name().expect("name").as_bytes());
                    buf.clear();
                    // SAFETY (all calls below): valid descriptors and C strings;
                    // every result is checked.
                    unsafe {
                        let fd =
                            libc::openat(*din, name.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
                        assert!(fd >= 0);
                        let mut r = <fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd);
                        std::io::Read::read_to_end(&mut r, &mut buf).expect("read");
                    }
                    bytes += buf.len();
                    let tmp = cstr(format!(".floor-tmp.{i}").as_bytes());
                    unsafe {
                        let fd = libc::openat(
                            *dout,
                            tmp.as_ptr(),
                            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                            0o666,
                        );
                        assert!(fd >= 0);
                        let mut w = <fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd);
                        w.write_all(&buf).expect("write");
                        assert_eq!(libc::renameat(*dout, tmp.as_ptr(), *dout, name.as_ptr()), 0);
                    }
                }
            }
            other => panic!("unknown mode {other}"),
        }
        let wall = t0.elapsed().as_secs_f64();
        let (user, sys) = cpu_times();
        println!(
            "{mode}: {} files, {bytes} bytes, {wall:.2} s wall, {user:.2} s user, {sys:.2} s sys",
            files.len()
        );
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn main() {
    imp::main();
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {
    eprintln!("syscall_floor: Linux with glibc only");
}
