#!/usr/bin/env bash
# Speed on a busy machine: FILE (its first BYTES bytes) is compressed at
# LEVEL, then decompressed alone, beside HOGS CPU-bound loops (other work
# on the machine) with lmzip's default threads, and beside them with -T 1.
# Prints wall and CPU seconds of each decompression; the round trips are
# checked.
#   scripts/busy.sh FILE [LEVEL [HOGS [BYTES]]]      (defaults: 6, 2, 65536)
set -euo pipefail
cd "$(dirname "$0")/.."
f=$1; level=${2:-6}; hogs=${3:-2}; bytes=${4:-65536}
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/lmzip" ./cmd/lmzip
head -c "$bytes" "$f" > "$tmp/in"
"$tmp/lmzip" -"$level" -c -q "$tmp/in" > "$tmp/a.lmz"
run() { # NAME ARGS...
  local name=$1; shift
  /usr/bin/time -f "%e %U" -o "$tmp/t" "$tmp/lmzip" "$@" -d -c -q "$tmp/a.lmz" > "$tmp/out"
  cmp -s "$tmp/out" "$tmp/in" || { echo "$name: round trip differs" >&2; exit 1; }
  read -r wall cpu < "$tmp/t"
  echo "| $name | $wall | $cpu |"
}
echo "| decompression of $(basename "$f") ($bytes bytes, level $level) | wall s | CPU s |"
echo "|---|---:|---:|"
run "alone"
for _ in $(seq "$hogs"); do
  sh -c 'while :; do :; done' &
  pids+=($!)
done
sleep 1
run "beside $hogs CPU-bound loops"
run "beside $hogs CPU-bound loops, -T 1" -T 1
