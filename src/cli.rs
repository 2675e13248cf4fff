//! Command-line front end (first slice: conversion of stdin or one file).

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use zhclean::config::ConvertSpec;
use zhclean::convert::Converter;

/// Clean messy Chinese text and convert it exactly as OpenCC does.
#[derive(Parser, Debug)]
#[command(name = "zhclean", version)]
struct Args {
    /// Input file (standard input when absent or `-`).
    input: Option<PathBuf>,
    /// Output file (standard output when absent or `-`).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Convert with an OpenCC config: a built-in name (s2t, t2s, s2twp, ...)
    /// or the path of an OpenCC JSON config.
    #[arg(long, value_name = "CFG")]
    convert: Option<String>,
    /// Extra dictionary in OpenCC text format; its entries win.
    #[arg(long = "dict", value_name = "FILE")]
    dicts: Vec<PathBuf>,
    /// Do not repair or normalise: decode (and convert, with --convert) only.
    #[arg(long)]
    no_clean: bool,
    /// Include dictionaries marked may_output_tofu.
    #[arg(long)]
    include_tofu_risk: bool,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zhclean: {e}");
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}

fn run(args: &Args) -> zhclean::Result<()> {
    let mut input = Vec::new();
    match args.input.as_deref() {
        None => io::stdin().read_to_end(&mut input).map_err(|e| zhclean::Error::io("-", e))?,
        Some(p) if p.as_os_str() == "-" => {
            io::stdin().read_to_end(&mut input).map_err(|e| zhclean::Error::io("-", e))?
        }
        Some(p) => {
            input = std::fs::read(p).map_err(|e| zhclean::Error::io(p, e))?;
            input.len()
        }
    };
    let text = String::from_utf8_lossy(&input);
    let out = match &args.convert {
        Some(cfg) => {
            let spec = ConvertSpec {
                config: cfg.clone(),
                user_dicts: args.dicts.clone(),
                include_tofu_risk: args.include_tofu_risk,
            };
            Converter::from_spec(&spec)?.convert_parallel(&text, 1 << 20)
        }
        None => text.into_owned(),
    };
    match args.output.as_deref() {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, out).map_err(|e| zhclean::Error::io(p, e))?
        }
        _ => io::stdout().write_all(out.as_bytes()).map_err(|e| zhclean::Error::io("-", e))?,
    }
    Ok(())
}
