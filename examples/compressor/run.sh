#!/usr/bin/env bash
# The seed's eight-stage compressor (examples/compressor/run.sh of
# ijm/LLM-compression), run with lmzip's stages: text → tokens → ranks under
# the model → rANS words → .bin, and back, then a check that the text comes
# back byte for byte.
#
#   examples/compressor/run.sh [FILE.txt]     default: AStudyInScarlet.txt
#
# MODEL (default base; small is about twice as fast) is any model lmzip can
# load. OUT (default: a new temporary folder, kept) receives F.bin, the JSON
# of every stage and F.decomp.txt. With lmzip-base the whole book takes a few
# minutes each way (decoding runs the model one token at a time). LMZIP
# names an lmzip binary to use; without it one is built in a temporary
# folder that is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MODEL=${MODEL:-base}
in=${1:-$here/AStudyInScarlet.txt}
F=$(basename "$in" .txt)
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT/$F"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${LMZIP:-$tmp/lmzip}
[ -n "${LMZIP:-}" ] || (cd "$root" && go build -o "$bin" ./cmd/lmzip)
L() { "$bin" "$@"; }

start=$(date +%s)
L tokensOfStr -n "$MODEL"          -i "$in"                     -o "$OUT/$F/$F.toksout.json"
L modelToInx  -w 1023 -cd 0.5 -n "$MODEL" -i "$OUT/$F/$F.toksout.json" -o "$OUT/$F/$F.ttout.json"
L rangeEncode                      -i "$OUT/$F/$F.ttout.json"    -o "$OUT/$F/$F.rangedout.json"
L binOfRange                       -i "$OUT/$F/$F.rangedout.json" -o "$OUT/$F.bin"
mid=$(date +%s)
L binToRange                       -i "$OUT/$F.bin"             -o "$OUT/$F/$F.rangedin.json"
L rangeDecode                      -i "$OUT/$F/$F.rangedin.json" -o "$OUT/$F/$F.ttin.json"
L modelOfInx  -w 1023 -cd 0.5 -n "$MODEL" -i "$OUT/$F/$F.ttin.json"     -o "$OUT/$F/$F.toksin.json"
L tokensToStr -n "$MODEL"          -i "$OUT/$F/$F.toksin.json"   -o "$OUT/$F.decomp.txt"
end=$(date +%s)

raw=$(wc -c < "$in")
size=$(wc -c < "$OUT/$F.bin")
echo "$F: $raw bytes -> $F.bin $size bytes ($(awk "BEGIN{printf \"%.2f%%, %.3f bits per byte\", 100*$size/$raw, 8*$size/$raw}")) with $MODEL"
echo "compress $((mid - start)) s, decompress $((end - mid)) s; files in $OUT"
cmp "$in" "$OUT/$F.decomp.txt"
echo "round trip OK: $F.decomp.txt is identical to $(basename "$in")"
