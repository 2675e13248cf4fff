"""Non-Chinese legacy-encoded samples for the decode evaluation.

The text is the translated messages (msgstr) of Debian packages, read from
the compiled `.mo` catalogues the packages ship (fetched with
`apt-get download`, unpacked with `dpkg-deb`). Two disjoint sets:

- `train`: apt 2.6.1, dpkg 1.21.23, bash 5.2.15-2+b13, wget 1.21.3-1+deb12u1,
  libc-l10n 2.36-9+deb12u14 and procps 2:4.0.2-3 (bookworm). The Hangul syllable
  table `data/decode/hangul.txt` is counted from these, and every constant
  of the non-Chinese scoring was set while looking at them;
- `test`: coreutils 9.1-1 and tar 1.34+dfsg-1.2+deb12u1 (bookworm), never
  looked at while tuning: the figures in docs/decode-eval.md are on it;
- `test2`: findutils 4.9.0-4, grep 3.8-5, sed 4.9-1+deb12u1, diffutils
  1:3.8-4, util-linux-locales 2.38.1-5+deb12u3, man-db 2.11.2-2 and passwd
  1:4.13+dfsg1-1+deb12u2 (bookworm), made once `test` had been seen at three
  seeds: a set that no scoring constant was set against;
- `test3`: nano 7.2-1+deb12u1, e2fsprogs 1.47.0-2+b2, parted 3.5-3, gawk
  1:5.2.1-2, make 4.3-4.1, psmisc 23.6-1, cpio 2.13+dfsg-7.1, gnupg-l10n
  2.2.40-1.1+deb12u2 and aptitude-common 0.8.13-5 (bookworm), made once
  `test2` had been looked at in a round of changes: blind again.

The translations are under the packages' licences (GPL-2+ / GPL-3+); see
data/decode/SOURCE.md. Each message is one paragraph; samples are cut from
the messages of one language joined by newlines, then encoded with
Python's codecs.
"""

import gettext
import glob
import io
import os
import random
import subprocess
import tarfile

PACKAGES = {
    "train": [("apt", "2.6.1"), ("dpkg", "1.21.23"), ("bash", "5.2.15-2+b13"),
              ("wget", "1.21.3-1+deb12u1"), ("libc-l10n", "2.36-9+deb12u14"),
              ("procps", "2:4.0.2-3")],
    "test": [("coreutils", "9.1-1"), ("tar", "1.34+dfsg-1.2+deb12u1")],
    "test2": [("findutils", "4.9.0-4"), ("grep", "3.8-5"), ("sed", "4.9-1+deb12u1"),
              ("diffutils", "1:3.8-4"), ("util-linux-locales", "2.38.1-5+deb12u3"),
              ("man-db", "2.11.2-2"), ("passwd", "1:4.13+dfsg1-1+deb12u2")],
    "test3": [("nano", "7.2-1+deb12u1"), ("e2fsprogs", "1.47.0-2+b2"), ("parted", "3.5-3"),
              ("gawk", "1:5.2.1-2"), ("make", "4.3-4.1"), ("psmisc", "23.6-1"),
              ("cpio", "2.13+dfsg-7.1"), ("gnupg-l10n", "2.2.40-1.1+deb12u2"),
              ("aptitude-common", "0.8.13-5")],
    # Only for the Icelandic letters of data/decode/latin.txt (no `train`
    # package has an Icelandic catalogue); no evaluation set uses them.
    "latin-extra": [("libgtk-3-common", "3.24.38-2~deb12u3"),
                    ("libglib2.0-data", "2.74.6-2+deb12u9")],
}

# Category: (WHATWG label, Python codec, languages). ISO-8859-1 is decoded
# as windows-1252 by WHATWG; the sample counts as right when the text comes
# back, whatever name was reported.
CATEGORIES = {
    "EUC-KR": ("euc-kr", "euc_kr", ["ko"]),
    "ISO-2022-KR": ("iso-2022-kr", "iso2022_kr", ["ko"]),
    "UTF-16LE (ko)": ("utf-16le", "utf-16-le", ["ko"]),
    "Shift_JIS": ("shift_jis", "shift_jis", ["ja"]),
    "EUC-JP": ("euc-jp", "euc_jp", ["ja"]),
    "ISO-2022-JP": ("iso-2022-jp", "iso2022_jp", ["ja"]),
    "UTF-16LE (ja)": ("utf-16le", "utf-16-le", ["ja"]),
    "UTF-16BE (ja)": ("utf-16be", "utf-16-be", ["ja"]),
    "windows-1252": ("windows-1252", "cp1252", ["de", "fr", "es", "it", "pt", "pt_BR"]),
    "ISO-8859-1": ("iso-8859-1", "latin-1", ["de", "fr", "es", "it", "pt", "pt_BR"]),
    "ISO-8859-15": ("iso-8859-15", "iso8859_15", ["de", "fr", "es", "it", "pt"]),
    "ISO-8859-2": ("iso-8859-2", "iso8859_2", ["pl", "cs", "sk", "hu", "sl", "hr"]),
    "windows-1250": ("windows-1250", "cp1250", ["pl", "cs", "sk", "hu", "sl", "hr"]),
    "windows-1251": ("windows-1251", "cp1251", ["ru", "uk", "bg", "be"]),
    "KOI8-R": ("koi8-r", "koi8_r", ["ru"]),
    "ISO-8859-5": ("iso-8859-5", "iso8859_5", ["ru", "bg"]),
}
BUCKETS = [(16, 63), (64, 255), (256, 1023), (1024, 4096)]


def fetch(cache, split):
    """Downloads the split's packages into `cache` (once) and returns
    {language: [message, ...]}."""
    os.makedirs(cache, exist_ok=True)
    messages = {}
    for name, version in PACKAGES[split]:
        plain = version.split(":", 1)[-1]
        debs = glob.glob(os.path.join(cache, f"{name}_*{plain}_*.deb"))
        if not debs:
            subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=cache, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            debs = glob.glob(os.path.join(cache, f"{name}_*{plain}_*.deb"))
        data = subprocess.run(["dpkg-deb", "--fsys-tarfile", debs[0]], check=True,
                              capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in sorted(tar.getnames()):
                if not member.endswith(".mo") or "/locale/" not in member:
                    continue
                lang = member.split("/locale/")[1].split("/")[0]
                try:
                    cat = gettext.GNUTranslations(tar.extractfile(member))
                except (UnicodeDecodeError, OSError, IndexError, ValueError):
                    continue  # a legacy charset or a malformed header: not needed
                for key, value in sorted(cat._catalog.items(), key=lambda kv: str(kv[0])):
                    if not key or not value.strip():
                        continue
                    messages.setdefault(lang, []).append(value.strip())
    return messages


def has_foreign(text, label):
    """Whether the sample says something about its encoding: a non-ASCII
    character (for the ISO-2022 family: a character outside ASCII)."""
    return any(ord(c) > 0x7F for c in text)


def cut(rng, pool, codec, lo, hi):
    for _ in range(2000):
        target = int(lo * (hi / lo) ** rng.random())
        i = rng.randrange(len(pool))
        text = pool[i]
        while len(text.encode(codec, "replace")) < target * 2 and i + 1 < len(pool):
            i += 1
            text += "\n" + pool[i]
        start = rng.randrange(max(1, len(text) // 2))
        # Start at a word or line boundary, as a file would.
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        text = text[start:]
        # The shortest prefix from `target // 4` characters on that encodes
        # to `target` bytes or more (or all of it): the encoded length
        # grows with the prefix, so a binary search finds the same prefix
        # as a scan, without encoding thousands of prefixes.
        k, hi_k = max(1, target // 4), len(text)
        while k < hi_k:
            mid = (k + hi_k) // 2
            if len(text[:mid].encode(codec, "replace")) < target:
                k = mid + 1
            else:
                hi_k = mid
        piece = text[:k]
        try:
            data = piece.encode(codec)
        except UnicodeEncodeError:
            continue
        if lo <= len(data) <= hi and has_foreign(piece, codec):
            return piece, data
    return None


def generate(cache, split, per_cell, seed):
    messages = fetch(cache, split)
    rng = random.Random(seed)
    samples = []
    for cat, (label, codec, langs) in CATEGORIES.items():
        for b, (lo, hi) in enumerate(BUCKETS):
            made = 0
            tries = 0
            while made < per_cell and tries < per_cell * 20:
                tries += 1
                lang = langs[rng.randrange(len(langs))]
                pool = messages.get(lang)
                if not pool:
                    continue
                got = cut(rng, pool, codec, lo, hi)
                if got is None:
                    continue
                text, data = got
                samples.append({"id": len(samples), "cat": cat, "bucket": b, "label": label,
                                "lang": lang, "text": text, "hex": data.hex()})
                made += 1
    return samples


def all_text(cache, split, lang):
    return fetch(cache, split).get(lang, [])


def write_counts(path, what, unit, script, counts):
    """Writes a count table built from the `train` packages (`unit<TAB>count`,
    most common first) to `path`, under a header naming `what` was counted,
    the packages and the building `script`."""
    names = ", ".join(f"{n} {v}" for n, v in PACKAGES["train"])
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"# {what} of Debian bookworm {names}\n")
        out.write(f"# (see SOURCE.md): {unit}<TAB>count, most common first.\n")
        out.write(f"# Built by scripts/{script}.\n")
        for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.write(f"{c}\t{n}\n")
