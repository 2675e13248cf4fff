//! The `zhclean._zhclean` extension module: the Rust pipeline, converter and
//! decoder for Python.
//!
//! Nothing here cleans text itself. [`Cleaner`] wraps one
//! [`zhclean::Pipeline`] built from the same options as the command line
//! (`--convert`, `--no-rule`, `--html`, `--quotes`, `--dict`), and runs its
//! `record::clean_field` (what `zhclean --jsonl` runs on every field) on one text, a
//! list of texts or Arrow string arrays. Lists and arrays are cleaned with
//! the GIL released, on a rayon pool of the cleaner's own (module `pool`).

mod arrow;
mod options;
mod pool;
mod text;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Mutex;

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;
use zhclean::convert::Converter as RustConverter;
use zhclean::{Changes, Pipeline, Rule};

use crate::options::Options;
use crate::pool::PoolSlot;
use crate::text::{Cleaned, Outcome, Window};

/// A zhclean error as the Python exception the API promises: `ValueError`
/// for bad options (the command line's message, word for word), `OSError`
/// for a file that cannot be read.
pub(crate) fn to_py_err(e: zhclean::Error) -> PyErr {
    match e {
        zhclean::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// The cleaning pipeline of the `zhclean` command, built once.
#[pyclass(module = "zhclean", frozen)]
struct Cleaner {
    pipeline: Pipeline,
    options: Options,
    pool: Mutex<PoolSlot>,
}

impl Cleaner {
    /// Cleans every text with the pipeline, in order; `None` stays `None`.
    /// Runs on the pool when the cleaner has more than one thread.
    fn map_texts<'a>(&self, texts: &[Option<&'a str>]) -> Vec<Option<Cow<'a, str>>> {
        let one = |t: &Option<&'a str>| {
            t.map(|t| {
                let mut changes = Changes::new();
                zhclean::record::clean_field(&self.pipeline, t, &mut changes)
            })
        };
        match pool::get(&self.pool, self.options.threads) {
            None => texts.iter().map(one).collect(),
            // Records are short: a few dozen per task keeps rayon's
            // splitting overhead out of the way without hurting the balance.
            Some(pool) => pool.install(|| texts.par_iter().with_min_len(32).map(one).collect()),
        }
    }

    /// Cleans the texts of a window of `clean_batch` into `out`, one
    /// [`Cleaned`] per run of consecutive items, in order. With more than
    /// one thread, runs of a few dozen items are the pool's tasks; with one,
    /// the whole window is one run, cleaned on the calling thread into the
    /// buffers of the previous window.
    fn map_window(&self, window: &Window, out: &mut Vec<Cleaned>) {
        match pool::get(&self.pool, self.options.threads) {
            None => {
                out.truncate(1);
                if out.is_empty() {
                    out.push(Cleaned::default());
                }
                self.clean_run(window, 0..window.len(), &mut String::new(), &mut out[0]);
            }
            Some(pool) => {
                // Records are short: a few dozen per task keeps rayon's
                // splitting overhead out of the way without hurting the
                // balance.
                const RUN: usize = 32;
                let n = window.len();
                *out = pool.install(|| {
                    (0..n.div_ceil(RUN))
                        .into_par_iter()
                        .map_init(String::new, |utf8, r| {
                            let mut run = Cleaned::default();
                            self.clean_run(window, r * RUN..n.min((r + 1) * RUN), utf8, &mut run);
                            run
                        })
                        .collect()
                });
            }
        }
    }

    /// Cleans items `range` of a window into `out` (cleared first): each
    /// text's UTF-8 is made in `utf8`, and a changed text is written to
    /// `out.wide` as the code units its `str` is made from, so that the
    /// calling thread, holding the GIL, only has CPython copy them.
    fn clean_run(
        &self,
        window: &Window,
        range: Range<usize>,
        utf8: &mut String,
        out: &mut Cleaned,
    ) {
        out.wide.clear();
        out.items.clear();
        for k in range {
            let outcome = match window.text(k) {
                None => Outcome::Same,
                Some(t) if !text::ucs4_to_utf8(t, utf8) => Outcome::Unencodable,
                Some(_) => {
                    let mut changes = Changes::new();
                    match zhclean::record::clean_field(&self.pipeline, utf8, &mut changes) {
                        Cow::Borrowed(_) => Outcome::Same,
                        Cow::Owned(o) => {
                            let at = out.wide.len();
                            text::push_wide(&o, &mut out.wide);
                            Outcome::Changed(at, out.wide.len())
                        }
                    }
                }
            };
            out.items.push(outcome);
        }
    }
}

#[pymethods]
impl Cleaner {
    /// Builds the pipeline. See the package docstring for the options.
    #[new]
    #[pyo3(signature = (*, convert=None, no_rules=None, html="auto", quotes="keep", dicts=None,
                        include_tofu_risk=false, threads=0))]
    fn new(
        convert: Option<&Bound<'_, PyAny>>,
        no_rules: Option<&Bound<'_, PyAny>>,
        html: &str,
        quotes: &str,
        dicts: Option<&Bound<'_, PyAny>>,
        include_tofu_risk: bool,
        threads: usize,
    ) -> PyResult<Cleaner> {
        let options = Options::extract(convert, no_rules, html, quotes, dicts, include_tofu_risk)?;
        let options = Options { threads, ..options };
        let pipeline = Pipeline::new(options.config()?).map_err(to_py_err)?;
        Ok(Cleaner { pipeline, options, pool: Mutex::new(PoolSlot::default()) })
    }

    /// Cleans one text; the same text `zhclean --jsonl` writes for it.
    fn clean(slf: &Bound<'_, Self>, text: &Bound<'_, PyString>) -> PyResult<Py<PyString>> {
        let py = slf.py();
        let this = slf.get();
        let s = text.to_str()?;
        let out = py.detach(|| {
            let mut changes = Changes::new();
            match zhclean::record::clean_field(&this.pipeline, s, &mut changes) {
                Cow::Borrowed(_) => None,
                Cow::Owned(o) => Some(o),
            }
        });
        Ok(match out {
            None => text.clone().unbind(),
            Some(o) => PyString::new(py, &o).unbind(),
        })
    }

    /// Cleans one text and says how many changes each rule made.
    fn clean_counted<'py>(
        slf: &Bound<'py, Self>,
        text: &Bound<'py, PyString>,
    ) -> PyResult<(Py<PyString>, Bound<'py, PyDict>)> {
        let py = slf.py();
        let this = slf.get();
        let s = text.to_str()?;
        let (out, changes) = py.detach(|| {
            let mut changes = Changes::new();
            let out = match zhclean::record::clean_field(&this.pipeline, s, &mut changes) {
                Cow::Borrowed(_) => None,
                Cow::Owned(o) => Some(o),
            };
            (out, changes)
        });
        let counts = PyDict::new(py);
        for (rule, n) in changes.counts() {
            counts.set_item(rule.name(), n)?;
        }
        let out = match out {
            None => text.clone().unbind(),
            Some(o) => PyString::new(py, &o).unbind(),
        };
        Ok((out, counts))
    }

    /// Cleans a sequence of texts (None stays None) with the GIL released,
    /// on the cleaner's threads; returns a new list in the same order.
    fn clean_batch<'py>(
        slf: &Bound<'py, Self>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        let this = slf.get();
        // Own a reference to every item, so that the list can change under
        // us (another thread, while the GIL is released) without harm.
        let items: Vec<Bound<'py, PyAny>> =
            texts.try_iter()?.collect::<PyResult<_>>().map_err(|e| {
                if e.is_instance_of::<PyTypeError>(py) {
                    PyTypeError::new_err("clean_batch takes a sequence of str")
                } else {
                    e
                }
            })?;
        let mut out: Vec<Bound<'py, PyAny>> = Vec::with_capacity(items.len());
        let mut window = Window::new();
        let mut cleaned = Vec::new();
        while out.len() < items.len() {
            let start = out.len();
            window.gather(&items[start..], start, text::WINDOW)?;
            py.detach(|| this.map_window(&window, &mut cleaned));
            let outcomes = cleaned.iter().flat_map(|run| run.items.iter().map(move |o| (run, o)));
            for (item, (run, outcome)) in items[start..].iter().zip(outcomes) {
                match *outcome {
                    // Unchanged (or None): the very same object.
                    Outcome::Same => out.push(item.clone()),
                    Outcome::Changed(a, b) => out.push(text::from_wide(py, &run.wide[a..b])?),
                    Outcome::Unencodable => return Err(text::encode_error(item)),
                }
            }
        }
        PyList::new(py, out)
    }

    /// Cleans a pyarrow string or large_string array (or chunked array),
    /// through the Arrow C data interface, with the GIL released and on the
    /// cleaner's threads. Returns an array of the same type and length (a
    /// chunked array for a chunked array, with the same chunks); nulls stay
    /// null.
    fn clean_arrow<'py>(
        slf: &Bound<'py, Self>,
        array: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.get();
        arrow::clean(array, |texts| this.map_texts(texts))
    }

    /// The options, as keyword arguments of `Cleaner`.
    #[getter]
    fn options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.options.to_dict(py)
    }

    /// Worker threads (0: one per core, 1: the calling thread only).
    #[getter]
    fn threads(&self) -> usize {
        self.options.threads
    }

    /// Pickles the options; unpickling builds the pipeline again (and a
    /// fresh thread pool, when one is first needed).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let rebuild = py.import("zhclean")?.getattr("_rebuild")?;
        let args = PyTuple::new(
            py,
            [slf.get_type().into_any(), slf.get().options.to_dict(py)?.into_any()],
        )?;
        PyTuple::new(py, [rebuild, args.into_any()])
    }

    fn __repr__(&self) -> String {
        format!("zhclean.Cleaner({})", self.options.repr())
    }
}

/// OpenCC-exact conversion with one config, alone (no cleaning).
#[pyclass(module = "zhclean", frozen)]
struct Converter {
    converter: RustConverter,
    config: String,
    dicts: Vec<std::path::PathBuf>,
    include_tofu_risk: bool,
}

#[pymethods]
impl Converter {
    /// Builds the converter for an OpenCC config: a built-in name (`s2t`,
    /// `t2s`, `s2twp`, ...) or the path of an OpenCC JSON config.
    #[new]
    #[pyo3(signature = (config, *, dicts=None, include_tofu_risk=false))]
    fn new(
        config: &Bound<'_, PyAny>,
        dicts: Option<&Bound<'_, PyAny>>,
        include_tofu_risk: bool,
    ) -> PyResult<Converter> {
        let config = options::path_like(config)?;
        let dicts = options::paths(dicts)?;
        let spec = zhclean::ConvertSpec {
            config: config.clone(),
            user_dicts: dicts.clone(),
            include_tofu_risk,
        };
        let converter = RustConverter::from_spec(&spec).map_err(to_py_err)?;
        Ok(Converter { converter, config, dicts, include_tofu_risk })
    }

    /// Converts one text, byte for byte as OpenCC 1.4.2 does.
    fn convert(slf: &Bound<'_, Self>, text: &Bound<'_, PyString>) -> PyResult<Py<PyString>> {
        let py = slf.py();
        let this = slf.get();
        let s = text.to_str()?;
        let out = py.detach(|| this.converter.convert(s));
        Ok(PyString::new(py, &out).unbind())
    }

    /// The config's name (`s2t`, or the `name` field of a config file).
    #[getter]
    fn name(&self) -> &str {
        self.converter.name()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let kwargs = PyDict::new(py);
        kwargs.set_item(
            "dicts",
            this.dicts.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
        )?;
        kwargs.set_item("include_tofu_risk", this.include_tofu_risk)?;
        let rebuild = py.import("zhclean")?.getattr("_rebuild")?;
        let args = PyTuple::new(py, [slf.get_type().into_any(), kwargs.into_any()])?;
        let args = args.add(PyTuple::new(py, [this.config.as_str()])?)?;
        PyTuple::new(py, [rebuild, args.into_any()])
    }

    fn __repr__(&self) -> String {
        format!("zhclean.Converter({:?})", self.config)
    }
}

/// Decodes bytes as the `zhclean` command does: returns (text, encoding,
/// confidence). Binary data raises ValueError.
#[pyfunction]
#[pyo3(signature = (data, *, encoding=None))]
fn decode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    encoding: Option<&str>,
) -> PyResult<(String, &'static str, f32)> {
    let forced =
        encoding.map(zhclean::decode::encoding_for_label).transpose().map_err(to_py_err)?;
    let bytes = match data.cast::<PyBytes>() {
        Ok(b) => b.clone(),
        // bytearray, memoryview and other buffers: one copy into bytes.
        Err(_) => {
            py.import("builtins")?.getattr("bytes")?.call1((data,))?.cast_into::<PyBytes>()?
        }
    };
    let raw = bytes.as_bytes();
    let (text, info) = py.detach(|| {
        let mut changes = Changes::new();
        let (text, info) = zhclean::decode::decode(raw, forced, &mut changes);
        (text.into_owned(), info)
    });
    if let Some(reason) = info.binary {
        return Err(PyValueError::new_err(format!("not text ({reason})")));
    }
    Ok((text, info.encoding, info.confidence))
}

#[pymodule]
fn _zhclean(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Cleaner>()?;
    m.add_class::<Converter>()?;
    m.add_class::<arrow::ArrowExport>()?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
    m.add("RULES", PyTuple::new(m.py(), names)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
