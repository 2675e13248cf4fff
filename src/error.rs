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
            Error::Io { path, source } => write!(f, "{}: {}", escaped(path), source),
            Error::Dict { path, line: 0, message } => write!(f, "{}: {}", escaped(path), message),
            Error::Dict { path, line, message } => {
                write!(f, "{}:{}: {}", escaped(path), line, message)
            }
            Error::Config { path, message } => write!(f, "{}: {}", escaped(path), message),
            Error::Unknown { kind, name, hint } => {
                write!(f, "unknown {kind} '{}'", escaped(Path::new(name)))?;
                if !hint.is_empty() {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            Error::Binary { path, reason } => {
                write!(f, "{}: skipped, not text ({})", escaped(path), reason)
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

/// `path` for a message: printable text as it is, anything that could
/// forge or hide part of a message escaped (the one helper every message
/// naming a file or a user-given name goes through).
///
/// File names are untrusted: a name holding a line feed could print a
/// line that looks like another message, and control or bidirectional
/// characters can rewrite what the terminal shows. Escaped, as Rust's
/// `{:?}` escapes a string (but without quotes, so that ordinary names print
/// as they are): `\n`, `\r`, `\t`, `\\`, other control, line-separator
/// and bidirectional-control characters as `\u{..}`, and bytes that are
/// not UTF-8 as `\xNN`. No two names print alike.
pub fn escaped(path: &Path) -> Escaped<'_> {
    Escaped(path.as_os_str().as_encoded_bytes())
}

/// A name escaped for a message (see [`escaped`]).
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(&'a [u8]);

/// Whether `c` is written escaped in a message.
fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            let valid = chunk.valid();
            // The common case, a name with nothing to escape, in one write.
            if !valid.chars().any(needs_escape) {
                f.write_str(valid)?;
            } else {
                for c in valid.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if needs_escape(c) => write!(f, "\\u{{{:x}}}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
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

    #[test]
    fn names_are_escaped_in_messages() {
        let forged = Path::new("x.png\nzhclean: secret.txt: Permission denied (os error 13)");
        let e = Error::io(forged, io::Error::other("gone"));
        let line = e.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.starts_with("x.png\\nzhclean: secret.txt"), "{line}");
        assert_eq!(escaped(Path::new("目录/a b.txt")).to_string(), "目录/a b.txt");
        assert_eq!(
            escaped(Path::new("a\\b\tc\r\u{1b}[31m")).to_string(),
            "a\\\\b\\tc\\r\\u{1b}[31m"
        );
        assert_eq!(escaped(Path::new("\u{202e}txt.exe")).to_string(), "\\u{202e}txt.exe");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(std::ffi::OsStr::from_bytes(b"a\xff\xfeb"));
            assert_eq!(escaped(p).to_string(), "a\\xff\\xfeb");
        }
    }
}
