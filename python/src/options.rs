//! The Python options, checked as the command line checks its flags and
//! turned into a [`zhclean::Config`].

use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use zhclean::{Config, ConvertSpec, HtmlMode, QuoteStyle, Rule, RuleSet};

use crate::to_py_err;

/// What a `Cleaner` was built with: enough to build it again (pickling).
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    pub convert: Option<String>,
    pub no_rules: Vec<String>,
    pub html: String,
    pub quotes: String,
    pub dicts: Vec<PathBuf>,
    pub include_tofu_risk: bool,
    pub threads: usize,
}

/// A `str` or `os.PathLike` as a string (config names and paths).
pub(crate) fn path_like(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_str()?.to_string());
    }
    let path: PathBuf =
        value.extract().map_err(|_| PyTypeError::new_err("expected a str or os.PathLike"))?;
    Ok(path.to_string_lossy().into_owned())
}

/// One path or a sequence of them (`dicts=`).
pub(crate) fn paths(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PathBuf>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(Vec::new()) };
    if value.is_instance_of::<PyString>() || value.hasattr("__fspath__")? {
        return Ok(vec![PathBuf::from(path_like(value)?)]);
    }
    value.try_iter()?.map(|item| Ok(PathBuf::from(path_like(&item?)?))).collect()
}

/// Rule names: one string (comma-separated, as `--no-rule a,b`) or a
/// sequence of them.
fn names(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    let mut push = |s: &str| {
        out.extend(s.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string))
    };
    if let Ok(s) = value.cast::<PyString>() {
        push(s.to_str()?);
        return Ok(out);
    }
    for item in value.try_iter()? {
        let item = item?;
        let s = item
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("no_rules takes rule names (str)"))?;
        push(s.to_str()?);
    }
    Ok(out)
}

/// The values a choice option takes, checked like clap checks them.
fn choice(option: &str, value: &str, allowed: &[&str]) -> PyResult<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "invalid value '{value}' for {option} (possible values: {})",
        allowed.join(", ")
    )))
}

impl Options {
    pub(crate) fn extract(
        convert: Option<&Bound<'_, PyAny>>,
        no_rules: Option<&Bound<'_, PyAny>>,
        html: &str,
        quotes: &str,
        dicts: Option<&Bound<'_, PyAny>>,
        include_tofu_risk: bool,
    ) -> PyResult<Options> {
        choice("html", html, &["auto", "strip", "keep"])?;
        choice("quotes", quotes, &["curly", "corner", "keep"])?;
        let convert = convert.filter(|c| !c.is_none()).map(path_like).transpose()?;
        let dicts = paths(dicts)?;
        if convert.is_none() && !dicts.is_empty() {
            // The command line ignores --dict without --convert; here that
            // would be a silent surprise.
            return Err(PyValueError::new_err("dicts apply to conversion: give convert= too"));
        }
        Ok(Options {
            convert,
            no_rules: names(no_rules)?,
            html: html.to_string(),
            quotes: quotes.to_string(),
            dicts,
            include_tofu_risk,
            threads: 0,
        })
    }

    /// The pipeline's settings; an unknown rule is the command line's
    /// error, with the list of known names.
    pub(crate) fn config(&self) -> PyResult<Config> {
        let mut rules = RuleSet::all();
        for name in &self.no_rules {
            match Rule::from_name(name) {
                Some(rule) => rules.remove(rule),
                None => {
                    let known: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                    return Err(to_py_err(zhclean::Error::Unknown {
                        kind: "rule",
                        name: name.clone(),
                        hint: format!("known rules: {}", known.join(", ")),
                    }));
                }
            }
        }
        Ok(Config {
            rules,
            html: match self.html.as_str() {
                "strip" => HtmlMode::Strip,
                "keep" => HtmlMode::Keep,
                _ => HtmlMode::Auto,
            },
            quotes: match self.quotes.as_str() {
                "curly" => QuoteStyle::Curly,
                "corner" => QuoteStyle::Corner,
                _ => QuoteStyle::Keep,
            },
            convert: self.convert.as_ref().map(|config| ConvertSpec {
                config: config.clone(),
                user_dicts: self.dicts.clone(),
                include_tofu_risk: self.include_tofu_risk,
            }),
            ..Config::default()
        })
    }

    /// The keyword arguments that build the same cleaner.
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("convert", &self.convert)?;
        d.set_item("no_rules", self.no_rules.clone())?;
        d.set_item("html", &self.html)?;
        d.set_item("quotes", &self.quotes)?;
        let dicts: Vec<String> =
            self.dicts.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        d.set_item("dicts", dicts)?;
        d.set_item("include_tofu_risk", self.include_tofu_risk)?;
        d.set_item("threads", self.threads)?;
        Ok(d)
    }

    /// The options that differ from the defaults, as Python keywords.
    pub(crate) fn repr(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.convert {
            parts.push(format!("convert={c:?}"));
        }
        if !self.no_rules.is_empty() {
            parts.push(format!("no_rules={:?}", self.no_rules));
        }
        if self.html != "auto" {
            parts.push(format!("html={:?}", self.html));
        }
        if self.quotes != "keep" {
            parts.push(format!("quotes={:?}", self.quotes));
        }
        if !self.dicts.is_empty() {
            parts.push(format!("dicts={:?}", self.dicts));
        }
        if self.include_tofu_risk {
            parts.push("include_tofu_risk=True".into());
        }
        if self.threads != 0 {
            parts.push(format!("threads={}", self.threads));
        }
        parts.join(", ")
    }
}
