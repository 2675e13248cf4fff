#!/usr/bin/env bash
# Fetch the official OpenCC 1.4.2 command-line binary, the reference every
# parity and golden check compares against.
#
#   scripts/fetch-opencc.sh        # prints the path of the `opencc` binary
#
# The binary ships inside the official Python wheel `opencc==1.4.2` (PyPI);
# we take the CPython 3.11 manylinux2014 x86_64 wheel whatever Python this
# machine runs, check its sha256, and unpack it into .cache/opencc/
# (gitignored). The configs are in `<prefix>/opencc/clib/share/opencc/`
# (use `-c <that dir>/s2t.json`). Idempotent: a second run only prints the
# path. All messages go to stderr so callers can capture the path.
set -euo pipefail

version=1.4.2
wheel_name="opencc-1.4.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
wheel_sha256=794afd1f5254b22fb7e8655d3e60f0467e4a1ad5ebbd62f9efdd2dd421dd43db

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/opencc"
bin="$cache/x/opencc/clib/bin/opencc"

if [ -x "$bin" ] && [ -f "$cache/x/.ok" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
if [ ! -f "$cache/$wheel_name" ]; then
  echo "fetch-opencc: downloading opencc==$version" >&2
  # The platform options pick the same wheel on any host Python; pip
  # then insists on binary-only resolution, which is what we want.
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.11 \
    --implementation cp --abi cp311 \
    --dest "$cache" "opencc==$version" >&2
fi
got="$(sha256sum "$cache/$wheel_name" | cut -d' ' -f1)"
if [ "$got" != "$wheel_sha256" ]; then
  echo "fetch-opencc: sha256 mismatch for $wheel_name: $got (want $wheel_sha256)" >&2
  rm -f "$cache/$wheel_name"
  exit 1
fi

rm -rf "$cache/x"
python3 - "$cache/$wheel_name" "$cache/x" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
# zipfile drops the executable bits.
chmod +x "$cache"/x/opencc/clib/bin/*
if ! echo 头发 | "$bin" -c "$cache/x/opencc/clib/share/opencc/s2t.json" | grep -q 頭髮; then
  echo "fetch-opencc: the unpacked binary does not run: $bin" >&2
  exit 1
fi
touch "$cache/x/.ok"
echo "$bin"
