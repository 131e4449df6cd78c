#!/bin/bash
# Speed and peak memory of the int8 recipe with a model of SmolLM2-135M's
# shape (random weights, written to a temporary folder: 270 MB), on the
# first 64 kB of A Study in Scarlet: 16 segments of 1024 tokens decoded in
# lockstep, every segment coded by the model (--coders lm).
#
#   bash scripts/smolshape.sh [BENCH FLAGS...]     (e.g. --cpu-time, -T 1)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./scripts/smolshape "$tmp/smollm2-135m-shape"
go build -o "$tmp/lmzip" ./cmd/lmzip
head -c 65536 examples/compressor/AStudyInScarlet.txt > "$tmp/scarlet-64k.txt"
/usr/bin/time -f "peak memory (max RSS): %M KB" "$tmp/lmzip" bench -l 4 "$@" -m "$tmp/smollm2-135m-shape" \
  --recipe int8 --segment 1024 --coders lm "$tmp/scarlet-64k.txt"
