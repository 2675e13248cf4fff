"""clean_batch and clean_arrow against the in-process Rust pipeline, same records.

Usage (from the repository root, with the wheel installed and the example
built: `cargo build --release --example records_speed`):

    python python/bench/bench_batch.py RECORDS.jsonl [--rounds 7] [--convert s2t]

Rounds alternate the contenders, so a slow stretch of the (shared) machine
hits them all alike: Rust `record::clean_field` on one thread
(`examples/records_speed.rs`, its second round in its process: warm, as the
Python cleaners are after their first round), then `clean_batch` and
`clean_arrow` with threads=1 and threads=2. Every Python round gets freshly
made `str` objects (CPython caches a string's UTF-8 once asked; a real batch
arrives without it) and a prebuilt pyarrow array; making them is not timed,
building the output list or array is (freeing it is not, as on the Rust
side). Prints each contender's median and the ratios, by wall time, then for
the one-thread contenders by the thread's CPU time (on Linux), which other
processes on the machine do not inflate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import pyarrow as pa

import zhclean

ROOT = Path(__file__).resolve().parents[2]


def load_raw(records: Path | str) -> list[bytes]:
    """The UTF-8 of every string `text` field of a JSON Lines file, so that
    each round can make fresh `str` objects from it."""
    raw = []
    with open(records, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line).get("text")
            if isinstance(t, str):
                raw.append(t.encode("utf-8"))
    return raw


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("records", type=Path)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--convert", default=None)
    args = ap.parse_args()

    raw = load_raw(args.records)
    nbytes = sum(map(len, raw))
    arrow = pa.array([b.decode("utf-8") for b in raw], type=pa.string())
    example = ROOT / "target" / "release" / "examples" / "records_speed"
    cleaners = {n: zhclean.Cleaner(convert=args.convert, threads=n) for n in (1, 2)}
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def record(name: str, secs: float, cpu_secs: float | None = None) -> None:
        times.setdefault(name, []).append(secs)
        if cpu_secs is not None:
            cpu.setdefault(name, []).append(cpu_secs)

    for _ in range(args.rounds):
        # Two rounds, the second one timed: the first pays for the tables
        # the pipeline builds on first use (a quarter more instructions on
        # these records), which the Python cleaners, reused, pay only once.
        out = subprocess.run([str(example), str(args.records), args.convert or "-", "2"],
                             capture_output=True, check=True, text=True).stdout
        warm = json.loads(out.splitlines()[-1])
        record("rust clean_field, 1 thread", warm["seconds"], warm.get("cpu_seconds"))
        for n, c in cleaners.items():
            texts = [b.decode("utf-8") for b in raw]
            # The outputs are kept until the clock is read, as the Rust side
            # keeps its own: freeing them is not part of cleaning.
            t, u = time.perf_counter(), time.thread_time()
            out = c.clean_batch(texts)
            record(f"clean_batch, threads={n}", time.perf_counter() - t,
                   time.thread_time() - u if n == 1 else None)
            del texts, out
            t, u = time.perf_counter(), time.thread_time()
            out = c.clean_arrow(arrow)
            record(f"clean_arrow, threads={n}", time.perf_counter() - t,
                   time.thread_time() - u if n == 1 else None)
            del out

    rust = statistics.median(times["rust clean_field, 1 thread"])
    one = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(raw)} texts, {nbytes / 1e6:.1f} MB, convert={args.convert}, {args.rounds} rounds (medians)")
    print("| contender | MB/s | records/s | vs Rust, 1 thread | vs same API, threads=1 |")
    print("|---|---:|---:|---:|---:|")
    for name, secs in one.items():
        base = one.get(name.replace("threads=2", "threads=1"), secs)
        print(f"| {name} | {nbytes / secs / 1e6:.1f} | {len(raw) / secs:,.0f} | "
              f"{rust / secs:.3f} | {base / secs:.2f}× |")
    if "rust clean_field, 1 thread" in cpu:
        # threads=1 runs on the calling thread alone, so its CPU time is
        # the work done, however busy the machine (wall time is not).
        rust_cpu = statistics.median(cpu["rust clean_field, 1 thread"])
        print()
        print("| threads=1, thread CPU time | MB/s | vs Rust, 1 thread |")
        print("|---|---:|---:|")
        for name, v in cpu.items():
            secs = statistics.median(v)
            print(f"| {name} | {nbytes / secs / 1e6:.1f} | {rust_cpu / secs:.3f} |")


if __name__ == "__main__":
    main()
