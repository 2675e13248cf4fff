#!/usr/bin/env bash
# Compare zhclean with the official OpenCC 1.4.2 CLI, byte for byte, for all
# 16 built-in configs. Called by .ci/run. Three inputs:
#   hans     ~13 MB of real Simplified text   (scripts/fetch-corpora.sh)
#   hant     ~11 MB of real Traditional text  (scripts/fetch-corpora.sh)
#   dictmix  ~6 MB made here from dict/: every key and every value of every
#            dictionary on a line of its own, then 150,000 lines of 2-6
#            random keys/values run together (seeded, so the same each run),
#            with IDS operators, ASCII, spaces and tabs mixed in. It puts
#            every key in front of the matcher, and keys next to each other
#            where a longer key or a segment boundary can cut across them.
# Configs that have a tofu-risk dictionary (t2s tw2s tw2sp hk2s hk2sp) are
# also run on dictmix with it included (CLI flag
# --include-tofu-risk-dictionaries, zhclean --include-tofu-risk).
#
#   scripts/parity.sh              # all configs
#   scripts/parity.sh s2t t2s      # only these configs
#
# The official CLI reads its input in 1 MiB windows and holds a flush
# boundary there, which can cut a phrase in two (see
# docs/policy.md, section Convert); zhclean converts as OpenCC's
# library does, with no such seam. So the CLI is fed pieces under 1 MiB cut
# at newlines (no key spans a newline, so pieces are independent) and its
# outputs are concatenated. zhclean is run twice: on the whole file, and on
# the same pieces; both must equal the official output byte for byte.
#
# Prints, per config and corpus, the bytes compared and the differing bytes
# and lines; exits non-zero on any difference, after printing the first few
# differing lines. Needs no standard input.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
configs="${*:-s2t t2s s2tw tw2s s2hk hk2s s2twp tw2sp s2hkp hk2sp t2tw tw2t t2hk hk2t t2jp jp2t}"

# shellcheck source=scripts/reference.sh
. "$root/scripts/reference.sh"
reference_setup parity

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$corpora/hans.txt" "$corpora/hant.txt" "$work/"
python3 - "$root/dict" "$work/dictmix.txt" <<'PY'
import glob, os, random, sys

keys, values = [], []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.txt"))):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, rest = line.rstrip("\n").split("\t", 1)
            keys.append(key)
            values += [v for v in rest.split(" ") if v]
rng = random.Random(1998)
pool = keys + values
extras = ["⿰", "⿱", "⿲", "⿾", "⿿", "a", "Z", "9", " ", ",", "。", "　", "\t"]
lines = keys + values
for _ in range(150_000):
    parts = []
    for _ in range(rng.randint(2, 6)):
        parts.append(rng.choice(extras) if rng.random() < 0.06 else rng.choice(pool))
    lines.append("".join(parts))
with open(sys.argv[2], "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(lines) + "\n")
PY

# Pieces of at most 1,000,000 bytes of whole lines (split -C never cuts a
# line shorter than that; no input line comes near it).
for corpus in hans hant dictmix; do
  mkdir -p "$work/$corpus"
  split -C 1000000 -d -a 3 "$work/$corpus.txt" "$work/$corpus/piece."
done

failed=0
printf '%-6s %-12s %12s %10s %8s %s\n' config input bytes diff_bytes diff_lines mode
for cfg in $configs; do
  runs="hans: hant: dictmix:"
  case "$cfg" in
    t2s | tw2s | tw2sp | hk2s | hk2sp) runs="$runs dictmix:tofu" ;;
  esac
  for run in $runs; do
    corpus="${run%%:*}"
    oc_flags=()
    zh_flags=()
    label="$corpus"
    if [ "${run#*:}" = tofu ]; then
      oc_flags=(--include-tofu-risk-dictionaries)
      zh_flags=(--include-tofu-risk)
      label="$corpus+tofu"
    fi
    want="$work/want.txt"
    : >"$want"
    : >"$work/pieces.txt"
    for piece in "$work/$corpus"/piece.*; do
      "$opencc" ${oc_flags[@]+"${oc_flags[@]}"} -c "$share/$cfg.json" -i "$piece" -o "$work/out.piece"
      cat "$work/out.piece" >>"$want"
      "$zhclean" -q --no-clean ${zh_flags[@]+"${zh_flags[@]}"} --convert "$cfg" "$piece" -o "$work/out.piece"
      cat "$work/out.piece" >>"$work/pieces.txt"
    done
    "$zhclean" -q --no-clean ${zh_flags[@]+"${zh_flags[@]}"} --convert "$cfg" "$work/$corpus.txt" -o "$work/whole.txt"
    for mode in whole pieces; do
      # Line by line; a differing line counts the bytes between its common
      # prefix and suffix with the expected line, so one wrong character
      # counts as its own bytes, not as the rest of the file.
      if ! python3 - "$want" "$work/$mode.txt" "$cfg" "$label" "$mode" <<'PY'; then
import sys
want_path, got_path, cfg, corpus, mode = sys.argv[1:]
want = open(want_path, "rb").read()
got = open(got_path, "rb").read()
wl, gl = want.split(b"\n"), got.split(b"\n")
diff_bytes = diff_lines = 0
shown = []
for i in range(max(len(wl), len(gl))):
    w = wl[i] if i < len(wl) else b""
    g = gl[i] if i < len(gl) else b""
    if w == g:
        continue
    diff_lines += 1
    p = 0
    while p < min(len(w), len(g)) and w[p] == g[p]:
        p += 1
    s = 0
    while s < min(len(w), len(g)) - p and w[-1 - s] == g[-1 - s]:
        s += 1
    diff_bytes += max(len(w), len(g)) - p - s
    if len(shown) < 3:
        shown.append((i + 1, w, g))
print(f"{cfg:<6} {corpus:<12} {len(want):>12} {diff_bytes:>10} {diff_lines:>8} {mode}")
for n, w, g in shown:
    # Show the neighbourhood of the first differing character, not the
    # whole line (some corpus lines are a few kilobytes long).
    w, g = w.decode("utf-8", "replace"), g.decode("utf-8", "replace")
    c = 0
    while c < min(len(w), len(g)) and w[c] == g[c]:
        c += 1
    a = max(0, c - 20)
    print(f"  line {n}, char {c + 1}\n    opencc:  …{w[a:c + 40]}…\n    zhclean: …{g[a:c + 40]}…")
sys.exit(1 if want != got else 0)
PY
        failed=1
      fi
    done
  done
done

if [ "$failed" -ne 0 ]; then
  echo "parity: FAILED: zhclean differs from OpenCC 1.4.2 (see above)" >&2
  exit 1
fi
echo "parity: zhclean equals OpenCC 1.4.2 on every config and input" >&2
