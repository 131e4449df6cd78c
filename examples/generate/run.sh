#!/usr/bin/env bash
# The seed's generation demo (examples/generate/run.sh of
# ijm/LLM-compression): 18 zero bytes become 36 rank nibbles after the
# prompt, and the model turns them into text (all zeros: always its first
# choice). Then lmzip's own generator, which reads any bytes as a compressed
# stream of the model, on the same zero bytes and on random bytes, each
# followed by the reverse, which gives the bytes back.
#
#   examples/generate/run.sh        MODEL=small for a smaller model
#
# LMZIP names an lmzip binary to use; without it one is built. Everything
# is written to a temporary folder that is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MODEL=${MODEL:-base}
PROMPT='Complete a long poem about green trees.'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${LMZIP:-$tmp/lmzip}
[ -n "${LMZIP:-}" ] || (cd "$root" && go build -o "$bin" ./cmd/lmzip)
L() { "$bin" "$@"; }

echo "== the seed's pipeline: 18 zero bytes, two ranks per byte, window 128 =="
head -c 18 /dev/zero > "$tmp/zeros.bin"
L tokensOfData -n "$MODEL" -c "$PROMPT" -i "$tmp/zeros.bin" |
  L modelOfInx -n "$MODEL" -w 128 -cd 0.5 -q |
  L tokensToStr -n "$MODEL"
echo; echo

for input in zeros random; do
  if [ $input = random ]; then head -c 18 /dev/urandom > "$tmp/random.bin"; fi
  echo "== lmzip generate: 18 $input bytes =="
  L generate -n "$MODEL" -c "$PROMPT" -i "$tmp/$input.bin" -o "$tmp/$input.txt"
  cat "$tmp/$input.txt"; echo
  L generate -r -n "$MODEL" -c "$PROMPT" -i "$tmp/$input.txt" | cmp - "$tmp/$input.bin"
  echo "(generate -r gives the 18 bytes back)"; echo
done
