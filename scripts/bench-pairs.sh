#!/usr/bin/env bash
# Whole-process paired runs of two zhclean binaries on one large file,
# alternating A and B, printing each wall time and the medians.
#   scripts/bench-pairs.sh A_BIN B_BIN FILE PAIRS [zhclean options...]
# Example (main's binary built into another target dir first):
#   scripts/bench-pairs.sh /tmp/zhclean-main target/release/zhclean big.txt 7 -j2
set -euo pipefail
a=$1 b=$2 file=$3 pairs=$4
shift 4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {
  local start end
  start=$(date +%s.%N)
  "$1" "$file" -o "$out/o.txt" -q --progress=never "${@:2}"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
ta=() tb=()
for _ in $(seq "$pairs"); do
  ta+=("$(run "$a" "$@")")
  tb+=("$(run "$b" "$@")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "A: ${ta[*]}"
echo "B: ${tb[*]}"
ma=$(median "${ta[@]}") mb=$(median "${tb[@]}")
echo "median A $ma s, B $mb s, B/A $(echo "scale=3; $mb / $ma" | bc)"
