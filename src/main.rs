//! The `zhclean` command: parse arguments, run, map the result to an exit
//! code. The work is in the library ([`zhclean::run`]); the flags are in
//! `cli.rs`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    keep_freed_memory();
    let (config, options) = match cli::Args::parse().into_parts() {
        Ok(parts) => parts,
        Err(e) => return fail(&e),
    };
    if let Err(e) = zhclean::run::install_interrupt_handler() {
        return fail(&e);
    }
    match zhclean::run::run(&options, config) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => fail(&e),
    }
}

/// Asks glibc's allocator to keep the memory a run frees for reuse. A
/// large file goes through in pieces of about a megabyte, each read into a
/// fresh buffer and converted into another; by default glibc gives such
/// blocks back to the system when they are freed (`munmap`, or trimming the
/// heap), so every piece starts on fresh pages: one page fault per 4 KiB,
/// 25,000 of them for a 64 MiB file, a few percent of the run. With these
/// two settings the pieces reuse the same memory; the peak stays what the
/// pieces in flight need, as before. (Other allocators were tried:
/// mimalloc removed the faults too but raised the peak memory and the
/// start-up time.)
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes allocator settings; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

/// Prints `e` as one line; usage errors exit 2, others 1.
fn fail(e: &zhclean::Error) -> ExitCode {
    eprintln!("zhclean: {e}");
    ExitCode::from(if e.is_usage() { 2 } else { 1 })
}
