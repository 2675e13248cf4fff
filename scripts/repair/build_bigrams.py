#!/usr/bin/env python3
"""Build data/repair/bigrams.txt: character and character-pair counts of
People's Daily 1998-01, EVEN-numbered lines only (the odd lines are the
evaluation's source text, scripts/repair/make_eval.py), for the Big5/GBK
mojibake test (src/repair/bigrams.rs).

Deterministic: same input, same output. Only non-ASCII characters are
counted (Han, CJK punctuation, full-width forms, symbols); a pair is two
non-ASCII characters in a row. Pairs seen fewer than 2 times are dropped.
Traditional text is looked up through a Traditional-to-Simplified map at
run time, so the table holds People's Daily's own (Simplified) forms.

Format, one first character per line, sorted by code point:

    a<TAB>count of a<TAB>b1 n1 b2 n2 ...

where `n` is the count of the pair `a b` (the pair list may be empty).

    python3 scripts/repair/build_bigrams.py --pd .cache/repair/199801.txt
"""
import argparse
import collections

from make_eval import tagged_words

MIN_PAIR = 2


def plain(line):
    return "".join(w for w, _ in tagged_words(line))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pd", required=True)
    ap.add_argument("--out", default="data/repair/bigrams.txt")
    a = ap.parse_args()
    uni = collections.Counter()
    pairs = collections.Counter()
    with open(a.pd, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if n % 2 == 1:
                continue
            prev = None
            for ch in plain(line):
                if ord(ch) < 0x80:
                    prev = None
                    continue
                uni[ch] += 1
                if prev is not None:
                    pairs[prev + ch] += 1
                prev = ch
    rows = collections.defaultdict(list)
    for p, c in pairs.items():
        if c >= MIN_PAIR:
            rows[p[0]].append((p[1], c))
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for ch in sorted(uni):
            follow = " ".join(f"{b} {c}" for b, c in sorted(rows.get(ch, [])))
            f.write(f"{ch}\t{uni[ch]}\t{follow}\n")


if __name__ == "__main__":
    main()
