#!/usr/bin/env python3
"""Builds the real-text sets of the mojibake evaluation (tests/data/repair/real/)
from translations nobody here wrote or tuned on: the message catalogues (.mo)
of the Debian packages `coreutils` and `tar` (GNU translation project,
GPL-3.0-or-later), fetched with `apt-get download`.

    scripts/repair/make_real.py [--debs DIR] [--out tests/data/repair/real]

Writes one file per language, one message per line (messages with a line
break are split; lines shorter than 4 characters, format-only lines and
duplicates are dropped), in a fixed order (sorted, then every k-th line, so
that the sample is spread over the catalogues). `latin.txt` holds real text
in Latin-script languages (French, German, Portuguese, Spanish, Polish,
Turkish, Vietnamese) that the repair must leave alone.
"""
import argparse
import gettext
import glob
import os
import subprocess
import tempfile

LANGS = {
    "zh_CN": 600,
    "el": 150,
    "ru": 150,
    "uk": 100,
    "ko": 150,
    "ja": 150,
}
LATIN = ["fr", "de", "pt_BR", "es", "pl", "tr", "vi"]
PACKAGES = ["coreutils", "tar"]


def messages(root, lang):
    out = set()
    for mo in sorted(glob.glob(f"{root}/usr/share/locale/{lang}/LC_MESSAGES/*.mo")):
        with open(mo, "rb") as f:
            cat = gettext.GNUTranslations(f)._catalog
        for key, value in cat.items():
            if not key or not isinstance(value, str):
                continue
            for line in value.split("\n"):
                line = line.strip()
                if len(line) >= 4 and any(not c.isascii() for c in line):
                    out.add(line)
    return sorted(out)


def sample(lines, n):
    if len(lines) <= n:
        return lines
    step = len(lines) / n
    return [lines[int(i * step)] for i in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--debs", help="directory with the .deb files (else apt-get download)")
    ap.add_argument("--out", default="tests/data/repair/real")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        debs = args.debs
        if not debs:
            debs = os.path.join(tmp, "debs")
            os.makedirs(debs)
            subprocess.run(["apt-get", "download", *PACKAGES], cwd=debs, check=True)
        root = os.path.join(tmp, "root")
        for deb in sorted(glob.glob(os.path.join(debs, "*.deb"))):
            if any(os.path.basename(deb).startswith(p + "_") for p in PACKAGES):
                subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        os.makedirs(args.out, exist_ok=True)
        for lang, n in LANGS.items():
            lines = sample(messages(root, lang), n)
            with open(os.path.join(args.out, f"{lang}.txt"), "w") as f:
                f.write("".join(l + "\n" for l in lines))
        latin = []
        for lang in LATIN:
            latin += sample(messages(root, lang), 60)
        with open(os.path.join(args.out, "latin.txt"), "w") as f:
            f.write("".join(l + "\n" for l in latin))


if __name__ == "__main__":
    main()
