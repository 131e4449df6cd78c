#!/bin/bash
# What the int8 recipe costs in ratio: every corpus file compressed with
# both built-in models under the default float recipe and under int8
# (real archive sizes), as the Markdown table in README.md.
#
#   bash scripts/recipecost.sh [RECIPES] > table.md     (default f16kv,int8)
#
# Set CHECK=1 to decompress and compare every archive as well (twice as
# long), MODELS=base to run one model, LEVEL=6 for a level other than 4
# (the model alone). Reads ../shared/corpora where present, else
# testdata/corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
corpora=../shared/corpora
[ -d "$corpora" ] || corpora=testdata/corpora
files=$(ls "$corpora"/calgary/* "$corpora"/canterbury/* "$corpora"/gutenberg-de/* 2>/dev/null)
exec go run ./scripts/recipecost -check="${CHECK:-0}" -l "${LEVEL:-4}" -m "${MODELS:-small,base}" -r "${1:-f16kv,int8}" $files
