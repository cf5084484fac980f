#!/usr/bin/env bash
# Issue 6 item 3 on ts-5m, every held-out chunk: --target-bpw budgets (importance-weighted encoder,
# plans judged by calibration KL) against the uniform named types with the same encoder.
#   bench/quantize/budget12.sh OUTDIR [MODEL]     (the imatrix as bench/quantize/heldout12.sh left it in OUTDIR,
#   or IM=FILE; not needed with METHOD=gptq; the held-out text is made when OUTDIR lacks it)
# EQUAL=1: instead of the three bpw budgets, each uniform type and then a budget of exactly its file size
# (--target-size): does the allocation beat each type at equal size? The sensitivities are measured once
# (--sensitivities) and shared by the budgets.
# METHOD=gptq: budgets and uniform types both encoded by GPTQ (--calib, 32 chunks) instead of the imatrix.
# BUDGET_CHUNKS=N (default 16): calibration chunks the plans are judged on; BUDGET_SLICE=K: judge them on
# slice K of 5 of the training text (bench/calib_slices.py) instead of --calib's first chunks, which GPTQ
# and the imatrix were fitted on.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; T="${2:-/work/models/ts-5m/model.gguf}"
PITH="${PITH:-$ROOT/pith}"
C="${PITH_SHARED:-$ROOT/../shared}/data/text/tinystories-sample.txt"
HELD="$OUT/tinystories-heldout.txt"; IM="${IM:-$OUT/ts5m.imatrix.gguf}"
mkdir -p "$OUT"; [[ -f "$HELD" ]] || python3 "$ROOT/bench/heldout.py" "$C" "$HELD"
run() { # label type args...
  local label="$1" type="$2"; shift 2
  local f="$OUT/$label.gguf" j p
  if ! j=$("$PITH" quantize --model "$T" --type "$type" --out "$f" --json "$@" 2>"$OUT/err.txt"); then
    echo "{\"label\":\"$label\",\"refused\":$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().strip().splitlines()[-1]))' "$OUT/err.txt")}"; return; fi
  p=$("$PITH" perplexity --model "$f" --file "$HELD" --ctx 128 --chunks 0 --json 2>/dev/null)
  python3 -c "import json,sys; o=json.loads(sys.argv[1]); p=json.loads(sys.argv[2]); print(json.dumps({'label':sys.argv[3],'bytes':o['bytes'],'bpw':round(o['bits_per_weight'],4),'ppl':p['ppl'],'tokens':p['tokens'],'seconds':round(o['seconds'],1)}))" "$j" "$p" "$label"
  rm -f "$f"
}
# ENC: the uniform types' encoder; BUD: the budgets' (the same, with the calibration text the plans are judged on)
if [[ "${METHOD:-imatrix}" = gptq ]]; then ENC=(--method gptq --calib "$C"); BUD=("${ENC[@]}"); else ENC=(--imatrix "$IM"); BUD=(--imatrix "$IM" --calib "$C"); fi
BUD+=(--budget-chunks "${BUDGET_CHUNKS:-16}")
if [[ -n "${BUDGET_SLICE:-}" ]]; then
  python3 "$ROOT/bench/calib_slices.py" "$C" 5 "$OUT/calib"
  BUD+=(--budget-calib "$OUT/calib-$BUDGET_SLICE.txt")
fi
if [[ -n "${EQUAL:-}" ]]; then
  for ty in ${TYPES:-Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_0 Q4_K_S Q4_K_M}; do
    j=$(run "$ty-${METHOD:-imatrix}" $ty "${ENC[@]}"); echo "$j"
    size=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bytes"])' "$j")
    run "budget-at-$ty" Q4_K_M "${BUD[@]}" --target-size "$size" --sensitivities "$OUT/sensitivities.json"
  done
  exit 0
fi
for b in ${BUDGETS:-3.0 3.5 4.5}; do run "budget-$b" Q4_K_M "${BUD[@]}" --target-bpw $b; done
for ty in ${TYPES:-Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_0 Q4_K_S Q4_K_M}; do run "$ty-${METHOD:-imatrix}" $ty "${ENC[@]}"; done
