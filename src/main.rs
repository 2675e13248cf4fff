//! The `zhclean` command: parse arguments, run, map the result to an exit
//! code. The work is in the library ([`zhclean::run`]); the flags are in
//! `cli.rs`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
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

/// Prints `e` as one line; usage errors exit 2, others 1.
fn fail(e: &zhclean::Error) -> ExitCode {
    eprintln!("zhclean: {e}");
    ExitCode::from(if e.is_usage() { 2 } else { 1 })
}
