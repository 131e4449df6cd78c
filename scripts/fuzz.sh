#!/usr/bin/env bash
# Runs every fuzz target for a while: scripts/fuzz.sh [DURATION] (default 10s).
# New failures land in the package's testdata/fuzz/ folder; plain `go test`
# replays every corpus there on each run.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-10s}
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg=$(dirname "$f")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$pkg |"
done | sort -u)
status=0
while read -r pkg target; do
  echo "== $pkg $target ($time)"
  ok=0
  for try in 1 2; do
    if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg" > /tmp/fuzz.$$ 2>&1; then
      ok=1; break
    fi
    # On a loaded machine Go's fuzzing engine sometimes gives up waiting for
    # a worker at the end of -fuzztime ("context deadline exceeded") without
    # any failing input: that is no finding, so the target runs again. A
    # real failure names its input (written under testdata/fuzz).
    if ! grep -q 'context deadline exceeded' /tmp/fuzz.$$ || grep -q 'Failing input written' /tmp/fuzz.$$; then
      break
    fi
    echo "(the fuzzing engine timed out waiting for a worker, with no failing input; running again)"
  done
  if [ $ok = 0 ]; then
    cat /tmp/fuzz.$$; status=1
  else
    grep 'fuzz: elapsed' /tmp/fuzz.$$ | tail -n 1
  fi
done <<< "$targets"
rm -f /tmp/fuzz.$$
exit $status
