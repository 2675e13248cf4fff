//! The visual run report (`--report-html FILE`): one self-contained HTML
//! page that shows a cleaning run at a glance: totals, the encodings seen,
//! the changes per rule as a bar chart, the files with most changes, the
//! errors and skips, and for every rule a few samples of before → after
//! with their file and line.
//!
//! [`HtmlReport`] gathers what the page needs from a run's [`Event`]s
//! (feed it every event, e.g. from the caller's [`Observer`]), in bounded
//! memory whatever the size of the run: at most [`SAMPLES_PER_RULE`]
//! samples per rule, each side cut to [`SNIPPET_CHARS`] characters, the
//! [`TOP_FILES`] files with most changes, and the first [`LISTED`] errors
//! and skips (the rest counted). The samples come from
//! [`Event::Explained`]: run with [`RunOptions::samples`] set (or with
//! `explain`) to get them. The totals come from the run's [`Summary`].
//!
//! The page needs nothing from the network: the style sheet is inline and
//! the chart is SVG drawn here, so it reads the same with scripts off.
//! Every figure is marked with a `data-` attribute (`data-figure`,
//! `data-rule`, `data-encoding`, ...) so that a test can read the page a
//! browser rendered and compare it with the JSON summary.
//!
//! The page is written by hand with `std::fmt` rather than with a template
//! crate: it is one fixed layout with a few loops, and every string that
//! comes from the input (file names, text samples, messages) goes through
//! one escaping function, [`escape`], which is easier to audit in one place
//! than a template engine's escaping rules.
//!
//! [`Observer`]: crate::run::Observer
//! [`RunOptions::samples`]: crate::run::RunOptions::samples

use std::fmt::{self, Write as _};
use std::path::Path;
use std::time::Duration;

use crate::error::escaped;
use crate::report::{Summary, human_bytes};
use crate::rules::{Changes, PipelineStage, Rule};
use crate::run::Event;

/// Samples kept per rule.
pub const SAMPLES_PER_RULE: usize = 3;
/// Characters kept of each side of a sample; the rest is cut (and said).
pub const SNIPPET_CHARS: usize = 80;
/// Files listed under "most changes".
pub const TOP_FILES: usize = 15;
/// Errors, and skipped files, listed at most (the rest are counted).
pub const LISTED: usize = 100;

/// One sample of a rule's work.
#[derive(Clone, Debug)]
struct Sample {
    /// The input file, escaped for a message.
    path: String,
    /// JSON Lines: the line number of the record and the field.
    record: Option<(u64, String)>,
    line: usize,
    column: usize,
    before: Snippet,
    after: Snippet,
}

/// A side of a sample, cut to [`SNIPPET_CHARS`].
#[derive(Clone, Debug, PartialEq, Eq)]
struct Snippet {
    text: String,
    /// Characters cut off the end.
    cut: usize,
}

impl Snippet {
    fn new(s: &str) -> Snippet {
        match s.char_indices().nth(SNIPPET_CHARS) {
            None => Snippet { text: s.to_string(), cut: 0 },
            Some((at, _)) => Snippet { text: s[..at].to_string(), cut: s[at..].chars().count() },
        }
    }
}

/// A file among those with most changes.
#[derive(Clone, Debug)]
struct TopFile {
    path: String,
    encoding: Option<String>,
    bytes_in: u64,
    /// Text changes (decoding not counted).
    total: u64,
    /// Its rules with most changes, most first.
    rules: Vec<(Rule, u64)>,
}

/// A row of the errors or skips table.
#[derive(Clone, Debug)]
struct Listed {
    /// Where (a path, `path:line` for a JSON Lines record, or empty).
    place: String,
    what: String,
}

/// What the page shows beyond the summary, gathered from a run's events.
#[derive(Clone, Debug, Default)]
pub struct HtmlReport {
    samples: Vec<Vec<Sample>>,
    top: Vec<TopFile>,
    errors: Vec<Listed>,
    errors_more: u64,
    skips: Vec<Listed>,
    skips_more: u64,
    command: Option<String>,
}

/// The changes a rule made, decoding apart (decoding says what the input
/// was, it changes no text).
fn text_changes(c: &Changes) -> impl Iterator<Item = (Rule, u64)> + '_ {
    c.counts().filter(|(r, _)| r.stage() != PipelineStage::Decode)
}

impl HtmlReport {
    /// An empty report.
    pub fn new() -> HtmlReport {
        HtmlReport { samples: vec![Vec::new(); Rule::ALL.len()], ..HtmlReport::default() }
    }

    /// The command line to show in the page's header (each argument
    /// escaped as in messages, joined by spaces).
    pub fn with_command<I, S>(mut self, args: I) -> HtmlReport
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let words: Vec<String> =
            args.into_iter().map(|a| escaped(Path::new(a.as_ref())).to_string()).collect();
        self.command = Some(words.join(" "));
        self
    }

    /// Takes what the page needs from one event of the run.
    pub fn observe(&mut self, event: &Event<'_>) {
        match event {
            Event::Explained { path, record, change } => {
                if self.samples.is_empty() {
                    self.samples = vec![Vec::new(); Rule::ALL.len()];
                }
                let kept = &mut self.samples[change.rule as usize];
                if kept.len() >= SAMPLES_PER_RULE {
                    return;
                }
                let (before, after) = (Snippet::new(&change.before), Snippet::new(&change.after));
                // Samples that show the same change again show nothing new.
                if kept.iter().any(|s| s.before == before && s.after == after) {
                    return;
                }
                kept.push(Sample {
                    path: escaped(path).to_string(),
                    record: record.map(|(l, f)| (l, f.to_string())),
                    line: change.line,
                    column: change.column,
                    before,
                    after,
                });
            }
            Event::BadRecord { path, line, message } => self
                .error(format!("{}:{line}", escaped(path)), format!("{message} (passed through)")),
            Event::Error { error } => self.error(String::new(), error.to_string()),
            Event::FileDone { report } => {
                let path = escaped(&report.path).to_string();
                if let Some(e) = &report.error {
                    self.error(path, e.clone());
                    return;
                }
                if let Some(s) = &report.skipped {
                    if self.skips.len() < LISTED {
                        self.skips.push(Listed { place: path, what: s.to_string() });
                    } else {
                        self.skips_more += 1;
                    }
                    return;
                }
                let total: u64 = text_changes(&report.changes).map(|(_, n)| n).sum();
                if total == 0 {
                    return;
                }
                let least = self.top.iter().enumerate().min_by_key(|(_, t)| t.total);
                let slot = match least {
                    _ if self.top.len() < TOP_FILES => None,
                    Some((i, t)) if t.total < total => Some(i),
                    _ => return,
                };
                let mut rules: Vec<(Rule, u64)> = text_changes(&report.changes).collect();
                rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                rules.truncate(3);
                let file = TopFile {
                    path,
                    encoding: report.encoding.clone(),
                    bytes_in: report.bytes_in,
                    total,
                    rules,
                };
                match slot {
                    Some(i) => self.top[i] = file,
                    None => self.top.push(file),
                }
            }
            _ => {}
        }
    }

    fn error(&mut self, place: String, what: String) {
        if self.errors.len() < LISTED {
            self.errors.push(Listed { place, what });
        } else {
            self.errors_more += 1;
        }
    }

    /// The page, for the run whose totals are `summary`, which took
    /// `elapsed`.
    pub fn render(&self, summary: &Summary, elapsed: Duration) -> String {
        let mut page = String::with_capacity(32 << 10);
        // Writing to a String cannot fail.
        let _ = self.write_page(&mut page, summary, elapsed);
        page
    }

    fn write_page(&self, w: &mut String, sum: &Summary, elapsed: Duration) -> fmt::Result {
        w.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        w.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        // No network: nothing is loaded from anywhere, not even by accident.
        w.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">\n",
        );
        w.push_str("<title>zhclean run report</title>\n<style>");
        w.push_str(STYLE);
        w.push_str("</style>\n</head>\n<body>\n<main>\n");
        self.write_header(w, sum, elapsed)?;
        // Side by side on a wide screen: what came in, what went wrong.
        w.push_str("<div class=\"pair\">\n");
        write_encodings(w, sum)?;
        self.write_problems(w, sum)?;
        w.push_str("</div>\n");
        write_chart(w, sum)?;
        self.write_samples(w, sum)?;
        self.write_top(w)?;
        w.push_str("<footer>Written by zhclean ");
        w.push_str(env!("CARGO_PKG_VERSION"));
        w.push_str(
            ". Rule names are the ones <code>--no-rule</code> takes and the <code>--report</code> \
             file counts. Line and column are those <code>--explain</code> prints.</footer>\n",
        );
        w.push_str("</main>\n</body>\n</html>\n");
        Ok(())
    }

    fn write_header(&self, w: &mut String, sum: &Summary, elapsed: Duration) -> fmt::Result {
        let secs = elapsed.as_secs_f64();
        let changes: u64 = text_changes(&sum.changes).map(|(_, n)| n).sum();
        let skipped: u64 = sum.skipped.values().sum();
        w.push_str("<header>\n<h1>zhclean run report</h1>\n");
        if let Some(cmd) = &self.command {
            writeln!(w, "<p class=\"cmd\"><code>{}</code></p>", escape(cmd))?;
        }
        let (state, class) = if sum.interrupted {
            ("interrupted: the files not counted here were not done", "bad")
        } else if sum.errors > 0 || sum.bad_records > 0 {
            ("finished, with errors", "warn")
        } else {
            ("finished", "good")
        };
        writeln!(
            w,
            "<p class=\"state {class}\" data-figure=\"interrupted\" data-value=\"{}\">{state}</p>",
            sum.interrupted
        )?;
        w.push_str("<dl class=\"cards\">\n");
        let card = |w: &mut String, label: &str, key: &str, value: u64, note: String| {
            writeln!(
                w,
                "<div><dt>{label}</dt><dd data-figure=\"{key}\" data-value=\"{value}\">{}</dd>\
                 <dd class=\"note\">{note}</dd></div>",
                thousands(value)
            )
        };
        card(w, "files", "files", sum.files, format!("{} processed", thousands(sum.processed)))?;
        card(
            w,
            "processed",
            "processed",
            sum.processed,
            format!("{} skipped", thousands(skipped)),
        )?;
        card(w, "errors", "errors", sum.errors, format!("{} bad JSON lines", sum.bad_records))?;
        card(w, "bytes in", "bytes_in", sum.bytes_in, human_bytes(sum.bytes_in))?;
        card(w, "bytes out", "bytes_out", sum.bytes_out, human_bytes(sum.bytes_out))?;
        card(w, "changes", "changes", changes, "by the rules below".into())?;
        let rate = if secs > 0.0 { (sum.bytes_in as f64 / secs) as u64 } else { 0 };
        writeln!(
            w,
            "<div><dt>time</dt><dd data-figure=\"seconds\" data-value=\"{secs}\">{secs:.2} s</dd>\
             <dd class=\"note\">{}/s</dd></div>",
            human_bytes(rate)
        )?;
        w.push_str("</dl>\n</header>\n");
        Ok(())
    }

    fn write_top(&self, w: &mut String) -> fmt::Result {
        let mut top: Vec<&TopFile> = self.top.iter().collect();
        top.sort_by(|a, b| b.total.cmp(&a.total).then(a.path.cmp(&b.path)));
        writeln!(w, "<section id=\"files\">\n<h2>Files with most changes</h2>")?;
        if top.is_empty() {
            w.push_str("<p class=\"empty\">No file was changed.</p>\n</section>\n");
            return Ok(());
        }
        w.push_str(
            "<table>\n<thead><tr><th>file</th><th>encoding</th><th class=\"n\">size</th>\
             <th class=\"n\">changes</th><th>most by</th></tr></thead>\n<tbody>\n",
        );
        for t in top {
            let rules: Vec<String> = t
                .rules
                .iter()
                .map(|(r, n)| {
                    format!("<a href=\"#rule-{0}\">{0}</a>&nbsp;{1}", r.name(), thousands(*n))
                })
                .collect();
            writeln!(
                w,
                "<tr data-file-changes=\"{}\"><td class=\"path\">{}</td><td>{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                t.total,
                escape(&t.path),
                escape(t.encoding.as_deref().unwrap_or("")),
                human_bytes(t.bytes_in),
                thousands(t.total),
                rules.join(", ")
            )?;
        }
        w.push_str("</tbody>\n</table>\n</section>\n");
        Ok(())
    }

    fn write_problems(&self, w: &mut String, sum: &Summary) -> fmt::Result {
        w.push_str("<section id=\"problems\">\n<h2>Errors and skipped files</h2>\n");
        if sum.skipped.is_empty() {
            w.push_str("<p class=\"empty\">No file was skipped.</p>\n");
        } else {
            w.push_str("<table class=\"narrow\">\n<thead><tr><th>skipped, because</th>");
            w.push_str("<th class=\"n\">files</th></tr></thead>\n<tbody>\n");
            for (kind, n) in &sum.skipped {
                writeln!(
                    w,
                    "<tr data-skip-kind=\"{0}\" data-count=\"{n}\"><td>{0}</td>\
                     <td class=\"n\">{1}</td></tr>",
                    escape(kind),
                    thousands(*n)
                )?;
            }
            w.push_str("</tbody>\n</table>\n");
        }
        for (title, rows, more, class) in [
            ("Errors", &self.errors, self.errors_more, "errors"),
            ("Skipped files", &self.skips, self.skips_more, "skips"),
        ] {
            if rows.is_empty() {
                if class == "errors" {
                    w.push_str("<p class=\"empty\" data-errors-listed=\"0\">No errors.</p>\n");
                }
                continue;
            }
            writeln!(
                w,
                "<h3>{title}</h3>\n<table class=\"{class}\" data-listed=\"{}\">\n<thead><tr>\
                 <th>where</th><th>what</th></tr></thead>\n<tbody>",
                rows.len()
            )?;
            for r in rows {
                writeln!(
                    w,
                    "<tr><td class=\"path\">{}</td><td>{}</td></tr>",
                    escape(&r.place),
                    escape(&r.what)
                )?;
            }
            w.push_str("</tbody>\n</table>\n");
            if more > 0 {
                writeln!(w, "<p class=\"more\">and {} more not listed</p>", thousands(more))?;
            }
        }
        w.push_str("</section>\n");
        Ok(())
    }

    fn write_samples(&self, w: &mut String, sum: &Summary) -> fmt::Result {
        w.push_str("<section id=\"samples\">\n<h2>Samples, rule by rule</h2>\n");
        let mut any = false;
        for (rule, n) in text_changes(&sum.changes) {
            any = true;
            writeln!(
                w,
                "<article id=\"rule-{0}\" class=\"rule {1}\" data-rule-samples=\"{0}\" \
                 data-count=\"{n}\">\n<h3><code>{0}</code> <span class=\"stage\">{2}</span> \
                 <span class=\"count\">{3} {4}</span></h3>\n<p class=\"about\">{5}</p>",
                rule.name(),
                stage_class(rule.stage()),
                stage_name(rule.stage()),
                thousands(n),
                if n == 1 { "change" } else { "changes" },
                about(rule),
            )?;
            let kept = self.samples.get(rule as usize).map_or(&[][..], Vec::as_slice);
            if kept.is_empty() {
                let why = if rule == Rule::Convert {
                    "Conversion is counted by the phrases replaced; it keeps no samples."
                } else {
                    "No sample was kept for this rule."
                };
                writeln!(w, "<p class=\"empty\">{why}</p>")?;
            } else {
                w.push_str("<ol class=\"samples\">\n");
                for s in kept {
                    let place = match &s.record {
                        None => format!("{}:{}:{}", s.path, s.line, s.column),
                        Some((rec, field)) => {
                            format!("{}:{rec}: {field}:{}:{}", s.path, s.line, s.column)
                        }
                    };
                    writeln!(
                        w,
                        "<li><div class=\"where\">{}</div><div class=\"change\">\
                         <span class=\"before\">{}</span><span class=\"arrow\">→</span>\
                         <span class=\"after\">{}</span></div></li>",
                        escape(&place),
                        Shown(&s.before),
                        Shown(&s.after)
                    )?;
                }
                w.push_str("</ol>\n");
            }
            w.push_str("</article>\n");
        }
        if !any {
            w.push_str("<p class=\"empty\">No rule changed anything.</p>\n");
        }
        w.push_str("</section>\n");
        Ok(())
    }
}

fn write_encodings(w: &mut String, sum: &Summary) -> fmt::Result {
    w.push_str("<section id=\"encodings\">\n<h2>Encodings</h2>\n");
    if sum.encodings.is_empty() {
        w.push_str("<p class=\"empty\">No file was decoded.</p>\n");
    } else {
        let total: u64 = sum.encodings.values().sum();
        let mut rows: Vec<(&String, &u64)> = sum.encodings.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        w.push_str(
            "<table class=\"narrow\">\n<thead><tr><th>encoding</th><th class=\"n\">files</th>\
             <th>share</th></tr></thead>\n<tbody>\n",
        );
        for (e, n) in rows {
            let pct = *n as f64 * 100.0 / total.max(1) as f64;
            writeln!(
                w,
                "<tr data-encoding=\"{0}\" data-count=\"{n}\"><td>{0}</td><td class=\"n\">{1}</td>\
                 <td class=\"pct\"><span class=\"share\" style=\"width:{px:.0}px\"></span> {pct:.0}%</td></tr>",
                escape(e),
                thousands(*n),
                px = pct * 1.6,
            )?;
        }
        w.push_str("</tbody>\n</table>\n");
    }
    let decoding: Vec<(Rule, u64)> =
        sum.changes.counts().filter(|(r, _)| r.stage() == PipelineStage::Decode).collect();
    if !decoding.is_empty() {
        w.push_str("<p class=\"decoding\">Decoding (what the inputs were, not changes):");
        for (r, n) in decoding {
            write!(
                w,
                " <span data-decoding=\"{0}\" data-count=\"{n}\"><code>{0}</code> {1}</span>",
                r.name(),
                thousands(n)
            )?;
        }
        w.push_str("</p>\n");
    }
    w.push_str("</section>\n");
    Ok(())
}

/// Changes per rule as horizontal SVG bars, most first, coloured by stage;
/// each bar links to the rule's samples.
fn write_chart(w: &mut String, sum: &Summary) -> fmt::Result {
    w.push_str("<section id=\"changes\">\n<h2>Changes per rule</h2>\n");
    let mut rows: Vec<(Rule, u64)> = text_changes(&sum.changes).collect();
    if rows.is_empty() {
        w.push_str("<p class=\"empty\">No rule changed anything.</p>\n</section>\n");
        return Ok(());
    }
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let max = rows[0].1.max(1) as f64;
    const WIDTH: f64 = 900.0;
    const LABEL: f64 = 150.0;
    const ROW: f64 = 23.0;
    // Room on the right for the largest count.
    const BAR: f64 = WIDTH - LABEL - 90.0;
    let height = ROW * rows.len() as f64 + 6.0;
    writeln!(
        w,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" \
         aria-label=\"changes per rule\">"
    )?;
    for (i, (rule, n)) in rows.iter().enumerate() {
        let y = 3.0 + ROW * i as f64;
        let len = (BAR * *n as f64 / max).max(2.0);
        writeln!(
            w,
            "<a href=\"#rule-{name}\"><g class=\"bar {class}\" data-rule=\"{name}\" \
             data-count=\"{n}\"><title>{name}: {count} ({stage})</title>\
             <text class=\"label\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{LABEL}\" y=\"{ry}\" width=\"{len:.1}\" height=\"{rh}\" rx=\"3\"></rect>\
             <text class=\"value\" x=\"{vx:.1}\" y=\"{ty}\">{count}</text></g></a>",
            name = rule.name(),
            class = stage_class(rule.stage()),
            stage = stage_name(rule.stage()),
            count = thousands(*n),
            lx = LABEL - 8.0,
            ty = y + ROW / 2.0 + 1.0,
            ry = y + 3.0,
            rh = ROW - 8.0,
            vx = LABEL + len + 6.0,
        )?;
    }
    w.push_str(
        "</svg>\n<p class=\"legend\"><span class=\"key repair\"></span>repair \
                <span class=\"key normalize\"></span>normalise \
                <span class=\"key convert\"></span>convert</p>\n</section>\n",
    );
    Ok(())
}

fn stage_class(s: PipelineStage) -> &'static str {
    match s {
        PipelineStage::Decode => "decode",
        PipelineStage::Repair => "repair",
        PipelineStage::Normalize => "normalize",
        PipelineStage::Convert => "convert",
    }
}

fn stage_name(s: PipelineStage) -> &'static str {
    match s {
        PipelineStage::Decode => "decode",
        PipelineStage::Repair => "repair",
        PipelineStage::Normalize => "normalise",
        PipelineStage::Convert => "convert",
    }
}

/// A short line on what the rule does (the full story is in the policy
/// document).
fn about(rule: Rule) -> &'static str {
    match rule {
        Rule::Html => "HTML markup turned into plain text.",
        Rule::Entities => "HTML character references decoded.",
        Rule::EntitiesDouble => "Doubly escaped character references decoded.",
        Rule::Mojibake => "Text decoded with the wrong encoding, decoded right.",
        Rule::NameSeparator => "A ? that stood for the dot in a transliterated name, back to ·.",
        Rule::LostSpace => {
            "A ? that stood for a no-break space between Latin words, back to a space."
        }
        Rule::LossMarkers => "Marks of text lost before it got here, counted and left as they are.",
        Rule::LineEnds => "CRLF and lone CR to LF.",
        Rule::TrailingSpace => "Spaces and tabs at line end removed.",
        Rule::Invisible => "Invisible and control characters removed.",
        Rule::Spaces => "Unusual spaces to an ASCII space.",
        Rule::CompatIdeographs => "CJK compatibility ideographs to their unified twin.",
        Rule::Radicals => "Kangxi and supplement radicals to the unified ideograph.",
        Rule::WidthAlnum => "Full-width digits and Latin letters to ASCII.",
        Rule::WidthSymbols => "Full-width symbols next to ASCII letters or digits to ASCII.",
        Rule::CjkPunct => "Half-width , ? ! ; : in Chinese context to full width.",
        Rule::CjkParens => "Half-width parentheses around or after Chinese to full width.",
        Rule::CjkPeriod => "A half-width full stop after Chinese to 。.",
        Rule::CjkQuotes => "Straight quotes around Chinese to curly quotes.",
        Rule::Ellipsis => "..., 。。。 and a lone … next to Chinese to …….",
        Rule::NameDot => "Dot look-alikes between Han characters to ·.",
        Rule::Forms => "Vertical and small presentation forms to ordinary punctuation.",
        Rule::Nfc => "Anything else Unicode NFC changes.",
        Rule::Quotes => "Quote style changed on request (--quotes).",
        Rule::Convert => "Script conversion with an OpenCC config (--convert).",
        _ => "",
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `s` with the five characters that mean something in HTML (text or a
/// quoted attribute) written as references: nothing in `s` can open a tag,
/// end an attribute or start a reference.
pub fn escape(s: &str) -> Escape<'_> {
    Escape(s)
}

/// Text escaped for HTML (see [`escape`]).
#[derive(Clone, Copy, Debug)]
pub struct Escape<'a>(&'a str);

impl fmt::Display for Escape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// A sample's side as it is shown: escaped, with the characters one cannot
/// see (spaces, line ends, controls, format characters, combining marks
/// alone) drawn as marked names or code points, and the cut said.
struct Shown<'a>(&'a Snippet);

/// What stands for `c` on the page, when `c` itself would not be seen.
fn stand_in(c: char) -> Option<String> {
    let named = match c {
        ' ' => "␣",
        '\t' => "TAB",
        '\n' => "LF",
        '\r' => "CR",
        _ => "",
    };
    if !named.is_empty() {
        return Some(named.to_string());
    }
    let unseen = c.is_control()
        || (c.is_whitespace() && c != ' ')
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(
            c,
            '\u{AD}'
                | '\u{34F}'
                | '\u{61C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        );
    unseen.then(|| format!("U+{:04X}", c as u32))
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0.text;
        if s.is_empty() && self.0.cut == 0 {
            return f.write_str("<span class=\"cp\">nothing</span>");
        }
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if let Some(name) = stand_in(c) {
                write!(f, "{}<span class=\"cp\">{name}</span>", escape(&s[start..i]))?;
                start = i + c.len_utf8();
            }
        }
        write!(f, "{}", escape(&s[start..]))?;
        if self.0.cut > 0 {
            write!(
                f,
                "<span class=\"cut\">… {} more characters</span>",
                thousands(self.0.cut as u64)
            )?;
        }
        Ok(())
    }
}

/// The style sheet: system fonts (CJK ones named for Chinese samples),
/// cards for the totals, light tables, stage colours shared by the chart,
/// the legend and the samples.
const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5d6778;--line:#e2e6ee;--bg:#f6f7fa;--card:#fff;
--repair:#d9822b;--normalize:#2f7fc1;--convert:#3a9a5b;--bad:#c0392b;--warn:#b7791f;--good:#2e8b57}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:0 0 12px}
h3{font-size:15px;margin:14px 0 6px}
section,header{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:18px 22px;margin:0 0 18px}
code,.path,.change,.where{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,
"Noto Sans Mono CJK SC","WenQuanYi Micro Hei Mono",monospace;font-size:13.5px}
.cmd{margin:0 0 10px;color:var(--muted);overflow-wrap:anywhere}
.state{display:inline-block;margin:0 0 14px;padding:2px 10px;border-radius:999px;
font-size:13px;font-weight:600;color:#fff}
.state.good{background:var(--good)}.state.warn{background:var(--warn)}.state.bad{background:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin:0}
.cards div{background:var(--bg);border-radius:8px;padding:10px 12px}
.cards dt{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.cards dd{margin:0;font-size:22px;font-weight:650}
.cards dd.note{font-size:12.5px;font-weight:400;color:var(--muted)}
table{border-collapse:collapse;width:100%}
table.narrow{width:auto;min-width:50%}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:18px;margin:0 0 18px}
.pair section{margin:0}
.pair table.narrow{width:100%}
@media (max-width:800px){.pair{grid-template-columns:1fr}}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.path{overflow-wrap:anywhere}
.share{display:inline-block;height:10px;background:var(--normalize);border-radius:3px;
vertical-align:middle;min-width:2px}
td.pct{width:45%;white-space:nowrap}
.decoding{color:var(--muted);margin:12px 0 0}
.decoding span{margin-left:10px;white-space:nowrap}
.chart{display:block;max-width:900px}
.chart text{font:13px ui-monospace,Menlo,Consolas,monospace;fill:var(--fg);dominant-baseline:middle}
.chart text.value{fill:var(--muted)}
.chart a:hover rect{opacity:.75}
.bar.repair rect,.key.repair{fill:var(--repair);background:var(--repair)}
.bar.normalize rect,.key.normalize{fill:var(--normalize);background:var(--normalize)}
.bar.convert rect,.key.convert{fill:var(--convert);background:var(--convert)}
.legend{color:var(--muted);font-size:13px;margin:8px 0 0}
.key{display:inline-block;width:12px;height:12px;border-radius:3px;margin:0 5px 0 14px;
vertical-align:-1px}
.key:first-child{margin-left:0}
a{color:inherit}
.rule{border-top:1px solid var(--line);padding:6px 0 4px}
.rule:first-of-type{border-top:0}
.rule h3{display:flex;gap:10px;align-items:baseline;margin:8px 0 2px}
.rule h3 code{font-size:15px}
.stage{font-size:11.5px;font-weight:600;color:#fff;border-radius:4px;padding:0 6px}
.rule.repair .stage{background:var(--repair)}
.rule.normalize .stage{background:var(--normalize)}
.rule.convert .stage{background:var(--convert)}
.count{color:var(--muted);font-weight:400}
.about{margin:0 0 6px;color:var(--muted);font-size:13.5px}
ol.samples{list-style:none;margin:0;padding:0}
ol.samples li{display:grid;grid-template-columns:minmax(220px,42%) 1fr;gap:12px;
padding:4px 0;border-bottom:1px dashed var(--line)}
ol.samples li:last-child{border-bottom:0}
.where{color:var(--muted);overflow-wrap:anywhere}
.change{overflow-wrap:anywhere}
.before{background:#fdecea;border-radius:3px;padding:1px 4px;text-decoration:line-through;
text-decoration-color:rgba(192,57,43,.45)}
.after{background:#e6f4ea;border-radius:3px;padding:1px 4px}
.arrow{color:var(--muted);margin:0 8px}
.cp{font-size:11px;border:1px solid #b9c0cc;border-radius:3px;padding:0 3px;margin:0 1px;
color:var(--muted);text-decoration:none;display:inline-block}
.cut{color:var(--muted);font-size:12px;margin-left:4px}
.empty,.more{color:var(--muted)}
footer{color:var(--muted);font-size:12.5px;text-align:center;margin-top:8px}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileReport, SkipReason};
    use crate::rules::Change;

    #[test]
    fn escape_leaves_no_markup() {
        let s = escape("<script>alert(\"x\" & 'y')</script>").to_string();
        assert_eq!(s, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
        assert_eq!(escape("中文 plain").to_string(), "中文 plain");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn snippets_are_cut_and_unseen_characters_shown() {
        let long = "长".repeat(SNIPPET_CHARS + 5);
        let s = Snippet::new(&long);
        assert_eq!(s.text.chars().count(), SNIPPET_CHARS);
        assert_eq!(s.cut, 5);
        let shown = Shown(&Snippet::new("a\u{200B} b\r\n<")).to_string();
        assert_eq!(
            shown,
            "a<span class=\"cp\">U+200B</span><span class=\"cp\">␣</span>b\
             <span class=\"cp\">CR</span><span class=\"cp\">LF</span>&lt;"
        );
        assert!(Shown(&Snippet::new("")).to_string().contains("nothing"));
    }

    fn explained(report: &mut HtmlReport, path: &str, rule: Rule, before: &str, after: &str) {
        let change =
            Change { rule, line: 2, column: 3, before: before.into(), after: after.into() };
        report.observe(&Event::Explained { path: Path::new(path), record: None, change: &change });
    }

    #[test]
    fn samples_are_bounded_and_distinct() {
        let mut r = HtmlReport::new();
        for i in 0..10 {
            explained(&mut r, "a.txt", Rule::CjkPunct, ",", "，");
            explained(&mut r, "a.txt", Rule::WidthAlnum, &format!("{i}"), "x");
        }
        assert_eq!(r.samples[Rule::CjkPunct as usize].len(), 1);
        assert_eq!(r.samples[Rule::WidthAlnum as usize].len(), SAMPLES_PER_RULE);
    }

    #[test]
    fn top_files_keep_the_largest() {
        let mut r = HtmlReport::new();
        for i in 0..(TOP_FILES as u64 + 10) {
            let mut f = FileReport::new(format!("f{i}.txt"));
            f.changes.add(Rule::CjkPunct, i);
            f.changes.add(Rule::Utf8, 1000);
            r.observe(&Event::FileDone { report: &f });
        }
        assert_eq!(r.top.len(), TOP_FILES);
        let least = r.top.iter().map(|t| t.total).min().unwrap();
        assert_eq!(least, 10, "decoding counts are not changes");
    }

    #[test]
    fn an_interrupted_or_failed_run_says_so() {
        let mut sum = Summary::default();
        let page = HtmlReport::new().render(&sum, Duration::ZERO);
        assert!(page.contains("data-figure=\"interrupted\" data-value=\"false\">finished<"));
        assert!(page.contains("No rule changed anything."));
        sum.errors = 1;
        let page = HtmlReport::new().render(&sum, Duration::ZERO);
        assert!(page.contains("\">finished, with errors<"), "{page}");
        sum.interrupted = true;
        let page = HtmlReport::new().render(&sum, Duration::ZERO);
        assert!(page.contains("data-value=\"true\">interrupted"), "{page}");
    }

    #[test]
    fn errors_are_listed_up_to_a_bound() {
        let mut r = HtmlReport::new();
        for i in 0..(LISTED + 7) {
            let mut f = FileReport::new(format!("bad{i}.txt"));
            f.error = Some(format!("bad{i}.txt: <denied>"));
            r.observe(&Event::FileDone { report: &f });
        }
        assert_eq!((r.errors.len(), r.errors_more), (LISTED, 7));
        let page = r.render(&Summary::default(), Duration::ZERO);
        assert!(page.contains("bad0.txt: &lt;denied&gt;"));
        assert!(page.contains("and 7 more not listed"));
    }

    #[test]
    fn page_shows_figures_and_escapes_names() {
        let mut r = HtmlReport::new().with_command(["zhclean", "<b>"]);
        let mut sum = Summary::default();
        let mut f = FileReport::new("<script>alert(1)</script>.txt");
        f.encoding = Some("GBK".into());
        f.changes.add(Rule::Legacy, 1);
        f.changes.add(Rule::CjkPunct, 1234);
        r.observe(&Event::FileDone { report: &f });
        sum.add(&f);
        let mut s = FileReport::new("x\".png");
        s.skipped = Some(SkipReason::Binary { reason: "PNG <sig>".into(), copied: false });
        r.observe(&Event::FileDone { report: &s });
        sum.add(&s);
        explained(&mut r, "<script>alert(1)</script>.txt", Rule::CjkPunct, "</script>", "，");
        let page = r.render(&sum, Duration::from_millis(250));
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("</script>"), "{page}");
        assert!(!page.contains("<b>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.txt"));
        assert!(page.contains("data-figure=\"files\" data-value=\"2\">2<"));
        assert!(page.contains("data-rule=\"cjk-punct\" data-count=\"1234\""));
        assert!(page.contains(">1,234<"));
        assert!(page.contains("data-encoding=\"GBK\" data-count=\"1\""));
        assert!(page.contains("data-decoding=\"legacy\" data-count=\"1\""));
        assert!(page.contains("data-skip-kind=\"not text\" data-count=\"1\""));
        assert!(page.contains("x&quot;.png"));
        assert!(page.contains("PNG &lt;sig&gt;"));
        assert!(!page.contains("http-equiv=\"refresh\""));
        // Nothing that would load from elsewhere.
        for bad in ["src=", "href=\"http", "url(", "@import"] {
            assert!(!page.contains(bad), "{bad}");
        }
    }
}
