//! The one error type of the library.
//!
//! Every variant that concerns a file carries its path, so that the binary
//! can print one line naming the file and the cause. Lossy input is not an
//! error: undecodable bytes become U+FFFD and are counted (see
//! [`crate::decode`]).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in zhclean.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    Io {
        /// The file (or `-` for standard input/output).
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A dictionary file is malformed.
    Dict {
        /// The dictionary file.
        path: PathBuf,
        /// 1-based line number, 0 when the problem is not on one line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An OpenCC config is malformed or refers to something unusable.
    Config {
        /// The config file, or the built-in name.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A name given on the command line or to the API is not known
    /// (config, rule, encoding...).
    Unknown {
        /// What kind of thing was named (`config`, `rule`, `encoding`).
        kind: &'static str,
        /// The name given.
        name: String,
        /// A hint listing what is known.
        hint: String,
    },
    /// The input is not text (binary data).
    Binary {
        /// The file.
        path: PathBuf,
        /// Why it was judged binary.
        reason: String,
    },
    /// A JSON Lines record could not be processed.
    Record {
        /// 1-based line number in the input.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// Options that do not go together, or a refused target.
    Usage(String),
    /// The run was interrupted (Ctrl-C).
    Interrupted,
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Error {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }

    /// A dictionary error at `line` of `path`.
    pub fn dict(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Error {
        Error::Dict { path: path.as_ref().to_path_buf(), line, message: message.into() }
    }

    /// A config error in `path`.
    pub fn config(path: impl AsRef<Path>, message: impl Into<String>) -> Error {
        Error::Config { path: path.as_ref().to_path_buf(), message: message.into() }
    }

    /// Whether this error is a usage error (exit code 2) rather than a
    /// failure on some input (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Usage(_) | Error::Unknown { .. } | Error::Dict { .. } | Error::Config { .. }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::Dict { path, line: 0, message } => write!(f, "{}: {}", path.display(), message),
            Error::Dict { path, line, message } => {
                write!(f, "{}:{}: {}", path.display(), line, message)
            }
            Error::Config { path, message } => write!(f, "{}: {}", path.display(), message),
            Error::Unknown { kind, name, hint } => {
                write!(f, "unknown {kind} '{name}'")?;
                if !hint.is_empty() {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            Error::Binary { path, reason } => {
                write!(f, "{}: skipped, not text ({})", path.display(), reason)
            }
            Error::Record { line, message } => write!(f, "line {line}: {message}"),
            Error::Usage(message) => f.write_str(message),
            Error::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_messages_name_the_file() {
        let e = Error::dict("my.txt", 7, "Tabular not found");
        assert_eq!(e.to_string(), "my.txt:7: Tabular not found");
        let e = Error::io("a/b.txt", io::Error::new(io::ErrorKind::NotFound, "gone"));
        assert_eq!(e.to_string(), "a/b.txt: gone");
        assert!(!e.to_string().contains('\n'));
        let e = Error::Unknown { kind: "config", name: "x2y".into(), hint: "try s2t".into() };
        assert_eq!(e.to_string(), "unknown config 'x2y' (try s2t)");
        assert!(e.is_usage());
    }
}
