#!/usr/bin/env bash
# Regenerate tests/golden/ from the pinned corpora with the official OpenCC
# 1.4.2 command-line binary (default options: tofu-risk dictionaries left out).
#
#   scripts/make-golden.sh
#
# Inputs are the first whole lines, at most 100,000 bytes, of
# .cache/corpora/pd1998.txt and .cache/corpora/tang.txt (see
# scripts/fetch-corpora.sh). Both stay far under the CLI's 1 MiB read
# window, so the CLI converts each file in one piece, as the library does.
# Deterministic: running it twice gives the same bytes.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
opencc="$("$root/scripts/fetch-opencc.sh")"
share="$(dirname "$(dirname "$opencc")")/share/opencc"
corpora="$("$root/scripts/fetch-corpora.sh")"
golden="$root/tests/golden"
configs="s2t t2s s2tw tw2s s2hk hk2s s2twp tw2sp s2hkp hk2sp t2tw tw2t t2hk hk2t t2jp jp2t"

mkdir -p "$golden/input" "$golden/output"
rm -f "$golden"/input/*.txt "$golden"/output/*.txt

head_bytes() { # source dest limit: the longest run of whole lines within limit bytes
  python3 - "$1" "$2" "$3" <<'PY'
import sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
out, n = [], 0
with open(src, "rb") as f:
    for line in f:
        if n + len(line) > limit:
            break
        out.append(line)
        n += len(line)
with open(dst, "wb") as f:
    f.write(b"".join(out))
PY
}

head_bytes "$corpora/pd1998.txt" "$golden/input/pd1998.txt" 100000
head_bytes "$corpora/tang.txt" "$golden/input/tang.txt" 100000

for input in pd1998 tang; do
  for cfg in $configs; do
    "$opencc" -c "$share/$cfg.json" -i "$golden/input/$input.txt" \
      -o "$golden/output/$input.$cfg.txt"
  done
done
echo "make-golden: wrote $(ls "$golden"/output | wc -l) outputs to tests/golden/output" >&2
