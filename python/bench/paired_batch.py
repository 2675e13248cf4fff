"""clean_batch alone, threads=1, for side-by-side runs of two builds of the wheel.

Usage: install each build's `zhclean` package into its own folder, then run
the two in turn, several times, and compare the medians:

    PYTHONPATH=DIR python python/bench/paired_batch.py RECORDS.jsonl 5 [CONFIG]

Every round gets freshly made `str` objects (CPython keeps a string's UTF-8
once asked for it; a real batch arrives without it). Prints the median wall
time and thread CPU time of the rounds, as JSON.
"""

import json
import statistics
import sys
import time

import zhclean
from bench_batch import load_raw


def main() -> None:
    records, rounds = sys.argv[1], int(sys.argv[2])
    convert = sys.argv[3] if len(sys.argv) > 3 else None
    raw = load_raw(records)
    cleaner = zhclean.Cleaner(threads=1, convert=convert)
    wall, cpu = [], []
    for _ in range(rounds):
        texts = [b.decode("utf-8") for b in raw]
        t, u = time.perf_counter(), time.thread_time()
        out = cleaner.clean_batch(texts)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - u)
        del texts, out
    print(json.dumps({"wall": statistics.median(wall), "cpu": statistics.median(cpu)}))


if __name__ == "__main__":
    main()
