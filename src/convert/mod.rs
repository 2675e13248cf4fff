//! Simplified/Traditional conversion, byte for byte as OpenCC 1.4.2.
//!
//! A [`Converter`] is built once from a config (one of the 16 built-in
//! names, or an OpenCC JSON config file) and then shared by threads. It runs
//! OpenCC's pipeline: the normalisation stages over the whole text, then
//! optional segmentation, then every conversion stage on each segment on its
//! own (see `docs/policy.md`, section Convert, and the notes in `spec.rs` and
//! `matcher.rs` for how groups and the matching walk are reproduced).
//!
//! The built-in configs are compiled into the binary by `build.rs`; loading
//! one deserialises its automata and parses no text. Where this converter
//! and OpenCC's library differ on purpose, zhclean follows the library, not
//! the `opencc` command-line tool: no 1 MiB window that can split a phrase,
//! and NUL bytes are kept where they are.
//!
//! ```
//! use zhclean::convert::Converter;
//!
//! let conv = Converter::builtin("s2twp").unwrap();
//! assert_eq!(conv.convert("鼠标和软件"), "滑鼠和軟體");
//! let mut out = String::from("> ");
//! conv.convert_to("保存于", &mut out);
//! assert_eq!(out, "> 保存於");
//! ```

pub(crate) mod blob;
mod matcher;
mod script;
#[cfg(target_arch = "x86_64")]
mod simd;
pub(crate) mod spec;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use matcher::ids_may_span;
pub use matcher::{Piece, Stage};
pub use script::{Script, ScriptTally, detect_script};
pub use spec::{ConfigSpec, DictNode, FlatDict, MatchPolicy};

use crate::config::ConvertSpec;
use crate::error::{Error, Result};

/// A built-in config as `build.rs` compiled it.
pub(crate) struct BuiltinPlan {
    pub name: &'static str,
    pub tofu: bool,
    pub normalization: &'static [usize],
    pub segmentation: Option<usize>,
    pub chain: &'static [usize],
    pub seg_map: Option<usize>,
    /// See [`blob::gaps_single`].
    pub gap_single: bool,
}

mod builtin {
    use super::BuiltinPlan;
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// The names of the built-in configs.
pub const BUILTIN_CONFIGS: &[&str] = &[
    "s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "s2hkp", "hk2sp", "t2tw",
    "tw2t", "t2hk", "hk2t", "t2jp", "jp2t",
];

impl From<spec::SpecError> for Error {
    fn from(e: spec::SpecError) -> Error {
        if e.is_config {
            Error::Config { path: e.path, message: e.message }
        } else {
            Error::Dict { path: e.path, line: e.line, message: e.message }
        }
    }
}

/// Built-in stages, loaded on first use and shared by every converter.
fn builtin_stage(id: usize) -> Arc<Stage> {
    static CACHE: OnceLock<Vec<OnceLock<Arc<Stage>>>> = OnceLock::new();
    let cache =
        CACHE.get_or_init(|| (0..builtin::STAGE_BLOBS.len()).map(|_| OnceLock::new()).collect());
    cache[id]
        .get_or_init(|| {
            // The blobs were written by build.rs from checked dictionaries; a
            // failure here is a build defect, not a user error.
            Arc::new(
                Stage::from_static_blob(builtin::STAGE_BLOBS[id]).expect("built-in stage blob"),
            )
        })
        .clone()
}

/// An embedded segment map (little-endian `u32`s), used in place when it
/// is aligned (`build.rs` embeds it so) on a little-endian machine.
fn seg_map_table(b: &'static [u8]) -> Cow<'static, [u32]> {
    if cfg!(target_endian = "little") && b.as_ptr().align_offset(4) == 0 {
        // SAFETY: aligned, in bounds, lives for the whole program; any bit
        // pattern is a valid `u32`, stored as the machine reads it.
        Cow::Borrowed(unsafe { std::slice::from_raw_parts(b.as_ptr().cast(), b.len() / 4) })
    } else {
        Cow::Owned(
            b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        )
    }
}

/// The built-in name `name` stands for (`s2t`, `s2t.json`), if any.
pub fn builtin_name(name: &str) -> Option<&'static str> {
    let bare = name.strip_suffix(".json").unwrap_or(name);
    BUILTIN_CONFIGS.iter().copied().find(|n| *n == bare)
}

/// Converts text with one OpenCC config.
///
/// Cheap to share: the stages are reference-counted and read-only, so a
/// converter can be cloned or put behind an `Arc` and used from any number
/// of threads.
#[derive(Clone, Debug)]
pub struct Converter {
    name: String,
    normalization: Vec<Arc<Stage>>,
    segmentation: Option<Arc<Stage>>,
    chain: Vec<Arc<Stage>>,
    /// Segmentation key index to first-stage key index + 1 (0: none).
    seg_map: Option<Arc<Cow<'static, [u32]>>>,
    /// Text between segmentation matches is converted one character at a
    /// time by the first stage ([`blob::gaps_single`]).
    gap_single: bool,
    newline_safe: bool,
}

impl Converter {
    /// The built-in config `name` (`s2t`, `s2twp.json`, ...), with the
    /// official CLI's default of leaving tofu-risk dictionaries out.
    pub fn builtin(name: &str) -> Result<Converter> {
        Converter::builtin_with(name, false)
    }

    /// The built-in config `name`, with tofu-risk dictionaries included or
    /// not (OpenCC's library and Python binding include them).
    pub fn builtin_with(name: &str, include_tofu_risk: bool) -> Result<Converter> {
        let bare = builtin_name(name).ok_or_else(|| unknown_config(name))?;
        let plan = builtin::PLANS
            .iter()
            .find(|p| p.name == bare && p.tofu == include_tofu_risk)
            .ok_or_else(|| unknown_config(name))?;
        let stages = |ids: &[usize]| ids.iter().map(|&i| builtin_stage(i)).collect::<Vec<_>>();
        let seg_map = plan.seg_map.map(|i| Arc::new(seg_map_table(builtin::SEG_MAPS[i])));
        Ok(Converter::assemble(
            bare.to_string(),
            stages(plan.normalization),
            plan.segmentation.map(builtin_stage),
            stages(plan.chain),
            seg_map,
            plan.gap_single,
        ))
    }

    /// A converter as `spec` describes: a built-in name or a config path,
    /// with user dictionaries on top.
    pub fn from_spec(spec: &ConvertSpec) -> Result<Converter> {
        spec.check()?;
        let builtin = builtin_name(&spec.config);
        let as_path = Path::new(&spec.config);
        if spec.user_dicts.is_empty()
            && let Some(name) = builtin.filter(|_| !as_path.is_file())
        {
            return Converter::builtin_with(name, spec.include_tofu_risk);
        }
        let mut user = Vec::new();
        for path in &spec.user_dicts {
            let bytes = spec::read_dict_file(path, false)?;
            user.push(FlatDict::from_entries(spec::parse_text_dict(&bytes, path)?));
        }
        let (config, dir) = match builtin.filter(|_| !as_path.is_file()) {
            Some(name) => {
                let file = format!("{name}.json");
                let src = builtin::CONFIG_FILES
                    .iter()
                    .find(|(f, _)| *f == file)
                    .map(|(_, s)| *s)
                    .ok_or_else(|| unknown_config(name))?;
                (spec::parse_config(src, Path::new(name))?, None)
            }
            None => {
                if !as_path.exists() {
                    return Err(unknown_config(&spec.config));
                }
                let bytes = spec::read_dict_file(as_path, true)?;
                let src = String::from_utf8(bytes)
                    .map_err(|_| Error::config(as_path, "not UTF-8 text".to_string()))?;
                let dir = as_path.parent().map(Path::to_path_buf);
                (spec::parse_config(&src, as_path)?, dir)
            }
        };
        let plan = config.plan(spec.include_tofu_risk, &user, &mut |file| {
            load_dict_file(file, dir.as_deref())
        })?;
        let name = config.name.clone();
        let build = |entries: &Vec<spec::Entry>| -> Result<Arc<Stage>> {
            Stage::from_entries(entries)
                .map(Arc::new)
                .map_err(|m| Error::config(&spec.config, format!("building automaton: {m}")))
        };
        let sorted =
            |v: Vec<FlatDict>| v.into_iter().map(FlatDict::into_sorted).collect::<Vec<_>>();
        let chain_e = sorted(plan.chain);
        let seg_e = plan.segmentation.map(FlatDict::into_sorted);
        let seg_map = match (&seg_e, chain_e.first()) {
            (Some(s), Some(first)) => Some(Arc::new(Cow::Owned(blob::segment_map(s, first)))),
            _ => None,
        };
        let gap_single = match (&seg_e, chain_e.first()) {
            (Some(s), Some(first)) => blob::gaps_single(s, first),
            _ => false,
        };
        let normalization = sorted(plan.normalization).iter().map(build).collect::<Result<_>>()?;
        let segmentation = seg_e.as_ref().map(build).transpose()?;
        let chain = chain_e.iter().map(build).collect::<Result<_>>()?;
        Ok(Converter::assemble(name, normalization, segmentation, chain, seg_map, gap_single))
    }

    /// A converter for the OpenCC JSON config at `path`.
    pub fn from_config_file(path: impl AsRef<Path>, include_tofu_risk: bool) -> Result<Converter> {
        let spec = ConvertSpec {
            config: path.as_ref().to_string_lossy().into_owned(),
            user_dicts: Vec::new(),
            include_tofu_risk,
        };
        Converter::from_spec(&spec)
    }

    fn assemble(
        name: String,
        normalization: Vec<Arc<Stage>>,
        segmentation: Option<Arc<Stage>>,
        chain: Vec<Arc<Stage>>,
        seg_map: Option<Arc<Cow<'static, [u32]>>>,
        gap_single: bool,
    ) -> Converter {
        let newline_safe = normalization
            .iter()
            .chain(segmentation.iter())
            .chain(chain.iter())
            .all(|s| !s.has_newline_key());
        Converter { name, normalization, segmentation, chain, seg_map, gap_single, newline_safe }
    }

    /// The config's name (the built-in name, or the config's `name` field).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Converts `text`.
    pub fn convert(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        self.convert_to(text, &mut out);
        out
    }

    /// Converts `text`, appending the result to `out`.
    pub fn convert_to(&self, text: &str, out: &mut String) {
        self.convert_counted(text, out);
    }

    /// Converts `text`, appending the result to `out`, and returns how many
    /// dictionary keys were replaced by a different text, over all stages
    /// (what the report counts under the `convert` rule).
    pub fn convert_counted(&self, text: &str, out: &mut String) -> u64 {
        let mut replaced = 0;
        let mut normalized: Option<String> = None;
        for stage in &self.normalization {
            let input = normalized.as_deref().unwrap_or(text);
            if stage.cannot_match(input) {
                continue;
            }
            let mut next = String::with_capacity(input.len());
            replaced += stage.apply(input, &mut next);
            normalized = Some(next);
        }
        let text = normalized.as_deref().unwrap_or(text);
        let mut scratch = (String::new(), String::new());
        match &self.segmentation {
            None => replaced += self.convert_segment(text, out, &mut scratch),
            Some(seg) => {
                // Unmatched text accumulates into one segment until the next
                // key; pieces from the walk are contiguous.
                let mut run: Option<(usize, usize)> = None;
                seg.walk(text, |p| match p {
                    Piece::Gap(a, b) => {
                        run = Some((run.map_or(a, |r| r.0), b));
                    }
                    Piece::Match(a, b, k) => {
                        if let Some((ra, rb)) = run.take() {
                            replaced += self.convert_gap(&text[ra..rb], out, &mut scratch);
                        }
                        let first = self.seg_map.as_ref().map_or(0, |m| m[k as usize]);
                        if first == 0 {
                            replaced += self.convert_segment(&text[a..b], out, &mut scratch);
                        } else {
                            let value = self.chain[0].value(first - 1);
                            replaced += u64::from(value != &text[a..b]);
                            replaced += self.convert_rest(value, out, &mut scratch);
                        }
                    }
                });
                if let Some((ra, rb)) = run {
                    replaced += self.convert_gap(&text[ra..rb], out, &mut scratch);
                }
            }
        }
        replaced
    }

    /// Runs the conversion chain after its first stage over `text`, the
    /// first stage's output for one segment.
    fn convert_rest(&self, text: &str, out: &mut String, scratch: &mut (String, String)) -> u64 {
        match &self.chain[1..] {
            [] => {
                out.push_str(text);
                0
            }
            [only] => only.apply(text, out),
            [middle @ .., last] => {
                let (a, b) = scratch;
                a.clear();
                a.push_str(text);
                let mut n = 0;
                for stage in middle {
                    b.clear();
                    n += stage.apply(a, b);
                    std::mem::swap(a, b);
                }
                n + last.apply(a, out)
            }
        }
    }

    /// Runs the conversion chain over text between segmentation matches.
    fn convert_gap(&self, gap: &str, out: &mut String, scratch: &mut (String, String)) -> u64 {
        self.run_chain(gap, self.gap_single, out, scratch)
    }

    /// Runs the conversion chain over one segment.
    fn convert_segment(&self, seg: &str, out: &mut String, scratch: &mut (String, String)) -> u64 {
        self.run_chain(seg, false, out, scratch)
    }

    /// Runs the conversion chain over `seg`, the first stage with
    /// one-character keys only when `single`.
    #[inline(always)]
    fn run_chain(
        &self,
        seg: &str,
        single: bool,
        out: &mut String,
        scratch: &mut (String, String),
    ) -> u64 {
        let first = |stage: &Stage, text: &str, to: &mut String| {
            if single { stage.apply_single(text, to) } else { stage.apply(text, to) }
        };
        match self.chain.as_slice() {
            [] => {
                out.push_str(seg);
                0
            }
            [only] => first(only, seg, out),
            [head, middle @ .., last] => {
                let (a, b) = scratch;
                a.clear();
                let mut n = first(head, seg, a);
                for stage in middle {
                    b.clear();
                    n += stage.apply(a, b);
                    std::mem::swap(a, b);
                }
                n + last.apply(a, out)
            }
        }
    }

    /// Where `text` may be cut so that converting the two parts apart gives
    /// the same result as converting it whole: the end of the last line
    /// within the first `max` bytes, or `None` when there is none. A cut is
    /// safe after a line feed because no key contains one (checked when the
    /// dictionaries are built) and no IDS may run across it.
    pub fn split_point(&self, text: &str, max: usize) -> Option<usize> {
        if !self.newline_safe {
            return None;
        }
        let bytes = text.as_bytes();
        let mut end = max.min(bytes.len());
        while let Some(i) = memchr::memrchr(b'\n', &bytes[..end]) {
            let cut = i + 1;
            if !ids_may_span(text, cut) {
                return Some(cut);
            }
            end = i;
        }
        None
    }

    /// Converts a large text in pieces cut at [`Converter::split_point`],
    /// in parallel on rayon's pool, preserving order.
    pub fn convert_parallel(&self, text: &str, piece: usize) -> String {
        use rayon::prelude::*;
        let mut pieces = Vec::new();
        let mut rest = text;
        while rest.len() > piece {
            match self.split_point(rest, piece) {
                Some(cut) => {
                    pieces.push(&rest[..cut]);
                    rest = &rest[cut..];
                }
                None => break,
            }
        }
        pieces.push(rest);
        let outs: Vec<String> = pieces.par_iter().map(|p| self.convert(p)).collect();
        outs.concat()
    }
}

/// Incremental conversion in bounded memory: feed text in any pieces,
/// get converted text out as soon as a safe cut is seen.
///
/// Memory is bounded by the longest line (plus one read), whatever the size
/// of the whole input.
#[derive(Debug)]
pub struct ConvertStream<'c> {
    converter: &'c Converter,
    pending: String,
}

impl<'c> ConvertStream<'c> {
    /// A stream through `converter`.
    pub fn new(converter: &'c Converter) -> ConvertStream<'c> {
        ConvertStream { converter, pending: String::new() }
    }

    /// Adds `text`; appends to `out` whatever can already be converted.
    pub fn push(&mut self, text: &str, out: &mut String) {
        self.pending.push_str(text);
        if let Some(cut) = self.converter.split_point(&self.pending, self.pending.len()) {
            self.converter.convert_to(&self.pending[..cut], out);
            self.pending.drain(..cut);
        }
    }

    /// Converts whatever is left.
    pub fn finish(&mut self, out: &mut String) {
        self.converter.convert_to(&self.pending, out);
        self.pending.clear();
    }
}

fn unknown_config(name: &str) -> Error {
    Error::Unknown {
        kind: "config",
        name: name.to_string(),
        hint: format!("no such file, and not a built-in config: {}", BUILTIN_CONFIGS.join(", ")),
    }
}

impl ConvertSpec {
    /// Checks that the dictionaries and the config named are there (a
    /// built-in name or an existing file), without reading them. The
    /// command runs this before anything else, and
    /// [`Converter::from_spec`] runs it first too, so a caller of the
    /// library, the Python package and the command all word a missing file
    /// the same way.
    pub fn check(&self) -> Result<()> {
        for path in &self.user_dicts {
            if !path.exists() {
                return Err(Error::Dict {
                    path: path.clone(),
                    line: 0,
                    message: "no such file".into(),
                });
            }
        }
        if builtin_name(&self.config).is_none() && !Path::new(&self.config).exists() {
            return Err(unknown_config(&self.config));
        }
        Ok(())
    }
}

/// Loads a text dictionary named in a config: next to the config, then in
/// the current folder, then among the built-in files (as OpenCC looks in
/// its data folder).
fn load_dict_file(file: &str, dir: Option<&Path>) -> Result<Vec<spec::Entry>, spec::SpecError> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(d) = dir {
        candidates.push(d.join(file));
    }
    candidates.push(PathBuf::from(file));
    for path in &candidates {
        if path.is_file() {
            let bytes = spec::read_dict_file(path, false)?;
            return spec::parse_text_dict(&bytes, path);
        }
    }
    if let Some((_, text)) = builtin::DICT_FILES.iter().find(|(f, _)| *f == file) {
        return spec::parse_text_dict(text.as_bytes(), Path::new(file));
    }
    Err(spec::SpecError {
        path: candidates.first().cloned().unwrap_or_else(|| PathBuf::from(file)),
        line: 0,
        message: format!("dictionary file '{file}' not found"),
        is_config: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Every built-in stage gives the same text and count with the AVX2
    /// loop (where the processor has it), the portable one and the walk
    /// (`Stage::walk`, which takes no fast path), on real Simplified and
    /// Traditional text.
    #[test]
    fn vector_and_portable_loops_agree_on_builtin_stages() {
        let texts = [
            include_str!("../../tests/golden/input/pd1998.txt"),
            include_str!("../../tests/golden/input/tang.txt"),
            include_str!("../../tests/golden/output/pd1998.s2twp.txt"),
            include_str!("../../tests/golden/output/tang.s2hk.txt"),
        ];
        for id in 0..builtin::STAGE_BLOBS.len() {
            let stage = builtin_stage(id);
            for text in texts {
                let [(a, n), (b, m)] = matcher::tests::loops(&stage, text);
                assert!(a == b, "stage {id}: texts differ");
                assert_eq!(n, m, "stage {id}");
                let (w, k) = matcher::tests::walked(&stage, text);
                assert!(a == w, "stage {id}: the walk differs");
                assert_eq!(n, k, "stage {id}");
            }
        }
    }

    /// Gaps converted one character at a time give what the whole first
    /// stage gives, on real text, IDS sequences and phrases cut by gaps.
    #[test]
    fn single_character_gaps_change_nothing() {
        let pd = include_str!("../../tests/golden/input/pd1998.txt");
        let extra = "⿰氵工头发⿱艹⿰木木发展\n⿰发展干燥的头发，⿺辶⿸广\n";
        let mut checked = 0;
        for name in ["s2tw", "s2twp", "s2hk", "s2hkp"] {
            let fast = Converter::builtin_with(name, true).unwrap();
            assert!(fast.gap_single, "{name}");
            let slow = Converter { gap_single: false, ..fast.clone() };
            for text in [pd, extra] {
                assert_eq!(fast.convert(text), slow.convert(text), "{name}");
                checked += 1;
            }
        }
        assert_eq!(checked, 8);
        // A user dictionary whose phrase is not in the segmentation
        // dictionary turns it off.
        let (seg, first) = (
            vec![("头发".to_string(), "頭髮".to_string())],
            vec![
                ("发展".to_string(), "發展".to_string()),
                ("头发".to_string(), "頭髮".to_string()),
            ],
        );
        assert!(!blob::gaps_single(&seg, &first));
        assert!(blob::gaps_single(&first, &first));
        let ids_key = vec![("\u{2FF0}".to_string(), "x".to_string())];
        assert!(!blob::gaps_single(&seg, &ids_key));
    }

    #[test]
    fn verified_examples() {
        // Examples checked with the official OpenCC 1.4.2 binary.
        let cases = [
            ("s2t", "头发 发展", "頭髮 發展"),
            ("s2twp", "鼠标和软件", "滑鼠和軟體"),
            ("s2twp", "保存于", "保存於"),
            ("s2twp", "保存", "儲存"),
            ("s2twp", "也门里", "也門裡"),
            ("s2twp", "也门", "葉門"),
            ("tw2sp", "例項鍊墜", "例项链坠"),
            ("tw2sp", "例項", "实例"),
            ("s2t", "布雷顿森林体系", "布雷頓森林體系"),
            ("s2twp", "NoSQL注入", "NoSQL隱碼攻擊"),
            ("s2twp", "sql注入", "sql注入"),
            ("s2twp", "硅谷", "矽谷"),
            ("t2s", "乾燥 乾隆", "干燥 乾隆"),
            ("jp2t", "弁護士 駅弁当", "辯護士 驛辨當"),
            ("t2jp", "舊字體 辯護士", "旧字体 弁護士"),
            ("t2s", "\u{F902}", "车"),
            ("s2t", "\u{F900}", "\u{8C48}"),
            ("t2s", "㑮", "㑮"),
            ("s2t", "⿰头发", "⿰头发"),
            ("s2t", "头发⿰头发头发", "頭髮⿰头发頭髮"),
            ("s2twp", "⿰U盘", "⿰U盘"),
            ("s2t", "⿾头发", "⿾头發"),
            ("s2t", "⿲头发头发", "⿲头发头發"),
            ("s2t", "头发\r\n头发\r\n", "頭髮\r\n頭髮\r\n"),
            ("tw2t", "什么", "什麼"),
            ("s2twp", "改变量子比特", "改變數子位元"),
            ("s2twp", "少数组织", "少陣列織"),
            ("tw2sp", "尤拉鍊條", "尤拉链条"),
            ("tw2sp", "尤拉", "欧拉"),
            // OpenCC truncates segments at NUL (`發發頭發`); zhclean keeps it.
            ("s2tw", "发\0发头发", "發\0發頭發"),
        ];
        for (cfg, input, want) in cases {
            let c = Converter::builtin(cfg).unwrap();
            assert_eq!(c.convert(input), want, "{cfg}: {input}");
        }
        let c = Converter::builtin_with("t2s", true).unwrap();
        assert_eq!(c.convert("㑮"), "𫝈");
    }

    #[test]
    fn counts_replacements_not_identities() {
        let c = Converter::builtin("s2t").unwrap();
        let mut out = String::new();
        assert_eq!(c.convert_counted("hello 一干", &mut out), 0, "identity entries change nothing");
        assert_eq!(out, "hello 一干");
        out.clear();
        assert_eq!(c.convert_counted("头发和头发", &mut out), 2);
        let c = Converter::builtin("s2twp").unwrap();
        out.clear();
        // 鼠标 -> 鼠標 (stage 1) -> 滑鼠 (stage 2); 软件 -> 軟件 -> 軟體.
        assert_eq!(c.convert_counted("鼠标和软件", &mut out), 4);
        assert_eq!(out, "滑鼠和軟體");
    }

    #[test]
    fn names_with_json_suffix_and_unknown() {
        assert_eq!(Converter::builtin("s2t.json").unwrap().name(), "s2t");
        let e = Converter::builtin("x2y").unwrap_err();
        assert!(e.to_string().starts_with("unknown config 'x2y'"), "{e}");
        for n in BUILTIN_CONFIGS {
            Converter::builtin(n).unwrap();
            Converter::builtin_with(n, true).unwrap();
        }
    }

    #[test]
    fn builtin_by_spec_equals_text_rebuild() {
        // A user dictionary forces the runtime path (parse text, flatten,
        // build); with an empty one it must agree with the compiled stages.
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.txt");
        fs::write(&empty, "# nothing\n").unwrap();
        let text = "鼠标和软件，头发发展。保存于也门里。改变量子比特 NoSQL注入";
        for name in ["s2t", "s2twp", "tw2sp", "t2s"] {
            let mut spec = ConvertSpec::new(name);
            spec.user_dicts.push(empty.clone());
            let rebuilt = Converter::from_spec(&spec).unwrap();
            let compiled = Converter::builtin(name).unwrap();
            assert_eq!(rebuilt.convert(text), compiled.convert(text), "{name}");
        }
    }

    #[test]
    fn user_dict_wins() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.txt");
        fs::write(&user, "头发\tX\n鼠标\t滑鼠鼠\n").unwrap();
        let mut spec = ConvertSpec::new("s2twp");
        spec.user_dicts.push(user.clone());
        let c = Converter::from_spec(&spec).unwrap();
        assert_eq!(c.convert("头发和鼠标"), "X和滑鼠鼠");
        let bad = dir.path().join("bad.txt");
        fs::write(&bad, "ok\tfine\nbroken line\n").unwrap();
        spec.user_dicts = vec![bad.clone()];
        let e = Converter::from_spec(&spec).unwrap_err();
        assert_eq!(e.to_string(), format!("{}:2: no TAB between key and value", bad.display()));
    }

    #[test]
    fn config_file_by_path() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("mine.txt"), "你好\t您好\n").unwrap();
        let cfg = dir.path().join("my.json");
        fs::write(
            &cfg,
            r#"{"name": "mine", // comment
               "conversion_chain": [{"dict": {"type": "group", "dicts": [
                 {"type": "text", "file": "mine.txt"},
                 {"type": "inline", "entries": {"ab": "X Y"}},
                 {"type": "text", "file": "STCharacters.txt"},
               ]}}]}"#,
        )
        .unwrap();
        let c = Converter::from_config_file(&cfg, false).unwrap();
        assert_eq!(c.name(), "mine");
        assert_eq!(c.convert("你好abc发"), "您好X Yc發");
        let ocd = dir.path().join("ocd.json");
        fs::write(
            &ocd,
            r#"{"conversion_chain":[{"dict":{"type":"ocd2","file":"STPhrases.ocd2"}}]}"#,
        )
        .unwrap();
        let e = Converter::from_config_file(&ocd, false).unwrap_err();
        assert!(e.to_string().contains("STPhrases.ocd2"), "{e}");
    }

    #[test]
    fn split_point_respects_ids() {
        let c = Converter::builtin("s2t").unwrap();
        assert_eq!(c.split_point("ab\ncd", 5), Some(3));
        assert_eq!(c.split_point("abcd", 4), None);
        // An IDS operator just before the line end: "⿰\n头" is one IDS.
        assert_eq!(c.split_point("x\n⿰\n头", 9), Some(2));
        assert_eq!(c.convert("⿰\n头"), "⿰\n头");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Converting in pieces cut at `split_point` (any budget), or
        /// through `ConvertStream` fed in arbitrary chunks, gives exactly
        /// the whole conversion: no key and no IDS is ever cut.
        #[test]
        fn chunked_equals_whole(
            text in "[头发展鼠标软件保存于也门里⿰⿱⿾U盘ab \n\r]{0,60}",
            budget in 1usize..40,
            feed in 1usize..13,
            cfg in proptest::sample::select(vec!["s2t", "s2twp", "t2s", "tw2sp"]),
        ) {
            let c = Converter::builtin(cfg).unwrap();
            let whole = c.convert(&text);
            let mut pieces = String::new();
            let mut rest = text.as_str();
            while let Some(cut) = c.split_point(rest, budget).filter(|&n| n > 0) {
                c.convert_to(&rest[..cut], &mut pieces);
                rest = &rest[cut..];
            }
            c.convert_to(rest, &mut pieces);
            proptest::prop_assert_eq!(&pieces, &whole);

            let mut streamed = String::new();
            let mut stream = ConvertStream::new(&c);
            let chars: Vec<char> = text.chars().collect();
            for chunk in chars.chunks(feed) {
                stream.push(&chunk.iter().collect::<String>(), &mut streamed);
            }
            stream.finish(&mut streamed);
            proptest::prop_assert_eq!(&streamed, &whole);
            proptest::prop_assert_eq!(c.convert_parallel(&text, budget), whole);
        }
    }
}
