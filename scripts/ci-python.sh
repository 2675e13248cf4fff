#!/usr/bin/env bash
# The Python package's CI: clippy on the binding crate, the wheel built from
# source into a venv (maturin from PyPI, as `pip install ./python` does on a
# fresh machine), the API tests, then the engine tests (Spark local[2], Ray
# Data, Hugging Face datasets on 120,000 damaged records, each checked record
# for record against `zhclean --jsonl`).
#
# The venv lives in .cache/py/venv and pip's own cache (~/.cache/pip) is kept,
# so a second run downloads nothing. Installs a Java runtime from Debian when
# `java` is missing (Spark needs one). A test that is skipped for a missing
# engine fails here (ZHCLEAN_REQUIRE_ENGINES), and so does a pytest run that
# collects no test (its exit code 5).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TERM_COLOR=never

venv="$root/.cache/py/venv"
py="$venv/bin/python"

echo "== python: venv and test dependencies"
if [ ! -x "$py" ]; then
  python3 -m venv "$venv"
fi
"$py" -m pip install --quiet --disable-pip-version-check \
  "pytest==9.2.0" "pyarrow==26.0.1" "pyspark==4.3.0" "ray[data]==2.60.0" "datasets==5.2.0"

if ! command -v java >/dev/null 2>&1; then
  echo "== python: installing a Java runtime for Spark"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

echo "== python: clippy on the binding crate"
PYO3_PYTHON="$py" cargo clippy --quiet -p zhclean-python --all-targets -- -D warnings

echo "== python: the binding crate's own Rust tests"
PYO3_PYTHON="$py" cargo test --quiet -p zhclean-python

echo "== python: the zhclean binary the tests compare with"
cargo build --quiet --release --bin zhclean

echo "== python: build and install the wheel (pip install ./python)"
"$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python

run_pytest() { # label, pytest arguments...
  local label="$1" rc=0
  shift
  echo "== python: $label"
  (cd "$root/python" && "$py" -m pytest -p no:cacheprovider "$@") || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "ci-python: pytest collected no test for $label" >&2
    exit 1
  fi
  if [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
}

export ZHCLEAN_BIN="$root/target/release/zhclean"
export ZHCLEAN_REQUIRE_ENGINES=1
run_pytest "API tests" -q tests --ignore=tests/engines
run_pytest "engine tests (Spark, Ray, datasets)" -q -s tests/engines
