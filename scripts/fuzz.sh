#!/usr/bin/env bash
# Runs one fuzz target (pipeline, repair, convert, record) with the limits
# that make a slow input a finding rather than a hang: each input may take
# at most TIMEOUT seconds (libFuzzer's -timeout, default 10; an input that
# takes longer is saved under fuzz/artifacts/ as timeout-*) and the process
# at most RSS_MB of memory; the run stops after SECONDS (default 300).
# Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: scripts/fuzz.sh TARGET [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
secs=${2:-300}
exec cargo +nightly fuzz run "$target" -- \
  -timeout="${TIMEOUT:-10}" -rss_limit_mb="${RSS_MB:-2048}" -max_total_time="$secs" \
  -max_len="${MAX_LEN:-65536}"
