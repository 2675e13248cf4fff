//! What the user typed: the clap derive struct of the `zhclean` command and
//! its conversion into the library's [`Config`] and [`RunOptions`], and
//! what the terminal shows ([`Show`]).
//!
//! Nothing here does work; names are checked (rules, encodings) so that a
//! typo is a usage error (exit code 2) before any file is touched.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::Show;
use crate::progress::ProgressMode;
use clap::{Parser, ValueEnum};
use zhclean::rules::PipelineStage as Stage;
use zhclean::run::{DEFAULT_BLOCK_SIZE, RunOptions};
use zhclean::{Config, ConvertSpec, Error, HtmlMode, QuoteStyle, Rule, RuleSet};

/// Clean messy Chinese text dumps into UTF-8, and convert Simplified and
/// Traditional Chinese exactly as OpenCC does.
#[derive(Parser, Debug)]
#[command(name = "zhclean", version = VERSION, max_term_width = 100)]
#[command(
    after_help = "Examples:\n  zhclean dump/ -o clean/\n  zhclean --convert s2t < in.txt > out.txt\n  zhclean --jsonl --field text --convert t2s < in.jsonl > out.jsonl\n\nExit codes: 0 done (skipped files are not failures), 1 some file or record failed (the \
                  others were done), 2 usage error (nothing was done), 130 interrupted (Ctrl-C or SIGTERM)."
)]
pub struct Args {
    /// Print a shell completion script or the man page, and exit.
    #[cfg(feature = "cli")]
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        long_help = "Print a completion script for a shell (complete-bash, complete-zsh, \
                     complete-fish, complete-powershell) or the man page in roff (man) on \
                     standard output, and exit. For example \
                     `zhclean --generate man > zhclean.1`."
    )]
    pub generate: Option<Generate>,

    /// Input files and folders (standard input when absent or `-`).
    #[arg(
        value_name = "INPUT",
        long_help = "Input files and folders. Folders are walked recursively (hidden files \
                     included; .git, .hg and .svn folders below an input are not); the output folder mirrors their relative paths. With no input, \
                     or `-`, standard input is read and the result written to standard output, \
                     streaming in bounded memory."
    )]
    pub inputs: Vec<PathBuf>,

    /// Output folder (or file, for one input file).
    #[arg(
        short,
        long,
        value_name = "OUT",
        long_help = "Where to write. For folders or several inputs, an output folder that \
                     mirrors the inputs' relative paths with the same names (created if \
                     missing). With one input file and OUT not an existing folder (and not \
                     ending in `/`), OUT is the output file. Absent or `-`: standard output \
                     (one input file or standard input only). OUT may not be an input, lie \
                     inside an input folder, or contain an input (exit code 2)."
    )]
    pub output: Option<PathBuf>,

    /// Give text outputs this extension (e.g. `txt`).
    #[arg(
        long,
        value_name = "EXT",
        long_help = "Replace the extension of every text output with EXT (`txt` or `.txt`: \
                     `page.html` becomes `page.txt`). Without --ext, outputs keep their input's \
                     name, so a stripped `page.html` is still `page.html`. Files copied by \
                     --copy-other keep their names. Only for an output folder."
    )]
    pub ext: Option<OsString>,

    /// Convert with an OpenCC config (s2t, t2s, s2twp, ...) or a config file.
    #[arg(
        long,
        value_name = "CFG",
        long_help = "Convert the script after cleaning, with an OpenCC config: a built-in name \
                     (s2t, t2s, s2tw, tw2s, s2twp, tw2sp, s2hk, hk2s, s2hkp, hk2sp, t2tw, \
                     tw2t, t2hk, hk2t, t2jp, jp2t; a `.json` suffix is accepted) or the path of an OpenCC JSON \
                     config. The result is byte for byte what OpenCC 1.4.2 gives."
    )]
    pub convert: Option<String>,

    /// Extra dictionary in OpenCC text format (repeatable); its entries win.
    #[arg(
        long = "dict",
        value_name = "FILE",
        long_help = "A user dictionary in OpenCC text format (`key<TAB>value`), applied with \
                     --convert; its entries win over the built-in ones. May be given several \
                     times; later files win over earlier ones."
    )]
    pub dicts: Vec<PathBuf>,

    /// Include dictionaries marked may_output_tofu.
    #[arg(
        long,
        long_help = "Include the dictionaries an OpenCC config marks `may_output_tofu` (the \
                     official command-line tool leaves them out; its library and Python \
                     binding include them)."
    )]
    pub include_tofu_risk: bool,

    /// Do not repair or normalise: decode (and convert) only.
    #[arg(
        long,
        long_help = "Skip the repair and normalise stages: decode to UTF-8, and convert with \
                     --convert, nothing else."
    )]
    pub no_clean: bool,

    /// Decode with this encoding instead of detecting one (gbk, big5, ...).
    #[arg(
        long,
        value_name = "NAME",
        long_help = "Decode every input with this encoding (a WHATWG label: utf-8, gbk, \
                     gb18030, big5, utf-16le, utf-16be, shift_jis, euc-kr, windows-1252, ...) \
                     instead of detecting it. A byte-order mark still wins: a file that starts \
                     with a UTF-8 or UTF-16 BOM is decoded as the BOM says. NUL and control \
                     bytes are decoded and kept; only a binary signature (PNG, ZIP, ELF...) \
                     still makes a file binary."
    )]
    pub encoding: Option<String>,

    /// Switch rules off by name (repeatable, comma-separated).
    #[arg(
        long = "no-rule",
        value_name = "NAME",
        value_delimiter = ',',
        long_help = "Switch off the named rules (see `docs/policy.md`, or the report's \
                     `changes` keys for the names), e.g. `--no-rule cjk-punct,ellipsis`. May be \
                     given several times. An unknown name is a usage error that lists the names."
    )]
    pub no_rule: Vec<String>,

    /// Print each change on stderr.
    #[arg(
        long,
        long_help = "Print every change on stderr, one per line: \
                     `PATH:LINE:COL: RULE: \"before\" -> \"after\"` (line and column in the text \
                     the rule saw). In --jsonl mode: `PATH:RECORD: FIELD:LINE:COL: ...`."
    )]
    pub explain: bool,

    /// How to treat HTML: auto, strip or keep.
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        long_help = "auto (the default): strip markup from `.html`/`.htm` files and from files that are \
                     mostly markup, treat the rest as text. strip: turn markup into plain text \
                     (block elements become line breaks; script, style and head dropped). keep: \
                     clean only the text between tags, never touching tags or attributes. In \
                     --jsonl mode auto decides per field: a value that starts and ends with a tag \
                     is stripped."
    )]
    pub html: Option<HtmlArg>,

    /// Quote style of the output: curly, corner or keep.
    #[arg(
        long,
        value_enum,
        value_name = "STYLE",
        long_help = "keep (the default): leave quotation marks as they are (straight quotes around Chinese \
                     still become curly under the cjk-quotes rule). curly: mainland style \
                     “ ” and ‘ ’. corner: Taiwan and Hong Kong style 「 」 and 『 』."
    )]
    pub quotes: Option<QuotesArg>,

    /// Input is JSON Lines: clean named fields, pass the rest through.
    #[arg(
        long,
        long_help = "Treat every input as JSON Lines: each line a JSON object whose fields \
                     named by --field (default `text`) are cleaned and converted if they are \
                     strings. Everything else, key order and formatting included, is copied \
                     byte for byte, and exactly one line comes out per line in, in order. A line \
                     that is not a JSON object is passed through unchanged and reported with \
                     its line number; the exit code is then 1."
    )]
    pub jsonl: bool,

    /// Field to clean in --jsonl mode: a key or path (repeatable; default `text`).
    #[arg(
        long = "field",
        value_name = "PATH",
        requires = "jsonl",
        long_help = "The string field to clean in --jsonl mode: a top-level key (`text`), a \
                     dotted path into nested objects (`meta.text`), with `[]` for every element \
                     of an array (`段落[].内容`, `tags[]`). A key holding `.`, `[` or `\\` \
                     is written with a `\\` before it. May be given several times. Default: \
                     `text`."
    )]
    pub fields: Vec<String>,

    /// Worker threads (default: one per core).
    #[arg(
        short = 'j',
        long = "jobs",
        value_name = "N",
        default_value_t = 0,
        long_help = "How many threads work. Files are processed in parallel, and a large file \
                     is cut at line ends and its pieces processed in parallel, in order. 0 (the \
                     default) means one per core; -j1 is fully sequential and deterministic."
    )]
    pub jobs: usize,

    /// Progress bar: auto, always or never.
    #[arg(
        long,
        value_enum,
        default_value_t = ProgressArg::Auto,
        value_name = "WHEN",
        long_help = "auto: a progress bar on stderr when stderr is a terminal. always: also \
                     when it is not, as a plain line every 5 seconds (no terminal control \
                     codes), for logs. never: no bar."
    )]
    pub progress: ProgressArg,

    /// Write a JSON Lines report, one object per input file.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Write a JSON Lines report to FILE: one object per input file with path, \
                     encoding, confidence, script (of the output), bytes_in, bytes_out, changes \
                     (rule name to count), replacement_chars, skipped (reason or null), error \
                     (message or null) and convert (config name or null). FILE may not be an input \
                     (standard input and output included), lie inside an input folder, be the \
                     output or lie inside the output folder (exit code 2)."
    )]
    pub report: Option<PathBuf>,

    /// Write the run's summary to FILE as one JSON object.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Write the run's summary to FILE as one JSON object: files, processed, \
                     bytes_in, bytes_out, seconds, encodings (files per encoding), decoding \
                     (what the inputs were: utf8, legacy, bom, malformed... per rule), changes \
                     (per rule), skipped (files per reason), errors, bad_records, \
                     blank_records and interrupted. Written also with -q, and after Ctrl-C."
    )]
    pub summary: Option<PathBuf>,

    /// Write a visual report of the run to FILE: one self-contained HTML page.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Write a report of the run to FILE as one HTML page that needs nothing \
                     else (no network, no scripts): totals, encodings, changes per rule as a \
                     bar chart, the files with most changes, errors and skipped files, and for \
                     every rule a few samples of before -> after with file, line and column. \
                     Written also with -q, and after Ctrl-C into an output folder or file \
                     (marked interrupted). In --jsonl mode a sample names \
                     the record's line and the field. FILE is checked as for --report (exit \
                     code 2)."
    )]
    pub report_html: Option<PathBuf>,

    /// Report what would be done; write nothing.
    #[arg(
        short = 'n',
        long,
        long_help = "Process everything and report (summary, --report, --explain) but write \
                     no output file."
    )]
    pub dry_run: bool,

    /// Redo outputs that are up to date.
    #[arg(
        short,
        long,
        long_help = "An output folder keeps a journal (`.zhclean-journal`) of the outputs \
                     written; an input whose output is recorded for the same input size and \
                     modification time and the same options is skipped, so an interrupted run \
                     resumes. --force redoes every output. A run holds `.zhclean-lock` in the \
                     output folder: a second run into it meanwhile exits with code 2."
    )]
    pub force: bool,

    /// Flush each output to disk before it counts as written.
    #[arg(
        long,
        long_help = "Each output is flushed to disk (fsync) before it is renamed into place, \
                     and its folder after the rename; in a folder run each journal line is \
                     flushed after it is written. A power cut or a crash of the machine then \
                     leaves each output either whole or as it was before, and the journal \
                     names only outputs that are on disk. Slower; without it, outputs are \
                     still atomic against a killed process, not against a crash of the \
                     machine."
    )]
    pub fsync: bool,

    /// Copy files that are not text verbatim instead of skipping them.
    #[arg(
        long,
        long_help = "Files that are not text (images, archives...) are skipped and \
                                reported; with --copy-other they are copied verbatim into the \
                                output tree."
    )]
    pub copy_other: bool,

    /// Replace each input file with its cleaned text (no -o).
    #[arg(
        long,
        long_help = "Clean the input files where they are: each file whose text changes is \
                     replaced atomically (a temporary beside it, given the file's permissions, \
                     renamed over it), and gets the current time as its modification time; a \
                     file whose bytes would not change is not touched. Files that are not text, \
                     and symbolic links, are left alone. Not with -o, standard input, -L, \
                     --ext, --copy-other or --force (exit code 2); no journal is kept."
    )]
    pub in_place: bool,

    /// With --in-place, keep each replaced file as NAME+SUFFIX.
    #[arg(
        long,
        value_name = "SUFFIX",
        requires = "in_place",
        long_help = "With --in-place, keep the old version of each replaced file as \
                     NAME+SUFFIX (`--backup .orig`: a.txt.orig), replacing an older backup of \
                     that name. The suffix may not be empty or hold a `/`. Files left \
                     unchanged get no backup."
    )]
    pub backup: Option<OsString>,

    /// Only files matching GLOB below input folders; `!GLOB` excludes (repeatable).
    #[arg(
        short = 'g',
        long = "glob",
        value_name = "GLOB",
        long_help = "Select the files below the input folders, with ripgrep's rules: GLOB is \
                     matched against the path relative to the input folder (a glob with no `/` \
                     matches the file name at any depth, `*` does not cross `/`, `**` does); \
                     `!GLOB` excludes; a later glob wins over an earlier one; once any glob \
                     includes, files that no including glob matches are left out. A folder \
                     excluded is not walked (`-g '!vendor'`); a trailing `/` matches folders \
                     only. Files left out are neither processed, copied nor reported. Inputs \
                     named on the command line are taken whatever the globs. May be given \
                     several times; an invalid glob is a usage error (exit code 2)."
    )]
    pub globs: Vec<String>,

    /// Follow symbolic links inside input folders.
    #[arg(
        short = 'L',
        long,
        long_help = "Follow symbolic links found inside input folders (links that loop are \
                     detected and skipped). By default they are skipped and reported. Inputs \
                     named on the command line are always followed."
    )]
    pub follow: bool,

    /// No summary and no notes about skipped files.
    #[arg(
        short,
        long,
        long_help = "Print no summary at the end and no note for skipped files. Errors are \
                     still printed."
    )]
    pub quiet: bool,

    /// Milliseconds between plain progress lines (tests).
    #[arg(long, hide = true, value_name = "MS", default_value_t = 5000)]
    pub progress_interval: u64,

    /// Bytes read per block (tests and tuning).
    #[arg(long, hide = true, value_name = "BYTES", default_value_t = DEFAULT_BLOCK_SIZE)]
    pub block_size: usize,
}

/// The version line: the crate's version and the OpenCC release whose
/// dictionaries and configs are compiled in (`dict/SOURCE.md`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (OpenCC 1.4.2 data)");

/// `--generate` values.
#[cfg(feature = "cli")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Generate {
    /// Bash completions.
    CompleteBash,
    /// Zsh completions.
    CompleteZsh,
    /// Fish completions.
    CompleteFish,
    /// PowerShell completions.
    CompletePowershell,
    /// The man page (roff).
    Man,
}

#[cfg(feature = "cli")]
impl Generate {
    /// Writes what was asked for to `out`.
    pub fn write(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use clap::CommandFactory;
        use clap_complete::Shell;
        let mut cmd = Args::command();
        let shell = match self {
            Generate::CompleteBash => Shell::Bash,
            Generate::CompleteZsh => Shell::Zsh,
            Generate::CompleteFish => Shell::Fish,
            Generate::CompletePowershell => Shell::PowerShell,
            Generate::Man => return clap_mangen::Man::new(cmd).render(out),
        };
        clap_complete::generate(shell, &mut cmd, "zhclean", out);
        Ok(())
    }
}

/// `--html` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HtmlArg {
    /// Strip `.html` files and files that are mostly markup.
    Auto,
    /// Turn markup into plain text.
    Strip,
    /// Clean only the text between tags.
    Keep,
}

/// `--quotes` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QuotesArg {
    /// Mainland style.
    Curly,
    /// Taiwan/Hong Kong style.
    Corner,
    /// As they are.
    Keep,
}

/// `--progress` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// When stderr is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Args {
    /// The library's settings for these arguments; unknown rule or
    /// encoding names are usage errors.
    pub fn into_parts(self) -> zhclean::Result<(Config, RunOptions, Show)> {
        self.check_combinations()?;
        let mut rules = RuleSet::all();
        for name in self.no_rule.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            match Rule::from_name(name) {
                Some(rule) if rule.stage() == Stage::Decode => {
                    return Err(Error::Usage(format!(
                        "--no-rule {name}: decoding cannot be switched off (it only counts what \
                         the input was; --encoding forces an encoding)"
                    )));
                }
                Some(Rule::Convert) => {
                    return Err(Error::Usage(
                        "--no-rule convert: conversion is on only with --convert; leave that out"
                            .into(),
                    ));
                }
                Some(rule) => rules.remove(rule),
                None => {
                    let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                    return Err(Error::Unknown {
                        kind: "rule",
                        name: name.to_string(),
                        hint: format!("known rules: {}", names.join(", ")),
                    });
                }
            }
        }
        if let Some(name) = &self.encoding {
            zhclean::decode::encoding_for_label(name)?;
        }
        if let Some(ext) = &self.ext {
            check_ext(ext)?;
        }
        let config = Config {
            encoding: self.encoding,
            clean: !self.no_clean,
            rules,
            html: match self.html.unwrap_or(HtmlArg::Auto) {
                HtmlArg::Auto => HtmlMode::Auto,
                HtmlArg::Strip => HtmlMode::Strip,
                HtmlArg::Keep => HtmlMode::Keep,
            },
            quotes: match self.quotes.unwrap_or(QuotesArg::Keep) {
                QuotesArg::Curly => QuoteStyle::Curly,
                QuotesArg::Corner => QuoteStyle::Corner,
                QuotesArg::Keep => QuoteStyle::Keep,
            },
            convert: self.convert.map(|config| ConvertSpec {
                config,
                user_dicts: self.dicts,
                include_tofu_risk: self.include_tofu_risk,
            }),
            explain: self.explain,
        };
        let fields = if self.fields.is_empty() { vec!["text".to_string()] } else { self.fields };
        let options = RunOptions {
            inputs: self.inputs,
            output: self.output,
            ext: self.ext.map(|e| {
                let b = e.as_encoded_bytes();
                // SAFETY: cutting a leading ASCII `.` keeps the rest valid.
                match b.strip_prefix(b".") {
                    Some(rest) => unsafe { OsString::from_encoded_bytes_unchecked(rest.to_vec()) },
                    None => e,
                }
            }),
            jobs: self.jobs,
            jsonl_fields: self.jsonl.then_some(fields),
            report: self.report,
            dry_run: self.dry_run,
            force: self.force,
            copy_other: self.copy_other,
            follow: self.follow,
            globs: self.globs,
            in_place: self.in_place,
            backup: self.backup,
            block_size: self.block_size.max(1),
            fsync: self.fsync,
            samples: if self.report_html.is_some() {
                zhclean::report_html::SAMPLES_PER_RULE
            } else {
                0
            },
        };
        let show = Show {
            progress: match self.progress {
                ProgressArg::Auto => ProgressMode::Auto,
                ProgressArg::Always => ProgressMode::Always,
                ProgressArg::Never => ProgressMode::Never,
            },
            quiet: self.quiet,
            summary: self.summary,
            report_html: self.report_html,
            explain: self.explain,
            progress_interval: std::time::Duration::from_millis(self.progress_interval),
        };
        zhclean::walk::Globs::new(&options.globs)?;
        if options.in_place {
            check_in_place(&options)?;
        }
        check_shape(&options)?;
        if let Some(page) = &show.report_html {
            check_report_html(page, &options, &show)?;
        }
        Ok((config, options, show))
    }
}

/// Refuses an `--ext` that is not one plain name part: a `/` would put the
/// output in another folder (and makes std's `with_extension` panic), and
/// an empty, `.`-led or NUL-holding extension names no usable file.
fn check_ext(ext: &std::ffi::OsStr) -> zhclean::Result<()> {
    // One leading dot is accepted (`.txt` is `txt`).
    let b = ext.as_encoded_bytes();
    let b = b.strip_prefix(b".").unwrap_or(b);
    let bad = if b.is_empty() {
        Some("it is empty")
    } else if b.contains(&b'/') || b.contains(&b'\\') {
        Some("it holds a path separator")
    } else if b.contains(&0) {
        Some("it holds a NUL byte")
    } else if b.starts_with(b".") {
        Some("it starts with two dots")
    } else {
        None
    };
    match bad {
        Some(why) => Err(Error::Usage(format!(
            "--ext {}: not a file extension ({why})",
            zhclean::error::escaped(std::path::Path::new(ext))
        ))),
        None => Ok(()),
    }
}

impl Args {
    /// Flags that would do nothing together, and files named that are not
    /// there: usage errors, each naming the flag.
    fn check_combinations(&self) -> zhclean::Result<()> {
        let usage = |m: String| Err(Error::Usage(m));
        if self.convert.is_none() {
            if let Some(d) = self.dicts.first() {
                return usage(format!("--dict {}: needs --convert CFG", d.display()));
            }
            if self.include_tofu_risk {
                return usage("--include-tofu-risk: needs --convert CFG".into());
            }
        }
        if self.no_clean {
            if let Some(h) = self.html {
                let v = h.to_possible_value().expect("not skipped");
                return usage(format!("--html {}: does nothing with --no-clean", v.get_name()));
            }
            if let Some(q) = self.quotes {
                let v = q.to_possible_value().expect("not skipped");
                return usage(format!("--quotes {}: does nothing with --no-clean", v.get_name()));
            }
            let cleaning = self.no_rule.iter().map(|n| n.trim()).find(|n| {
                Rule::from_name(n)
                    .is_some_and(|r| matches!(r.stage(), Stage::Repair | Stage::Normalize))
            });
            if let Some(n) = cleaning {
                return usage(format!("--no-rule {n}: does nothing with --no-clean"));
            }
        }
        let off = |name: &str| self.no_rule.iter().any(|n| n.trim() == name);
        if matches!(self.quotes, Some(QuotesArg::Curly | QuotesArg::Corner)) && off("quotes") {
            return usage("--quotes: does nothing with --no-rule quotes".into());
        }
        if matches!(self.html, Some(HtmlArg::Strip)) && off("html") {
            return usage("--html strip: does nothing with --no-rule html".into());
        }
        if let Some(config) = &self.convert {
            let spec = ConvertSpec {
                config: config.clone(),
                user_dicts: self.dicts.clone(),
                include_tofu_risk: self.include_tofu_risk,
            };
            spec.check()?;
        }
        Ok(())
    }
}

/// Refuses a `--report-html` FILE as `--report` FILE is refused (an input,
/// inside an input folder, the output or inside it), and one that another
/// report names.
fn check_report_html(page: &std::path::Path, o: &RunOptions, show: &Show) -> zhclean::Result<()> {
    let output = o.output.as_deref().filter(|p| p.as_os_str() != "-");
    zhclean::write::check_report(page, &o.inputs, output, None)?;
    let same = |other: &std::path::Path| {
        other == page
            || other.canonicalize().is_ok_and(|c| page.canonicalize().is_ok_and(|p| p == c))
    };
    for (flag, other) in [("--report", o.report.as_deref()), ("--summary", show.summary.as_deref())]
    {
        if other.is_some_and(same) {
            return Err(Error::Usage(format!(
                "--report-html {}: is also the {flag} file; give them different names",
                page.display()
            )));
        }
    }
    Ok(())
}

/// `--in-place` with what it cannot go with: usage errors naming the flag.
fn check_in_place(o: &RunOptions) -> zhclean::Result<()> {
    let refuse = |m: &str| Err(Error::Usage(format!("--in-place: {m}")));
    if o.output.is_some() {
        return refuse("refused with -o (the inputs are the outputs)");
    }
    if o.reads_stdin() {
        return refuse("needs input files or folders, not standard input");
    }
    let flag = if o.follow {
        "-L"
    } else if o.ext.is_some() {
        "--ext"
    } else if o.copy_other {
        "--copy-other"
    } else if o.force {
        "--force"
    } else {
        if let Some(b) = &o.backup {
            zhclean::run::check_backup_suffix(b)?;
        }
        return Ok(());
    };
    refuse(&format!("refused with {flag} (nothing to do in place, or links would be followed)"))
}

/// Flags that only an output folder uses, given for another shape of run.
fn check_shape(o: &RunOptions) -> zhclean::Result<()> {
    let to_stdout = o.output.as_deref().is_none_or(|p| p == std::path::Path::new("-"));
    if o.fsync && (o.dry_run || (to_stdout && !o.in_place)) {
        return Err(Error::Usage(
            "--fsync: only when outputs are written (-o FILE, -o DIR or --in-place, without \
             --dry-run)"
                .into(),
        ));
    }
    let shape = o.shape();
    if shape == zhclean::run::Shape::Tree || (o.in_place && o.globs.is_empty()) {
        return Ok(());
    }
    let to = if shape == zhclean::run::Shape::File { "an output file" } else { "a stream" };
    let flag = if o.ext.is_some() {
        "--ext"
    } else if !o.globs.is_empty() {
        "--glob"
    } else if o.copy_other {
        "--copy-other"
    } else if o.force {
        "--force"
    } else {
        return Ok(());
    };
    Err(Error::Usage(format!("{flag}: only for an output folder (-o DIR), not {to}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> zhclean::Result<(Config, RunOptions, Show)> {
        let mut argv = vec!["zhclean"];
        argv.extend_from_slice(args);
        Args::try_parse_from(argv).expect("clap accepts").into_parts()
    }

    #[test]
    fn defaults() {
        let (config, opts, show) = parse(&[]).unwrap();
        assert_eq!(config, Config::default());
        assert!(opts.inputs.is_empty());
        assert_eq!(opts.jobs, 0);
        assert_eq!(show.progress, ProgressMode::Auto);
        assert!(opts.jsonl_fields.is_none());
    }

    #[test]
    fn conversion_flags_keep_their_meaning() {
        let (config, _, _) = parse(&[
            "--convert",
            "s2twp",
            "--dict",
            "Cargo.toml",
            "--dict",
            "README.md",
            "--include-tofu-risk",
            "--no-clean",
        ])
        .unwrap();
        let spec = config.convert.unwrap();
        assert_eq!(spec.config, "s2twp");
        assert_eq!(spec.user_dicts, [PathBuf::from("Cargo.toml"), PathBuf::from("README.md")]);
        assert!(spec.include_tofu_risk);
        assert!(!config.clean);
    }

    #[test]
    fn no_rule_takes_lists_and_repeats() {
        let (config, _, _) =
            parse(&["--no-rule", "cjk-punct,ellipsis", "--no-rule", "name-separator"]).unwrap();
        assert!(!config.rules.contains(Rule::CjkPunct));
        assert!(!config.rules.contains(Rule::Ellipsis));
        assert!(!config.rules.contains(Rule::NameSeparator));
        assert!(config.rules.contains(Rule::LostSpace));
    }

    #[test]
    fn unknown_names_are_usage_errors() {
        let e = parse(&["--no-rule", "cjk-punct,nope"]).unwrap_err();
        assert!(e.is_usage());
        assert!(e.to_string().contains("unknown rule 'nope'"), "{e}");
        assert!(e.to_string().contains("name-separator"), "{e}");
        let e = parse(&["--encoding", "klingon"]).unwrap_err();
        assert!(e.is_usage());
        parse(&["--encoding", "GBK"]).unwrap();
    }

    #[test]
    fn modes_and_batch_flags() {
        let (config, opts, show) = parse(&[
            "--html",
            "keep",
            "--quotes",
            "corner",
            "--explain",
            "-j",
            "3",
            "--progress",
            "never",
            "-n",
            "-f",
            "-L",
            "-q",
            "--copy-other",
            "--ext",
            "txt",
            "--report",
            "r.jsonl",
            "in",
            "in2",
            "-o",
            "out",
        ])
        .unwrap();
        assert_eq!(config.html, HtmlMode::Keep);
        assert_eq!(config.quotes, QuoteStyle::Corner);
        assert!(config.explain);
        assert_eq!(opts.jobs, 3);
        assert_eq!(show.progress, ProgressMode::Never);
        assert!(opts.dry_run && opts.force && opts.follow && show.quiet && opts.copy_other);
        assert_eq!(opts.ext.as_deref(), Some("txt".as_ref()));
        assert_eq!(opts.output, Some(PathBuf::from("out")));
        assert_eq!(opts.inputs, [PathBuf::from("in"), PathBuf::from("in2")]);
    }

    #[test]
    fn extensions_must_be_one_name_part() {
        for bad in ["a/b", "", ".", "/", "..", "a\\b"] {
            let e = check_ext(bad.as_ref()).unwrap_err();
            assert!(e.is_usage() && e.to_string().contains("not a file extension"), "{bad}: {e}");
        }
        for good in ["txt", ".txt", "tar.gz", "中文"] {
            check_ext(good.as_ref()).unwrap();
        }
    }

    #[test]
    fn jsonl_fields() {
        let (_, opts, _) = parse(&["--jsonl"]).unwrap();
        assert_eq!(opts.jsonl_fields, Some(vec!["text".to_string()]));
        let (_, opts, _) = parse(&["--jsonl", "--field", "title", "--field", "body"]).unwrap();
        assert_eq!(opts.jsonl_fields, Some(vec!["title".to_string(), "body".to_string()]));
        assert!(Args::try_parse_from(["zhclean", "--field", "x"]).is_err());
        assert!(Args::try_parse_from(["zhclean", "--html", "maybe"]).is_err());
    }

    #[test]
    fn flags_that_would_do_nothing_are_usage_errors() {
        let cases: &[(&[&str], &str)] = &[
            (&["--no-rule", "convert", "--convert", "s2t"], "--no-rule convert"),
            (&["--no-rule", "utf8"], "--no-rule utf8"),
            (&["--no-rule", "bom"], "--no-rule bom"),
            (&["--no-rule", "legacy"], "--no-rule legacy"),
            (&["--dict", "Cargo.toml"], "--dict Cargo.toml: needs --convert"),
            (&["--include-tofu-risk"], "--include-tofu-risk"),
            (&["--no-clean", "--html", "strip"], "--html strip: does nothing with --no-clean"),
            (&["--no-clean", "--quotes", "curly"], "--quotes curly"),
            (&["--no-clean", "--no-rule", "ellipsis"], "--no-rule ellipsis"),
            (&["--quotes", "corner", "--no-rule", "quotes"], "--no-rule quotes"),
            (&["--html", "strip", "--no-rule", "html"], "--no-rule html"),
            (&["--convert", "s2t", "--dict", "no/such.txt"], "no such file"),
            (&["--convert", "no/such.json"], "no such file"),
            (&["--ext", "txt"], "--ext: only for an output folder"),
            (&["--force", "-o", "x.txt"], "--force"),
            (&["--ext", "."], "--ext"),
            (&["-g", "*.txt", "a.txt"], "--glob: only for an output folder"),
            (&["--in-place", "a", "-o", "b"], "--in-place: refused with -o"),
            (&["--in-place"], "--in-place: needs input files"),
            (&["--in-place", "a", "-L"], "--in-place: refused with -L"),
            (&["--in-place", "a", "--backup", ""], "--backup : not a file name suffix"),
            (&["--in-place", "a", "--backup", "x/y"], "--backup x/y: not a file name suffix"),
            (&["-g", "a[b", "in", "in2", "-o", "out"], "--glob \"a[b\""),
        ];
        for (args, want) in cases {
            let e = parse(args).unwrap_err();
            assert!(e.is_usage(), "{args:?}");
            assert!(e.to_string().contains(want), "{args:?}: {e}");
        }
        // The same flags where they do something.
        parse(&["--no-clean", "--convert", "s2t", "--dict", "Cargo.toml"]).unwrap();
        parse(&["--html", "keep", "--quotes", "curly"]).unwrap();
        let (_, o, _) = parse(&["--ext", ".txt", "a", "b", "-o", "out"]).unwrap();
        assert_eq!(o.ext.as_deref(), Some("txt".as_ref()));
    }
}
