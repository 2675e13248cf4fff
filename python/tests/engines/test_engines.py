"""Spark, Ray Data and Hugging Face datasets on 120,000 damaged records.

Each engine runs the example of docs/python.md on the records of
make_records.py, and its output must equal, record for record, what
`zhclean --jsonl --convert s2t` writes. Records per second of each job (the
engine's start-up left out) are printed and appended to
$ZHCLEAN_TEST_DATA/timings.jsonl beside the command's, for docs/python.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zhclean

from ..conftest import data_dir, have, java, need, zhclean_bin

MIN_RECORDS = 100_000


def load(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def note(engine: str, records: int, seconds: float) -> None:
    rate = records / seconds
    row = {"engine": engine, "records": records, "seconds": round(seconds, 3), "records_per_s": round(rate)}
    print(f"\n{engine}: {records} records in {seconds:.2f} s = {rate:,.0f} records/s")
    with open(data_dir() / "timings.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def texts_by_id(rows) -> dict:
    return {int(r["id"]): r.get("text") for r in rows}


@pytest.fixture(scope="module")
def want(records, expected):
    rows = load(expected)
    assert len(rows) >= MIN_RECORDS
    # The reference's own speed, whole process, on the same file.
    t = time.perf_counter()
    with open(records, "rb") as src:
        subprocess.run([zhclean_bin(), "--jsonl", "--convert", "s2t", "-q", "--progress", "never"],
                       stdin=src, stdout=subprocess.DEVNULL, check=True)
    note("cli zhclean --jsonl --convert s2t (all cores)", len(rows), time.perf_counter() - t)
    return texts_by_id(rows)


def test_records_are_damaged(records):
    # The comparison means something only if the repair and normalisation
    # rules really have work in these records, not only the conversion.
    cleaner = zhclean.Cleaner()
    totals: dict = {}
    for r in load(records):
        if isinstance(r.get("text"), str):
            for rule, n in cleaner.clean_counted(r["text"])[1].items():
                totals[rule] = totals.get(rule, 0) + n
    print(f"\nrules fired on the records: {totals}")
    for rule, least in [("name-separator", 100), ("entities", 1000), ("entities-double", 100),
                        ("width-alnum", 10_000), ("cjk-punct", 1000)]:
        assert totals.get(rule, 0) >= least, (rule, totals)


# --- Spark ---------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    need(have("pyspark") and java(), "needs pyspark and java")
    from pyspark.sql import SparkSession

    # The Python workers must be the interpreter that has zhclean installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("zhclean-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_rdd_pipe(spark, records, expected, want):
    # The binary as a line filter: one JSON line in, one out, in order.
    sc = spark.sparkContext
    t = time.perf_counter()
    out = (
        sc.textFile(str(records), minPartitions=2)
        .pipe(f"{zhclean_bin()} --jsonl --convert s2t -q", checkCode=True)
        .collect()
    )
    note("spark rdd.pipe (local[2])", len(out), time.perf_counter() - t)
    with open(expected, encoding="utf-8") as f:
        assert out == f.read().split("\n")[:-1]


def read_json_dir(path: Path) -> list:
    rows = []
    for part in sorted(path.glob("*.json")):
        rows.extend(load(part))
    return rows


def test_spark_map_in_arrow(spark, records, want, tmp_path):
    # docs/python.md, "Spark": a Cleaner shipped to the executors by pickle.
    cleaner = zhclean.Cleaner(convert="s2t", threads=1)

    def clean_batches(batches):
        for batch in batches:
            i = batch.schema.get_field_index("text")
            yield batch.set_column(i, "text", cleaner.clean_arrow(batch.column(i)))

    df = spark.read.schema("id LONG, source STRING, text STRING").json(str(records))
    t = time.perf_counter()
    df.mapInArrow(clean_batches, df.schema).write.json(str(tmp_path / "out"))
    note("spark mapInArrow + clean_arrow, read and write JSON (local[2])", len(want),
         time.perf_counter() - t)
    rows = read_json_dir(tmp_path / "out")
    assert len(rows) == len(want)
    assert texts_by_id(rows) == want


# --- Ray Data ------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_local():
    need(have("ray"), "needs ray")
    import ray

    # Ray gives its raylet 30 s to register, which a busy two-core machine
    # can miss: try again before giving up.
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, object_store_memory=600 * 2**20,
                     log_to_driver=False, configure_logging=False)
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    yield ray
    ray.shutdown()


class CleanText:
    """docs/python.md, "Ray Data": one Cleaner per actor, built once."""

    def __init__(self):
        self.cleaner = zhclean.Cleaner(convert="s2t", threads=1)

    def __call__(self, table):
        i = table.schema.get_field_index("text")
        return table.set_column(i, "text", self.cleaner.clean_arrow(table.column(i)))


def test_ray_map_batches(ray_local, records, want, tmp_path):
    ray = ray_local
    t = time.perf_counter()
    ds = ray.data.read_json(str(records))
    # One actor: on two CPUs, two actors would hold both and starve the
    # streaming read (Ray then waits for ever).
    ds.map_batches(CleanText, batch_format="pyarrow", concurrency=1).write_json(str(tmp_path / "out"))
    note("ray map_batches + clean_arrow, read and write JSON (1 actor, 2 CPUs)", len(want),
         time.perf_counter() - t)
    rows = read_json_dir(tmp_path / "out")
    assert len(rows) == len(want)
    assert texts_by_id(rows) == want


def test_ray_pipe_example(ray_local, records, want, tmp_path):
    # docs/usage.md's Ray example (the command over each batch), with
    # --convert s2t added to compare with the reference.
    import ray

    def zhclean_batch(batch):
        lines = "".join(json.dumps({"text": t if isinstance(t, str) else None}, ensure_ascii=False)
                        + "\n" for t in batch["text"])
        out = subprocess.run([zhclean_bin(), "--jsonl", "-q", "--convert", "s2t"], input=lines.encode(),
                             capture_output=True, check=True).stdout.decode()
        batch["text"] = [json.loads(line)["text"] for line in out.split("\n")[:-1]]
        return batch

    t = time.perf_counter()
    ds = ray.data.read_json(str(records))
    ds.map_batches(zhclean_batch, batch_format="pandas").write_json(str(tmp_path / "out"))
    note("ray map_batches + zhclean subprocess (pandas), read and write JSON", len(want),
         time.perf_counter() - t)
    assert texts_by_id(read_json_dir(tmp_path / "out")) == want


# --- Hugging Face datasets -----------------------------------------------


def test_datasets_map(records, want, tmp_path, monkeypatch):
    need(have("datasets"), "needs datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    ds = datasets.Dataset.from_json(str(records), cache_dir=str(tmp_path))
    cleaner = zhclean.Cleaner(convert="s2t")
    t = time.perf_counter()
    ds = ds.map(lambda batch: {"text": cleaner.clean_batch(batch["text"])}, batched=True,
                batch_size=1000, cache_file_name=str(tmp_path / "clean.arrow"))
    note("datasets.map(batched) + clean_batch", len(ds), time.perf_counter() - t)
    assert texts_by_id(ds) == want
