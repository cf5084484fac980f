#!/usr/bin/env bash
# Issue 6 item 2 on ts-5m (bench/trained/), re-measured on every held-out chunk instead of the first 50:
# RTN / imatrix / GPTQ / AWQ at 4, 3 and 2 bits (Q4_K_M, Q3_K_M, Q2_K), TinyStories held-out perplexity
# (llama.cpp's method: --ctx 128, second half of each chunk scored) on the last 10 % of
# tinystories-sample.txt, all of its chunks. Calibration as in round3.sh: the first chunks of the
# same file (the held-out part is never read by a calibrated method: 128 chunks × 128 tokens lie in the
# first 90 %). One JSON line per run on stdout.
#   bench/quantize/heldout12.sh OUTDIR [MODEL]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; mkdir -p "$OUT"
T="${2:-/work/models/ts-5m/model.gguf}"
PITH="${PITH:-$ROOT/pith}"
SH="${PITH_SHARED:-$ROOT/../shared}/data"
C="$SH/text/tinystories-sample.txt"
HELD="$OUT/tinystories-heldout.txt"
python3 "$ROOT/bench/heldout.py" "$C" "$HELD"
ppl() { "$PITH" perplexity --model "$1" --file "$HELD" --ctx 128 --chunks 0 --json 2>/dev/null; }
run() { # label type args...
  local label="$1" type="$2"; shift 2
  local f="$OUT/$label.gguf"
  local j; j=$("$PITH" quantize --model "$T" --type "$type" --out "$f" --json "$@" 2>/dev/null)
  local p; p=$(ppl "$f")
  python3 -c "import json,sys; o=json.loads(sys.argv[1]); p=json.loads(sys.argv[2]); print(json.dumps({'label':sys.argv[3],'type':o['type'],'method':o['method'],'bytes':o['bytes'],'bpw':round(o['bits_per_weight'],4),'ppl':p['ppl'],'tokens':p['tokens'],'nll':p['nll'],'seconds':round(o['seconds'],1)}))" "$j" "$p" "$label"
  rm -f "$f"
}
p=$(ppl "$T"); python3 -c "import json,sys; p=json.loads(sys.argv[1]); print(json.dumps({'label':'F32','ppl':p['ppl'],'tokens':p['tokens'],'nll':p['nll']}))" "$p"
IM="$OUT/ts5m.imatrix.gguf"
"$PITH" imatrix --model "$T" --calib "$C" --ctx 128 --chunks 64 --out "$IM" --json >/dev/null 2>&1
for ty in Q4_K_M Q3_K_M Q2_K; do
  run "$ty-rtn" $ty
  run "$ty-imatrix" $ty --imatrix "$IM"
  run "$ty-gptq" $ty --method gptq --calib "$C" --chunks 128 --act-order
  run "$ty-awq" $ty --method awq --calib "$C" --chunks 64
done
