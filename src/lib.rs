//! zhclean turns messy Chinese text dumps into clean, consistent UTF-8 and
//! converts between Simplified and Traditional Chinese exactly as OpenCC
//! 1.4.2 does.
//!
//! The work is done in stages, one module each, composed by [`Pipeline`]:
//!
//! 1. [`decode`]: bytes to text (BOM, UTF-8, detected legacy encodings);
//! 2. [`repair`]: undo damage done by other software (entities, lost name
//!    dots, mojibake);
//! 3. [`normalize`]: one spelling for one thing (width, punctuation, spaces,
//!    Unicode form);
//! 4. [`convert`]: optional OpenCC conversion, byte for byte as OpenCC.
//!
//! Every change is attributed to a named [`Rule`] and counted in
//! [`Changes`].
//!
//! The `zhclean` command is a thin front end over [`run`] (the batch
//! driver, a library service: [`walk`] the inputs, process files and large
//! files in parallel, [`write`](mod@write) outputs atomically, [`record`] for JSON
//! Lines, [`report`] on the side; events go to the caller's
//! [`run::Observer`], and the caller's [`run::CancelToken`] stops it). The
//! command's own parts (flags, progress bar, signals) are built with the
//! default `cli` feature; `--no-default-features` builds the library
//! alone.
//!
//! # Converting
//!
//! ```
//! use zhclean::convert::Converter;
//!
//! let s2t = Converter::builtin("s2t").unwrap();
//! assert_eq!(s2t.convert("头发 发展"), "頭髮 發展");
//! ```
//!
//! # Cleaning (and converting) a document
//!
//! ```
//! use zhclean::{Config, ConvertSpec, Pipeline, Rule};
//!
//! let pipeline = Pipeline::new(Config {
//!     convert: Some(ConvertSpec::new("s2t")),
//!     ..Config::default()
//! })
//! .unwrap();
//! let doc = pipeline.process_bytes("斯科特?丹恩（Scott Dunn）说".as_bytes(), None).unwrap();
//! assert_eq!(doc.text, "斯科特·丹恩（Scott Dunn）說");
//! assert_eq!(doc.changes.count(Rule::NameSeparator), 1);
//! assert_eq!(doc.decode.encoding, "UTF-8");
//! ```

#![warn(missing_docs)]

pub mod config;
pub mod convert;
pub mod decode;
pub mod error;
pub mod html;
pub mod normalize;
pub mod pipeline;
pub mod record;
pub mod repair;
pub mod report;
pub mod report_html;
pub mod rules;
pub mod run;
pub mod walk;
pub mod write;

pub use config::{Config, ConvertSpec, HtmlMode, QuoteStyle};
pub use error::{Error, Result};
pub use pipeline::{Document, DocumentPlan, Pipeline};
pub use rules::{Change, Changes, Rule, RuleSet};
