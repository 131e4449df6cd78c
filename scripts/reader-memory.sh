#!/usr/bin/env bash
# The worst-case memory of a reader: peak resident memory (and time) of
# `lmzip -d` and `lmzip info` on archives crafted to the format's limits
# (hostile_test.go, TestWriteHostileArchives), beside valid archives with
# the same headers: lmzip-base and
#
#   16-2  16 segments of 1024 tokens a block, recipe 2 (the defaults)
#   32-1  32 segments, recipe 1: the largest caches a header can ask for
#   1-2   1 segment of 1 token, recipe 2: the smallest
#   32-3  format version 3 (lanes), level 9's window, mixer and dynamic
#         evaluation, 32 lanes, recipe 3 (int8)
#
#   scripts/reader-memory.sh [HEADER...]      default: all four
#
# The crafted archives: filter (a stored block of 8 MiB of LFs, each a
# line-end exception), lm (a full block of language-model segments whose
# stream is random words: the model runs for the whole block, then the
# stream fails its end check), cm (context-mixing segments filling the
# block's 8 MiB, decoded from a random 8 MiB stream). Each run's exit status
# is shown: the crafted lm and cm archives fail (as they should) after
# decoding as much as their limits allow. For 32-3 the crafted archive is
# lanes (32 lanes of 1024 tokens of random words); its size, unlike the
# others', is not the most the header allows (a lane block may hold as many
# tokens as its 8 MiB of text), because the time grows with it: memory grows
# by the lanes' token histories, 4 bytes a token, as a valid archive's does.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/lmzip" ./cmd/lmzip || exit 2
go test -count=1 -run TestWriteHostileArchives -hostile.dir "$work" . > /dev/null || exit 2
L="$work/lmzip"
text=examples/compressor/AStudyInScarlet.txt
# One full block each: about 15,500 and 31,000 tokens.
# Format 1 (-4) as the crafted ones, and level 9 for the lanes.
head -c 60000 "$text" | "$L" -q -4 --recipe f16kv --group 16 -c > "$work/valid-16-2.lmz"
head -c 120000 "$text" | "$L" -q -4 --group 32 --recipe f32 -c > "$work/valid-32-1.lmz"
head -c 3000 "$text" | "$L" -q -4 --recipe f16kv --group 1 --segment 1 -c > "$work/valid-1-2.lmz"
head -c 130000 "$text" | "$L" -q -9 --group 32 --segment 1024 -c > "$work/valid-32-3.lmz"
measure() { # label command...
  local label=$1
  shift
  /usr/bin/time -f "%M %e" -o "$work/time" "$@" > /dev/null 2> "$work/err"
  local rc=$?
  read -r kib secs < <(tail -n 1 "$work/time")
  printf '%-34s %8d MiB %8.1f s   exit %d\n' "$label" $((kib / 1024)) "$secs" "$rc"
}
printf '%-34s %12s %10s\n' archive "peak RSS" time
for h in ${@:-16-2 32-1 1-2 32-3}; do
  kinds="valid filter lm cm"
  [ "$h" = 32-3 ] && kinds="valid lanes"
  for kind in $kinds; do
    f="$work/$kind-$h.lmz"
    measure "-d   $kind-$h ($(stat -c %s "$f") B)" "$L" -d -q -c "$f"
  done
  for kind in $kinds; do
    measure "info $kind-$h" "$L" info "$work/$kind-$h.lmz"
  done
done
