#!/usr/bin/env bash
# Archive sizes of FILEs at compression LEVELS (real archives, `lmzip -N`),
# as markdown table rows: file, bytes, then per level the archive's bytes
# and bits per byte, and a total row. With -d each archive is also
# decompressed and compared with its file (the script fails on a
# difference).
#   scripts/levels.sh [-d] "4 6" FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = -d ]; then check=1; shift; fi
levels=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lmzip" ./cmd/lmzip
head="| file | bytes |"; rule="|---|---:|"
for l in $levels; do head+=" level $l | bpb |"; rule+="---:|---:|"; done
echo "$head"; echo "$rule"
declare -A sum; total=0
for f in "$@"; do
  n=$(stat -c %s "$f"); total=$((total + n))
  row="| $(basename "$f") | $n |"
  for l in $levels; do
    "$tmp/lmzip" -$l -c -q "$f" > "$tmp/a.lmz"
    if [ $check = 1 ]; then
      "$tmp/lmzip" -d -c -q "$tmp/a.lmz" | cmp -s - "$f" || { echo "$f level $l: round trip differs" >&2; exit 1; }
    fi
    a=$(stat -c %s "$tmp/a.lmz"); sum[$l]=$(( ${sum[$l]:-0} + a ))
    row+=" $a | $(awk -v a=$a -v n=$n 'BEGIN{printf "%.3f", 8*a/n}') |"
  done
  echo "$row"
done
row="| **total** | $total |"
for l in $levels; do row+=" ${sum[$l]} | $(awk -v a=${sum[$l]} -v n=$total 'BEGIN{printf "%.3f", 8*a/n}') |"; done
echo "$row"
