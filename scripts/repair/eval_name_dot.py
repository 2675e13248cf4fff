#!/usr/bin/env python3
"""Measures `name-dot` on `.` (the normaliser writes `·` for a `.` between the
parts of a transliterated name, `。` or nothing elsewhere), through the CLI, one
JSON Lines record per case or line:

  * lost dots: the names of tests/data/repair/names-cedict*.json and
    names-rnt-*.json with every `·` written `.` (should come back as `·`);
  * the question traps of names-jieba-*.json with every `?` written `.` (none
    should become `·`);
  * full stops: every line of each clean text given with `--lines` that has a
    `.` between two Han characters (none should become `·`).

    cargo build --release
    python3 scripts/repair/eval_name_dot.py target/release/zhclean \\
        --lines .cache/corpora/reviews.txt .cache/corpora/pd1998.txt .cache/corpora/tang.txt
"""
import argparse
import json
import os
import re
import subprocess

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
DOT_BETWEEN = re.compile(f"(?<=[{HAN}])\\.(?=[{HAN}])")


def run(binary, texts):
    inp = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    out = subprocess.run([binary, "--jsonl", "-q"], input=inp.encode(), capture_output=True,
                         timeout=600, check=True).stdout.decode()
    return [json.loads(line)["text"] for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--lines", nargs="*", default=[])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../tests/data/repair"))
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    for name in ("names-cedict.json", "names-cedict-hant.json", "names-rnt-tune.json",
                 "names-rnt-heldout.json", "names-rnt-heldout-hant.json"):
        cases = json.load(open(os.path.join(a.data, name), encoding="utf-8"))
        texts = [c["fixed"].replace("·", ".") for c in cases]
        outs = run(a.binary, texts)
        lost = restored = 0
        for t, o, c in zip(texts, outs, cases):
            # Marks are compared position by position up to the first change of
            # length (the frames have none before the name).
            for m in DOT_BETWEEN.finditer(t):
                lost += 1
                if m.start() < len(o) and o[m.start()] == "·":
                    restored += 1
                elif a.verbose:
                    print("  missed:", t)
        print(f"{name}: {lost} dots written `.`, {restored} made `·` "
              f"({100 * restored / max(lost, 1):.2f}%)")
    # The question traps with every `?` written `.`: none should become `·`.
    for name in ("names-jieba-tune.json", "names-jieba-heldout.json"):
        cases = json.load(open(os.path.join(a.data, name), encoding="utf-8"))
        texts = [c["original"].replace("?", ".") for c in cases]
        outs = run(a.binary, texts)
        made = 0
        for t, o in zip(texts, outs):
            k = max(o.count("·") - t.count("·"), 0)
            made += k
            if k and a.verbose and "tune" in name:
                print("  made `·`:", t, "->", o)
        print(f"{name}: {sum(t.count('.') for t in texts)} `?` written `.`, {made} made `·`")
    for path in a.lines:
        lines = [l for l in open(path, encoding="utf-8").read().split("\n") if DOT_BETWEEN.search(l)]
        outs = run(a.binary, lines)
        stops = made = 0
        for t, o in zip(lines, outs):
            n = len(DOT_BETWEEN.findall(t))
            stops += n
            k = o.count("·") - t.count("·")
            if k > 0:
                made += k
                if a.verbose:
                    print("  made `·`:", t[:80], "->", o[:80])
        print(f"{path}: {len(lines)} lines with `.` between Han, {stops} such dots, {made} made `·`")


if __name__ == "__main__":
    main()
