#!/usr/bin/env bash
# Regenerates the assembly kernels of internal/kernel from asm_gen.go and
# asm_gen_arm64.go into a temporary folder and fails on any difference
# from the checked-in files (run `go generate ./internal/kernel` after
# editing a generator).
set -euo pipefail
cd "$(dirname "$0")/../internal/kernel"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run asm_gen.go asm_gen_arm64.go -out "$tmp"
status=0
for f in "$tmp"/*.s; do
  name=$(basename "$f")
  if ! diff -u "$name" "$f" > "$tmp/$name.diff"; then
    echo "internal/kernel/$name differs from what its generator writes:"
    head -n 40 "$tmp/$name.diff"
    status=1
  fi
done
for f in *.s; do
  if [ ! -e "$tmp/$f" ]; then
    echo "internal/kernel/$f is not written by the generator"
    status=1
  fi
done
[ $status -eq 0 ] && echo "assembly matches its generator ($(ls "$tmp"/*.s | wc -l) files)"
exit $status
