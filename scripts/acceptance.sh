#!/usr/bin/env bash
# Acceptance run for the core issue: round-trips every corpus and seed file
# with each model, checks each archive against xz -9e (+1%), and prints a
# markdown results table. Slow (it runs the models over ~4 MB of text in both
# directions): run it by hand, not in CI.
#
#   scripts/acceptance.sh [MODELS] [FILES...]     MODELS default "small base"
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${LMZIP_SHARED:-../shared}
models=${1:-"small base"}
shift || true
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=("$shared"/corpora/canterbury/* "$shared"/corpora/calgary/* "$shared"/seed/golden/AStudyInScarlet.txt "$shared"/seed/golden/TestString.txt)
fi
bin=$(mktemp -d)/lmzip
go build -o "$bin" ./cmd/lmzip
work=$(mktemp -d)
trap 'rm -rf "$work" "$(dirname "$bin")"' EXIT

printf '| file | bytes | xz -9e |'
for m in $models; do printf ' lmzip-%s | bpb | comp tok/s | decomp tok/s |' "$m"; done
printf '\n|---|---:|---:|'
for m in $models; do printf -- '---:|---:|---:|---:|'; done
printf '\n'
fail=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  xz=$(xz -9e -c "$f" | wc -c)
  printf '| %s | %d | %d |' "$(basename "$f")" "$size" "$xz"
  for m in $models; do
    t0=$(date +%s.%N)
    "$bin" compress -q -m "$m" -c "$f" > "$work/a.lmz"
    t1=$(date +%s.%N)
    "$bin" decompress -q -c "$work/a.lmz" > "$work/a.out"
    t2=$(date +%s.%N)
    if ! cmp -s "$f" "$work/a.out"; then
      echo "ROUND TRIP FAILED: $f with $m" >&2; fail=1
    fi
    arc=$(stat -c %s "$work/a.lmz")
    tokens=$("$bin" info "$work/a.lmz" | awk '/blocks/ {for (i=1;i<=NF;i++) if ($(i+1) ~ /^tokens/) print $i}' | tr -d ';')
    tokens=${tokens:-0}
    limit=$(( xz + xz / 100 ))
    mark=""
    if [ "$arc" -gt "$limit" ]; then mark=" (> xz+1%)"; echo "LARGER THAN XZ+1%: $f with $m: $arc > $limit" >&2; fail=1; fi
    awk -v a="$arc" -v s="$size" -v tok="$tokens" -v c="$(echo "$t1 - $t0" | bc)" -v d="$(echo "$t2 - $t1" | bc)" -v mark="$mark" \
      'BEGIN { printf " %d%s | %.3f | %.0f | %.0f |", a, mark, (s ? 8*a/s : 0), tok/c, tok/d }'
  done
  printf '\n'
done
exit $fail
