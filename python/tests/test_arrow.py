"""Cleaner.clean_arrow: Arrow in, Arrow out, the same strings as clean()."""

from __future__ import annotations

import pytest

import zhclean

from .conftest import have, need

need(have("pyarrow"), "needs pyarrow")
import pyarrow as pa  # noqa: E402

TEXTS = ["斯科特?丹恩说", None, "&#33879;名１９９８", "", "干净。", None, "头发" * 50]


@pytest.mark.parametrize("typ", ["string", "large_string"])
@pytest.mark.parametrize("threads", [1, 2])
def test_array_keeps_type_length_and_nulls(typ, threads):
    c = zhclean.Cleaner(convert="s2t", threads=threads)
    arr = pa.array(TEXTS, type=getattr(pa, typ)())
    out = c.clean_arrow(arr)
    assert isinstance(out, pa.Array)
    assert out.type == arr.type and len(out) == len(arr)
    assert out.null_count == 2
    assert out.to_pylist() == [None if t is None else c.clean(t) for t in TEXTS]
    out.validate(full=True)


def test_chunked_and_sliced():
    c = zhclean.Cleaner(threads=2)
    chunks = [pa.array(TEXTS), pa.array([], type=pa.string()), pa.array(TEXTS[::-1])]
    arr = pa.chunked_array(chunks)
    out = c.clean_arrow(arr)
    assert isinstance(out, pa.ChunkedArray)
    assert [len(ch) for ch in out.chunks] == [len(ch) for ch in arr.chunks]
    assert out.to_pylist() == c.clean_batch(arr.to_pylist())
    sliced = pa.array(TEXTS).slice(2, 3)
    assert c.clean_arrow(sliced).to_pylist() == c.clean_batch(TEXTS[2:5])
    empty = pa.chunked_array([], type=pa.large_string())
    assert c.clean_arrow(empty).type == pa.large_string()


def test_record_batch_column_round_trip():
    c = zhclean.Cleaner()
    batch = pa.record_batch({"id": [1, 2, 3], "text": ["１", None, "abc"]})
    out = batch.set_column(1, "text", c.clean_arrow(batch.column("text")))
    assert out.column("text").to_pylist() == ["1", None, "abc"]


def test_wrong_types_are_refused():
    c = zhclean.Cleaner()
    with pytest.raises(TypeError, match="string or large_string"):
        c.clean_arrow(pa.array([1, 2]))
    with pytest.raises(TypeError):
        c.clean_arrow(["not", "arrow"])
