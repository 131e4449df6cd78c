#!/usr/bin/env bash
# The seed's gzip baseline (examples/gzipFilp of ijm/LLM-compression): gzip -9
# of the text, and of the text after the period case-flip (the capital after
# ". " becomes lower case, so "The" and "the" match for LZ77). The flip is its
# own inverse; the script checks that.
#
#   examples/gzipflip/run.sh [FILE]     default: the compressor's AStudyInScarlet.txt
#
# LMZIP names an lmzip binary to use; without it one is built. Everything
# is written to a temporary folder that is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
in=${1:-$here/../compressor/AStudyInScarlet.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${LMZIP:-$tmp/lmzip}
[ -n "${LMZIP:-}" ] || (cd "$root" && go build -o "$bin" ./cmd/lmzip)

"$bin" flip -i "$in" -o "$tmp/flipped.txt"
"$bin" flip -q -i "$tmp/flipped.txt" | cmp - "$in"
raw=$(wc -c < "$in")
plain=$(gzip -9 -c < "$in" | wc -c)
flipped=$(gzip -9 -c < "$tmp/flipped.txt" | wc -c)
pct() { awk "BEGIN{printf \"%.1f%%\", 100*$1/$raw}"; }
echo "raw                     $raw bytes"
echo "gzip -9                 $plain bytes ($(pct "$plain"))"
echo "gzip -9 after the flip  $flipped bytes ($(pct "$flipped")), $((plain - flipped)) bytes saved"
echo "flipping twice gives the text back"
