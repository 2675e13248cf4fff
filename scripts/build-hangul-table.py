#!/usr/bin/env python3
"""Builds data/decode/hangul.txt: Hangul syllables counted in the Korean
messages of the `train` packages of scripts/foreign_samples.py (never the
`test` packages the evaluation reports on).

Usage: python3 scripts/build-hangul-table.py
"""

import os
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import foreign_samples  # noqa: E402

messages = foreign_samples.fetch(os.path.join(ROOT, ".cache", "decode-foreign"), "train")["ko"]
counts = Counter(c for m in messages for c in m if 0xAC00 <= ord(c) <= 0xD7A3)
foreign_samples.write_counts(os.path.join(ROOT, "data", "decode", "hangul.txt"),
                             "Hangul syllables in the Korean messages", "syllable", "build-hangul-table.py", counts)
print(f"{len(messages)} messages, {sum(counts.values())} syllables, {len(counts)} distinct")
