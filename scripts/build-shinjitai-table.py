#!/usr/bin/env python3
"""Builds data/decode/shinjitai.txt: the Japanese simplified kanji
(shinjitai) that Chinese text does not use. A Han-only text with enough of
them is Japanese, not Chinese (`配列変数`): the language class keeps the
Chinese-only rules (conversion among them) off it.

A character is listed when it is a shinjitai form in OpenCC's
JPShinjitaiCharacters.txt (dict/, Apache-2.0), is not itself the
traditional form of another shinjitai there (a form that lists itself, `値`
→ `値 值`, stays), appears nowhere in OpenCC's
Chinese tables (the Simplified/Traditional characters and phrases, the
Taiwan and Hong Kong variants), and occurs fewer than ten times per million
characters in the Chinese character counts of data/decode/charfreq.txt (see
SOURCE.md). Classical text still holds some of them (`髪`, `徴`): those
that occur in the Complete Tang Poems (.cache/corpora/tang.txt, fetched by
scripts/fetch-corpora.sh) are marked `classical`. For the language class
(src/decode/lang.rs) two different ones make a text Japanese, or in a short
text one that is not marked.

Usage: scripts/fetch-corpora.sh && python3 scripts/build-shinjitai-table.py
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PER_MILLION = 10

freq, total = {}, 0
with open(os.path.join(ROOT, "data", "decode", "charfreq.txt"), encoding="utf-8") as f:
    for line in f:
        if line.startswith("#"):
            continue
        c, n = line.rstrip("\n").split("\t")
        freq[c] = int(n)
        total += int(n)


def table_chars(name, own=True):
    """The characters of an OpenCC table in dict/: its keys, and its values
    (without a key's own character among them when `own` is false)."""
    keys, values = set(), set()
    with open(os.path.join(ROOT, "dict", name + ".txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, vals = line.rstrip("\n").split("\t")
            keys.update(key)
            for v in vals.split(" "):
                if own or v != key:
                    values.update(v)
    return keys, values


# A shinjitai that lists itself among its forms (`値` → `値 值`) is still a
# shinjitai; only one that is the traditional form of another is left out.
shinjitai, traditional = table_chars("JPShinjitaiCharacters", own=False)
chinese = set()
for name in ["STCharacters", "TSCharacters", "TSCharactersExt", "STPhrases", "TSPhrases",
             "TWVariants", "TWVariantsRev", "HKVariants", "HKVariantsRev"]:
    keys, values = table_chars(name)
    chinese |= keys | values
# The main Han block only: the language class keeps its bits for that block
# (`䀋`, in Extension A, is left out).
chosen = sorted(c for c in shinjitai - traditional - chinese
                if 0x4E00 <= ord(c) <= 0x9FFF and freq.get(c, 0) * 1e6 / total < PER_MILLION)
with open(os.path.join(ROOT, ".cache", "corpora", "tang.txt"), encoding="utf-8") as f:
    classical = set(f.read())
with open(os.path.join(ROOT, "data", "decode", "shinjitai.txt"), "w", encoding="utf-8") as out:
    out.write("# Shinjitai that Chinese text does not use: built by\n")
    out.write("# scripts/build-shinjitai-table.py from dict/JPShinjitaiCharacters.txt\n")
    out.write("# (OpenCC 1.4.2, Apache-2.0), less what OpenCC's Chinese tables hold, and\n")
    out.write(f"# data/decode/charfreq.txt (< {PER_MILLION} per million). `classical`: in the\n")
    out.write("# Complete Tang Poems (chinese-poetry@2.0.1, MIT).\n")
    for c in chosen:
        out.write(c + ("\tclassical" if c in classical else "") + "\n")
print(len(chosen))
