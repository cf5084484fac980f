#!/usr/bin/env bash
# Issue 6, round 3: AWQ rows, calibrated GPTQ variants and --target-bpw budgets on ts-5m (and AWQ on
# stories260K). TinyStories held-out perplexity only (--ctx 128, first 50 chunks of the last 10% of
# tinystories-sample.txt, the same text quality.sh scores). One JSON line per run on stdout.
#   bench/quantize/round3.sh OUTDIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; mkdir -p "$OUT"
PITH="$ROOT/pith"
SH="${PITH_SHARED:-$ROOT/../shared}/data"
C="$SH/text/tinystories-sample.txt"
HELD="$OUT/tinystories-heldout.txt"
python3 "$ROOT/bench/heldout.py" "$C" "$HELD"
run() { # label model type args...
  local label="$1" model="$2" type="$3"; shift 3
  local f="$OUT/$label.gguf"
  local j; j=$("$PITH" quantize --model "$model" --type "$type" --out "$f" --json "$@" 2>/dev/null)
  local p; p=$("$PITH" perplexity --model "$f" --file "$HELD" --ctx 128 --chunks 50 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])')
  echo "$j" | python3 -c "import json,sys; o=json.load(sys.stdin); print(json.dumps({'label':'$label','type':o['type'],'method':o['method'],'bytes':o['bytes'],'bpw':round(o['bits_per_weight'],4),'tinystories_ppl':$p,'seconds':round(o['seconds'],1),'tensor_types':o['tensor_types']}))"
  rm -f "$f"
}
S="$SH/models/stories260K-f32.gguf"; T=/work/models/ts-5m/model.gguf
IM="$OUT/ts5m.imatrix.gguf"
"$PITH" imatrix --model "$T" --calib "$C" --ctx 128 --chunks 64 --out "$IM" --json >/dev/null 2>&1
for step in ${STEPS:-s-awq t-awq t-budget t-uniform t-gptq}; do
  case $step in
    s-awq) for ty in Q4_K_M Q4_0; do run "s-$ty-awq" "$S" $ty --method awq --calib "$C" --chunks 64; done ;;
    t-awq) for ty in Q3_K_M Q2_K; do run "t-$ty-awq" "$T" $ty --method awq --calib "$C" --chunks 64; done ;;
    t-budget) for b in 3.41 3.5 4.5; do run "t-bpw$b" "$T" Q4_K_M --imatrix "$IM" --target-bpw $b; done ;;
    t-uniform) for ty in Q4_K_S Q4_1 Q3_K_L; do run "t-$ty-rtn" "$T" $ty; run "t-$ty-imatrix" "$T" $ty --imatrix "$IM"; done ;;
    t-gptq) for ty in Q4_K_M Q3_K_M Q2_K; do run "t-$ty-gptq-ao128" "$T" $ty --method gptq --calib "$C" --chunks 128 --act-order; done ;;
  esac
done
