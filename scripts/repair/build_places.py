#!/usr/bin/env python3
"""Builds data/repair/places.txt: country, territory and city names in Chinese
(Simplified and Traditional) from the Unicode CLDR data shipped in the PyPI
package `babel`. Rule `name-separator` refuses a `?` next to one of them: a
place is not part of a person's name (`伊朗?俄罗斯?` is a question).

    python3 -m pip download --no-deps babel==2.19.0 -d .cache/downloads
    python3 scripts/repair/build_places.py --babel .cache/downloads/babel-2.19.0-py3-none-any.whl \
        --pd .cache/repair/199801.txt

Deterministic: the same inputs give the same file. Countries and territories
are all kept. Of the cities (the exemplar cities of the time zones), only
those People's Daily 1998-01 tags as a place (`/ns`) are kept, and none that
it also writes as a part of a dot-joined person name: the time zones name
small towns and research stations whose names are also surnames or given
names (`道森`, `凯西`, `诺姆`), which a name may well hold.
"""
import argparse
import os
import re
import sys
import tempfile
import zipfile

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def pd_words(pd_path):
    """Every part of every dot-joined name tagged /nr in People's Daily, and
    every word tagged /ns (a place)."""
    parts, places = set(), set()
    with open(pd_path, encoding="utf-8") as f:
        for line in f:
            for tok in line.split():
                tok = tok.lstrip("[").split("]")[0]
                if "/" not in tok:
                    continue
                w, tag = tok.rsplit("/", 1)
                if tag == "nr" and "·" in w:
                    parts.update(p for p in w.split("·") if p)
                elif tag == "ns":
                    places.add(w)
    return parts, places


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--babel", required=True, help="babel wheel (.whl)")
    ap.add_argument("--pd", required=True, help="People's Daily 1998-01, tagged")
    ap.add_argument("--out", default="data/repair/places.txt")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(a.babel) as z:
            z.extractall(tmp, [n for n in z.namelist() if n.startswith("babel/")])
        sys.path.insert(0, tmp)
        from babel import Locale, __version__

        countries, cities = set(), set()
        for loc in ("zh", "zh_Hant"):
            l = Locale.parse(loc)
            for code, name in l.territories.items():
                # Numeric codes are regions (`001` world, `150` Europe).
                if not code.isdigit() and HAN.fullmatch(name):
                    countries.add(name)
            for zone in l.time_zones.values():
                c = zone.get("city")
                if c and HAN.fullmatch(c):
                    cities.add(c)
    parts, news_places = pd_words(a.pd)
    cities -= countries
    dropped = sorted(c for c in cities if c in parts)
    unknown = sorted(c for c in cities if c not in parts and c not in news_places)
    keep = countries | (cities - set(dropped) - set(unknown))
    keep = {p for p in keep if len(p) >= 2}
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# CLDR (babel {__version__}) territory and exemplar-city names, zh and zh_Hant.\n")
        f.write("# Built by scripts/repair/build_places.py; provenance in data/repair/SOURCE.md.\n")
        for p in sorted(keep):
            f.write(p + "\n")
    print(f"{len(countries)} countries/territories, {len(cities)} other cities, "
          f"{len(dropped)} dropped as name parts {dropped}, {len(unknown)} never a place word "
          f"in the news, {len(keep)} written", file=sys.stderr)


if __name__ == "__main__":
    main()
