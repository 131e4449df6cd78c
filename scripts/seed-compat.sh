#!/usr/bin/env bash
# Cross-checks lmzip's seed stages against the ORIGINAL seed project's own
# Python scripts (ijm/LLM-compression), in both directions, as far as they run
# without PyTorch:
#
#   lmzip ttout.json -> seed rangeEncode -> seed binOfRange -> seed binToRange
#   -> seed rangeDecode, each output compared byte for byte with lmzip's, and
#   the seed's files fed to lmzip's binToRange, rangeDecode, modelOfInx and
#   tokensToStr, ending in a cmp with the original text. Also the seed's
#   statsOfRange and statsOfInx against lmzip's stages of those names, the
#   seed's tokensOfData and tokensOfStr with a stub torch/transformers (see
#   below), and -s N and argparse's flag forms (--inf, -s=N, -c=X) in both.
#
#   scripts/seed-compat.sh SEED_CHECKOUT_DIR
#
# SEED_CHECKOUT_DIR is the folder that holds the seed's scripts/ (a checkout
# of ijm/LLM-compression). Nothing is downloaded and the seed's code is not
# copied anywhere: it runs from SEED_CHECKOUT_DIR as `python3 -m STAGE` with
# PYTHONPATH=SEED_CHECKOUT_DIR/scripts, as its run.sh does.
#
# Environment:
#   PYTHON                  interpreter (default python3; the seed wants >= 3.9)
#   SEED_EXTRA_PYTHONPATH   appended to PYTHONPATH, e.g. where numpy lives
#                           (statsOfInx needs numpy; without it that check is SKIP;
#                           on Debian: apt-get install python3-numpy and
#                           PYTHON=/usr/bin/python3)
#   LMZIP_THREADS           threads for lmzip's model stages (default 1)
#   KEEP=1                  keep the work folder (printed at the end)
#
# Model stages use lmzip's small built-in model on short texts (the first
# 3000 bytes of AStudyInScarlet.txt and TestString.txt), so a run takes
# seconds. Prints PASS/FAIL/SKIP per check; exits 1 if any check failed,
# 2 on a usage or build error.
#
# Stubs: the seed's tokensOfData.py and tokensOfStr.py import torch and
# transformers at the top. This script runs them with a stub `torch` whose
# functions raise if called, and a stub `transformers.AutoTokenizer` that
# tokenizes with `lmzip tokensOfStr -n NAME`; so those two checks test the
# seed's JSON assembly (and tokensOfData's nibble layout), not the tokenizer.
# modelToInx.py and modelOfInx.py need a real model (torch); for them the
# script checks lmzip's JSON against the seed's output expression instead
# (labelled "emulated").
set -uo pipefail

if [ $# -ne 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
seed=$(cd "$1" 2>/dev/null && pwd) || { echo "no such folder: $1" >&2; exit 2; }
for s in ansCoder arguments utils rangeEncode binOfRange binToRange rangeDecode statsOfInx statsOfRange tokensOfData; do
  [ -f "$seed/scripts/$s.py" ] || { echo "missing $seed/scripts/$s.py" >&2; exit 2; }
done
root=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
threads=${LMZIP_THREADS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/seed-compat.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then trap 'echo "work folder kept: $work"' EXIT; else trap 'rm -rf "$work"'  EXIT; fi

echo "building lmzip"
(cd "$root" && go build -o "$work/lmzip" ./cmd/lmzip) || { echo "go build failed" >&2; exit 2; }
L() { "$work/lmzip" "$@"; }
spath="$seed/scripts${SEED_EXTRA_PYTHONPATH:+:$SEED_EXTRA_PYTHONPATH}"
S() { PYTHONPATH="$spath" "$PY" -m "$@"; }                          # the seed's stage, unmodified
SS() { PYTHONPATH="$work/stub:$spath" LMZIP_BIN="$work/lmzip" "$PY" -m "$@"; } # ... with stub torch/transformers

exec 3>&1   # results go to fd 3, so a check's own stdout can be redirected
pass=0; fail=0; skip=0; failed=()
ok()   { pass=$((pass + 1)); echo "PASS  $1" >&3; }
bad()  { fail=$((fail + 1)); failed+=("$1"); echo "FAIL  $1${2:+: $2}" >&3; }
skp()  { skip=$((skip + 1)); echo "SKIP  $1${2:+: $2}" >&3; }
# run NAME CMD...: CMD must succeed (stderr goes to $work/log)
run() { local n=$1; shift; if "$@" 2>"$work/log"; then return 0; fi; bad "$n" "exit $? ($(tail -n 3 "$work/log" | tr '\n' ' '))"; return 1; }
# same NAME A B: A and B must be byte-identical
same() {
  if [ -f "$2" ] && [ -f "$3" ] && cmp -s "$2" "$3"; then ok "$1"
  elif [ -f "$2" ] && [ -f "$3" ]; then bad "$1" "$(cmp "$2" "$3" 2>&1 | head -n 1)"
  else bad "$1" "missing output"; fi
}

# Stub torch/transformers for the seed's tokenizer-only stages.
mkdir -p "$work/stub/torch" "$work/stub/transformers"
cat > "$work/stub/torch/__init__.py" <<'EOF'
# Stub written by lmzip's scripts/seed-compat.sh: PyTorch is not installed.
# Importing works; any use raises.
def _unavailable(*args, **kwargs):
    raise RuntimeError("torch stub: this stage needs the real PyTorch")


set_num_threads = _unavailable
tensor = _unavailable


def __getattr__(name):
    raise AttributeError("torch stub: torch." + name + " is not available")
EOF
cat > "$work/stub/transformers/__init__.py" <<'EOF'
# Stub written by lmzip's scripts/seed-compat.sh: transformers is not
# installed. AutoTokenizer tokenizes with `lmzip tokensOfStr -n NAME`
# ($LMZIP_BIN); encode(text, return_tensors="np") returns an object with
# .shape == (1, n) and [0, slice] indexing, which is all the seed uses.
import json
import os
import subprocess


class _Ids:
    def __init__(self, ids):
        self._ids = ids
        self.shape = (1, len(ids))

    def __getitem__(self, key):
        row, cols = key
        if row != 0:
            raise IndexError(row)
        return self._ids[cols]


class _Tokenizer:
    def __init__(self, name):
        self.name = name
        self.vocab_size = self._lmzip(b"")["vocabSize"]

    def _lmzip(self, data):
        out = subprocess.run([os.environ["LMZIP_BIN"], "tokensOfStr", "-q",
                              "-n", self.name], input=data,
                             capture_output=True, check=True).stdout
        return json.loads(out)

    def encode(self, text, return_tensors=None):
        if return_tensors != "np" or not isinstance(text, str):
            raise NotImplementedError("transformers stub: encode(str, return_tensors='np') only")
        return _Ids([t[0] for t in self._lmzip(text.encode("utf8"))["tokenList"]])

    def decode(self, *args, **kwargs):
        raise NotImplementedError("transformers stub: decode is not available")


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name):
        return _Tokenizer(name)


def __getattr__(name):
    raise AttributeError("transformers stub: " + name + " is not available")
EOF

# Emulations of the seed's JSON output expressions for its torch stages.
cat > "$work/emulate.py" <<'EOF'
import json
import sys


def tl(lst):
    # modelToInx.py / modelOfInx.py: prob kept as int(p*1e6+0.5), written as
    # float(p)/1e6, so every prob is a float (a miss or literal is 0.0).
    return [(int(t), int(i), float(int(p * 1e6 + 0.5)) / 1e6) for (t, i, p) in lst]


def load(f):
    with open(f, "rb") as fh:
        return json.loads(fh.read())


mode = sys.argv[1]
if mode == "modelToInx":   # toksout ttout
    src, out = load(sys.argv[2]), load(sys.argv[3])
    exp = {"modelName": src["modelName"], "vocabSize": src["vocabSize"],
           "comment": (src.get("comment") or "") + "",
           "contextwindow": out["contextwindow"], "topN": out["topN"],
           "tokenList": tl(out["tokenList"])}
    assert [t for (t, i, p) in out["tokenList"]] == [t for (t, i, p) in src["tokenList"]], "token ids changed"
elif mode == "modelOfInx":  # ttin toksin name window topN
    src, out = load(sys.argv[2]), load(sys.argv[3])
    assert [i for (t, i, p) in out["tokenList"]] == [i for (t, i, p) in src["tokenList"]], "ranks changed"
    exp = dict(src)
    exp.update({"modelName": sys.argv[4], "contextwindow": int(sys.argv[5]),
                "topN": int(sys.argv[6]), "tokenList": tl(out["tokenList"])})
elif mode == "modelToInxStop":  # toksout ttout N: modelToInx.py with -s N
    # range(1, N) is modelled; every other entry is written from the
    # (integer) input array as [t, i, p/1e6].
    src, out, n = load(sys.argv[2]), load(sys.argv[3]), int(sys.argv[4])
    lst = [(int(t), int(i), float(int(p * 1e6 + 0.5)) / 1e6) if 1 <= k < n else (int(t), int(i), float(p) / 1e6)
           for k, ((t, i, p), (t0, i0, p0)) in enumerate(zip(out["tokenList"], src["tokenList"]))]
    assert all(out["tokenList"][k][1] == src["tokenList"][k][1] for k in range(len(lst)) if not 1 <= k < n), "unmodelled ranks changed"
    exp = {"modelName": src["modelName"], "vocabSize": src["vocabSize"],
           "comment": (src.get("comment") or "") + "",
           "contextwindow": out["contextwindow"], "topN": out["topN"], "tokenList": lst}
    assert len(out["tokenList"]) == len(src["tokenList"]), "entries dropped"
elif mode == "modelOfInxStop":  # ttin toksin name window topN N: modelOfInx.py with -s N
    src, out, n = load(sys.argv[2]), load(sys.argv[3]), int(sys.argv[7])
    assert len(out["tokenList"]) == len(src["tokenList"]), "entries dropped"
    lst = [(int(t), int(i), float(int(p * 1e6 + 0.5)) / 1e6) if 1 <= k < n and i0 != -1 else (int(t0), int(i0), float(int(p0 * 1e6)) / 1e6)
           for k, ((t, i, p), (t0, i0, p0)) in enumerate(zip(out["tokenList"], src["tokenList"]))]
    exp = dict(src)
    exp.update({"modelName": sys.argv[4], "contextwindow": int(sys.argv[5]),
                "topN": int(sys.argv[6]), "tokenList": lst})
elif mode == "stats":       # ttout topN seed-output: compare Hits/Misses with a plain count
    d = load(sys.argv[2])
    topN = int(sys.argv[3])
    hits = sum(1 for (t, i, p) in d["tokenList"] if not (i == -1 or i > topN))
    misses = len(d["tokenList"]) - hits
    got = open(sys.argv[4]).read()
    want = [f"Hits: {hits} (", f"Misses: {misses} ("]
    for w in want:
        if w not in got:
            sys.exit(f"seed printed {got!r}, expected {w!r}")
    sys.exit(0)
elif mode == "rangestats":  # rangedjson seed-output
    d = load(sys.argv[2])
    got = open(sys.argv[3]).read()
    w = f"Total Symbols: {d['length']} ("
    if w not in got or f"Size of compressed output: {len(d['compressed'])} (" not in got:
        sys.exit(f"seed printed {got!r}")
    sys.exit(0)
have = open(sys.argv[3], "rb").read()
want = json.dumps(exp).encode("latin-1")
if have != want:
    n = next((k for k in range(min(len(have), len(want))) if have[k] != want[k]), min(len(have), len(want)))
    sys.exit(f"lmzip wrote {have[max(0, n - 30):n + 30]!r}, the seed writes {want[max(0, n - 30):n + 30]!r} (byte {n})")
EOF
E() { "$PY" "$work/emulate.py" "$@"; }

if PYTHONPATH="$spath" "$PY" -c 'import numpy' 2>/dev/null; then have_numpy=1; else have_numpy=0; fi

head -c 3000 "$root/examples/compressor/AStudyInScarlet.txt" > "$work/Scarlet3000.txt"
cp "$root/examples/compressor/TestString.txt" "$work/TestString.txt"

for F in Scarlet3000 TestString; do
  echo "== $F ($(wc -c < "$work/$F.txt") bytes, lmzip -n small)"
  d="$work/$F"; mkdir -p "$d"; txt="$work/$F.txt"
  run "$F lmzip tokensOfStr" L tokensOfStr -q -n small -i "$txt" -o "$d/toksout.json" || continue
  run "$F lmzip modelToInx" L modelToInx -q -l "$threads" -w 1023 -cd 0.5 -n small -i "$d/toksout.json" -o "$d/ttout.json" || continue

  # lmzip's own chain, and the seed's own chain, both from lmzip's ttout.json
  run "$F lmzip rangeEncode" L rangeEncode -i "$d/ttout.json" -o "$d/L.rangedout.json"
  run "$F lmzip binOfRange"  L binOfRange  -i "$d/L.rangedout.json" -o "$d/L.bin"
  run "$F lmzip binToRange"  L binToRange  -i "$d/L.bin" -o "$d/L.rangedin.json"
  run "$F lmzip rangeDecode" L rangeDecode -i "$d/L.rangedin.json" -o "$d/L.ttin.json"
  run "$F seed rangeEncode"  S rangeEncode -i "$d/ttout.json" -o "$d/S.rangedout.json"
  run "$F seed binOfRange"   S binOfRange  -i "$d/S.rangedout.json" -o "$d/S.bin"
  run "$F seed binToRange"   S binToRange  -i "$d/S.bin" -o "$d/S.rangedin.json"
  run "$F seed rangeDecode"  S rangeDecode -i "$d/S.rangedin.json" -o "$d/S.ttin.json"

  # lmzip -> seed: the seed's stage on lmzip's file gives lmzip's output
  same "$F rangeEncode: seed on lmzip ttout == lmzip rangedout" "$d/S.rangedout.json" "$d/L.rangedout.json"
  run "$F seed binOfRange on lmzip rangedout" S binOfRange -i "$d/L.rangedout.json" -o "$d/SL.bin" &&
    same "$F binOfRange: seed on lmzip rangedout == lmzip .bin" "$d/SL.bin" "$d/L.bin"
  run "$F seed binToRange on lmzip .bin" S binToRange -i "$d/L.bin" -o "$d/SL.rangedin.json" &&
    same "$F binToRange: seed on lmzip .bin == lmzip rangedin" "$d/SL.rangedin.json" "$d/L.rangedin.json"
  run "$F seed rangeDecode on lmzip rangedin" S rangeDecode -i "$d/L.rangedin.json" -o "$d/SL.ttin.json" &&
    same "$F rangeDecode: seed on lmzip rangedin == lmzip ttin" "$d/SL.ttin.json" "$d/L.ttin.json"

  # seed -> lmzip: lmzip's stage on the seed's file gives the seed's output
  run "$F lmzip binToRange on seed .bin" L binToRange -i "$d/S.bin" -o "$d/LS.rangedin.json" &&
    same "$F binToRange: lmzip on seed .bin == seed rangedin" "$d/LS.rangedin.json" "$d/S.rangedin.json"
  run "$F lmzip rangeDecode on seed rangedin" L rangeDecode -i "$d/S.rangedin.json" -o "$d/LS.ttin.json" &&
    same "$F rangeDecode: lmzip on seed rangedin == seed ttin" "$d/LS.ttin.json" "$d/S.ttin.json"
  if run "$F lmzip modelOfInx on seed ttin" L modelOfInx -q -l "$threads" -w 1023 -cd 0.5 -n small -i "$d/S.ttin.json" -o "$d/LS.toksin.json" &&
     run "$F lmzip tokensToStr" L tokensToStr -n small -i "$d/LS.toksin.json" -o "$d/LS.decomp.txt"; then
    same "$F seed .bin -> seed binToRange/rangeDecode -> lmzip modelOfInx/tokensToStr == text" "$d/LS.decomp.txt" "$txt"
    if E modelOfInx "$d/S.ttin.json" "$d/LS.toksin.json" small 1023 128 2>"$work/log"; then
      ok "$F lmzip modelOfInx JSON == seed modelOfInx.py output form (emulated)"
    else bad "$F lmzip modelOfInx JSON == seed modelOfInx.py output form (emulated)" "$(tail -n 1 "$work/log")"; fi
  fi
  if E modelToInx "$d/toksout.json" "$d/ttout.json" 2>"$work/log"; then
    ok "$F lmzip modelToInx JSON == seed modelToInx.py output form (emulated)"
  else bad "$F lmzip modelToInx JSON == seed modelToInx.py output form (emulated)" "$(tail -n 1 "$work/log")"; fi

  # the seed's stats scripts and lmzip's stats stages, on the same files
  for r in L.rangedout L.rangedin; do
    run "$F seed statsOfRange on lmzip $r" S statsOfRange -i "$d/$r.json" > "$d/$r.S.stats" &&
    run "$F lmzip statsOfRange on $r" L statsOfRange -i "$d/$r.json" > "$d/$r.L.stats" &&
      same "$F statsOfRange of $r.json: lmzip == seed ($(head -n 1 "$d/$r.S.stats"))" "$d/$r.L.stats" "$d/$r.S.stats"
  done
  if [ $have_numpy = 1 ]; then
    for k in 128 5; do
      run "$F seed statsOfInx -t $k" S statsOfInx -t $k -i "$d/ttout.json" > "$d/ttout.$k.S.stats" &&
      run "$F lmzip statsOfInx -t $k" L statsOfInx -t $k -i "$d/ttout.json" > "$d/ttout.$k.L.stats" &&
        same "$F statsOfInx -t $k of ttout.json: lmzip == seed ($(tr '\n' ' ' < "$d/ttout.$k.S.stats"))" "$d/ttout.$k.L.stats" "$d/ttout.$k.S.stats"
    done
  else skp "$F seed statsOfInx" "numpy is not importable (set SEED_EXTRA_PYTHONPATH)"; fi

  # -s N as each stage reads it, and argparse's forms of the flags
  for n in 7 -3; do
    run "$F seed rangeEncode -s $n" S rangeEncode --inf "$d/ttout.json" -s=$n --prec 16 -o "$d/S.s.rangedout.json" &&
    run "$F lmzip rangeEncode -s $n" L rangeEncode --inf "$d/ttout.json" -s=$n --prec 16 -o "$d/L.s.rangedout.json" &&
      same "$F rangeEncode --inf F -s=$n --prec 16: lmzip == seed" "$d/L.s.rangedout.json" "$d/S.s.rangedout.json"
  done
  if run "$F lmzip modelToInx -s 9" L modelToInx -q -l "$threads" -w 1023 -cd=0.5 -s 9 -n small -i "$d/toksout.json" -o "$d/s9.ttout.json"; then
    if E modelToInxStop "$d/toksout.json" "$d/s9.ttout.json" 9 2>"$work/log"; then
      ok "$F lmzip modelToInx -s 9 JSON == seed modelToInx.py with -s 9 (emulated)"
    else bad "$F lmzip modelToInx -s 9 JSON == seed modelToInx.py with -s 9 (emulated)" "$(tail -n 1 "$work/log")"; fi
  fi
  if [ -f "$d/S.ttin.json" ] && run "$F lmzip modelOfInx -s 9" L modelOfInx -q -l "$threads" -w 1023 -s 9 -n small -i "$d/S.ttin.json" -o "$d/s9.toksin.json"; then
    if E modelOfInxStop "$d/S.ttin.json" "$d/s9.toksin.json" small 1023 128 9 2>"$work/log"; then
      ok "$F lmzip modelOfInx -s 9 JSON == seed modelOfInx.py with -s 9 (emulated)"
    else bad "$F lmzip modelOfInx -s 9 JSON == seed modelOfInx.py with -s 9 (emulated)" "$(tail -n 1 "$work/log")"; fi
  fi

  # the seed's tokensOfStr (stub tokenizer = lmzip's): JSON layout only
  if [ -f "$seed/scripts/tokensOfStr.py" ]; then
    run "$F seed tokensOfStr (stub torch/transformers)" SS tokensOfStr -n small -i "$txt" -o "$d/S.toksout.json" &&
      same "$F tokensOfStr: seed JSON (stub tokenizer) == lmzip toksout" "$d/S.toksout.json" "$d/toksout.json"
    for n in 5 -3; do
      run "$F seed tokensOfStr -s $n" SS tokensOfStr -n small -s $n -c=x -i "$txt" -o "$d/S.s.toksout.json" &&
      run "$F lmzip tokensOfStr -s $n" L tokensOfStr -q -n small -s $n -c=x -i "$txt" -o "$d/L.s.toksout.json" &&
        same "$F tokensOfStr -s $n -c=x: seed JSON (stub tokenizer) == lmzip" "$d/S.s.toksout.json" "$d/L.s.toksout.json"
    done
  else skp "$F seed tokensOfStr" "no scripts/tokensOfStr.py"; fi
done

# Precision 16 (-p): both coders, and the seed decoding lmzip's .bin.
d="$work/Scarlet3000"
if [ -f "$d/ttout.json" ]; then
  echo "== Scarlet3000, -p 16"
  run "p16 lmzip rangeEncode" L rangeEncode -p 16 -i "$d/ttout.json" -o "$d/L16.rangedout.json"
  run "p16 seed rangeEncode"  S rangeEncode -p 16 -i "$d/ttout.json" -o "$d/S16.rangedout.json" &&
    same "p16 rangeEncode: seed == lmzip" "$d/S16.rangedout.json" "$d/L16.rangedout.json"
  run "p16 lmzip binOfRange" L binOfRange -i "$d/L16.rangedout.json" -o "$d/L16.bin"
  run "p16 seed binOfRange"  S binOfRange -i "$d/L16.rangedout.json" -o "$d/S16.bin" &&
    same "p16 binOfRange: seed == lmzip" "$d/S16.bin" "$d/L16.bin"
  run "p16 seed binToRange on lmzip .bin" S binToRange -i "$d/L16.bin" -o "$d/S16.rangedin.json" &&
  run "p16 seed rangeDecode" S rangeDecode -i "$d/S16.rangedin.json" -o "$d/S16.ttin.json" &&
  run "p16 lmzip binToRange/rangeDecode" bash -c '"$1" binToRange -i "$2" | "$1" rangeDecode -o "$3"' _ "$work/lmzip" "$d/L16.bin" "$d/L16.ttin.json" &&
    same "p16 seed decode of lmzip .bin == lmzip decode" "$d/S16.ttin.json" "$d/L16.ttin.json"
fi

# tokensOfData (stub torch/transformers; the prompt is tokenized by lmzip).
echo "== tokensOfData (-n small)"
prompt='Complete a long poem about green trees.'
head -c 18 /dev/zero > "$work/zeros.bin"
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) + "Ünïcödé".encode())' > "$work/allbytes.bin"
for B in zeros allbytes; do
  run "tokensOfData $B lmzip" L tokensOfData -q -n small -c "$prompt" -i "$work/$B.bin" -o "$work/$B.L.json" &&
  run "tokensOfData $B seed (stub torch/transformers)" SS tokensOfData -n small -c "$prompt" -i "$work/$B.bin" -o "$work/$B.S.json" &&
    same "tokensOfData $B: seed JSON == lmzip JSON" "$work/$B.S.json" "$work/$B.L.json"
  run "tokensOfData $B -s 3 lmzip" L tokensOfData -q -n small --comm "$prompt" -s 3 -i "$work/$B.bin" -o "$work/$B.s.L.json" &&
  run "tokensOfData $B -s 3 seed" SS tokensOfData -n small --comm "$prompt" -s 3 -i "$work/$B.bin" -o "$work/$B.s.S.json" &&
    same "tokensOfData $B --comm P -s 3: seed JSON == lmzip JSON" "$work/$B.s.S.json" "$work/$B.s.L.json"
done
if [ -f "$work/zeros.S.json" ] &&
   run "lmzip modelOfInx on seed tokensOfData" bash -c '"$1" modelOfInx -q -l "$2" -w 128 -n small -i "$3" | "$1" tokensToStr -n small -o "$4"' _ "$work/lmzip" "$threads" "$work/zeros.S.json" "$work/zeros.S.txt" &&
   run "lmzip modelOfInx on lmzip tokensOfData" bash -c '"$1" modelOfInx -q -l "$2" -w 128 -n small -i "$3" | "$1" tokensToStr -n small -o "$4"' _ "$work/lmzip" "$threads" "$work/zeros.L.json" "$work/zeros.L.txt"; then
  same "generation: lmzip modelOfInx/tokensToStr on the seed's tokensOfData == on lmzip's" "$work/zeros.S.txt" "$work/zeros.L.txt"
fi

echo "== $pass passed, $fail failed, $skip skipped"
for f in "${failed[@]}"; do echo "   failed: $f"; done
[ "$fail" -eq 0 ]
