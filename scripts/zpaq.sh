#!/usr/bin/env bash
# Debian's zpaq at method 5 (apt-get install zpaq): archive size of each FILE,
# the reference that lmzip must never be larger than.
#   scripts/zpaq.sh FILE...
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
  zpaq a "$tmp/a.zpaq" "$f" -m5 > /dev/null 2>&1
  echo "$(basename "$f") $(stat -c %s "$tmp/a.zpaq")"
  rm -f "$tmp/a.zpaq"
done
