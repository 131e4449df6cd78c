#!/usr/bin/env bash
# Dynamic evaluation, measured before building it (issue 10): the model's
# code length over FILE in the default level's lanes, without and with an
# Adam step every SEG steps, and what lmzip's mixer (the level's n-grams,
# match model, bias and scale; replayed, without the second model) makes of
# each. Needs /usr/bin/python3 with Debian's python3-torch and
# python3-numpy. Writes two logit dumps of 2 bytes per token per vocabulary
# entry under ${TMPDIR:-/tmp} (2.2 GB each for A Study in Scarlet) and
# removes them.
#
#   bash scripts/dyneval.sh [-lr 1e-4] [-seg 32] FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
while [[ $# -gt 0 && $1 == -* ]]; do args+=("$1" "$2"); shift 2; done
[[ $# -gt 0 ]] || { echo "usage: bash scripts/dyneval.sh [-lr LR] [-seg SEG] [-keep K] FILE..." >&2; exit 2; }
[[ " ${args[*]-} " == *" -lr "* ]] || args+=(-lr 1e-4)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	go run ./scripts/dyneval -tokens "$tmp/tok.i32" "$f" >/dev/null
	size=$(wc -c <"$f")
	echo "== $f ($size bytes)"
	/usr/bin/python3 scripts/dyneval/dyneval.py models/lmzip-base "$tmp/tok.i32" "$size" "$tmp/base.dump" -lr 0
	/usr/bin/python3 scripts/dyneval/dyneval.py models/lmzip-base "$tmp/tok.i32" "$size" "$tmp/dyn.dump" "${args[@]}"
	echo "mixer (steps 1 and 6 of ablation -replay: model alone; bias, n-gram 1-4, match, scale), without / with dynamic evaluation:"
	go run ./scripts/ablation -replay "$tmp/base.dump" -steps 1,6
	go run ./scripts/ablation -replay "$tmp/dyn.dump" -steps 1,6
	rm -f "$tmp"/*.dump
done
