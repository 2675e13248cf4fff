"""Shared helpers: the zhclean binary, and the damaged records of the engine tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def zhclean_bin() -> str:
    """The command to compare with: $ZHCLEAN_BIN, else the repository's release build."""
    path = os.environ.get("ZHCLEAN_BIN") or str(ROOT / "target" / "release" / "zhclean")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no zhclean binary at {path}: run `cargo build --release` or set ZHCLEAN_BIN")
    return path


def data_dir() -> Path:
    d = Path(os.environ.get("ZHCLEAN_TEST_DATA") or ROOT / ".cache" / "py" / "data")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def records() -> Path:
    """At least 100,000 JSON Lines records of real text with damage (see make_records.py)."""
    out = data_dir() / "records.jsonl"
    if not out.exists():
        corpora = ROOT / ".cache" / "corpora"
        if not (corpora / ".ok").exists():
            subprocess.run(["bash", str(ROOT / "scripts" / "fetch-corpora.sh")], check=True,
                           stdout=subprocess.DEVNULL)
        tmp = out.with_suffix(".tmp")
        subprocess.run([sys.executable, str(Path(__file__).parent / "make_records.py"),
                        str(corpora), str(tmp)], check=True)
        tmp.rename(out)
    return out


@pytest.fixture(scope="session")
def expected(records: Path) -> Path:
    """What `zhclean --jsonl --convert s2t` writes for the records (the reference)."""
    out = data_dir() / "expected-s2t.jsonl"
    with open(records, "rb") as src, open(out, "wb") as dst:
        subprocess.run([zhclean_bin(), "--jsonl", "--convert", "s2t", "-q", "--progress", "never"],
                       stdin=src, stdout=dst, check=True)
    return out


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def java() -> bool:
    return shutil.which("java") is not None


def need(ok: bool, why: str) -> None:
    """Skips the test when `ok` is false, or fails it under ZHCLEAN_REQUIRE_ENGINES (CI)."""
    if ok:
        return
    if os.environ.get("ZHCLEAN_REQUIRE_ENGINES"):
        pytest.fail(f"{why} (ZHCLEAN_REQUIRE_ENGINES is set)")
    pytest.skip(why, allow_module_level=True)
