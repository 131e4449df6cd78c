#!/usr/bin/env bash
# The project's test command: unit, golden and round-trip tests, the plain-Go
# kernels (noasm), the race detector on the concurrent packages, and a short
# run of every fuzz target over its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 ./...
go test -count=1 -tags noasm ./internal/kernel ./internal/model ./internal/lmcoder
go test -count=1 -race ./internal/kernel ./internal/model ./internal/lmcoder
