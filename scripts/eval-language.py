#!/usr/bin/env python3
"""How many messages of one language of a set's Debian packages (see
scripts/foreign_samples.py) come through `zhclean` unchanged when encoded in
one legacy encoding: each message with a character beyond ASCII that the
codec can encode is fed alone on standard input, as a short file would be,
to every binary named (so that two builds are compared on the same bytes).

A language the evaluation sets do not sample (Icelandic in `test3`) is
checked this way.

Usage: python3 scripts/eval-language.py SET LANG CODEC BIN [BIN...]
  e.g. python3 scripts/eval-language.py test3 is cp1252 target/release/zhclean
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import foreign_samples  # noqa: E402

if len(sys.argv) < 5:
    sys.exit(__doc__)
set_name, lang, codec, bins = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
messages = foreign_samples.fetch(os.path.join(ROOT, ".cache", "decode-foreign"), set_name)
samples = []
for m in messages.get(lang, []):
    if m.isascii():
        continue
    try:
        samples.append((m, m.encode(codec)))
    except UnicodeEncodeError:
        continue
if not samples:
    sys.exit(f"no {lang} message of {set_name} beyond ASCII in {codec}")
sizes = sorted(len(data) for _, data in samples)
print(f"{len(samples)} {lang} messages of {set_name} beyond ASCII in {codec}, "
      f"median {sizes[len(sizes) // 2]} bytes")
for b in bins:
    right = 0
    for text, data in samples:
        out = subprocess.run([b, "--progress=never", "-q"], input=data,
                             capture_output=True).stdout.decode("utf-8", "replace")
        right += out == text
    print(f"{b}: {right} unchanged ({100 * right / len(samples):.1f} %)")
