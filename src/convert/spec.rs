//! OpenCC configs and text dictionaries, parsed and flattened.
//!
//! This file is shared with `build.rs` (through `#[path]`), so it depends on
//! nothing but `std` and `serde_json` and has its own small error type.
//!
//! # Flattening groups
//!
//! OpenCC evaluates a dictionary *group* at every position: a `union` group
//! asks all children and keeps the longest match (the earliest child on a
//! tie); a `short_circuit` group takes the first child that has any match at
//! all, even if a later child would match a longer key. Both can be turned
//! into one plain dictionary whose longest-prefix match gives the same
//! answer at every position of every text:
//!
//! * `union(A, B)` is `A ∪ B`, with `A` winning duplicate keys;
//! * `short_circuit(A, B)` is `A ∪ B'`, where `B'` keeps only the keys of `B`
//!   none of whose prefixes (the key itself included) is a key of `A`.
//!   Where a dropped key of `B` would match, its `A`-prefix matches too, so
//!   OpenCC answers from `A` and so does the flat dictionary; where a kept
//!   key of `B` is the longest match, no key of `A` can match (it would be a
//!   proper prefix of that key).
//!
//! Both rules apply left to right for more children. The result is matched
//! with a leftmost-longest automaton, which is exactly OpenCC's greedy
//! forward maximum matching (see `matcher.rs`).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a config or dictionary, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file (or built-in name) concerned.
    pub path: PathBuf,
    /// 1-based line, 0 when not tied to a line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// Whether this is a config problem (as opposed to a dictionary one).
    pub is_config: bool,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)
        }
    }
}

fn dict_error(path: &Path, line: usize, message: impl Into<String>) -> SpecError {
    SpecError { path: path.to_path_buf(), line, message: message.into(), is_config: false }
}

fn config_error(path: &Path, message: impl Into<String>) -> SpecError {
    SpecError { path: path.to_path_buf(), line: 0, message: message.into(), is_config: true }
}

/// The largest dictionary or config file read: 256 MiB, over ten times
/// the largest OpenCC dictionary (`STPhrases.txt`, under 1 MiB) plus room
/// for big user dictionaries. A larger file is refused rather than read
/// into memory whole.
pub const MAX_DICT_FILE: u64 = 256 << 20;

/// Reads a dictionary or config file named by the user or a config.
///
/// Only a regular file is read (a FIFO, a device such as `/dev/zero` or
/// standard input would block or never end), checked on the opened file,
/// so a name swapped after a check cannot slip a device in; and at most
/// [`MAX_DICT_FILE`] bytes are read. Both refusals are usage errors of the
/// dictionary (`is_config` as given).
pub fn read_dict_file(path: &Path, is_config: bool) -> Result<Vec<u8>, SpecError> {
    use std::io::Read;
    let refuse =
        |message: String| SpecError { path: path.to_path_buf(), line: 0, message, is_config };
    let file = std::fs::File::open(path).map_err(|e| refuse(e.to_string()))?;
    let meta = file.metadata().map_err(|e| refuse(e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse("not a regular file; a dictionary must be one".into()));
    }
    if meta.len() > MAX_DICT_FILE {
        return Err(refuse(format!(
            "{} bytes, over the limit of {MAX_DICT_FILE} for a dictionary or config",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte over the limit tells a file that grew past it since the stat.
    file.take(MAX_DICT_FILE + 1).read_to_end(&mut bytes).map_err(|e| refuse(e.to_string()))?;
    if bytes.len() as u64 > MAX_DICT_FILE {
        return Err(refuse(format!("over the limit of {MAX_DICT_FILE} bytes for a dictionary")));
    }
    Ok(bytes)
}

/// One dictionary entry: a key and the first of its values.
pub type Entry = (String, String);

/// Parses an OpenCC text dictionary (`key<TAB>value value...`).
///
/// Follows OpenCC 1.4.2's runtime parser: a leading UTF-8 BOM is skipped;
/// lines split on LF with one trailing CR dropped; empty lines and lines
/// whose first byte is `#` are skipped; the key is everything before the
/// first TAB (a line without one is an error); the values are the rest split
/// on single spaces, and only the first is used (it may be empty, which
/// deletes the key from the text). A key defined twice is an error.
pub fn parse_text_dict(bytes: &[u8], path: &Path) -> Result<Vec<Entry>, SpecError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut entries = Vec::new();
    let mut seen: HashMap<&[u8], usize> = HashMap::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let line = std::str::from_utf8(line)
            .map_err(|e| dict_error(path, line_no, format!("invalid UTF-8 ({e})")))?;
        let Some((key, values)) = line.split_once('\t') else {
            return Err(dict_error(path, line_no, "no TAB between key and value"));
        };
        if let Some(first) = seen.insert(key.as_bytes(), line_no) {
            return Err(dict_error(
                path,
                line_no,
                format!("duplicate key {key:?} (first defined at line {first})"),
            ));
        }
        let value = values.split(' ').next().unwrap_or("");
        entries.push((key.to_string(), value.to_string()));
    }
    Ok(entries)
}

/// How a group combines its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchPolicy {
    /// The longest match among all children; the earliest on a tie.
    Union,
    /// The first child with any match.
    ShortCircuit,
}

/// A dictionary as a config describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DictNode {
    /// A text dictionary file, relative to the config's folder.
    Text {
        /// The file name as written in the config.
        file: String,
        /// `may_output_tofu`.
        tofu: bool,
    },
    /// Entries written in the config itself.
    Inline {
        /// The entries; values are taken literally, not split on spaces.
        entries: Vec<Entry>,
    },
    /// A group of dictionaries.
    Group {
        /// How children are combined.
        policy: MatchPolicy,
        /// The children, in order.
        children: Vec<DictNode>,
        /// `may_output_tofu`.
        tofu: bool,
    },
}

/// A whole OpenCC config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSpec {
    /// The `name` field, if any.
    pub name: String,
    /// The `normalization` chain, run over the whole text first.
    pub normalization: Vec<DictNode>,
    /// The `mmseg` segmentation dictionary, if any.
    pub segmentation: Option<DictNode>,
    /// The `conversion_chain`.
    pub chain: Vec<DictNode>,
}

/// Removes `//` and `/* */` comments and trailing commas, which OpenCC's
/// config parser accepts and `serde_json` does not.
///
/// Written by hand because it must run in `build.rs` too and a JSON5 crate
/// would accept much more than OpenCC does (unquoted keys, single quotes).
pub fn strip_json_extras(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut in_string = false;
    let mut last = 0; // start of the pending verbatim slice
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                out.push_str(&src[last..i]);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                last = i;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                out.push_str(&src[last..i]);
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    // Keep line breaks so that JSON errors name the right line.
                    if b[i] == b'\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
                i = (i + 2).min(b.len());
                last = i;
            }
            b',' => {
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if matches!(b.get(j), Some(b'}') | Some(b']')) {
                    out.push_str(&src[last..i]);
                    last = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(&src[last.min(src.len())..]);
    out
}

/// Parses an OpenCC JSON config. `path` is used in messages only.
pub fn parse_config(src: &str, path: &Path) -> Result<ConfigSpec, SpecError> {
    let cleaned = strip_json_extras(src);
    let v: serde_json::Value = serde_json::from_str(&cleaned)
        .map_err(|e| config_error(path, format!("invalid JSON: {e}")))?;
    let obj = v.as_object().ok_or_else(|| config_error(path, "config is not a JSON object"))?;
    let name = obj.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();

    let stage_list = |key: &str| -> Result<Vec<DictNode>, SpecError> {
        let Some(list) = obj.get(key) else { return Ok(Vec::new()) };
        let list =
            list.as_array().ok_or_else(|| config_error(path, format!("'{key}' is not a list")))?;
        list.iter()
            .enumerate()
            .map(|(i, stage)| {
                let dict = stage
                    .get("dict")
                    .ok_or_else(|| config_error(path, format!("'{key}'[{i}] has no 'dict'")))?;
                parse_node(dict, path, &format!("{key}[{i}].dict"))
            })
            .collect()
    };
    let normalization = stage_list("normalization")?;
    let chain = stage_list("conversion_chain")?;
    let segmentation = match obj.get("segmentation") {
        None | Some(serde_json::Value::Null) => None,
        Some(seg) => {
            let ty = seg.get("type").and_then(|t| t.as_str()).unwrap_or("mmseg");
            if ty != "mmseg" {
                return Err(config_error(
                    path,
                    format!("segmentation type '{ty}' is not supported (only 'mmseg')"),
                ));
            }
            match seg.get("dict") {
                Some(d) => Some(parse_node(d, path, "segmentation.dict")?),
                None => return Err(config_error(path, "segmentation has no 'dict'")),
            }
        }
    };
    Ok(ConfigSpec { name, normalization, segmentation, chain })
}

fn parse_node(v: &serde_json::Value, path: &Path, at: &str) -> Result<DictNode, SpecError> {
    let ty = v
        .get("type")
        .and_then(|t| t.as_str())
        .ok_or_else(|| config_error(path, format!("{at}: dictionary without a 'type'")))?;
    let tofu = v.get("may_output_tofu").and_then(|t| t.as_bool()).unwrap_or(false);
    match ty {
        "text" => {
            let file = v.get("file").and_then(|f| f.as_str()).ok_or_else(|| {
                config_error(path, format!("{at}: text dictionary without 'file'"))
            })?;
            Ok(DictNode::Text { file: file.to_string(), tofu })
        }
        "ocd" | "ocd2" => {
            let file = v.get("file").and_then(|f| f.as_str()).unwrap_or("?");
            Err(config_error(
                path,
                format!(
                    "{at}: dictionary '{file}' is of type '{ty}'; only 'text', 'group' and \
                     'inline' are supported (convert it with OpenCC's opencc_dict -t text)"
                ),
            ))
        }
        "group" => {
            let policy = match v.get("match_policy").and_then(|p| p.as_str()) {
                None | Some("short_circuit") => MatchPolicy::ShortCircuit,
                Some("union") => MatchPolicy::Union,
                Some(other) => {
                    return Err(config_error(
                        path,
                        format!("{at}: unknown match_policy '{other}'"),
                    ));
                }
            };
            let list = v
                .get("dicts")
                .and_then(|d| d.as_array())
                .ok_or_else(|| config_error(path, format!("{at}: group without 'dicts'")))?;
            let children = list
                .iter()
                .enumerate()
                .map(|(i, c)| parse_node(c, path, &format!("{at}.dicts[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(DictNode::Group { policy, children, tofu })
        }
        "inline" => {
            if tofu {
                return Err(config_error(
                    path,
                    format!("{at}: inline dictionary cannot be may_output_tofu"),
                ));
            }
            let map = v.get("entries").and_then(|e| e.as_object()).ok_or_else(|| {
                config_error(path, format!("{at}: inline dictionary without 'entries'"))
            })?;
            let mut entries = Vec::with_capacity(map.len());
            for (k, val) in map {
                let val = val.as_str().ok_or_else(|| {
                    config_error(path, format!("{at}: inline value of {k:?} is not a string"))
                })?;
                if k.is_empty() || val.is_empty() {
                    return Err(config_error(
                        path,
                        format!("{at}: inline entry with an empty key or value"),
                    ));
                }
                entries.push((k.clone(), val.to_string()));
            }
            Ok(DictNode::Inline { entries })
        }
        other => Err(config_error(path, format!("{at}: unknown dictionary type '{other}'"))),
    }
}

impl DictNode {
    /// Drops `may_output_tofu` nodes (and groups left empty) unless `include`.
    pub fn prune_tofu(&self, include: bool) -> Option<DictNode> {
        match self {
            DictNode::Text { tofu: true, .. } | DictNode::Group { tofu: true, .. } if !include => {
                None
            }
            DictNode::Group { policy, children, tofu } => {
                let children: Vec<_> =
                    children.iter().filter_map(|c| c.prune_tofu(include)).collect();
                if children.is_empty() {
                    None
                } else {
                    Some(DictNode::Group { policy: *policy, children, tofu: *tofu })
                }
            }
            other => Some(other.clone()),
        }
    }

    /// The text files this node reads, in order.
    pub fn files(&self, out: &mut Vec<String>) {
        match self {
            DictNode::Text { file, .. } => out.push(file.clone()),
            DictNode::Inline { .. } => {}
            DictNode::Group { children, .. } => children.iter().for_each(|c| c.files(out)),
        }
    }

    /// Flattens the node into one dictionary (see the module docs), reading
    /// text files through `load`.
    pub fn flatten(
        &self,
        load: &mut dyn FnMut(&str) -> Result<Vec<Entry>, SpecError>,
    ) -> Result<FlatDict, SpecError> {
        match self {
            DictNode::Text { file, .. } => Ok(FlatDict::from_entries(load(file)?)),
            DictNode::Inline { entries } => Ok(FlatDict::from_entries(entries.clone())),
            DictNode::Group { policy, children, .. } => {
                let mut acc = FlatDict::default();
                for (i, child) in children.iter().enumerate() {
                    let next = child.flatten(load)?;
                    if i == 0 {
                        acc = next;
                    } else {
                        match policy {
                            MatchPolicy::Union => acc.union_with(next),
                            MatchPolicy::ShortCircuit => acc.short_circuit_with(next),
                        }
                    }
                }
                Ok(acc)
            }
        }
    }
}

/// One plain dictionary: longest-prefix match gives the group's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatDict {
    map: HashMap<String, String>,
}

impl FlatDict {
    /// A dictionary of these entries; empty keys are dropped (they can
    /// never match) and the first of duplicate keys wins.
    pub fn from_entries(entries: Vec<Entry>) -> FlatDict {
        let mut map = HashMap::with_capacity(entries.len());
        for (k, v) in entries {
            if !k.is_empty() {
                map.entry(k).or_insert(v);
            }
        }
        FlatDict { map }
    }

    /// `self ∪ other`, `self` winning duplicates.
    pub fn union_with(&mut self, other: FlatDict) {
        for (k, v) in other.map {
            self.map.entry(k).or_insert(v);
        }
    }

    /// `short_circuit(self, other)`: keeps the keys of `other` none of whose
    /// prefixes is a key of `self`.
    pub fn short_circuit_with(&mut self, other: FlatDict) {
        let blocked = |k: &str| {
            k.char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .any(|end| self.map.contains_key(&k[..end]))
        };
        let kept: Vec<(String, String)> =
            other.map.into_iter().filter(|(k, _)| !blocked(k)).collect();
        self.map.extend(kept);
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value of `key`, if it is a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// Whether any key contains a line feed (then input cannot be split at
    /// line feeds).
    pub fn has_newline_key(&self) -> bool {
        self.map.keys().any(|k| k.contains('\n'))
    }

    /// The entries sorted by key, for a reproducible build.
    pub fn into_sorted(self) -> Vec<Entry> {
        let mut v: Vec<Entry> = self.map.into_iter().collect();
        v.sort_unstable();
        v
    }
}

/// The dictionaries of a config, flattened: what the matcher runs.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Normalisation stages, over the whole text.
    pub normalization: Vec<FlatDict>,
    /// The segmentation dictionary, if any.
    pub segmentation: Option<FlatDict>,
    /// Conversion stages, per segment.
    pub chain: Vec<FlatDict>,
}

impl ConfigSpec {
    /// Flattens every stage. Tofu-risk dictionaries are left out of the
    /// normalisation and conversion stages unless `include_tofu`; the
    /// segmentation dictionary always keeps them, as OpenCC does. `user`
    /// dictionaries join the segmentation dictionary and the first
    /// conversion stage, winning over the built-in entries.
    pub fn plan(
        &self,
        include_tofu: bool,
        user: &[FlatDict],
        load: &mut dyn FnMut(&str) -> Result<Vec<Entry>, SpecError>,
    ) -> Result<Plan, SpecError> {
        let mut stages = |nodes: &[DictNode]| -> Result<Vec<FlatDict>, SpecError> {
            nodes
                .iter()
                .filter_map(|n| n.prune_tofu(include_tofu))
                .map(|n| n.flatten(load))
                .collect()
        };
        let normalization = stages(&self.normalization)?;
        let mut chain = stages(&self.chain)?;
        let mut segmentation = match &self.segmentation {
            Some(n) => Some(n.flatten(load)?),
            None => None,
        };
        if !user.is_empty() {
            let mut merged = FlatDict::default();
            for u in user {
                merged.union_with(u.clone());
            }
            let join = |base: Option<FlatDict>| {
                let mut d = merged.clone();
                if let Some(b) = base {
                    d.union_with(b);
                }
                d
            };
            if segmentation.is_some() {
                segmentation = Some(join(segmentation.take()));
            }
            if chain.is_empty() {
                chain.push(join(None));
            } else {
                let first = chain.remove(0);
                chain.insert(0, join(Some(first)));
            }
        }
        Ok(Plan { normalization, segmentation, chain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.txt")
    }

    fn d(pairs: &[(&str, &str)]) -> FlatDict {
        FlatDict::from_entries(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn text_dict_format() {
        let src = "\u{FEFF}# comment\n\nab\tX Y\r\n a #x\tQ\nc\t\nd\tX\tY\ne\t Z\n";
        let e = parse_text_dict(src.as_bytes(), p()).unwrap();
        assert_eq!(
            e,
            vec![
                ("ab".into(), "X".into()),
                (" a #x".into(), "Q".into()),
                ("c".into(), "".into()),
                ("d".into(), "X\tY".into()),
                ("e".into(), "".into()),
            ]
        );
    }

    #[test]
    fn text_dict_errors_carry_line() {
        let e = parse_text_dict(b"a\tb\nno tab here\n", p()).unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.to_string(), "t.txt:2: no TAB between key and value");
        let e = parse_text_dict(b"a\tb\n#x\na\tc\n", p()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("duplicate key"), "{e}");
        let e = parse_text_dict(b"a\tb\n \n", p()).unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn strips_comments_and_trailing_commas() {
        let src = r#"{ // c
            "a": "x//y", /* block */ "b": [1, 2, ],
        }"#;
        let v: serde_json::Value = serde_json::from_str(&strip_json_extras(src)).unwrap();
        assert_eq!(v["a"], "x//y");
        assert_eq!(v["b"][1], 2);
    }

    #[test]
    fn short_circuit_drops_shadowed_keys() {
        // SC(A, B): where A matches at all, A answers.
        let mut a = d(&[("宏", "A1"), ("高級", "A2")]);
        a.short_circuit_with(d(&[("宏內核", "B1"), ("高級管理人才", "B2"), ("內核", "B3")]));
        assert_eq!(a.get("宏內核"), None);
        assert_eq!(a.get("高級管理人才"), None);
        assert_eq!(a.get("內核"), Some("B3"));
    }

    #[test]
    fn union_keeps_longest_and_first_on_tie() {
        let mut a = d(&[("布雷", "佈雷"), ("x", "1")]);
        a.union_with(d(&[("布雷顿森林体系", "布雷頓森林體系"), ("x", "2")]));
        assert_eq!(a.get("布雷顿森林体系"), Some("布雷頓森林體系"));
        assert_eq!(a.get("x"), Some("1"));
    }

    #[test]
    fn config_parse_and_errors() {
        let src = r#"{"name":"n","segmentation":{"type":"mmseg","dict":{"type":"text","file":"A.txt"}},
            "conversion_chain":[{"dict":{"type":"group","dicts":[
                {"type":"text","file":"A.txt"},{"type":"text","file":"B.txt","may_output_tofu":true}]}}]}"#;
        let c = parse_config(src, p()).unwrap();
        assert!(c.segmentation.is_some());
        match &c.chain[0] {
            DictNode::Group { policy, children, .. } => {
                assert_eq!(*policy, MatchPolicy::ShortCircuit);
                assert_eq!(children.len(), 2);
                assert_eq!(
                    c.chain[0].prune_tofu(false).map(|n| {
                        let mut f = Vec::new();
                        n.files(&mut f);
                        f
                    }),
                    Some(vec!["A.txt".to_string()])
                );
            }
            other => panic!("{other:?}"),
        }
        let e =
            parse_config(r#"{"conversion_chain":[{"dict":{"type":"ocd2","file":"X.ocd2"}}]}"#, p())
                .unwrap_err();
        assert!(e.message.contains("X.ocd2"), "{e}");
        let e = parse_config("{", p()).unwrap_err();
        assert!(e.message.starts_with("invalid JSON"), "{e}");
        let e = parse_config("{ /* a\n b */ \"x\": 1,\n\"y\": }", p()).unwrap_err();
        assert!(e.message.contains("line 3"), "{e}");
    }

    #[test]
    fn inline_values_are_literal() {
        let c = parse_config(
            r#"{"conversion_chain":[{"dict":{"type":"inline","entries":{"ab":"X Y"}}}]}"#,
            p(),
        )
        .unwrap();
        let plan = c.plan(false, &[], &mut |_| unreachable!()).unwrap();
        assert_eq!(plan.chain[0].get("ab"), Some("X Y"));
    }
}
