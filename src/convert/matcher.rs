//! One conversion stage: a flattened dictionary and OpenCC's matching walk.
//!
//! OpenCC converts with greedy forward maximum matching: at each position it
//! takes the longest key that is a prefix of the rest of the text, and
//! otherwise copies one character (or one whole ideographic description
//! sequence) and moves on. A leftmost-longest Aho-Corasick automaton yields
//! exactly those matches in one pass: the leftmost start at or after the
//! current position is the first position where the walk would find a key,
//! and there it picks the longest. The only thing the automaton does not
//! know about is IDS pass-through (`⿰头发` is copied whole, so a key inside
//! it must not match), which [`Stage::walk`] handles by restarting the
//! automaton after each complete IDS that the walk would have reached
//! unmatched.

use daachorse::CharwiseDoubleArrayAhoCorasick;

use super::blob;

/// A piece of text as the walk sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes `start..end` matched no key (they may hold whole IDS).
    Gap(usize, usize),
    /// Bytes `start..end` are a key; the third field is its index.
    Match(usize, usize, u32),
}

/// One flattened dictionary, ready to match.
pub struct Stage {
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    offsets: Vec<u32>,
    values: String,
    newline_key: bool,
    /// `lead[b0]` has bit `b1 % 64` of word `b1 / 64` set when some key
    /// starts with bytes `b0 b1`: a cheap way to see that a text cannot
    /// match at all (normalisation stages almost never match).
    lead: Box<blob::LeadTable>,
}

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stage").field("entries", &self.len()).finish()
    }
}

impl Stage {
    /// Builds a stage from sorted entries with unique, non-empty keys.
    pub fn from_entries(entries: &[(String, String)]) -> Result<Stage, String> {
        let automaton =
            if entries.is_empty() { None } else { Some(blob::build_automaton(entries)?) };
        let mut offsets = Vec::with_capacity(entries.len() + 1);
        let mut values = String::new();
        offsets.push(0);
        for (_, v) in entries {
            values.push_str(v);
            offsets.push(values.len() as u32);
        }
        let lead = blob::lead_table(entries.iter().map(|(k, _)| k.as_str()));
        let newline_key = entries.iter().any(|(k, _)| k.contains('\n'));
        Ok(Stage { automaton, offsets, values, newline_key, lead })
    }

    /// Reads a stage written by [`blob::encode`].
    pub fn from_blob(bytes: &[u8]) -> Result<Stage, String> {
        let mut pos = 0;
        let u32_at = |pos: &mut usize| -> Result<u32, String> {
            let b = bytes.get(*pos..*pos + 4).ok_or("truncated stage blob")?;
            *pos += 4;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        if bytes.get(..4) != Some(&blob::MAGIC[..]) {
            return Err("not a stage blob".into());
        }
        pos += 4;
        if u32_at(&mut pos)? != blob::VERSION {
            return Err("stage blob of another version".into());
        }
        let flags = u32_at(&mut pos)?;
        let n = u32_at(&mut pos)? as usize;
        let mut offsets = Vec::with_capacity(n + 1);
        for _ in 0..=n {
            offsets.push(u32_at(&mut pos)?);
        }
        let vlen = *offsets.last().unwrap_or(&0) as usize;
        let vbytes = bytes.get(pos..pos + vlen).ok_or("truncated stage blob")?;
        let values = String::from_utf8(vbytes.to_vec()).map_err(|e| e.to_string())?;
        pos += vlen;
        let mut lead = Box::new([[0u64; 4]; 256]);
        for row in lead.iter_mut() {
            for w in row.iter_mut() {
                let b = bytes.get(pos..pos + 8).ok_or("truncated stage blob")?;
                *w = u64::from_le_bytes(b.try_into().map_err(|_| "truncated stage blob")?);
                pos += 8;
            }
        }
        let automaton = if n == 0 {
            None
        } else {
            let (a, _) = CharwiseDoubleArrayAhoCorasick::<u32>::deserialize(&bytes[pos..])
                .map_err(|e| e.to_string())?;
            Some(a)
        };
        Ok(Stage { automaton, offsets, values, newline_key: flags & 1 != 0, lead })
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the stage has no keys (it then copies text unchanged).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether some key contains a line feed.
    pub fn has_newline_key(&self) -> bool {
        self.newline_key
    }

    /// The value of key number `i`.
    #[inline]
    pub fn value(&self, i: u32) -> &str {
        let i = i as usize;
        // The offsets come from the same blob or entries as the automaton,
        // so every index it yields is in range.
        &self.values[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Whether no key can match anywhere in `text` (a quick, conservative
    /// check on the first two bytes of keys).
    pub fn cannot_match(&self, text: &str) -> bool {
        let b = text.as_bytes();
        if b.len() < 2 {
            return self
                .automaton
                .as_ref()
                .is_none_or(|a| a.leftmost_find_iter(text).next().is_none());
        }
        let last = self.lead[b[b.len() - 1] as usize];
        last == [0; 4]
            && !b
                .windows(2)
                .any(|w| self.lead[w[0] as usize][(w[1] >> 6) as usize] & (1 << (w[1] & 63)) != 0)
    }

    /// Converts `text` with this stage, appending to `out`.
    pub fn apply(&self, text: &str, out: &mut String) {
        self.walk(text, |p| match p {
            Piece::Gap(a, b) => out.push_str(&text[a..b]),
            Piece::Match(_, _, v) => out.push_str(self.value(v)),
        });
    }

    /// Walks `text` as OpenCC does, reporting gaps and matches in order.
    /// Consecutive gaps may be reported separately; together the pieces
    /// cover `text` exactly.
    pub fn walk(&self, text: &str, mut f: impl FnMut(Piece)) {
        let Some(ac) = &self.automaton else {
            if !text.is_empty() {
                f(Piece::Gap(0, text.len()));
            }
            return;
        };
        let bytes = text.as_bytes();
        let Some(first_op) = find_ids_operator(bytes, 0, bytes.len()) else {
            // No IDS operator anywhere: the automaton alone is the walk.
            let mut pos = 0;
            for m in ac.leftmost_find_iter(text) {
                if m.start() > pos {
                    f(Piece::Gap(pos, m.start()));
                }
                f(Piece::Match(m.start(), m.end(), m.value()));
                pos = m.end();
            }
            if pos < text.len() {
                f(Piece::Gap(pos, text.len()));
            }
            return;
        };

        let mut pos = 0; // everything before `pos` has been reported
        let mut base = 0; // where the current automaton run started
        let mut next_op = Some(first_op);
        let mut iter = ac.leftmost_find_iter(text);
        loop {
            let m = iter.next().map(|m| (base + m.start(), base + m.end(), m.value()));
            let gap_end = m.map_or(text.len(), |m| m.0);
            // The walk reaches every operator in the gap unmatched; a
            // complete IDS there is copied whole.
            let mut restart = false;
            while let Some(q) = next_op.filter(|&q| q < gap_end) {
                if q < pos {
                    next_op = find_ids_operator(bytes, pos, bytes.len());
                    continue;
                }
                let len = ids_len(&text[q..]);
                if len == 0 {
                    next_op = find_ids_operator(bytes, q + 3, bytes.len());
                    continue;
                }
                f(Piece::Gap(pos, q + len));
                pos = q + len;
                next_op = find_ids_operator(bytes, pos, bytes.len());
                if pos > gap_end {
                    // The match found starts inside the IDS: search again
                    // from the end of the IDS.
                    restart = true;
                    break;
                }
            }
            if restart {
                base = pos;
                iter = ac.leftmost_find_iter(&text[pos..]);
                continue;
            }
            if pos < gap_end {
                f(Piece::Gap(pos, gap_end));
            }
            match m {
                Some((s, e, v)) => {
                    f(Piece::Match(s, e, v));
                    pos = e;
                }
                None => break,
            }
        }
    }
}

/// The byte offset of the first ideographic description operator
/// (U+2FF0..U+2FFF, bytes `E2 BF B0..BF`) in `bytes[from..to]`.
#[inline]
pub fn find_ids_operator(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut at = from;
    while at < to {
        let i = at + memchr::memmem::find(&bytes[at..to], b"\xE2\xBF")?;
        if bytes.get(i + 2).is_some_and(|&b| b >= 0xB0) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

fn ids_arity(c: char) -> usize {
    match c {
        '\u{2FF2}' | '\u{2FF3}' => 3,
        '\u{2FFE}' | '\u{2FFF}' => 1,
        '\u{2FF0}'..='\u{2FFD}' => 2,
        _ => 0,
    }
}

/// The length in bytes of the complete IDS at the start of `s`, or 0 when
/// `s` does not start with an operator or the sequence is incomplete or
/// too long (OpenCC: depth 16, 64 code points).
pub fn ids_len(s: &str) -> usize {
    enum Status {
        Complete(usize),
        Incomplete,
        Invalid,
    }
    fn consume(s: &str, depth_left: usize, points: &mut usize) -> Status {
        let Some(c) = s.chars().next() else { return Status::Incomplete };
        if depth_left == 0 || *points >= 64 {
            return Status::Invalid;
        }
        *points += 1;
        let arity = ids_arity(c);
        let mut off = c.len_utf8();
        for _ in 0..arity {
            if off >= s.len() {
                return Status::Incomplete;
            }
            match consume(&s[off..], depth_left - 1, points) {
                Status::Complete(n) => off += n,
                other => return other,
            }
        }
        Status::Complete(off)
    }
    match s.chars().next() {
        Some(c) if ids_arity(c) > 0 => match consume(s, 16, &mut 0) {
            Status::Complete(n) => n,
            _ => 0,
        },
        _ => 0,
    }
}

/// Whether an IDS starting before byte `at` of `text` could reach past
/// `at`: true when an operator lies within the 64 characters before it.
pub fn ids_may_span(text: &str, at: usize) -> bool {
    let start = text[..at].char_indices().rev().nth(63).map_or(0, |(i, _)| i);
    find_ids_operator(text.as_bytes(), start, at).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(pairs: &[(&str, &str)]) -> Stage {
        let mut e: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        e.sort();
        Stage::from_entries(&e).unwrap()
    }

    fn run(s: &Stage, t: &str) -> String {
        let mut o = String::new();
        s.apply(t, &mut o);
        o
    }

    /// The walk written the plain way, as OpenCC's loop: the reference the
    /// automaton walk is checked against.
    fn naive(pairs: &[(&str, &str)], t: &str) -> String {
        let mut out = String::new();
        let mut p = 0;
        while p < t.len() {
            let best = pairs
                .iter()
                .filter(|(k, _)| !k.is_empty() && t[p..].starts_with(k))
                .max_by_key(|(k, _)| k.len());
            if let Some((k, v)) = best {
                out.push_str(v);
                p += k.len();
                continue;
            }
            let l = ids_len(&t[p..]);
            let l = if l > 0 { l } else { t[p..].chars().next().unwrap().len_utf8() };
            out.push_str(&t[p..p + l]);
            p += l;
        }
        out
    }

    #[test]
    fn longest_match_and_copy() {
        let s = stage(&[("头", "頭"), ("发", "發"), ("头发", "頭髮")]);
        assert_eq!(run(&s, "头发 发展"), "頭髮 發展");
        assert_eq!(run(&s, ""), "");
    }

    #[test]
    fn ids_is_copied_whole() {
        let p = [("头", "頭"), ("发", "發"), ("头发", "頭髮"), ("U盘", "隨身碟")];
        let s = stage(&p);
        for t in [
            "⿰头发",
            "头发⿰头发头发",
            "⿾头发",
            "⿲头发头发",
            "⿰U盘",
            "⿰头",
            "头⿰",
            "⿰⿱头发发头",
        ] {
            assert_eq!(run(&s, t), naive(&p, t), "{t}");
        }
        assert_eq!(run(&s, "头发⿰头发头发"), "頭髮⿰头发頭髮");
        assert_eq!(run(&s, "⿾头发"), "⿾头發");
        assert_eq!(run(&s, "⿲头发头发"), "⿲头发头發");
    }

    #[test]
    fn ids_limits() {
        // 65 code points of nested binary operators is too long: only the
        // operator is copied, the rest converts.
        let deep: String = "⿰".repeat(17) + &"头".repeat(18);
        assert_eq!(ids_len(&deep), 0);
        let ok: String = "⿰".repeat(15) + &"头".repeat(16);
        assert_eq!(ids_len(&ok), ok.len());
        assert_eq!(ids_len("⿰头"), 0);
        assert_eq!(ids_len("头"), 0);
    }

    #[test]
    fn cannot_match_is_conservative() {
        let s = stage(&[("\u{F900}", "\u{8C48}")]);
        assert!(s.cannot_match("头发 abc"));
        assert!(!s.cannot_match("x\u{F900}"));
        let s = stage(&[("a", "b")]);
        assert!(!s.cannot_match("xa"));
        assert!(!s.cannot_match("a"));
    }

    #[test]
    fn blob_round_trip() {
        let mut e = vec![("头发".to_string(), "頭髮".to_string()), ("发".into(), "發".into())];
        e.sort();
        let b = blob::encode(&e).unwrap();
        let s = Stage::from_blob(&b).unwrap();
        assert_eq!(run(&s, "头发发"), "頭髮發");
        assert!(!s.has_newline_key());
        assert!(Stage::from_blob(b"nope").is_err());
    }

    proptest::proptest! {
        #[test]
        fn automaton_walk_equals_naive_walk(t in "[头发⿰⿱⿲⿾U盘ab \n]{0,40}") {
            let p = [("头", "頭"), ("发", "發"), ("头发", "頭髮"), ("U盘", "隨身碟"), ("a", ""), ("ab", "X")];
            let s = stage(&p);
            proptest::prop_assert_eq!(run(&s, &t), naive(&p, &t));
        }
    }
}
