#!/usr/bin/env python3
"""Builds data/decode/cyrillic.txt: how often each Cyrillic letter
(lowercased) occurs in the messages of the Cyrillic-script languages of the
`train` packages of scripts/foreign_samples.py (never the `test` or `test2`
packages the evaluation reports on), all languages pooled. The alphabetic
model of the decode stage weighs a Cyrillic reading by its letters:
KOI8-R, windows-1251 and ISO-8859-5 place the same letters at different
bytes, so a wrong reading among them makes rare letters of common ones.

Usage: python3 scripts/build-cyrillic-table.py
"""

import os
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import foreign_samples  # noqa: E402

# Languages written in Cyrillic with catalogues in the train packages.
LANGS = ["be", "bg", "kk", "ky", "mk", "mn", "ru", "sr", "uk"]

messages = foreign_samples.fetch(os.path.join(ROOT, ".cache", "decode-foreign"), "train")
letters = Counter()
per_lang = Counter()
for lang, msgs in messages.items():
    if lang.split("@")[0] not in LANGS or "@latin" in lang:
        continue
    for m in msgs:
        for c in m:
            if 0x400 <= ord(c) <= 0x4FF and c.isalpha():
                letters[c.lower()] += 1
                per_lang[lang] += 1
names = ", ".join(f"{n} {v}" for n, v in foreign_samples.PACKAGES["train"])
with open(os.path.join(ROOT, "data", "decode", "cyrillic.txt"), "w", encoding="utf-8") as out:
    out.write("# Cyrillic letters (lowercased) in the messages of Debian bookworm\n")
    out.write(f"# {names} (see SOURCE.md),\n")
    out.write(f"# languages {', '.join(sorted(per_lang))} pooled: letter<TAB>count.\n")
    out.write("# Built by scripts/build-cyrillic-table.py.\n")
    for c, n in sorted(letters.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"{c}\t{n}\n")
print(dict(per_lang), len(letters))
