//! OpenCC exactness: the upstream `testcases.json` and the golden files.
//!
//! Two independent references decide whether the converter is exact:
//! OpenCC's own test cases (expected outputs written by its authors, with
//! tofu-risk dictionaries included, as OpenCC's library does), and golden
//! files made from ~100 KB of real Simplified and Traditional text by the
//! official OpenCC 1.4.2 binary with its default options (tofu-risk
//! dictionaries left out). Everything read here is in the repository, so
//! `cargo test` fetches nothing; `scripts/make-golden.sh` remakes the golden
//! files and `tests/golden/SOURCE.md` says where their inputs came from.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zhclean::convert::{BUILTIN_CONFIGS, Converter};

/// The directory of this crate's test data.
fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// One (case, config) check from `testcases.json`.
struct Check {
    id: String,
    config: String,
    input: String,
    expected: String,
}

/// Removes a comma that directly precedes a closing `]` or `}`, outside
/// strings. The upstream file ends its case list with one, which strict
/// JSON (serde_json) refuses; nothing else about the file is lenient, so
/// this is all the leniency we add rather than a JSON5 dependency.
fn strip_trailing_commas(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_string = false;
    let mut escaped = false;
    // Index in `out` of a comma not yet known to be followed by a value.
    let mut pending_comma: Option<usize> = None;
    for c in src.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            ',' => {
                pending_comma = Some(out.len());
                out.push(c);
            }
            ']' | '}' => {
                if let Some(at) = pending_comma.take() {
                    out.remove(at);
                }
                out.push(c);
            }
            c if c.is_whitespace() => out.push(c),
            c => {
                pending_comma = None;
                if c == '"' {
                    in_string = true;
                }
                out.push(c);
            }
        }
    }
    out
}

/// Every (case, config) check of `tests/data/opencc/testcases.json`.
fn load_checks() -> Vec<Check> {
    let path = tests_dir().join("data/opencc/testcases.json");
    let raw = std::fs::read_to_string(&path).expect("read testcases.json");
    let doc: Value =
        serde_json::from_str(&strip_trailing_commas(&raw)).expect("parse testcases.json");
    let cases = doc["cases"].as_array().expect("`cases` array");
    let mut checks = Vec::new();
    for case in cases {
        let id = case["id"].as_str().expect("case id");
        let input = case["input"].as_str().expect("case input");
        let expected = case["expected"].as_object().expect("case expected");
        for (config, want) in expected {
            checks.push(Check {
                id: id.to_string(),
                config: config.clone(),
                input: input.to_string(),
                expected: want.as_str().expect("expected string").to_string(),
            });
        }
    }
    checks
}

#[test]
fn trailing_commas_are_removed_only_outside_strings() {
    assert_eq!(strip_trailing_commas(r#"{"a": [1, 2,], }"#), r#"{"a": [1, 2] }"#);
    assert_eq!(strip_trailing_commas(r#"["x,]", "y\",}",]"#), r#"["x,]", "y\",}"]"#);
    assert_eq!(strip_trailing_commas("[1,\n  ]"), "[1\n  ]");
}

#[test]
fn testcases_json_all_556_checks_pass_with_tofu_risk_included() {
    let checks = load_checks();
    let cases: std::collections::BTreeSet<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(cases.len(), 243, "number of cases in testcases.json");
    assert_eq!(checks.len(), 556, "number of (case, config) checks in testcases.json");

    let mut converters: BTreeMap<String, Converter> = BTreeMap::new();
    let mut failures = String::new();
    let mut failed = 0;
    for check in &checks {
        let conv = converters.entry(check.config.clone()).or_insert_with(|| {
            Converter::builtin_with(&check.config, true)
                .unwrap_or_else(|e| panic!("load config {}: {e}", check.config))
        });
        let got = conv.convert(&check.input);
        if got != check.expected {
            failed += 1;
            let _ = writeln!(
                failures,
                "{} [{}]\n  input:    {}\n  expected: {}\n  got:      {}",
                check.id, check.config, check.input, check.expected, got
            );
        }
    }
    // Every one of the 16 configs is exercised by the upstream file.
    assert_eq!(converters.len(), BUILTIN_CONFIGS.len(), "configs used by testcases.json");
    if failed > 0 {
        eprint!("{failures}");
        panic!("{failed} of {} testcases.json checks failed (listed above)", checks.len());
    }
}

/// Byte-compares `Converter::builtin(config)` on one golden input with the
/// official CLI's output; the message names the first differing line.
fn golden_mismatch(input_name: &str, config: &str) -> Option<String> {
    let dir = tests_dir().join("golden");
    let input = std::fs::read_to_string(dir.join("input").join(format!("{input_name}.txt")))
        .expect("read golden input");
    let want_path = dir.join("output").join(format!("{input_name}.{config}.txt"));
    let want = std::fs::read_to_string(&want_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", want_path.display()));
    let conv = Converter::builtin(config).expect("built-in config");
    let got = conv.convert(&input);
    if got == want {
        return None;
    }
    let mut got_lines = got.split_inclusive('\n');
    let mut want_lines = want.split_inclusive('\n');
    let mut n = 0;
    loop {
        n += 1;
        match (got_lines.next(), want_lines.next()) {
            (Some(g), Some(w)) if g == w => continue,
            (g, w) => {
                return Some(format!(
                    "{input_name}.{config}: line {n} differs\n  input:    {:?}\n  expected: {:?}\n  got:      {:?}",
                    input.split_inclusive('\n').nth(n - 1).unwrap_or(""),
                    w.unwrap_or("<end of file>"),
                    g.unwrap_or("<end of file>"),
                ));
            }
        }
    }
}

/// Runs every config over one golden input and reports all mismatches.
fn check_golden(input_name: &str) {
    let failures: Vec<String> =
        BUILTIN_CONFIGS.iter().filter_map(|cfg| golden_mismatch(input_name, cfg)).collect();
    if !failures.is_empty() {
        panic!(
            "{} of {} configs differ from OpenCC 1.4.2 on {input_name}.txt:\n{}",
            failures.len(),
            BUILTIN_CONFIGS.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn golden_pd1998_matches_opencc_cli_for_all_configs() {
    check_golden("pd1998");
}

#[test]
fn golden_tang_matches_opencc_cli_for_all_configs() {
    check_golden("tang");
}

#[test]
fn golden_outputs_cover_every_config_and_input() {
    let dir = tests_dir().join("golden/output");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read tests/golden/output")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let mut want: Vec<String> = ["pd1998", "tang"]
        .iter()
        .flat_map(|i| BUILTIN_CONFIGS.iter().map(move |c| format!("{i}.{c}.txt")))
        .collect();
    want.sort();
    assert_eq!(names, want);
}
