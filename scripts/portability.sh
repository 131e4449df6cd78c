#!/usr/bin/env bash
# The portability matrix: decompression must compute bit-identical
# probabilities on every machine, so archives must not depend on the
# architecture, the kernels, the thread count or the build.
#
#  1. The kernel tests of the arm64 build under qemu-aarch64-static: every
#     NEON kernel against its plain Go twin, bit for bit (with the
#     dot-product extension, and on a CPU without it).
#     And the model tests that pin every architecture's logits (the
#     fingerprints of internal/model), under NEON and plain Go.
#     And the context-mixing coder's goldens (every version's output), and
#     the mixer's (the distributions of every configuration).
#     The amd64 kernel tests on a CPU without AVX-512 (qemu-x86_64-static
#     -cpu max), so that the AVX2 kernels run.
#  2. lmzip built for amd64 (the kernels the CPU has, and AVX2 and plain Go
#     forced with LMZIP_KERNELS), amd64 with GOAMD64=v3 (where Go may fuse
#     multiply-adds it is not told not to) and arm64 (NEON, and plain Go;
#     under qemu) compresses a sample with the tiny Llama of testdata/archs
#     with 1 and 2 threads, two block shapes, both recipes with caches
#     (f16kv, int8) and learning (-8): every archive of a shape
#     must be byte-identical, and the arm64 build must decode the amd64
#     archive and the other way round.
#
# Needs qemu-aarch64-static (Debian: qemu-user-static); installs it with
# apt-get when it is missing and this runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-aarch64-static > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "== installing qemu-user-static"
    for try in 1 2 3; do
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static) > /dev/null && break
      echo "apt-get failed (try $try); retrying" >&2
      sleep 10
    done
  else
    echo "portability.sh: qemu-aarch64-static is missing (apt-get install qemu-user-static)" >&2
    exit 1
  fi
fi
qemu=qemu-aarch64-static

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The arm64 model tests run under qemu in the background while the kernel
# tests run (qemu emulates on about one core); their result is reported
# below. The fingerprints pin each tiny model's logits to the amd64 ones;
# the kernel and thread test runs each under NEON and plain Go; caches in
# small pages must give the bits of one page (the NEON mix continued from
# page to page).
GOARCH=arm64 go test -c -o "$tmp/model.test" ./internal/model
(cd internal/model && "$qemu" "$tmp/model.test" -test.count=1 -test.run 'TestTinyArchFingerprints|TestTinyArchsKernelsThreadsBatches|TestCachePages|TestAdapter' > "$tmp/model.log" 2>&1) &
modelpid=$!

echo "== arm64 kernel tests under qemu"
GOARCH=arm64 go test -c -o "$tmp/kernel.test" ./internal/kernel
# The float16 rounding sweeps test Go code that has no assembly version
# and take minutes under emulation; the native amd64 runs cover them.
skip='TestFloat32ToF16Reference|TestRoundF16BitPatterns'
(cd internal/kernel && "$qemu" "$tmp/kernel.test" -test.count=1 -test.skip "$skip")
# A CPU without the dot-product extension: the int8 product stays in Go.
(cd internal/kernel && QEMU_CPU=cortex-a53 "$qemu" "$tmp/kernel.test" -test.count=1 -test.run 'Implementations|Int8')

echo "== amd64 kernel tests on a CPU without AVX-512 (qemu-x86_64-static -cpu max: AVX2)"
# This machine runs the AVX-512 kernels; the AVX2 ones must run (no
# AVX-512 instruction in them) and match the Go twins there too.
if command -v qemu-x86_64-static > /dev/null; then
  GOARCH=amd64 go test -c -o "$tmp/kernel-amd64.test" ./internal/kernel
  out=$(cd internal/kernel && qemu-x86_64-static -cpu max "$tmp/kernel-amd64.test" -test.count=1 -test.skip "$skip" -test.v 2>&1) ||
    { echo "$out" | tail -40; exit 1; }
  echo "$out" | tail -1
  case "$out" in
  *'implementations: [avx2 go]'*) ;;
  *) echo "portability.sh: qemu's CPU did not run the AVX2 kernels" >&2; exit 1 ;;
  esac
fi

echo "== arm64 model tests under qemu: every architecture's logits bit for bit, and dynamic evaluation's steps"
if ! wait "$modelpid"; then
  cat "$tmp/model.log"; exit 1
fi
tail -n 1 "$tmp/model.log"

echo "== arm64 context-mixing goldens under qemu: every version's output byte for byte"
GOARCH=arm64 go test -c -o "$tmp/cm.test" ./internal/cm
(cd internal/cm && "$qemu" "$tmp/cm.test" -test.count=1 -test.run 'TestGolden')

echo "== arm64 mixer goldens under qemu: every configuration's distributions bit for bit"
# The mixer's arithmetic (with and without a second model's logits) pinned
# by checksums of every distribution it computes.
GOARCH=arm64 go test -c -o "$tmp/mix.test" ./internal/mix
(cd internal/mix && "$qemu" "$tmp/mix.test" -test.count=1 -test.run 'TestGolden|TestParallelPredictIsDeterministic')

echo "== building lmzip for the matrix"
go build -o "$tmp/amd64" ./cmd/lmzip
GOAMD64=v3 go build -o "$tmp/amd64-v3" ./cmd/lmzip
GOARCH=arm64 go build -o "$tmp/arm64" ./cmd/lmzip

model=testdata/archs/llama
sample="$tmp/sample.txt"
head -c 6000 testdata/corpora/canterbury/alice29.txt > "$sample"
head -c 2000 testdata/corpora/canterbury/fields.c >> "$sample"

# run NAME ARGS...: runs build NAME (arm64 ones under qemu) with the
# environment variables given before it as VAR=VALUE arguments.
run() {
  local env=()
  while [[ $1 == *=* ]]; do env+=("$1"); shift; done
  local bin=$1; shift
  case $bin in
    arm64*) env "${env[@]}" "$qemu" "$tmp/$bin" "$@" ;;
    *) env "${env[@]}" "$tmp/$bin" "$@" ;;
  esac
}

status=0
echo "== arm64 under qemu: the frozen archive of lmzip-small learning (tied head, 8 lanes) decodes"
if ! run arm64 -dc testdata/frozen/adapt-slide-shift.lmz | cmp -s - <(head -c 2000 testdata/frozen/input.txt); then
  echo "portability.sh: arm64 decodes testdata/frozen/adapt-slide-shift.lmz differently" >&2
  status=1
fi
head -c 4000 "$sample" > "$tmp/half.txt"
# Build (with environment) and thread count.
configs=(
  "amd64:1" "amd64:2" "LMZIP_KERNELS=avx2 amd64:1" "LMZIP_KERNELS=go amd64:2"
  "amd64-v3:2" "arm64:1" "arm64:2" "LMZIP_KERNELS=go arm64:1"
)
for shape in "--segment 64 --group 4 --recipe f16kv" "--segment 48 --group 1" "--segment 64 --group 4 --recipe int8" "-8 --segment 64 --group 4 --recipe int8"; do
  echo "== archives with $shape"
  # Learning (level 8) costs several times as much a token: half the
  # sample still takes dozens of steps.
  in=$sample
  if [[ $shape == -8* ]]; then in=$tmp/half.txt; fi
  # The configurations run two at a time (qemu emulates on about one
  # core), each into its own file; then every archive is compared with
  # the first.
  pids=()
  for half in 0 1; do
    (
      for i in "${!configs[@]}"; do
        if (( i % 2 != half )); then continue; fi
        c=${configs[$i]}
        # shellcheck disable=SC2086
        run ${c%:*} -c -q -m "$model" --coders lm $shape -T "${c##*:}" "$in" > "$tmp/out-$i.lmz"
      done
    ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p" || { echo "portability.sh: a compression failed ($shape)" >&2; exit 1; }
  done
  ref=""
  for i in "${!configs[@]}"; do
    c=${configs[$i]} out=$tmp/out-$i.lmz
    sum=$(sha256sum < "$out" | cut -c1-16)
    printf '  %-28s -T %d  %6d bytes  %s\n' "${c%:*}" "${c##*:}" "$(stat -c %s "$out")" "$sum"
    if [ -z "$ref" ]; then
      ref=$sum
    elif [ "$sum" != "$ref" ]; then
      echo "  DIFFERS from the first archive" >&2
      cp "$out" "$tmp/differs.lmz"
      status=1
    fi
  done
  echo "  decoding across architectures"
  # out-0 is amd64's archive, out-5 arm64's (configs above).
  run arm64 -d -c -m "$model" "$tmp/out-0.lmz" > "$tmp/dec-arm64" &
  a=$!
  run LMZIP_KERNELS=go arm64 -d -c -m "$model" "$tmp/out-0.lmz" > "$tmp/dec-arm64-go" &
  b=$!
  run amd64 -d -c -m "$model" "$tmp/out-5.lmz" > "$tmp/dec-amd64"
  wait "$a" && wait "$b" || { echo "portability.sh: a decompression failed ($shape)" >&2; exit 1; }
  for d in dec-arm64 dec-arm64-go dec-amd64; do
    cmp "$tmp/$d" "$in"
  done
done
if [ $status -ne 0 ]; then
  echo "portability.sh: archives differ" >&2
  exit 1
fi
echo "portability: all archives identical, cross-architecture decoding ok"
