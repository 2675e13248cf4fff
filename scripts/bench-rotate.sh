#!/usr/bin/env bash
# Whole-process runs of several zhclean binaries on one file, the order
# rotated every round so that a slow stretch of a shared machine falls on
# each in turn. Prints, per binary, the median wall and user time and the
# medians of its per-round ratios to the first binary (wall and user).
#
#   scripts/bench-rotate.sh FILE ROUNDS JOBS BIN [BIN...]
#   scripts/bench-rotate.sh /dev/shm/pd48.txt 11 1 /tmp/zhclean-7f2197a target/release/zhclean
#
# Needs GNU time (/usr/bin/time). Output goes to a temporary folder (on
# the same file system as $TMPDIR) and is removed after each run.
set -euo pipefail
file=$1 rounds=$2 jobs=$3
shift 3
bins=("$@")
k=${#bins[@]}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A wall user
for r in $(seq "$rounds"); do
  for x in $(seq 0 $((k - 1))); do
    i=$(((x + r) % k))
    read -r w u _ < <(/usr/bin/time -f "%e %U %M" "${bins[$i]}" "$file" -o "$out/o.txt" \
      -q --progress=never "-j$jobs" 2>&1 >/dev/null | tail -1)
    rm -f "$out/o.txt"
    wall[$i,$r]=$w user[$i,$r]=$u
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for x in $(seq 0 $((k - 1))); do
  ws=() us=() rw=() ru=()
  for r in $(seq "$rounds"); do
    ws+=("${wall[$x,$r]}") us+=("${user[$x,$r]}")
    rw+=("$(echo "${wall[$x,$r]} / ${wall[0,$r]}" | bc -l)")
    ru+=("$(echo "${user[$x,$r]} / ${user[0,$r]}" | bc -l)")
  done
  printf '%s: wall %s s, user %s s; to the first, wall %.3f, user %.3f\n' "${bins[$x]}" \
    "$(median "${ws[@]}")" "$(median "${us[@]}")" "$(median "${rw[@]}")" "$(median "${ru[@]}")"
done
