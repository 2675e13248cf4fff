#!/usr/bin/env bash
# Whole-process speed comparison, side by side in one run, and the results
# written to docs/performance.md.
#
#   scripts/bench-compare.sh            # 5 runs per command (medians)
#   RUNS=10 scripts/bench-compare.sh
#   REPORT_ONLY=1 scripts/bench-compare.sh   # rewrite the report from the last run's data
#
# Contenders, on a ~64 MiB Simplified file (s2t) and a ~64 MiB Traditional
# file (t2s), each the pinned corpora (scripts/fetch-corpora.sh) repeated
# until 64 MiB (repetition is fine for a speed test):
#   cp                         copying the file: the I/O floor
#   OpenCC 1.4.2 CLI           opencc -c <share>/s2t.json -i IN -o OUT
#   zhconv 0.4 CLI             zhconv zh-Hant < IN > OUT (crates.io, installed into .cache/zhconv)
#   zhclean, default threads   zhclean --no-clean --convert s2t IN -o OUT
#   zhclean, one thread        RAYON_NUM_THREADS=1 zhclean ...
# plus start-up (a one-line input, median of many runs) and peak RSS of
# zhclean on the 64 MiB inputs (/usr/bin/time -v, "Maximum resident set size").
#
# Needs hyperfine (Debian package) and GNU time; installs them with apt-get
# when missing. zhconv is built with `cargo install`; if that fails the
# table says so and the rest still runs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-5}"
startup_runs="${STARTUP_RUNS:-100}"
size=$((64 << 20))

bench="$root/.cache/bench"
mkdir -p "$bench"

if [ -z "${REPORT_ONLY:-}" ]; then
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# shellcheck source=scripts/reference.sh
. "$root/scripts/reference.sh"
reference_setup bench-compare

# zhconv's command-line tool needs its `bin-build` feature; `opencc` adds
# OpenCC's dictionaries to its default MediaWiki tables (its most complete
# set, and the one closest to what OpenCC does).
zhconv="$root/.cache/zhconv/bin/zhconv"
if [ ! -x "$zhconv" ]; then
  echo "bench-compare: installing zhconv 0.4 into .cache/zhconv" >&2
  cargo install --quiet --locked zhconv --version '^0.4' --features bin-build,opencc \
    --root "$root/.cache/zhconv" </dev/null >&2 || true
fi
[ -x "$zhconv" ] || zhconv=""
zhconv_version=""
[ -z "$zhconv" ] || zhconv_version="$(cargo install --list --root "$root/.cache/zhconv" | sed -n 's/^zhconv v\([^:]*\):/\1/p')"

make_big() { # corpus out: whole copies of corpus until $size bytes, cut at a line end
  python3 - "$1" "$2" "$size" <<'PY'
import sys
src, dst, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
out = (data * (size // len(data) + 1))[:size]
out = out[: out.rfind(b"\n") + 1]
open(dst, "wb").write(out)
PY
}
[ -f "$bench/hans64.txt" ] || make_big "$corpora/hans.txt" "$bench/hans64.txt"
[ -f "$bench/hant64.txt" ] || make_big "$corpora/hant.txt" "$bench/hant64.txt"
head -n 1 "$corpora/pd1998.txt" >"$bench/line.txt"
out="$bench/out.txt"

# One hyperfine run per direction; every command converts the same file.
compare() { # cfg input zhconv-variant json
  local cfg="$1" in="$2" variant="$3" json="$4"
  local cmds=(
    -n cp "cp $in $out"
    -n opencc "$opencc -c $share/$cfg.json -i $in -o $out"
  )
  [ -n "$zhconv" ] && cmds+=(-n zhconv "$zhconv $variant < $in > $out")
  cmds+=(
    -n zhclean "$zhclean --no-clean --convert $cfg $in -o $out"
    -n zhclean-1t "RAYON_NUM_THREADS=1 $zhclean --no-clean --convert $cfg $in -o $out"
  )
  hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$json" "${cmds[@]}" >&2
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
compare s2t "$bench/hans64.txt" zh-Hant "$bench/s2t.json"
compare t2s "$bench/hant64.txt" zh-Hans "$bench/t2s.json"

# Start-up: a one-line input, no shell in between.
hyperfine --style basic --shell=none --runs "$startup_runs" --warmup 5 \
  --export-json "$bench/startup.json" \
  -n "zhclean s2t" "$zhclean --no-clean --convert s2t $bench/line.txt -o $out" \
  -n "zhclean s2twp" "$zhclean --no-clean --convert s2twp $bench/line.txt -o $out" \
  -n "zhclean t2s" "$zhclean --no-clean --convert t2s $bench/line.txt -o $out" \
  -n "opencc s2t" "$opencc -c $share/s2t.json -i $bench/line.txt -o $out" \
  -n "opencc s2twp" "$opencc -c $share/s2twp.json -i $bench/line.txt -o $out" >&2

rss() { # command...: peak RSS in KiB
  /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'
}
rss_zh_s2t="$(rss "$zhclean" --no-clean --convert s2t "$bench/hans64.txt" -o "$out")"
rss_zh_t2s="$(rss "$zhclean" --no-clean --convert t2s "$bench/hant64.txt" -o "$out")"
rss_zh1_s2t="$(RAYON_NUM_THREADS=1 rss "$zhclean" --no-clean --convert s2t "$bench/hans64.txt" -o "$out")"
rss_oc_s2t="$(rss "$opencc" -c "$share/s2t.json" -i "$bench/hans64.txt" -o "$out")"
rss_oc_t2s="$(rss "$opencc" -c "$share/t2s.json" -i "$bench/hant64.txt" -o "$out")"

# What the report needs besides hyperfine's JSON, one value a line.
printf '%s\n' "$runs" "$startup_runs" "$zhconv_version" \
  "$rss_zh_s2t" "$rss_zh_t2s" "$rss_zh1_s2t" "$rss_oc_s2t" "$rss_oc_t2s" \
  "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)" \
  "$load_before" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git rev-parse --short HEAD)" \
  >"$bench/meta.txt"
fi

mkdir -p "$root/docs"
python3 - "$bench" >"$root/docs/performance.md" <<'PY'
import json, os, statistics, sys

bench = sys.argv[1]
with open(os.path.join(bench, "meta.txt")) as f:
    (runs, startup_runs, zhconv_version, rss_zh_s2t, rss_zh_t2s, rss_zh1_s2t,
     rss_oc_s2t, rss_oc_t2s, cores, cpu_model, load, when, commit) = f.read().splitlines()

def medians(name):
    with open(os.path.join(bench, name)) as f:
        return {r["command"]: statistics.median(r["times"]) for r in json.load(f)["results"]}

def cpu_times(name):
    # hyperfine keeps only the mean of user and system time per command.
    with open(os.path.join(bench, name)) as f:
        return {r["command"]: r["user"] + r["system"] for r in json.load(f)["results"]}

def mib(kib):
    return f"{int(kib) / 1024:.0f} MiB"

labels = {
    "cp": "`cp` (I/O floor)",
    "opencc": "OpenCC 1.4.2 CLI",
    "zhconv": f"zhconv {zhconv_version} CLI",
    "zhclean": "zhclean, default threads",
    "zhclean-1t": "zhclean, 1 thread",
}
p = print
p("# Performance")
p()
p("Generated by `scripts/bench-compare.sh` (do not edit by hand; re-run it). Whole-process")
p("wall-clock times, medians of", runs, "runs after one warm-up, measured with hyperfine.")
p()
p(f"Machine: {cores} cores ({cpu_model}); load average before the run: {load}. The machine")
p("is shared with other jobs, so wall-clock figures include time spent waiting for a core;")
p("the CPU-time columns (user + system, mean over the runs) are less sensitive to that.")
p(f"Measured {when} at commit `{commit}`.")
p()
for cfg, name, text in (("s2t", "s2t.json", "hans64.txt"), ("t2s", "t2s.json", "hant64.txt")):
    size = os.path.getsize(os.path.join(bench, text))
    m, c = medians(name), cpu_times(name)
    p(f"## {cfg} on {size / 1e6:.1f} MB of {'Simplified' if cfg == 's2t' else 'Traditional'} text")
    p()
    p("| program | median wall (s) | MB/s | speed vs OpenCC | CPU time (s) | speed vs OpenCC by CPU time |")
    p("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key, label in labels.items():
        if key not in m:
            if key == "zhconv":
                p(f"| {label} | unavailable | | |")
            continue
        t = m[key]
        p(f"| {label} | {t:.3f} | {size / 1e6 / t:.1f} | {m['opencc'] / t:.2f}x "
          f"| {c[key]:.3f} | {c['opencc'] / max(c[key], 1e-3):.2f}x |")
    p()
p("## Start-up (one-line input)")
p()
p(f"Median of {startup_runs} runs, no shell in between; includes loading the config's")
p("dictionaries (zhclean deserialises automata compiled into the binary; OpenCC loads its")
p("`.ocd2` files).")
p()
p("| command | median wall (ms) | CPU time (ms) |")
p("| --- | ---: | ---: |")
sc = cpu_times("startup.json")
for cmd, t in medians("startup.json").items():
    p(f"| {cmd} | {t * 1000:.1f} | {sc[cmd] * 1000:.1f} |")
p()
p("## Peak memory on the 64 MiB inputs")
p()
p("Maximum resident set size from `/usr/bin/time -v`.")
p()
p("| command | peak RSS |")
p("| --- | ---: |")
p(f"| zhclean s2t, default threads | {mib(rss_zh_s2t)} |")
p(f"| zhclean s2t, 1 thread | {mib(rss_zh1_s2t)} |")
p(f"| zhclean t2s, default threads | {mib(rss_zh_t2s)} |")
p(f"| OpenCC s2t | {mib(rss_oc_s2t)} |")
p(f"| OpenCC t2s | {mib(rss_oc_t2s)} |")
p()
s2t, t2s, st = medians("s2t.json"), medians("t2s.json"), medians("startup.json")
s2t_c, t2s_c, st_c = cpu_times("s2t.json"), cpu_times("t2s.json"), cpu_times("startup.json")
def row(what, value, ok):
    p(f"| {what} | {value} | {'met' if ok else 'MISSED'} |")
p("## Targets")
p()
p("Judged on the wall-clock medians; the CPU-time figure is given beside each.")
p()
p("| target | measured | |")
p("| --- | ---: | --- |")
def ratio(m, c, slow, fast):
    r = m[slow] / m[fast]
    return r, f"{r:.2f}x (CPU time: {c[slow] / c[fast]:.2f}x)"
r, text = ratio(s2t, s2t_c, "opencc", "zhclean")
row("s2t, default threads, >= 10x OpenCC", text, r >= 10)
r, text = ratio(s2t, s2t_c, "opencc", "zhclean-1t")
row("s2t, one thread, >= 5x OpenCC", text, r >= 5)
if "zhconv" in s2t:
    r, text = ratio(s2t, s2t_c, "zhconv", "zhclean")
    row("s2t, ahead of zhconv", text + " zhconv's speed", r > 1)
else:
    p("| s2t, ahead of zhconv | zhconv unavailable | not measured |")
r, text = ratio(t2s, t2s_c, "opencc", "zhclean")
row("t2s, default threads, >= 5x OpenCC", text, r >= 5)
t = st["zhclean s2t"] * 1000
row("start-up (s2t, one line) <= 5 ms", f"{t:.1f} ms (CPU time: {st_c['zhclean s2t'] * 1000:.1f} ms)", t <= 5)
m = max(int(rss_zh_s2t), int(rss_zh_t2s)) / 1024
row("peak RSS on 64 MiB input <= 64 MiB", f"{m:.0f} MiB", m <= 64)
p()
p("## Reproduce")
p()
p("    scripts/bench-compare.sh          # RUNS=N and STARTUP_RUNS=N to change the counts")
p("    cargo bench --bench convert       # in-process throughput per config (criterion)")
PY
cat "$root/docs/performance.md"
