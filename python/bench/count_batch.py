"""One warm `clean_batch` or `clean_arrow` call with threads=1, for counting
its instructions under callgrind (deterministic, whatever the load).

Usage (from the repository root, with the wheel installed):

    awk 'NR%4==1' .cache/py/data/records.jsonl > .cache/py/data/records4.jsonl
    valgrind --tool=callgrind --toggle-collect='*__pymethod_clean_batch__*' \\
        python python/bench/count_batch.py .cache/py/data/records4.jsonl batch [s2t]
    valgrind --tool=callgrind --toggle-collect='*__pymethod_clean_arrow__*' \\
        python python/bench/count_batch.py .cache/py/data/records4.jsonl arrow [s2t]

The other API is called first on the same records, so that the tables the
pipeline builds on first use are built before the counted call. The Rust
figure to compare with is the warm round of `examples/records_speed`: a
run of two rounds (`records_speed RECORDS4 - 2`) minus a run of one
(`records_speed RECORDS4 - 1`), both counted with
`--toggle-collect='zhclean::record::clean_field'` (`s2t` for `-` to
convert).
"""

from __future__ import annotations

import json
import sys

import pyarrow as pa

import zhclean


def main() -> None:
    path, api = sys.argv[1], sys.argv[2]
    convert = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
    raw = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line).get("text")
            if isinstance(t, str):
                raw.append(t.encode("utf-8"))
    cleaner = zhclean.Cleaner(convert=convert, threads=1)
    arrow = pa.array([b.decode("utf-8") for b in raw], type=pa.string())
    if api == "batch":
        cleaner.clean_arrow(arrow)
        # Fresh str objects, with no UTF-8 cached in them.
        texts = [b.decode("utf-8") for b in raw]
        out = cleaner.clean_batch(texts)
    elif api == "arrow":
        cleaner.clean_batch([b.decode("utf-8") for b in raw])
        out = cleaner.clean_arrow(arrow)
    else:
        raise SystemExit(f"unknown API {api!r}: batch or arrow")
    print(len(out))


if __name__ == "__main__":
    main()
