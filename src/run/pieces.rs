//! A large document in pieces: its decoded text cut where the pipeline
//! allows ([`Decoded`]), and the ordered parallel loop that processes
//! pieces on the pool and hands the results back in order ([`ordered`]).

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::{CancelToken, Fail};
use crate::decode::{DecodeInfo, StreamDecoder};
use crate::pipeline::Pipeline;
use crate::rules::Changes;

/// The most text held at once: 64 MiB. A document is cut into pieces only
/// where the pipeline allows (after a line end; never inside markup that
/// is handled), since a cut elsewhere could change what the rules and the
/// conversion do there. So a line is held whole, and so is a document
/// whose markup is handled; one longer than this (a gigabyte with no line
/// feed) fails with an error naming the bound, after about this much was
/// read, and nothing is written for it. Memory then stays a small multiple
/// of the bound, and time linear in it.
pub(crate) const MAX_WHOLE: usize = 64 << 20;

/// How far a piece may grow while [`Pipeline::split_point`] finds no cut
/// (a code block, a tag, a comment, a `<pre>` open over every line end of
/// it, or a region whose end is not in sight yet): [`QUIET_BLOCKS`]
/// blocks or [`QUIET_MIN`] bytes, whichever is more, and at most
/// [`MAX_WHOLE`]. Past it the piece is cut at
/// [`Pipeline::split_point_anywhere`] instead, so a document that is one
/// endless open region still streams in bounded memory. Only such a cut
/// can make the output differ from processing the document whole, and
/// only where a region runs over it. The piece grows by doubling, so the
/// searches for a cut cost at most about twice its final length.
fn quiet_limit(block: usize) -> usize {
    block.saturating_mul(QUIET_BLOCKS).clamp(QUIET_MIN, MAX_WHOLE)
}

/// See [`quiet_limit`].
pub(crate) const QUIET_BLOCKS: usize = 16;

/// See [`quiet_limit`]: 8 MiB, so that at any block size a region up to
/// that long (a stray `<pre>` never closed, found closed or not only at
/// the end of the document) is held whole rather than cut.
pub(crate) const QUIET_MIN: usize = 8 << 20;

fn too_long(what: &str) -> io::Error {
    io::Error::other(format!(
        "{what} longer than {} MiB, the most zhclean holds at once; not processed (split the \
         line or the file)",
        MAX_WHOLE >> 20
    ))
}

/// One piece of decoded text: whole lines, cut at a
/// [`Pipeline::split_point`].
pub(super) struct Piece {
    pub text: String,
    /// Input bytes read while it was decoded (for progress).
    pub raw: u64,
}

/// A document read and decoded a block at a time by one
/// [`StreamDecoder`], which holds the encoding decisions for all of it,
/// and cut into pieces of about a block of text.
pub(super) struct Decoded<R> {
    reader: R,
    decoder: StreamDecoder,
    /// The decoder's counts (`utf8`, `legacy`, `malformed`...).
    pub changes: Changes,
    raw: Vec<u8>,
    /// Decoded, not yet cut off.
    text: String,
    eof: bool,
    block: usize,
    /// Input bytes read and not yet given to a piece.
    unreported: u64,
}

impl<R: Read> Decoded<R> {
    /// Reads `reader` through a decoder (`forced` encoding, if any), in
    /// blocks of `block` bytes; `first` holds bytes already read from it.
    pub fn new(
        reader: R,
        first: Vec<u8>,
        forced: Option<&'static encoding_rs::Encoding>,
        changes: Changes,
        block: usize,
    ) -> Decoded<R> {
        Decoded {
            reader,
            decoder: StreamDecoder::new(forced),
            changes,
            raw: first,
            text: String::new(),
            eof: false,
            block: block.max(1),
            unreported: 0,
        }
    }

    /// What decoding decided (final once the input is used up).
    pub fn info(&self) -> &DecodeInfo {
        self.decoder.info()
    }

    /// The decoded text not yet cut off.
    pub fn pending(&self) -> &str {
        &self.text
    }

    /// Reads and decodes until at least `want` bytes of text are pending,
    /// or the input ends.
    pub fn fill(&mut self, want: usize) -> io::Result<()> {
        while self.text.len() < want && !self.eof {
            if self.raw.is_empty() {
                self.eof = fill(&mut self.reader, &mut self.raw, self.block, None)?;
            }
            self.unreported += self.raw.len() as u64;
            self.decoder.feed(&self.raw, self.eof, &mut self.text, &mut self.changes);
            self.raw.clear();
        }
        Ok(())
    }

    /// Everything that is left, decoded, as one piece: at most
    /// [`MAX_WHOLE`] bytes of text, else an error naming the bound.
    pub fn rest(&mut self) -> io::Result<Piece> {
        self.fill(MAX_WHOLE + 1)?;
        if self.text.len() > MAX_WHOLE {
            return Err(too_long("text that must be processed whole (markup, or a line)"));
        }
        let text = std::mem::take(&mut self.text);
        Ok(Piece { text, raw: std::mem::take(&mut self.unreported) })
    }

    /// The next piece: up to a block of text, cut at `pipeline`'s split
    /// point. Text with no split point in a block (one very long line, or
    /// a region open over every line end) is extended a block at a time
    /// (doubling) until one is found, or to the end; past [`quiet_limit`]
    /// it is cut at the last line end the converter allows.
    pub fn next(&mut self, pipeline: &Pipeline) -> io::Result<Option<Piece>> {
        let mut want = self.block;
        loop {
            self.fill(want)?;
            if self.eof && self.text.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof && self.text.len() <= want {
                Some(self.text.len())
            } else {
                // Every split point follows a line feed: with none in the
                // window the (costlier) search is skipped, so a long line
                // costs linear time up to the bound.
                let window = &self.text.as_bytes()[..want.min(self.text.len())];
                let forced = want >= quiet_limit(self.block);
                memchr::memchr(b'\n', window).and_then(|_| {
                    if forced {
                        pipeline.split_point_anywhere(&self.text, window.len())
                    } else {
                        pipeline.split_point(&self.text, window.len())
                    }
                })
            };
            match cut {
                Some(cut) if cut > 0 => {
                    let rest = self.text[cut..].to_string();
                    self.text.truncate(cut);
                    let mut text = std::mem::replace(&mut self.text, rest);
                    // The buffer grew past the cut (a block decoded ahead,
                    // and the decoder's reserve); a piece waiting its turn
                    // should not hold that. Shrinking gives the tail back
                    // without a copy.
                    text.shrink_to_fit();
                    let raw = std::mem::take(&mut self.unreported);
                    return Ok(Some(Piece { text, raw }));
                }
                _ if !self.eof && want >= MAX_WHOLE => return Err(too_long("a line")),
                _ if !self.eof || self.text.len() > want => {
                    // Doubling: the searches cost about twice the piece.
                    let limit = quiet_limit(self.block);
                    want = if want < limit {
                        want.saturating_mul(2).min(limit)
                    } else {
                        want.saturating_mul(2).min(MAX_WHOLE).max(want + self.block)
                    };
                }
                _ => return self.rest().map(Some),
            }
        }
    }

    /// The decoder's findings and counts, once the input is used up.
    pub fn finish(self) -> (DecodeInfo, Changes) {
        (self.decoder.into_info(), self.changes)
    }
}

/// Reads until `buf` holds `target` bytes or the input ends; true at the
/// end. The reads go straight into `buf` (grown to `target` first), one
/// `read` call for as much as is wanted.
///
/// `expected` is the length the input is known to have (a file's size from
/// the walk): a short read that brings `buf` to exactly that length is
/// taken as the end, which saves the extra `read` that would return 0. (A
/// read of a regular file comes short only at its end; were the file
/// growing meanwhile, the part read is what was there at the walk, and the
/// journal, which keeps the walk's size and time, has the next run redo it.)
pub(super) fn fill(
    r: &mut (impl Read + ?Sized),
    buf: &mut Vec<u8>,
    target: usize,
    expected: Option<usize>,
) -> io::Result<bool> {
    let mut len = buf.len();
    if len >= target {
        return Ok(false);
    }
    buf.resize(target, 0);
    let result = loop {
        match r.read(&mut buf[len..]) {
            Ok(0) => break Ok(true),
            Ok(n) => {
                len += n;
                if len == target {
                    break Ok(false);
                }
                if Some(len) == expected {
                    break Ok(true);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(len);
    result
}

/// How many pieces of a large document may be between being read and
/// being written: two per thread and one more being read or written.
/// Pieces finish out of order (the thread that writes also processes
/// pieces while it waits, newest first), so with only one per thread the
/// others often sat idle behind the oldest piece: on a 256 MiB file with
/// `--convert s2t`, `-j2` took 3.28 s (median of 3) with `threads + 1`,
/// 2.82 s with this, against 5.4 s for `-j1`. Memory stays a few blocks
/// (input, output and working copies) per thread.
pub(super) fn in_flight_limit(threads: usize) -> usize {
    2 * threads.max(1) + 1
}

// Waits for a result with a timeout, for the test that one thread never
// waits.
#[cfg(test)]
thread_local! {
    static TIMED_WAITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// One result from a worker to the thread that takes them in order.
struct Processed<T> {
    seq: usize,
    /// `None` when skipped because the loop is stopping; a caught panic is
    /// passed on to be raised again by the taker.
    result: Option<std::thread::Result<T>>,
}

/// The ordered parallel loop: this thread gets items from `next` and
/// hands each to the pool at once, the pool runs `work` on them in any
/// order, and this thread gives the results to `take` in the order of the
/// items. At most [`in_flight_limit`] items are between `next` and `take`,
/// which bounds memory; while waiting for the next result in order, this
/// thread runs a waiting item itself rather than sleep. Stops at the first
/// error, or when `cancel` is cancelled.
pub(super) fn ordered<P, T>(
    cancel: &CancelToken,
    mut next: impl FnMut() -> Result<Option<P>, Fail>,
    work: impl Fn(P) -> T + Sync,
    mut take: impl FnMut(T) -> Result<(), Fail>,
) -> Result<(), Fail>
where
    P: Send,
    T: Send,
{
    let limit = in_flight_limit(rayon::current_num_threads());
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Processed<T>>();
    let work = &work;
    rayon::in_place_scope(|scope| {
        let mut read = 0usize;
        let mut written = 0usize;
        let mut more = true;
        let mut ready: BTreeMap<usize, Processed<T>> = BTreeMap::new();
        let mut go = || -> Result<(), Fail> {
            loop {
                while more && read - written < limit {
                    if cancel.is_cancelled() {
                        return Err(Fail::Interrupted);
                    }
                    let Some(item) = next()? else {
                        more = false;
                        break;
                    };
                    let (tx, stop, seq) = (tx.clone(), &stop, read);
                    scope.spawn(move |_| {
                        let result = if stop.load(Ordering::Relaxed) {
                            None
                        } else {
                            Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                work(item)
                            })))
                        };
                        let _ = tx.send(Processed { seq, result });
                    });
                    read += 1;
                }
                while let Some(p) = ready.remove(&written) {
                    match p.result {
                        None => return Err(Fail::Interrupted),
                        Some(Err(panic)) => std::panic::resume_unwind(panic),
                        Some(Ok(t)) => take(t)?,
                    }
                    written += 1;
                }
                if !more && written == read {
                    return Ok(());
                }
                // Results were taken, so there is room: read the next items
                // before waiting for any (with none in flight, the wait
                // below would only time out: 2 ms lost per piece at `-j1`).
                if more && read - written < limit {
                    continue;
                }
                let p = match rx.try_recv() {
                    Ok(p) => p,
                    Err(_) => {
                        if rayon::yield_local() == Some(rayon::Yield::Executed) {
                            continue;
                        }
                        // No item is queued here: the others are being
                        // processed elsewhere. Wait for one, but look
                        // again for local work now and then rather than
                        // block for good (each job sends exactly once,
                        // panics included).
                        #[cfg(test)]
                        TIMED_WAITS.with(|w| w.set(w.get() + 1));
                        match rx.recv_timeout(Duration::from_millis(2)) {
                            Ok(p) => p,
                            Err(_) => continue,
                        }
                    }
                };
                ready.insert(p.seq, p);
            }
        };
        let result = go();
        if result.is_err() {
            // The items still queued are skipped, not processed.
            stop.store(true, Ordering::Relaxed);
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConvertSpec};

    #[test]
    fn fill_reads_to_target_or_end() {
        let mut r: &[u8] = b"abcdef";
        let mut buf = Vec::new();
        assert!(!fill(&mut r, &mut buf, 4, None).unwrap());
        assert_eq!(buf, b"abcd");
        assert!(fill(&mut r, &mut buf, 10, None).unwrap());
        assert_eq!(buf, b"abcdef");
        // A short read to the expected length ends the input without
        // another read.
        struct Once(Option<Vec<u8>>);
        impl Read for Once {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let data = self.0.take().expect("read once only");
                out[..data.len()].copy_from_slice(&data);
                Ok(data.len())
            }
        }
        let mut buf = Vec::new();
        assert!(fill(&mut Once(Some(b"xyz".to_vec())), &mut buf, 4, Some(3)).unwrap());
        assert_eq!(buf, b"xyz");
    }

    /// Pieces are whole lines of text, in order, covering the text; a line
    /// longer than a block is one piece, and the pieces after it are cut at
    /// block size again; a UTF-16 input cut anywhere decodes the same.
    #[test]
    fn pieces_cover_the_text_in_lines() {
        let p =
            Pipeline::new(Config { convert: Some(ConvertSpec::new("s2t")), ..Config::default() })
                .unwrap();
        let long = "头发".repeat(500);
        let text = format!("a\r\n{long}\r\n{}", "发展\r\n".repeat(400));
        let utf16: Vec<u8> =
            std::iter::once(0xFEFF).chain(text.encode_utf16()).flat_map(u16::to_le_bytes).collect();
        for bytes in [text.as_bytes(), &utf16[..]] {
            let mut d = Decoded::new(bytes, Vec::new(), None, Changes::new(), 101);
            let mut got = Vec::new();
            let mut raw = 0;
            while let Some(piece) = d.next(&p).unwrap() {
                assert!(piece.text.ends_with('\n'));
                raw += piece.raw;
                got.push(piece.text);
            }
            assert_eq!(got.concat(), text);
            assert_eq!(raw, bytes.len() as u64);
            assert!(got.iter().any(|x| x.len() > long.len()));
            assert!(got.len() > 25, "{} pieces", got.len());
            assert!(got.iter().skip(2).all(|x| x.len() <= 101));
        }
    }

    /// A document that is one code block never closed: no quiet cut, so
    /// the first piece grows to the bound and is then cut at a line end;
    /// the rest, outside the block, is cut at block size again.
    #[test]
    fn an_open_region_is_cut_past_the_bound() {
        let p = Pipeline::new(Config::default()).unwrap();
        let line = "代码行\n";
        let text = format!("```\n{}", line.repeat(QUIET_MIN / line.len() + 2000));
        let mut d = Decoded::new(text.as_bytes(), Vec::new(), None, Changes::new(), 4096);
        let mut got = Vec::new();
        while let Some(piece) = d.next(&p).unwrap() {
            got.push(piece.text);
        }
        assert_eq!(got.concat(), text);
        assert!(got[0].len() <= QUIET_MIN && got[0].len() > QUIET_MIN - 4096, "{}", got[0].len());
        assert!(got.len() > 3, "{} pieces", got.len());
        assert!(got[1..].iter().all(|x| x.len() <= 4096));
    }

    /// Many items through the ordered loop on one and two threads: results
    /// in order, whatever order the work finished in; an error stops it.
    #[test]
    fn ordered_keeps_order_and_stops_on_errors() {
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (got, stopped) = pool.install(|| {
                let cancel = CancelToken::new();
                let mut n = 0;
                let mut got = Vec::new();
                let r = ordered(
                    &cancel,
                    || {
                        n += 1;
                        Ok((n <= 300).then_some(n))
                    },
                    |i: u32| {
                        if i.is_multiple_of(7) {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        i * 2
                    },
                    |x| {
                        got.push(x);
                        Ok(())
                    },
                );
                assert!(r.is_ok());
                let mut m = 0;
                let stopped = ordered(
                    &cancel,
                    || {
                        m += 1;
                        Ok(Some(m))
                    },
                    |i: u32| i,
                    |x| if x == 5 { Err(Fail::Interrupted) } else { Ok(()) },
                );
                (got, stopped)
            });
            assert_eq!(got, (1..=300).map(|i| i * 2).collect::<Vec<_>>());
            assert!(matches!(stopped, Err(Fail::Interrupted)));
        }
        assert_eq!(in_flight_limit(1), 3);
        assert_eq!(in_flight_limit(2), 5);
    }

    /// On one thread every item is run by the thread that reads them, so
    /// that thread never has to wait for a result: it used to, once per
    /// item taken (for 2 ms, with nothing in flight to wait for).
    #[test]
    fn one_thread_never_waits() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let (waits, got) = pool.install(|| {
            let before = TIMED_WAITS.with(|w| w.get());
            let mut n = 0;
            let mut got = 0;
            ordered(
                &CancelToken::new(),
                || {
                    n += 1;
                    Ok((n <= 100).then_some(n))
                },
                |i: u32| i,
                |_| {
                    got += 1;
                    Ok(())
                },
            )
            .unwrap_or_else(|_| panic!("the loop failed"));
            (TIMED_WAITS.with(|w| w.get()) - before, got)
        });
        assert_eq!(got, 100);
        assert_eq!(waits, 0);
    }
}
