#!/usr/bin/env python3
"""Builds the second, held-out name-separator sets (tests/data/repair/names-rnt-*.json
and names-jieba-*.json) from sources the rule was never run on before
(sources, licences and sha256 in tests/data/repair/SOURCE-names.md):

  names-rnt-{tune,heldout}.json
        lost dots: foreign names written given·family (a quarter with two
        given names, given·given·family) from the pools of Simplified
        translated names in PyPI `random-name-type` (data/foreign_zh.py,
        six regions). The pools are split 50/50 per region and kind (given
        names, family names) with a fixed seed *before* names are made, so
        no part of a held-out name is a part of a tuning name. Each name is
        put in 3 of the 12 frames below (news style, not the frames of
        make_names_eval.py), every `·` made `?`; all must come back.
  names-rnt-heldout-hant.json
        the held-out half in Traditional script, with `--zhclean BIN`: the
        fixed text converted by `zhclean --no-clean --convert s2t` (OpenCC's
        s2t), every `·` then made `?`.
  names-jieba-{tune,heldout}.json
        question traps: alternative questions and answers (`X?Y?`,
        `是X?不是`, `你好?`) written for this set and filled with words of
        jieba's dictionary (PyPI `jieba`, dict.txt): places (ns), Chinese
        person names (nr), common nouns (n), and words of any tag written
        only with characters of the rule's transliteration table (the
        hardest case: `是不是普京?拜登?`). Every `?` must stay. Split 50/50.

    python3 scripts/repair/make_names_heldout.py --rnt DIR/random_name_type/data/foreign_zh.py \\
        --jieba DIR/jieba/dict.txt --zhclean target/release/zhclean

The frames and the split are fixed here before any run of the rule on these sets.
"""
import argparse
import ast
import json
import os
import random
import subprocess
import re

SEED = 1802
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "repair")
HAN = re.compile(r"^[\u4e00-\u9fff]+$")

# News-style frames, none of them one of make_names_eval.py's five. `{n}` is
# the name; a few put it at the start or end of the line, next to
# punctuation, inside 《》 or quotes, or before 说/表示/的.
NAME_FRAMES = [
    "{n}说，这项计划明年启动。",
    "记者当天采访了{n}",
    "据悉，{n}表示将继续留任。",
    "{n}的新书即将出版",
    "他在《{n}传》中写道，",
    "本届大会主席由{n}担任。",
    "出席会议的还有{n}、{m}等人。",
    "“{n}”这个名字并不陌生。",
    "昨天，{n}抵达北京，开始为期三天的访问。",
    "主演：{n}",
    "导演{n}在接受采访时表示，",
    "（{n}）",
]

# Trap frames: (frame, pool of each slot). `?` here is the ASCII mark as a
# GB2312 encoder or a careless typist leaves it; every one must stay.
TRAP_FRAMES = [
    ("你想喝{0}?{1}?", ["noun", "noun"]),
    ("{0}?{1}?你更喜欢哪个城市", ["place", "place"]),
    ("是{0}?不是吧", ["person", None]),
    ("{0}?{1}?谁是班长", ["person", "person"]),
    ("你好?请问去{0}怎么走", ["place"]),
    ("这是{0}?还是{1}?", ["noun", "noun"]),
    ("{0}?我没去过。", ["place"]),
    ("明天去{0}?后天去{1}?", ["place", "place"]),
    ("是{0}?{1}?我记不清了", ["translit", "translit"]),
    ("{0}?{1}?还是{2}?", ["translit", "translit", "translit"]),
    ("问：是{0}?答：是的。", ["translit"]),
    ("你说的{0}?是哪一个", ["translit"]),
    ("到底叫{0}?叫{1}?", ["translit", "translit"]),
    ("买{0}?买{1}?", ["noun", "noun"]),
    ("去过{0}?去过。", ["place"]),
    ("找{0}?他不在。", ["person"]),
]


def load_pools(path):
    """The pools of random-name-type's data file, read as data (the file is
    parsed, never imported or run)."""
    src = open(path, encoding="utf-8").read()
    tree = ast.parse(src)
    pools = {}
    for node in ast.walk(tree):
        # ForeignRegion.X: {"family": _pool("…"), "male": …, "female": …}
        if isinstance(node, ast.Dict) and all(isinstance(k, ast.Attribute) for k in node.keys):
            for k, v in zip(node.keys, node.values):
                region = {}
                for kk, vv in zip(v.keys, v.values):
                    text = "".join(ast.literal_eval(a) for a in vv.args)
                    items = list(dict.fromkeys(x.strip() for x in text.split("、") if x.strip()))
                    region[ast.literal_eval(kk)] = items
                pools[k.attr] = region
    return pools


def split(items, rng):
    items = sorted(items)
    rng.shuffle(items)
    h = len(items) // 2
    return items[:h], items[h:]


def case(label, comment, original, fixed, n):
    rules = {"name-separator": n} if n else {}
    return {"label": label, "comment": comment, "original": original, "fixed": fixed,
            "expect": "pass", "rules": rules}


def write(name, cases):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]\n")
    print(name, len(cases))


def names_sets(pools, rng, per_half):
    halves = ([], [])
    for region in sorted(pools):
        p = pools[region]
        given = split(set(p["male"]) | set(p["female"]), rng)
        family = split(set(p["family"]), rng)
        for h in (0, 1):
            made = set()
            while len(made) < per_half // len(pools):
                parts = [rng.choice(given[h])]
                if rng.random() < 0.25:
                    parts.append(rng.choice(given[h]))
                parts.append(rng.choice(family[h]))
                if len(set(parts)) == len(parts):
                    made.add("·".join(parts))
            halves[h].extend(sorted(made))
    out = []
    for h, label in ((0, "rnt-tune"), (1, "rnt-heldout")):
        names = halves[h]
        cases = []
        for n in names:
            for fr in rng.sample(NAME_FRAMES, 3):
                m = rng.choice(names)
                fixed = fr.format(n=n, m=m)
                orig = fixed.replace("·", "?")
                cases.append(case(label, f"random-name-type name, frame {fr}", orig, fixed,
                                  fixed.count("·")))
        out.append(cases)
    return out


def trap_sets(dict_path, translit_path, rng, per_half):
    translit = set()
    for line in open(translit_path, encoding="utf-8"):
        c, n = line.rstrip("\n").split("\t")
        if int(n) >= 3:
            translit.add(c)
    pools = {"noun": [], "place": [], "person": [], "translit": []}
    for line in open(dict_path, encoding="utf-8"):
        w, freq, tag = line.split()
        if not HAN.match(w) or not 2 <= len(w) <= 4:
            continue
        freq = int(freq)
        if tag == "n" and freq >= 2000 and len(w) == 2:
            pools["noun"].append(w)
        elif tag == "ns" and freq >= 200:
            pools["place"].append(w)
        elif tag == "nr" and freq >= 50 and len(w) in (2, 3):
            pools["person"].append(w)
        if freq >= 20 and all(c in translit for c in w):
            pools["translit"].append(w)
    halves = {k: split(v, rng) for k, v in pools.items()}
    out = []
    for h, label in ((0, "jieba-tune"), (1, "jieba-heldout")):
        cases = []
        per_frame = per_half // len(TRAP_FRAMES) + 1
        for fr, slots in TRAP_FRAMES:
            seen = set()
            while len(seen) < per_frame:
                words = []
                for s in slots:
                    if s is None:
                        continue
                    w = rng.choice(halves[s][h])
                    while w in words:
                        w = rng.choice(halves[s][h])
                    words.append(w)
                t = fr.format(*words)
                seen.add(t)
            for t in sorted(seen):
                cases.append(case(label, f"trap frame {fr} (jieba {'/'.join(s for s in slots if s)})",
                                  t, t, 0))
        out.append(cases)
    return out, {k: len(v) for k, v in pools.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rnt", required=True, help="random_name_type/data/foreign_zh.py")
    ap.add_argument("--jieba", required=True, help="jieba/dict.txt")
    ap.add_argument("--zhclean", help="a zhclean binary: also writes the held-out names in "
                    "Traditional script (`--no-clean --convert s2t` of the fixed text)")
    ap.add_argument("--translit", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "data", "repair", "translit.txt"))
    a = ap.parse_args()
    rng = random.Random(SEED)
    pools = load_pools(a.rnt)
    tune, held = names_sets(pools, rng, 300)
    write("names-rnt-tune.json", tune)
    write("names-rnt-heldout.json", held)
    if a.zhclean:
        text = "".join(c["fixed"] + "\n" for c in held)
        conv = subprocess.run([a.zhclean, "--no-clean", "--convert", "s2t", "-q"], input=text,
                              capture_output=True, text=True, check=True).stdout.split("\n")
        hant = []
        for c, t in zip(held, conv):
            assert len(t) == len(c["fixed"]) and t.count("·") == c["fixed"].count("·"), t
            hant.append(case("rnt-heldout-hant", c["comment"] + " (s2t)", t.replace("·", "?"), t,
                             t.count("·")))
        write("names-rnt-heldout-hant.json", hant)
    (ttune, theld), sizes = trap_sets(a.jieba, a.translit, rng, 200)
    print("jieba pools", sizes)
    write("names-jieba-tune.json", ttune)
    write("names-jieba-heldout.json", theld)


if __name__ == "__main__":
    main()
