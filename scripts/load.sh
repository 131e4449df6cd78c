#!/usr/bin/env bash
# Load test: compress and decompress one large file, report time and peak
# memory (maximum resident set size) of each direction, check the round trip.
#
#   scripts/load.sh MODEL SIZE_MB [FILE | --cycle MB]
#
# Without FILE it builds a text of SIZE_MB from the corpora: the corpus and
# seed texts, then the same with letter case swapped, then with common words
# replaced, repeated as needed (distinct text for the first ~11.5 MB; at the
# model's speed, about 7,000 tokens/s for lmzip-small, a 100 MB file of it
# takes hours). With --cycle MB the text is the first MB megabytes of that,
# repeated: the context-mixing coder (whose match history is 4 MB) then
# codes the repeats almost for free and the model is skipped there, so the
# run measures memory over the whole size in minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-small}
mb=${2:-10}
shared=${LMZIP_SHARED:-../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/lmzip" ./cmd/lmzip
file=${3:-}
cycle=0
if [ "$file" = "--cycle" ]; then
  cycle=${4:?--cycle needs a size in MB}
  file=
fi
if [ -z "$file" ]; then
  file=$work/input.txt
  cat "$shared"/corpora/*/* "$shared"/seed/golden/AStudyInScarlet.txt > "$work/base.txt"
  tr 'a-zA-Z' 'A-Za-z' < "$work/base.txt" > "$work/swapped.txt"
  sed 's/the/a/g; s/and/or/g; s/ of / in /g' "$work/base.txt" > "$work/edited.txt"
  while [ "$(stat -c %s "$work/all.txt" 2>/dev/null || echo 0)" -lt $((mb << 20)) ]; do
    cat "$work/base.txt" "$work/swapped.txt" "$work/edited.txt" >> "$work/all.txt"
  done
  if [ "$cycle" -gt 0 ]; then
    head -c $((cycle << 20)) "$work/all.txt" > "$work/cycle.txt"
    : > "$work/all.txt"
    while [ "$(stat -c %s "$work/all.txt")" -lt $((mb << 20)) ]; do
      cat "$work/cycle.txt" >> "$work/all.txt"
    done
  fi
  head -c $((mb << 20)) "$work/all.txt" > "$file"
  rm -f "$work/all.txt" "$work/cycle.txt" "$work/base.txt" "$work/swapped.txt" "$work/edited.txt"
fi
size=$(stat -c %s "$file")
echo "input: $file, $size bytes, model $model"
/usr/bin/time -f "compress:   %e s, peak RSS %M KiB" "$work/lmzip" compress -q -m "$model" -c "$file" > "$work/a.lmz"
/usr/bin/time -f "decompress: %e s, peak RSS %M KiB" "$work/lmzip" decompress -q -c "$work/a.lmz" > "$work/a.out"
cmp "$file" "$work/a.out" && echo "round trip: identical"
"$work/lmzip" info "$work/a.lmz" | sed 1d
