#!/usr/bin/env bash
# The ratio tables of README.md "Levels and ablation":
#   1. ablation: for every corpus file, the LM stream's real coded size with
#      the model alone, with carried context, and with each part of the
#      mixer added (one run of the model per context feeds every mixer);
#   2. levels: real archives at every level, decompressed and compared,
#      with compression and decompression times.
# Whole corpora take hours on 2 cores: pass files to run fewer.
#   scripts/ablation.sh [FILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(testdata/corpora/canterbury/* testdata/corpora/calgary/* testdata/seed/AStudyInScarlet.txt)
fi
bin=$(mktemp -d)/ablation; go build -o "$bin" ./scripts/ablation
echo "## Ablation (lmzip-base; LM stream bytes and bits per byte)"
echo
"$bin" -m base -explore 1,256 "${files[@]}"
echo
echo "## Levels (real archives, round trip checked)"
echo
"$bin" -levels all "${files[@]}"
