"""The Python API against the zhclean command: same output, same errors."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading

import pytest

import zhclean

from .conftest import zhclean_bin

SAMPLES = [
    "斯科特?丹恩（Scott Dunn）说",
    "&#33879;名作家&amp;#33879;,今年１９９８年...",
    "他说:\"你好\"",
    "头发 发展\r\n第二行  \n",
    "",
    "plain ascii, nothing to do",
    "行\u2028分隔",
]


def cli_jsonl(texts, *args):
    """What `zhclean --jsonl ARGS` writes for records holding `texts`."""
    lines = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    out = subprocess.run(
        [zhclean_bin(), "--jsonl", "-q", "--progress", "never", *args],
        input=lines.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [json.loads(line)["text"] for line in out.split("\n")[:-1]]


def cli_error(*args):
    r = subprocess.run(
        [zhclean_bin(), "--jsonl", "-q", *args], input=b"", capture_output=True
    )
    assert r.returncode == 2, r
    return r.stderr.decode().strip().removeprefix("zhclean: ")


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({}, []),
        ({"convert": "s2t"}, ["--convert", "s2t"]),
        ({"convert": "s2twp.json", "quotes": "corner"}, ["--convert", "s2twp.json", "--quotes", "corner"]),
        ({"no_rules": ["cjk-punct", "ellipsis"]}, ["--no-rule", "cjk-punct,ellipsis"]),
        ({"no_rules": "name-separator,entities"}, ["--no-rule", "name-separator", "--no-rule", "entities"]),
        ({"html": "strip"}, ["--html", "strip"]),
        ({"html": "keep", "quotes": "curly"}, ["--html", "keep", "--quotes", "curly"]),
    ],
)
def test_same_output_as_the_command(kwargs, flags):
    texts = SAMPLES + ["<p>网页&nbsp;<b>正文</b></p>\n<script>x=1</script>"]
    want = cli_jsonl(texts, *flags)
    assert [zhclean.clean(t, **kwargs) for t in texts] == want
    cleaner = zhclean.Cleaner(**kwargs)
    assert [cleaner.clean(t) for t in texts] == want
    assert cleaner.clean_batch(texts) == want


def test_known_repairs():
    assert zhclean.clean("斯科特?丹恩（Scott Dunn）说", convert="s2t") == "斯科特·丹恩（Scott Dunn）說"
    text, counts = zhclean.Cleaner().clean_counted("&#33879;名作家１９９８")
    assert text == "著名作家1998"
    assert counts == {"entities": 1, "width-alnum": 4}
    assert zhclean.Cleaner().clean_counted("干净的句子。") == ("干净的句子。", {})


def test_unchanged_text_is_the_same_object():
    s = "干净的句子。" * 3
    assert zhclean.Cleaner().clean(s) is s
    out = zhclean.Cleaner(threads=2).clean_batch([s, None, "１"])
    assert out[0] is s and out[1] is None and out[2] == "1"


# Strings of every width CPython stores (ASCII, Latin-1, BMP, astral), with
# edits next to the wide characters, so that clean_batch's own conversions
# (code points to UTF-8 and back) meet every sequence length.
WIDTHS = [
    "",
    "a",
    "é",
    "café:１２",
    "\u00ff\u0100\u07ff\u0800\uffff",
    "中文,测试?好",
    "😀表情１２３😀",
    "\U0010ffff末尾１",
    "&#128512;与&#x1F600;",
    "Ā中😀é" * 50,
    "\ufeff开头的字节序标记",
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("convert", [None, "s2t"])
def test_batch_equals_one_by_one(threads, convert):
    cleaner = zhclean.Cleaner(convert=convert, threads=threads)
    texts = (WIDTHS + SAMPLES) * 20
    want = [cleaner.clean(t) for t in texts]
    got = cleaner.clean_batch(list(texts))
    assert got == want
    assert [type(g) for g in got] == [str] * len(texts)
    assert cleaner.clean_batch(iter(texts)) == want


def test_batch_round_trips_every_width():
    # Random strings from ranges of every UTF-8 length (and of each of
    # CPython's string widths), with the rules off: a batch gives back
    # exactly what went in, whatever the mix, so both of clean_batch's
    # conversions are exact. (Runs of one range and mixed runs both occur.)
    import random

    rng = random.Random(7)
    # (Full-width forms, U+FF00 on, are left out: the one rule below changes them.)
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFEFF),
              (0x4E00, 0x9FFF), (0x10000, 0x10FFFF)]
    texts = []
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(0, 6)):
            lo, hi = rng.choice(ranges)
            parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(0, 13))))
        texts.append("".join(parts))
    off = zhclean.Cleaner(no_rules=list(zhclean.RULES), html="keep", threads=1)
    assert off.clean_batch(texts) == texts
    # Every text changed by one rule at its two ends only: the middle must
    # come back through both conversions unchanged.
    for threads in (1, 2):
        one_rule = zhclean.Cleaner(
            no_rules=[r for r in zhclean.RULES if r != "width-alnum"], html="keep", threads=threads
        )
        got = one_rule.clean_batch(["１" + t + "Ａ" for t in texts])
        assert got == ["1" + t + "A" for t in texts]
    on = zhclean.Cleaner(threads=2)
    assert on.clean_batch(texts) == [on.clean(t) for t in texts]


def test_batch_conversions_at_every_length():
    # Runs of one kind (ASCII, two-, three- and four-byte characters) and
    # mixes of ASCII and Han, at every length up to past the widest block
    # the conversions take at once, each changed by one rule at its start
    # only: the rest must come back exactly, to its last character.
    one_rule = zhclean.Cleaner(
        no_rules=[r for r in zhclean.RULES if r != "width-alnum"], html="keep", threads=1
    )
    units = ["a", "é", "中", "😀", "a中", "中中a", "ab中"]
    texts = [u * n for u in units for n in range(0, 48)]
    got = one_rule.clean_batch(["１" + t for t in texts])
    assert got == ["1" + t for t in texts]
    assert one_rule.clean_batch(texts) == texts


def test_batch_spans_windows():
    # More code points than one window of clean_batch holds (256 Ki).
    big = "文字１" * 100_000
    texts = [big, "１", None, big, big[:10]]
    got = zhclean.Cleaner(threads=1).clean_batch(texts)
    assert got == [zhclean.Cleaner().clean(t) if t is not None else None for t in texts]
    assert got[2] is None


def test_batch_surrogates_raise_as_encoding_does():
    bad = "ab\ud800cd"
    with pytest.raises(UnicodeEncodeError) as want:
        bad.encode("utf-8")
    for threads in (1, 2):
        cleaner = zhclean.Cleaner(threads=threads)
        with pytest.raises(UnicodeEncodeError) as got:
            cleaner.clean_batch(["fine", None, bad, "１"])
        assert str(got.value) == str(want.value)
        with pytest.raises(UnicodeEncodeError):
            cleaner.clean(bad)
        # The first bad item raises, as when every item was encoded in turn.
        with pytest.raises(UnicodeEncodeError):
            cleaner.clean_batch(["x", bad, 3])
        with pytest.raises(TypeError, match="item 1 is int"):
            cleaner.clean_batch(["x", 3, bad])


def test_errors_are_the_commands():
    with pytest.raises(ValueError) as e:
        zhclean.Cleaner(no_rules=["cjk-punct", "nope"])
    assert str(e.value) == cli_error("--no-rule", "cjk-punct,nope")
    assert "unknown rule 'nope'" in str(e.value) and "name-separator" in str(e.value)
    # A config that is neither built in nor a file, and a dictionary that
    # is not there: the same words as the command's.
    for make in (lambda: zhclean.Cleaner(convert="x2y"), lambda: zhclean.Converter("x2y")):
        with pytest.raises(ValueError) as e:
            make()
        assert str(e.value) == cli_error("--convert", "x2y")
        assert "'x2y'" in str(e.value) and "s2twp" in str(e.value), str(e.value)
    with pytest.raises(ValueError, match="invalid value 'maybe' for html"):
        zhclean.Cleaner(html="maybe")
    with pytest.raises(ValueError, match="invalid value 'straight' for quotes"):
        zhclean.clean("x", quotes="straight")
    with pytest.raises(ValueError, match="dicts apply to conversion"):
        zhclean.Cleaner(dicts=["a.txt"])
    with pytest.raises(TypeError):
        zhclean.Cleaner().clean_batch(["a", 1])
    with pytest.raises(TypeError):
        zhclean.Cleaner().clean(b"bytes")


def test_bad_dictionary_names_file_and_line(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("头发\t頭髮喔\n", encoding="utf-8")
    assert zhclean.Converter("s2t", dicts=[good]).convert("头发") == "頭髮喔"
    assert zhclean.clean("头发", convert="s2t", dicts=str(good)) == "頭髮喔"
    assert zhclean.clean("头发", convert="s2t", dicts=[good]) == cli_jsonl(
        ["头发"], "--convert", "s2t", "--dict", str(good)
    )[0]
    bad = tmp_path / "bad.txt"
    bad.write_text("头发\t頭髮\n没有制表符\n", encoding="utf-8")
    with pytest.raises(ValueError) as e:
        zhclean.Cleaner(convert="s2t", dicts=[bad])
    msg = str(e.value)
    assert msg == cli_error("--convert", "s2t", "--dict", str(bad))
    assert msg.startswith(f"{bad}:2: "), msg
    missing = tmp_path / "missing.txt"
    with pytest.raises(ValueError) as e:
        zhclean.Converter("s2t", dicts=[missing])
    assert str(e.value) == cli_error("--convert", "s2t", "--dict", str(missing))
    assert str(e.value) == f"{missing}: no such file"


def test_converter_matches_the_command():
    texts = ["头发 发展", "鼠标里面的硅二极管坏了", "汉字\u2028"]
    for config in ["s2t", "s2twp", "t2s", "s2hk"]:
        conv = zhclean.Converter(config)
        assert conv.name == config
        got = [conv.convert(t) for t in texts]
        assert got == cli_jsonl(texts, "--no-clean", "--convert", config)


def test_decode():
    assert zhclean.decode("汉字编码测试".encode("gbk")) == ("汉字编码测试", "GB18030", pytest.approx(zhclean.decode("汉字编码测试".encode("gbk"))[2]))
    text, enc, conf = zhclean.decode("漢字編碼測試，繁體中文".encode("big5"))
    assert (text, enc) == ("漢字編碼測試，繁體中文", "Big5")
    assert 0 < conf <= 1
    assert zhclean.decode(bytearray("\ufeff中文".encode("utf-8")))[:2] == ("中文", "UTF-8")
    assert zhclean.decode(memoryview("中文".encode("utf-16le")), encoding="utf-16le")[:2] == ("中文", "UTF-16LE")
    with pytest.raises(ValueError, match="not text"):
        zhclean.decode(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        zhclean.decode(b"x", encoding="klingon")


def test_pickle_rebuilds_from_options(tmp_path):
    d = tmp_path / "user.txt"
    d.write_text("头发\t頭髮喔\n", encoding="utf-8")
    c = zhclean.Cleaner(convert="s2t", no_rules="cjk-punct", quotes="corner", dicts=[d], threads=2)
    c2 = pickle.loads(pickle.dumps(c))
    assert type(c2) is zhclean.Cleaner
    assert c2.options == c.options
    assert c2.options["no_rules"] == ["cjk-punct"] and c2.threads == 2
    for t in SAMPLES + ["头发,\"好\""]:
        assert c2.clean(t) == c.clean(t)
    conv = pickle.loads(pickle.dumps(zhclean.Converter("s2twp", dicts=[d])))
    assert conv.convert("头发鼠标") == "頭髮喔滑鼠"
    assert "convert='s2t'" in repr(c) or 'convert="s2t"' in repr(c)


def test_threads_agree_and_are_safe():
    texts = [s * (i % 7 + 1) for i, s in enumerate(SAMPLES * 300)]
    one = zhclean.Cleaner(threads=1).clean_batch(texts)
    assert one == [zhclean.clean(t) for t in texts]
    shared = zhclean.Cleaner(threads=2)
    results = {}

    def work(k):
        results[k] = shared.clean_batch(texts)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == one for k in range(4))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_no_deadlock_after_fork():
    # The parent's pool has run (its threads exist); a forked child must
    # make its own pool instead of waiting on threads it does not have.
    code = r"""
import os, sys, zhclean
c = zhclean.Cleaner(threads=2)
texts = ["１２３%d" % i for i in range(5000)]
assert c.clean_batch(texts)[0] == "1230"
pid = os.fork()
if pid == 0:
    ok = c.clean_batch(texts)[-1] == "1234999"
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""
    r = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert r.returncode == 0


def test_rules_are_the_commands():
    assert "name-separator" in zhclean.RULES and "convert" in zhclean.RULES
    assert len(set(zhclean.RULES)) == len(zhclean.RULES)
