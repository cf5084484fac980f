#!/usr/bin/env bash
# Issue 6 item 2, "at 4 bits GPTQ's perplexity increase is at most half of RTN's", on the plain 4-bit
# types (Q4_0: 32-value blocks, one scale; Q4_K_S: Q4_K nearly everywhere) rather than the Q4_K_M mixture
# (5.2 bpw on ts-5m, a sixth of it Q6_K). Every method and several GPTQ settings, each scored on the whole
# TinyStories held-out text and on its two halves (a difference that holds on both is not one text's luck).
# Calibration: the first chunks of tinystories-sample.txt (never the held-out last 10 %).
#   bench/quantize/fourbit13.sh OUTDIR [MODEL]       TYPES="Q4_0 Q4_K_S" by default
# One JSON line per run: ppl on all, a, b.
# DRAWS=N instead: GPTQ (32 chunks, with and without act-order) calibrated on each of N disjoint slices
# of the first 90 % of the text (one calibration draw each), scored on the whole held-out text: how
# much of GPTQ's gain over RTN is the luck of one calibration sample.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; mkdir -p "$OUT"
T="${2:-/work/models/ts-5m/model.gguf}"
PITH="${PITH:-$ROOT/pith}"
C="${PITH_SHARED:-$ROOT/../shared}/data/text/tinystories-sample.txt"
python3 "$ROOT/bench/heldout.py" "$C" "$OUT/heldout.txt" "$OUT/heldout-a.txt" "$OUT/heldout-b.txt"
ppl() { "$PITH" perplexity --model "$1" --file "$OUT/heldout$2.txt" --ctx 128 --chunks 0 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])'; }
score() { # label file seconds
  echo "{\"label\":\"$1\",\"all\":$(ppl "$2" ""),\"a\":$(ppl "$2" -a),\"b\":$(ppl "$2" -b)${3:+,\"seconds\":$3}}"
}
run() { # label type args...
  local label="$1" type="$2"; shift 2
  local f="$OUT/$label.gguf" j
  j=$("$PITH" quantize --model "$T" --type "$type" --out "$f" --json "$@" 2>/dev/null)
  score "$label" "$f" "$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["seconds"],1))' "$j")"
  rm -f "$f"
}
score F32 "$T"
if [[ -n "${DRAWS:-}" ]]; then
  score() { echo "{\"label\":\"$1\",\"all\":$(ppl "$2" "")${3:+,\"seconds\":$3}}"; }
  python3 "$ROOT/bench/calib_slices.py" "$C" "$DRAWS" "$OUT/calib"
  for ty in ${TYPES:-Q4_0 Q4_K_M}; do
    run "$ty-rtn" $ty
    for ((k = 0; k < DRAWS; k++)); do
      run "$ty-gptq-c32-draw$k" $ty --method gptq --calib "$OUT/calib-$k.txt"
      run "$ty-gptq-c32-ao-draw$k" $ty --method gptq --calib "$OUT/calib-$k.txt" --act-order
    done
  done
  exit 0
fi
IM="$OUT/imatrix.gguf"
"$PITH" imatrix --model "$T" --calib "$C" --ctx 128 --chunks 64 --out "$IM" --json >/dev/null 2>&1
for ty in ${TYPES:-Q4_0 Q4_K_S}; do
  run "$ty-rtn" $ty
  run "$ty-imatrix" $ty --imatrix "$IM"
  run "$ty-gptq-c32" $ty --method gptq --calib "$C"
  run "$ty-gptq-c128" $ty --method gptq --calib "$C" --chunks 128
  run "$ty-gptq-c32-ao" $ty --method gptq --calib "$C" --act-order
  run "$ty-gptq-c128-ao" $ty --method gptq --calib "$C" --chunks 128 --act-order
  run "$ty-awq" $ty --method awq --calib "$C" --chunks 64
done
