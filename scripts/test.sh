#!/usr/bin/env bash
# The project's test command: unit, golden and round-trip tests (which also
# replay every fuzz corpus), the plain-Go kernels (noasm) and the AVX2 level,
# the race detector on the packages that run goroutines, and a short run of
# every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 ./...
go test -count=1 -short -tags noasm ./internal/kernel ./internal/model ./internal/lmcoder ./internal/mix
# The kernel tiers decode the frozen archives with -short: a subset of
# cases that runs every recipe, model, slide and learning step
# (frozen_levels_test.go, shortFrozen).
go test -count=1 -short -tags noasm -run 'TestFrozen' .
GOAMD64=v3 go test -count=1 ./internal/kernel ./internal/model ./internal/lmcoder ./internal/mix
GOAMD64=v3 go test -count=1 -short -run 'TestFrozen' .
# The race detector slows code tenfold: its tier runs the lighter -short
# variants, with an explicit timeout well above what 2 cores need.
go test -count=1 -race -short -timeout 20m ./internal/kernel ./internal/model ./internal/lmcoder ./internal/tokenizer ./internal/hub ./internal/mix
go test -count=1 -race -short -timeout 20m -run 'Streaming|Threads|Concatenated|Edges' .
bash scripts/fuzz.sh "${LMZIP_FUZZTIME:-5s}"
