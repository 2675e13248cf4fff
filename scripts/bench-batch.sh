#!/usr/bin/env bash
# Full-size batch figures, run by hand (too big for CI):
#   1. 100,000 small files (~2 KB) against one file of the same total size:
#      per-core throughput, and -j2 against -j1;
#   2. one large file (default 4 GB): peak memory (max RSS from
#      /usr/bin/time -v) and -j2 against -j1.
# Beside the small-file runs it times the file-system floor: the same tree
# copied with only the per-file work zhclean must do (walk, stat, read,
# temporary, write, rename), by examples/syscall_floor.rs (Linux), once
# naming whole paths as zhclean does and once relative to folder handles.
# Usage: scripts/bench-batch.sh [LARGE_BYTES] [WORK_DIR]
# Env: SMALL_FILES (default 100000), ZHCLEAN (binary), OPTS (options),
#      SKIP_LARGE (set: no large-file runs), REPEAT (runs per figure, default 1).
# Needs: a release build (cargo build --release --bin zhclean --example
#   syscall_floor), python3, GNU time.
set -euo pipefail
LARGE=${1:-4000000000}
WORK=${2:-$(mktemp -d /tmp/zhclean-bench.XXXXXX)}
BIN=${ZHCLEAN:-$(dirname "$0")/../target/release/zhclean}
FLOOR=${FLOOR:-$(dirname "$0")/../target/release/examples/syscall_floor}
OPTS=${OPTS:---convert s2t}
SMALL_FILES=${SMALL_FILES:-100000}
REPEAT=${REPEAT:-1}
mkdir -p "$WORK"
echo "work dir: $WORK; binary: $BIN; options: $OPTS"

python3 - "$WORK" "$LARGE" "$SMALL_FILES" <<'PY'
import os, sys
work, large, nsmall = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def text(size, seed):
    out, i, n = [], seed, 0
    while n < size:
        line = f"第{i}行：头发与发展,网络软件的信息 ２０２４年 ABC。\n"
        out.append(line); n += len(line.encode()); i += 1
    return "".join(out)
small = os.path.join(work, "small")
if not os.path.isdir(small):
    body = [text(2048, k) for k in range(16)]
    for i in range(nsmall):
        d = os.path.join(small, f"d{i % 1000:03}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i:06}.txt"), "w") as f:
            f.write(body[i % 16])
same = os.path.join(work, "same-size.txt")
if not os.path.exists(same):
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(small) for f in fs)
    with open(same, "w") as f:
        f.write(text(total, 0))
big = os.path.join(work, "large.txt")
if not os.path.exists(big) or os.path.getsize(big) < large:
    chunk = text(64 << 20, 0).encode()
    with open(big, "wb") as f:
        n = 0
        while n < large:
            f.write(chunk[: large - n]); n += len(chunk[: large - n])
PY

run() { # name, args...
    local name=$1; shift
    local log="$WORK/$name.time"
    /usr/bin/time -v "$BIN" "$@" $OPTS --force -q --progress never 2>"$log" >/dev/null || true
    local wall rss user sys cpu
    wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
    user=$(grep "User time" "$log" | awk '{print $NF}')
    sys=$(grep "System time" "$log" | awk '{print $NF}')
    cpu=$(grep "Percent of CPU" "$log" | awk '{print $NF}')
    # On a shared machine wall time depends on the others' load; CPU time
    # (user + sys) is the per-core cost.
    echo "$name: wall $wall, user ${user}s, sys ${sys}s, CPU $cpu, max RSS ${rss} KiB"
}

sync
SMALL_BYTES=$(du -sb --apparent-size "$WORK/small" | cut -f1)
echo "small files: $(find "$WORK/small" -type f | wc -l) files, $SMALL_BYTES bytes"
for r in $(seq "$REPEAT"); do
    for j in 1 2; do
        run "small-j$j" "$WORK/small" -o "$WORK/out-small" -j$j
        run "same-size-file-j$j" "$WORK/same-size.txt" -o "$WORK/out-same.txt" -j$j
    done
    if [ -x "$FLOOR" ]; then
        for mode in path dirfd; do
            echo "floor, $("$FLOOR" "$WORK/small" "$WORK/out-floor" $mode)"
        done
    fi
done
[ "${SKIP_LARGE:-}" ] && exit 0
echo "large file: $(stat -c %s "$WORK/large.txt") bytes"
for r in $(seq "$REPEAT"); do
    for j in 1 2; do
        run "large-j$j" "$WORK/large.txt" -o "$WORK/out-large.txt" -j$j
    done
done
rm -f "$WORK/out-large.txt"
