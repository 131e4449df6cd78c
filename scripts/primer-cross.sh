#!/usr/bin/env bash
# How much the Project Gutenberg primer gives a file whose licence is of
# the other version than the one the primer holds word for word: builds
# lmzip three times, with the whole primer, with its older half only
# (about 2004-2020) and with its newer half only (since about 2021), and
# prints the level's archive size of each FILE with each, and without a
# primer (--no-primer). Every archive is decompressed and compared.
#   scripts/primer-cross.sh [-l LEVEL] FILE...     (default level 6)
set -euo pipefail
cd "$(dirname "$0")/.."
level=6
if [ "${1:-}" = -l ]; then level=$2; shift 2; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
p=internal/primer/gutenberg.txt
split=$(grep -n '^The Project Gutenberg eBook of $' "$p" | cut -d: -f1)
build() { # name, primer text file
	mkdir -p "$tmp/src"
	git ls-files -z | xargs -0 cp --parents -t "$tmp/src"
	cp "$2" "$tmp/src/$p"
	(cd "$tmp/src" && go build -o "$tmp/lmzip-$1" ./cmd/lmzip)
}
cp "$p" "$tmp/whole.txt"
head -n $((split - 1)) "$p" >"$tmp/older.txt"
tail -n +"$split" "$p" >"$tmp/newer.txt"
for v in whole older newer; do build $v "$tmp/$v.txt"; done
echo "| file | bytes | no primer | whole primer | older half only | newer half only |"
echo "|---|---:|---:|---:|---:|---:|"
for f in "$@"; do
	row="| $(basename "$f") | $(stat -c %s "$f") |"
	for v in none whole older newer; do
		bin=$tmp/lmzip-$v flag=
		if [ $v = none ]; then bin=$tmp/lmzip-whole flag=--no-primer; fi
		"$bin" -$level $flag -c -q "$f" >"$tmp/a.lmz"
		"$bin" -d -c -q "$tmp/a.lmz" | cmp -s - "$f" || { echo "$f ($v): round trip differs" >&2; exit 1; }
		row+=" $(stat -c %s "$tmp/a.lmz") |"
	done
	echo "$row"
done
