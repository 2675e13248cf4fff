#!/usr/bin/env python3
"""Builds data/decode/kana.txt: how often each kana (U+3041..U+30FF:
hiragana, katakana, the prolonged sound mark) occurs in the Japanese
messages of the `train` packages of scripts/foreign_samples.py (never the
`test` sets the evaluation reports on). The Japanese model of the decode
stage weighs a reading's kana by it: Big5's commonest characters (lead
bytes 0xA4 and 0xA5) are kana in EUC-JP, and the kana such a reading makes
are mostly rare ones (`停止` in Big5 is EUC-JP `葦ゎ`).

Usage: python3 scripts/build-kana-table.py
"""

import os
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import foreign_samples  # noqa: E402

messages = foreign_samples.fetch(os.path.join(ROOT, ".cache", "decode-foreign"), "train")["ja"]
counts = Counter(c for m in messages for c in m if 0x3041 <= ord(c) <= 0x30FF)
foreign_samples.write_counts(os.path.join(ROOT, "data", "decode", "kana.txt"),
                             "Kana in the Japanese messages", "kana", "build-kana-table.py", counts)
print(f"{len(messages)} messages, {sum(counts.values())} kana, {len(counts)} distinct")
