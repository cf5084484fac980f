#!/usr/bin/env bash
# Issue 6 item 3, round 4: loss-aware --target-bpw budgets against uniform types and named mixtures.
#   bench/quantize/budget4.sh OUTDIR MODEL LABEL "BUDGETS" "UNIFORM TYPES"
# For MODEL: an imatrix (64 chunks of 128 tokens of tinystories-sample.txt), the budgets (method imatrix,
# sensitivities = KL on 8 calibration chunks, measured once and cached in OUTDIR/LABEL.sens), and
# every uniform type with RTN and imatrix. Each file is scored on TinyStories held-out (the last 10 %
# of tinystories-sample.txt) and WikiText-2 test, `pith perplexity --ctx 128 --chunks 50`.
# One JSON line per file on stdout; files are deleted after scoring.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; MODEL="$2"; LABEL="$3"; BUDGETS="$4"; TYPES="$5"; mkdir -p "$OUT"
PITH="${PITH:-$ROOT/pith}"
SH="${PITH_SHARED:-$ROOT/../shared}/data"
C="$SH/text/tinystories-sample.txt"; WIKI="$SH/text/wikitext-2-test.txt"
HELD="$OUT/tinystories-heldout.txt"
[ -f "$HELD" ] || python3 "$ROOT/bench/heldout.py" "$C" "$HELD"
IM="$OUT/$LABEL.imatrix.gguf"
[ -f "$IM" ] || "$PITH" imatrix --model "$MODEL" --calib "$C" --ctx 128 --chunks 64 --out "$IM" --json >/dev/null 2>&1
ppl() { "$PITH" perplexity --model "$1" --file "$2" --ctx 128 --chunks 50 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])'; }
score() { # label file quantize-json
  local ts wk; ts=$(ppl "$2" "$HELD"); wk=$(ppl "$2" "$WIKI")
  echo "$3" | python3 -c "import json,sys; o=json.load(sys.stdin); print(json.dumps({'label':'$1','type':o.get('type'),'method':o.get('method'),'bytes':o['bytes'],'bpw':round(o['bits_per_weight'],4),'tinystories_ppl':$ts,'wikitext2_ppl':$wk,'tensor_types':o.get('tensor_types'),'types':o.get('types')}))"
}
run() { # label args...
  local label="$1"; shift; local f="$OUT/$label.gguf" j
  if ! j=$("$PITH" quantize --model "$MODEL" --out "$f" --json "$@" 2>"$OUT/$label.err"); then
    echo "{\"label\":\"$label\",\"refused\":$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().strip().splitlines()[-1]))' "$OUT/$label.err")}"; return; fi
  score "$label" "$f" "$j"; rm -f "$f"
}
if [ -n "${F32_ROW:-}" ]; then
  j=$("$PITH" info --model "$MODEL" --json 2>/dev/null | python3 -c "import json,sys,os; o=json.load(sys.stdin); print(json.dumps({'bytes':os.path.getsize('$MODEL'),'bits_per_weight':32.0,'type':'F32','method':'-'}))")
  score "$LABEL-F32" "$MODEL" "$j"
fi
for b in $BUDGETS; do run "$LABEL-bpw$b" --type Q4_K_M --imatrix "$IM" --calib "$C" --target-bpw "$b" --sensitivities "$OUT/$LABEL.sens"; done
for t in $TYPES; do run "$LABEL-$t-rtn" --type "$t"; run "$LABEL-$t-imatrix" --type "$t" --imatrix "$IM"; done
