#!/usr/bin/env bash
# Issue 6 criterion 3 as a paired comparison: each budgeted file against the uniform named type it
# must beat, on the same held-out positions, with llama.cpp's --kl-divergence statistics.
#   bench/quantize/paired.sh OUTDIR MODEL "BUDGET:TYPE …"      e.g. "3.0:Q2_K 3.5:Q3_K_S 4.5:Q3_K_L"
# METHOD=imatrix (default; the imatrix made here from 64 chunks of the training text) or gptq.
# BUDGET_CHUNKS (default 16): calibration chunks the budget's plans are judged on.
# For every pair: the uniform file's log-probabilities on the held-out text become the base, and the
# budgeted file is compared with it: "Mean ln(PPL(Q)/PPL(base))" is then ln(PPL(budget)/PPL(uniform))
# with the uncertainty of a paired difference (negative: the budget is better). Both files are also
# compared with F32 (KLD, same top token). One JSON line per file and per pair in OUTDIR/paired.jsonl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; M="$2"; PAIRS="$3"
PITH="${PITH:-$ROOT/pith}"
C="${PITH_SHARED:-$ROOT/../shared}/data/text/tinystories-sample.txt"
METHOD="${METHOD:-imatrix}"
mkdir -p "$OUT"; HELD="$OUT/heldout.txt"; IM="$OUT/imatrix.gguf"
[[ -f "$HELD" ]] || python3 "$ROOT/bench/heldout.py" "$C" "$HELD"
if [[ "$METHOD" = gptq ]]; then ENC=(--method gptq --calib "$C"); BUD=("${ENC[@]}")
else
  [[ -f "$IM" ]] || "$PITH" imatrix --model "$M" --calib "$C" --ctx 128 --chunks 64 --out "$IM" --json > /dev/null
  ENC=(--imatrix "$IM"); BUD=(--imatrix "$IM" --calib "$C")
fi
BUD+=(--budget-chunks "${BUDGET_CHUNKS:-16}")
[[ -f "$OUT/f32.kld" ]] || "$PITH" perplexity -m "$M" -f "$HELD" --ctx 128 --kl-divergence-base "$OUT/f32.kld" --json > /dev/null 2>&1
kl() { # model base label
  "$PITH" perplexity -m "$1" --kl-divergence --kl-divergence-base "$2" --json 2>/dev/null | python3 -c '
import json,sys; o=json.load(sys.stdin)["report"]; label=sys.argv[1]
print(json.dumps({"label":label,"ppl":o["ppl"]["value"],"ppl_base":o["pplBase"]["value"],"ln_ratio":o["lnPplRatio"]["value"],
  "ln_ratio_err":o["lnPplRatio"]["uncertainty"],"kld":o["kld"]["value"],"kld_err":o["kld"]["uncertainty"],"same_top":o["sameTop"]["value"],
  "base_floor":o["baseFloorPositions"],"positions":o["positions"]}))' "$3"
}
quant() { # out type args...
  local f="$1" ty="$2"; shift 2
  [[ -f "$f" ]] || "$PITH" quantize --model "$M" --type "$ty" --out "$f" --json "$@" > "$f.json" 2>"$f.err"
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["bytes"], round(o["bits_per_weight"],4))' "$f.json"
}
for pair in $PAIRS; do
  b="${pair%%:*}"; ty="${pair##*:}"
  U="$OUT/$ty-$METHOD.gguf"; B="$OUT/budget-$b-$METHOD.gguf"
  read -r ubytes ubpw < <(quant "$U" "$ty" "${ENC[@]}")
  read -r bbytes bbpw < <(quant "$B" Q4_K_M "${BUD[@]}" --target-bpw "$b" --sensitivities "$OUT/sens-$METHOD.json")
  echo "{\"files\":\"budget $b vs $ty ($METHOD)\",\"budget_bytes\":$bbytes,\"budget_bpw\":$bbpw,\"uniform_bytes\":$ubytes,\"uniform_bpw\":$ubpw}"
  kl "$U" "$OUT/f32.kld" "$ty-$METHOD vs F32"
  kl "$B" "$OUT/f32.kld" "budget-$b-$METHOD vs F32"
  [[ -f "$U.kld" ]] || "$PITH" perplexity -m "$U" -f "$HELD" --ctx 128 --kl-divergence-base "$U.kld" --json > /dev/null 2>&1
  kl "$B" "$U.kld" "budget-$b-$METHOD vs $ty-$METHOD"
done | tee -a "$OUT/paired.jsonl"
