#!/usr/bin/env bash
# Draws the README's figures (docs/figures) and prints its size table, from
# the repository root, with exactly the commands README.md lists under "The
# seed's toolkit". Takes several minutes: lmzip-base ranks the whole book.
#
#   scripts/figures.sh
#
# LMZIP names an lmzip binary to use; without it one is built in a temporary
# folder that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
bin=${LMZIP:-$build/lmzip}
[ -n "${LMZIP:-}" ] || go build -o "$bin" ./cmd/lmzip
lmzip() { "$bin" "$@"; }

S=examples/compressor/AStudyInScarlet.txt T=$(mktemp -d)
lmzip tokensOfStr -n base -i $S | lmzip modelToInx -q -w 1023 -o $T/scarlet.ttout.json
lmzip plot hist -i $T/scarlet.ttout.json -o docs/figures/rank-hist.svg
lmzip plot hist -i $T/scarlet.ttout.json -o docs/figures/rank-hist.png
sed -n 73,105p $S > $T/ch1.txt                                             # chapter I
lmzip tokensOfStr -n base -i $T/ch1.txt | lmzip modelToInx -q -w 1023 | lmzip plot heatmap -o docs/figures/heatmap.html
SHOT=docs/figures/heatmap.png scripts/check-heatmap.sh docs/figures/heatmap.html   # Chromium screenshot
lmzip table $S
rm -r $T
