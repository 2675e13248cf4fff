#!/usr/bin/env bash
# The slow rows of issue 21 (docs/attacks.md): gigabyte inputs that must be
# handled in bounded memory and linear time, measured with /usr/bin/time,
# then the #[ignore]d attack tests. Prints one line per case:
#   case  exit  seconds  peak-RSS-MiB  MB/s-of-input
# and fails if a case's peak RSS is over 256 MiB or its exit code is not
# the expected one. SIZE (default 1G) sets the size of the big inputs.
# Usage: scripts/attacks-slow.sh [--no-tests]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1G}
LIMIT_MIB=${LIMIT_MIB:-256}
cargo build --release --quiet
Z=$PWD/target/release/zhclean
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# run NAME EXPECTED_EXIT INPUT_BYTES -- command (stdin/stdout set by caller)
measure() {
  local name=$1 want=$2 bytes=$3
  shift 3
  local t0 t1 code
  t0=$(date +%s.%N)
  set +e
  /usr/bin/time -f '%M' -o "$work/rss" "$@" > /dev/null 2> "$work/err"
  code=$?
  set -e
  t1=$(date +%s.%N)
  local rss_kb secs
  rss_kb=$(tail -1 "$work/rss")
  secs=$(echo "$t1 - $t0" | bc -l)
  printf '%-34s exit %3s  %7.2f s  %6.1f MiB  %8.1f MB/s\n' "$name" "$code" "$secs" \
    "$(echo "$rss_kb / 1024" | bc -l)" "$(echo "$bytes / 1000000 / $secs" | bc -l)"
  if [ "$code" != "$want" ]; then
    echo "  expected exit $want; stderr:"; head -3 "$work/err"; fail=1
  fi
  if [ "$rss_kb" -gt $((LIMIT_MIB * 1024)) ]; then
    echo "  peak RSS over $LIMIT_MIB MiB"; fail=1
  fi
}

bytes=$(numfmt --from=iec "$SIZE")
echo "== inputs of $SIZE ($bytes bytes)"
# `yes | head` ends `yes` with SIGPIPE: not a failure here.
set +o pipefail
# Ordinary text, for the time per byte to compare with.
yes '第一行，头发与发展，干净的文本。' | head -c "$bytes" > "$work/ordinary.txt"
# One line of the same text with no line feed.
yes '第一行，头发与发展，干净的文本。' | tr -d '\n' | head -c "$bytes" > "$work/line.txt"
# One JSON Lines record holding it.
{ printf '{"text":"'; head -c "$bytes" "$work/line.txt" | tr -d '"\\'; printf '"}\n'; } \
  > "$work/record.jsonl"
# 1 MiB of combining marks on one base letter, and 1 MiB of ordinary text.
python3 -c "import sys; sys.stdout.write('a' + '\u0301' * (1 << 19))" > "$work/marks.txt"
head -c $((1 << 20)) "$work/ordinary.txt" > "$work/ordinary-1m.txt"
set -o pipefail

measure "ordinary text (file, clean+s2t)" 0 "$bytes" \
  "$Z" --progress=never -q --convert s2t "$work/ordinary.txt"
measure "one line, no line feed (file)" 1 "$bytes" \
  "$Z" --progress=never -q --convert s2t "$work/line.txt"
measure "one line, no line feed (stdin)" 1 "$bytes" \
  sh -c "exec '$Z' --progress=never -q --convert s2t < '$work/line.txt'"
measure "one line into a tree" 1 "$bytes" \
  "$Z" --progress=never -q --convert s2t "$work/line.txt" -o "$work/out/"
measure "one JSONL record" 1 "$bytes" \
  "$Z" --progress=never -q --jsonl --convert s2t "$work/record.jsonl"
measure "/dev/zero, filter" 1 "$bytes" \
  sh -c "head -c $bytes /dev/zero | '$Z' --progress=never -q"
measure "/dev/zero, JSONL" 1 "$bytes" \
  sh -c "head -c $bytes /dev/zero | '$Z' --progress=never -q --jsonl"
measure "1 MiB of combining marks" 0 $((1 << 20)) \
  "$Z" --progress=never -q "$work/marks.txt"
measure "1 MiB of ordinary text" 0 $((1 << 20)) \
  "$Z" --progress=never -q "$work/ordinary-1m.txt"
# 16 MiB of marks on one line, beside 16 MiB of ordinary text.
python3 -c "import sys; sys.stdout.write('e' + '\u0301' * (1 << 23))" > "$work/marks16.txt"
head -c $((16 << 20)) "$work/ordinary.txt" > "$work/ordinary-16m.txt"
measure "16 MiB of combining marks" 0 $((16 << 20)) \
  "$Z" --progress=never -q -j1 "$work/marks16.txt"
measure "16 MiB of ordinary text" 0 $((16 << 20)) \
  "$Z" --progress=never -q -j1 "$work/ordinary-16m.txt"
# 100,000 code elements and comments never closed (2.9 MB each): once
# quadratic in the search for their end (460 s).
python3 -c "import sys; sys.stdout.write('<code>斯科特?丹恩 &amp;\n' * 100000)" > "$work/open-code.txt"
python3 -c "import sys; sys.stdout.write('<!--斯科特?丹恩 &amp;\n' * 100000)" > "$work/open-comments.txt"
measure "100k unclosed <code> (2.9 MB)" 0 "$(stat -c %s "$work/open-code.txt")" \
  "$Z" --progress=never -q -j1 "$work/open-code.txt"
# Many references on one long line, after text they must not look back
# over again (the cut scan once did: 44.6 s).
python3 -c "import sys; sys.stdout.write('a' * 300000 + '中' + '&#96;x' * 200000 + '\n' + '<b>x</b>' + 'a' * 300000 + '&gt;' * 200000 + '\n')" > "$work/refs.txt"
measure "400k references on two lines" 0 "$(stat -c %s "$work/refs.txt")" \
  "$Z" --progress=never -q -j1 "$work/refs.txt"
measure "100k unclosed <!-- (2.7 MB)" 0 "$(stat -c %s "$work/open-comments.txt")" \
  "$Z" --progress=never -q -j1 "$work/open-comments.txt"

if [ "${1:-}" != "--no-tests" ]; then
  echo "== ignored attack tests"
  cargo test --release --test integration attacks:: -- --ignored
fi
exit $fail
