#!/usr/bin/env python3
"""Builds data/decode/latin.txt: how often each Latin letter (ASCII or not,
lowercased) occurs in the messages of each Latin-script language of the `train`
packages of scripts/foreign_samples.py (never the `test` packages the
evaluation reports on), and of Icelandic, which no `train` package has,
from the `latin-extra` packages. The alphabetic model of the decode stage weighs a
single-byte reading by the letters it makes, under the language that
explains them best (Hungarian `ő` against Portuguese `õ`).

Usage: python3 scripts/build-latin-table.py
"""

import os
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import foreign_samples  # noqa: E402

# Latin-script languages with catalogues in the train packages that write
# their letters beyond ASCII (pt_BR is counted as pt, nn as nb). Not
# Vietnamese: a quarter of its letters carry marks, which would explain
# almost any misread byte as a letter.
LANGS = ["ca", "cs", "da", "de", "es", "et", "fi", "fr", "ga", "gl", "hr", "hu", "it", "lt",
         "nb", "pl", "pt", "ro", "sk", "sl", "sv", "tr"]
MERGE = {"pt_BR": "pt", "nn": "nb"}
# The model weighs single-byte readings, and no single-byte encoding it
# reads has Romanian `ș` and `ț` (comma below): text in ISO-8859-2 or
# windows-1250 writes `ş` and `ţ` (cedilla) for them, so they are counted
# as those.
LEGACY = {"ș": "ş", "ț": "ţ"}
# Languages no `train` package has, counted from other packages that no
# evaluation set uses (foreign_samples.PACKAGES["latin-extra"]): Icelandic,
# whose `ð` and `þ` windows-1252 was made for, from GTK 3 and GLib.
EXTRA = ["is"]


def latin_beyond_ascii(c):
    u = ord(c)
    return (0xC0 <= u <= 0x24F or 0x1E00 <= u <= 0x1EFF) and c.isalpha()


cache = os.path.join(ROOT, ".cache", "decode-foreign")
messages = foreign_samples.fetch(cache, "train")
extra = foreign_samples.fetch(cache, "latin-extra")
letters = {lang: Counter() for lang in LANGS + EXTRA}
totals = Counter()
sources = [(lang, msgs) for lang, msgs in messages.items() if MERGE.get(lang, lang) in LANGS]
sources += [(lang, msgs) for lang, msgs in extra.items() if lang in EXTRA]
for lang, msgs in sources:
    lang = MERGE.get(lang, lang)
    for m in msgs:
        for c in m:
            if not c.isalpha():
                continue
            totals[lang] += 1
            if c.isascii() or latin_beyond_ascii(c):
                lower = c.lower()
                lower = lower if len(lower) == 1 else c
                letters[lang][LEGACY.get(lower, lower)] += 1
names = ", ".join(f"{n} {v}" for n, v in foreign_samples.PACKAGES["train"])
extra_names = ", ".join(f"{n} {v}" for n, v in foreign_samples.PACKAGES["latin-extra"])
with open(os.path.join(ROOT, "data", "decode", "latin.txt"), "w", encoding="utf-8") as out:
    out.write("# Latin letters (lowercased) in the messages of Debian bookworm\n")
    out.write(f"# {names} (see SOURCE.md), per language:\n")
    out.write("# lang<TAB>letter<TAB>count; the letter * is the count of all letters.\n")
    out.write("# Built by scripts/build-latin-table.py.\n")
    for lang in LANGS + EXTRA:
        if lang == EXTRA[0]:
            out.write(f"# {', '.join(EXTRA)}: from {extra_names} instead.\n")
        out.write(f"{lang}\t*\t{totals[lang]}\n")
        for c, n in sorted(letters[lang].items(), key=lambda kv: (-kv[1], kv[0])):
            out.write(f"{lang}\t{c}\t{n}\n")
print(", ".join(f"{l} {totals[l]}/{sum(letters[l].values())}" for l in LANGS + EXTRA))
