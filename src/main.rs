//! The `zhclean` command: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    zhclean_cli::main()
}

#[path = "cli.rs"]
mod zhclean_cli;
