#!/usr/bin/env bash
# CPU seconds (user, system) and wall seconds of compression and
# decompression of FILE at each LEVEL, with the round trip checked. CPU
# time is much less disturbed than wall time by other jobs on the machine.
#   scripts/speed.sh FILE LEVEL...
set -euo pipefail
cd "$(dirname "$0")/.."
f=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lmzip" ./cmd/lmzip
echo "| level | file | archive | comp user s | comp sys s | comp wall s | decomp user s | decomp sys s | decomp wall s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for l in "$@"; do
  /usr/bin/time -f "%U %S %e" -o "$tmp/c" "$tmp/lmzip" -$l -c -q "$f" > "$tmp/a.lmz"
  /usr/bin/time -f "%U %S %e" -o "$tmp/d" "$tmp/lmzip" -d -c -q "$tmp/a.lmz" > "$tmp/out"
  cmp -s "$tmp/out" "$f" || { echo "level $l: round trip differs" >&2; exit 1; }
  read -r cu cs cw < "$tmp/c"
  read -r du ds dw < "$tmp/d"
  echo "| $l | $(basename "$f") | $(stat -c %s "$tmp/a.lmz") | $cu | $cs | $cw | $du | $ds | $dw |"
done
