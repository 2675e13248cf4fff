#!/usr/bin/env python3
"""Writes the messages of one language of a set's Debian packages (see
scripts/foreign_samples.py), one line of text per line, for
`cargo run --release --example classify_lines -- FILE`.

Usage: python3 scripts/dump-messages.py SET LANG OUT   (SET: train, test,
test2, test3; LANG: a catalogue name such as ja, zh_CN, zh_TW)
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import foreign_samples  # noqa: E402

if len(sys.argv) != 4:
    sys.exit(__doc__)
set_name, lang, out = sys.argv[1:]
messages = foreign_samples.fetch(os.path.join(ROOT, ".cache", "decode-foreign"), set_name)
with open(out, "w", encoding="utf-8") as f:
    for message in messages.get(lang, []):
        for line in message.split("\n"):
            if line.strip():
                f.write(line + "\n")
