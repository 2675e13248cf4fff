#!/usr/bin/env python3
"""Builds the real-text sets of the mojibake evaluation (tests/data/repair/real/)
from translations nobody here wrote or tuned on: the message catalogues (.mo)
of the Debian packages `coreutils` and `tar` (GNU translation project,
GPL-3.0-or-later), fetched with `apt-get download`.

    scripts/repair/make_real.py [--debs DIR] [--out tests/data/repair/real]
    scripts/repair/make_real.py --heldout [--debs DIR] [--out .cache/repair/real-heldout]

`--heldout` builds, into `.cache/` and not into the repository, the held-out
Chinese set: every Simplified Chinese message line of sixteen other Debian 12
packages (HELDOUT below; GPL or LGPL, so they are
fetched at evaluation time rather than committed), none of which was looked
at while the mojibake rule was tuned. The catalogues of coreutils and tar are
left out of it, even their lines that are not in the committed sample.

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
# package: licence of its translations (debian/copyright of each package).
HELDOUT = {
    "apt": "GPL-2.0-or-later",
    "bash": "GPL-3.0-or-later",
    "diffutils": "GPL-3.0-or-later",
    "findutils": "GPL-3.0-or-later",
    "gettext": "GPL-3.0-or-later",
    "gnupg-l10n": "GPL-3.0-or-later",
    "grep": "GPL-3.0-or-later",
    "sed": "GPL-3.0-or-later",
    "wget": "GPL-3.0-or-later",
    "cpio": "GPL-3.0-or-later",
    "dpkg": "GPL-2.0-or-later",
    "e2fsprogs-l10n": "GPL-2.0",
    "gawk": "GPL-3.0-or-later",
    "libc-l10n": "LGPL-2.1-or-later",
    "nano": "GPL-3.0-or-later",
    "util-linux-locales": "GPL-2.0-or-later",
}


def messages(root, lang, skip=()):
    out = set()
    for mo in sorted(glob.glob(f"{root}/usr/share/locale/{lang}/LC_MESSAGES/*.mo")):
        if os.path.basename(mo)[:-3] in skip:
            continue
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
    ap.add_argument("--out")
    ap.add_argument("--heldout", action="store_true", help="the held-out Chinese set (see above)")
    args = ap.parse_args()
    packages = list(HELDOUT) if args.heldout else PACKAGES
    out = args.out or (".cache/repair/real-heldout" if args.heldout else "tests/data/repair/real")
    with tempfile.TemporaryDirectory() as tmp:
        debs = args.debs
        if not debs:
            debs = os.path.join(tmp, "debs")
            os.makedirs(debs)
            subprocess.run(["apt-get", "download", *packages], cwd=debs, check=True)
        root = os.path.join(tmp, "root")
        used = []
        for deb in sorted(glob.glob(os.path.join(debs, "*.deb"))):
            if any(os.path.basename(deb).startswith(p + "_") for p in packages):
                subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
                used.append(os.path.basename(deb))
        os.makedirs(out, exist_ok=True)
        if args.heldout:
            # Every line: the harness keeps apart those whose damage holds a `€`.
            # The text domains of the two committed packages are skipped (the
            # gettext package ships none of them; listed for safety).
            lines = messages(root, "zh_CN", skip=("coreutils", "tar"))
            with open(os.path.join(out, "zh_CN.txt"), "w") as f:
                f.write("".join(l + "\n" for l in lines))
            with open(os.path.join(out, "SOURCE.txt"), "w") as f:
                f.write("Simplified Chinese message lines of these Debian packages:\n")
                for deb in used:
                    name = deb.split("_")[0]
                    f.write(f"  {deb}  ({HELDOUT.get(name, '?')})\n")
            print(f"{len(lines)} lines from {len(used)} packages into {out}/zh_CN.txt")
            return
        args.out = out
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
