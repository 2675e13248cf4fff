//! ISO-2022-KR (RFC 1557), decoded by hand: WHATWG maps the label to the
//! "replacement" encoding (one U+FFFD for the whole input) because browsers
//! stopped decoding it, and no maintained crate decodes it. It is small:
//! `ESC $ ) C` designates KS X 1001 (once, at the start), SO (0x0E) shifts
//! to it and SI (0x0F) back to ASCII, and while shifted each pair of bytes
//! 0x21..=0x7E is a KS X 1001 character, which is the same pair with the
//! high bits set in EUC-KR. So this turns the input into EUC-KR bytes and
//! lets encoding_rs's EUC-KR decoder (a streaming one) do the rest.

use encoding_rs::EUC_KR;

/// The designation sequence that marks ISO-2022-KR.
pub(crate) const DESIGNATION: &[u8] = b"\x1B$)C";

const SO: u8 = 0x0E;
const SI: u8 = 0x0F;

/// A streaming ISO-2022-KR decoder.
pub(crate) struct Decoder {
    shifted: bool,
    /// The bytes of an escape sequence cut at the end of the last chunk.
    escape: Vec<u8>,
    inner: encoding_rs::Decoder,
    euc: Vec<u8>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iso2022KrDecoder").field("shifted", &self.shifted).finish()
    }
}

impl Decoder {
    pub(crate) fn new() -> Decoder {
        Decoder {
            shifted: false,
            escape: Vec::new(),
            inner: EUC_KR.new_decoder_without_bom_handling(),
            euc: Vec::new(),
        }
    }

    /// Decodes `src` into `out`; `last` marks the end of the input.
    /// Returns how many U+FFFD were written: one for an escape sequence
    /// other than the designation (the bytes after its ESC are then read
    /// as they are), and one per sequence EUC-KR cannot decode (a lone
    /// shifted byte, a byte above 0x7F).
    pub(crate) fn decode(&mut self, src: &[u8], last: bool, out: &mut String) -> u64 {
        self.euc.clear();
        for &b in src {
            if !self.escape.is_empty() || b == 0x1B {
                self.escape.push(b);
                if DESIGNATION.starts_with(&self.escape) {
                    if self.escape.len() == DESIGNATION.len() {
                        self.escape.clear();
                    }
                    continue;
                }
                let rest: Vec<u8> = self.escape.drain(..).skip(1).collect();
                self.push_error();
                for r in rest {
                    if r == 0x1B {
                        self.escape.push(r);
                    } else {
                        self.byte(r);
                    }
                }
                continue;
            }
            self.byte(b);
        }
        if last && !self.escape.is_empty() {
            self.escape.clear();
            self.push_error();
        }
        let euc = std::mem::take(&mut self.euc);
        let bad = super::decode_into(&mut self.inner, &euc, last, out);
        self.euc = euc;
        bad
    }

    fn byte(&mut self, b: u8) {
        match b {
            SO => self.shifted = true,
            SI => self.shifted = false,
            b'\n' | b'\r' => {
                // Lines start unshifted (RFC 1557).
                self.shifted = false;
                self.euc.push(b);
            }
            0x21..=0x7E if self.shifted => self.euc.push(b | 0x80),
            _ => self.euc.push(b),
        }
    }

    /// One error: a byte that EUC-KR never decodes.
    fn push_error(&mut self) {
        self.euc.push(0xFF);
    }
}
