#!/usr/bin/env python3
"""Builds data/decode/one-script.txt: Han characters that only one of the
two Chinese scripts writes, by OpenCC's tables (dict/, OpenCC 1.4.2,
Apache-2.0).

- `simplified`: a key of STCharacters.txt that does not map to itself, is
  no key of TSCharacters.txt, no form of the Taiwan or Hong Kong variant
  tables, and does not occur in the Complete Tang Poems
  (.cache/corpora/tang.txt, fetched by scripts/fetch-corpora.sh), whose
  traditional text writes some such forms (`迹`, `却`);
- `traditional`: a key of TSCharacters.txt that does not map to itself and
  is no key of STCharacters.txt.

Each is marked `ja` when it is a common kanji too: in JIS X 0208 level 1
(the 2,965 kanji of EUC-JP lead bytes 0xB0..0xCF), and by OpenCC's
JPShinjitaiCharacters.txt a shinjitai for a simplified form (`数`, `状`),
no form that a shinjitai replaces for a traditional one (`終`, `時`; `數`
and `說` are replaced, by `数` and `説`; `們` is not in level 1).

Chinese text keeps to one script, and Japanese kanji mix the two: a short
text of Han characters with a simplified and a traditional form that
Japanese writes, and none that it does not (`終了状態`: `状` simplified,
`終` and `態` traditional), is Japanese (src/decode/lang.rs, `classify`).
The main Han block only, as for data/decode/shinjitai.txt.

Usage: scripts/fetch-corpora.sh && python3 scripts/build-one-script-table.py
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table(name):
    """An OpenCC table of dict/ as {key: [values]}."""
    rows = {}
    with open(os.path.join(ROOT, "dict", name + ".txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, vals = line.rstrip("\n").split("\t")
            rows[key] = vals.split(" ")
    return rows


st, ts = table("STCharacters"), table("TSCharacters")
jp = table("JPShinjitaiCharacters")
shinjitai = set(jp)
replaced = {c for vals in jp.values() for v in vals for c in v if c not in jp}
variants = {c for name in ["TWVariants", "HKVariants"] for vals in table(name).values()
            for v in vals for c in v}
with open(os.path.join(ROOT, ".cache", "corpora", "tang.txt"), encoding="utf-8") as f:
    classical = set(f.read())


def jis_level1(c):
    """Whether `c` is a kanji of JIS X 0208 level 1 (rows 16 to 47)."""
    try:
        b = c.encode("euc_jp")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xCF


def main_block(c):
    return len(c) == 1 and 0x4E00 <= ord(c) <= 0x9FFF


simplified = {k for k, v in st.items()
              if main_block(k) and k not in v and k not in ts and k not in variants
              and k not in classical}
traditional = {k for k, v in ts.items() if main_block(k) and k not in v and k not in st}
assert not simplified & traditional
with open(os.path.join(ROOT, "data", "decode", "one-script.txt"), "w", encoding="utf-8") as out:
    out.write("# Han characters only one Chinese script writes: built by\n")
    out.write("# scripts/build-one-script-table.py from dict/STCharacters.txt,\n")
    out.write("# TSCharacters.txt, TWVariants.txt and HKVariants.txt (OpenCC 1.4.2,\n")
    out.write("# Apache-2.0); `simplified` ones the Complete Tang Poems\n")
    out.write("# (chinese-poetry@2.0.1, MIT) write are left out. `ja`: a common kanji\n")
    out.write("# too (JIS X 0208 level 1; a shinjitai, or no form one replaces, by\n")
    out.write("# JPShinjitaiCharacters.txt).\n")
    for c in sorted(simplified | traditional):
        ja = jis_level1(c) and (c in shinjitai if c in simplified else c not in replaced)
        out.write(c + "\t" + ("simplified" if c in simplified else "traditional")
                  + ("\tja" if ja else "") + "\n")
ja = [c for c in simplified if jis_level1(c) and c in shinjitai]
print(len(simplified), "simplified,", len(ja), "of them ja;", len(traditional), "traditional,",
      sum(1 for c in traditional if jis_level1(c) and c not in replaced), "of them ja")
