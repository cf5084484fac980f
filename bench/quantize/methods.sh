#!/usr/bin/env bash
# Issue 6 criterion 2 with the KL-divergence report: every method (RTN, imatrix, GPTQ, AWQ) at the 4-,
# 3- and 2-bit mixtures of one model, each file compared with the F32 base file of bench/quantize/paired.sh.
#   bench/quantize/methods.sh MODEL OUTDIR BASE.kld IMATRIX [TYPES]     (default TYPES "Q4_0 Q4_K_M Q3_K_M Q2_K";
#   METHODS="rtn imatrix gptq awq" by default)
# One JSON line per file in OUTDIR/c2.jsonl: perplexity, ln(PPL/PPL(F32)) with its paired standard error,
# KLD from F32 with its standard error, the share of positions whose top token agrees with F32's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
M="$1"; O="$2"; BASE="$3"; IM="$4"; TYPES="${5:-Q4_0 Q4_K_M Q3_K_M Q2_K}"
PITH="${PITH:-$ROOT/pith}"
C="${PITH_SHARED:-$ROOT/../shared}/data/text/tinystories-sample.txt"
mkdir -p "$O"
for ty in $TYPES; do
  for m in ${METHODS:-rtn imatrix gptq awq}; do
    case $m in rtn) a=();; imatrix) a=(--imatrix "$IM");; gptq) a=(--method gptq --calib "$C");; awq) a=(--method awq --calib "$C");; esac
    [ -f "$O/$ty-$m.gguf" ] || "$PITH" quantize --model "$M" --type "$ty" "${a[@]}" --out "$O/$ty-$m.gguf" --json > /dev/null 2>&1
    "$PITH" perplexity -m "$O/$ty-$m.gguf" --kl-divergence --kl-divergence-base "$BASE" --json 2>/dev/null | python3 -c '
import json, sys
o = json.load(sys.stdin)["report"]
print(json.dumps({"file": sys.argv[1], "ppl": o["ppl"]["value"], "ln": o["lnPplRatio"]["value"], "ln_err": o["lnPplRatio"]["uncertainty"],
                  "kld": o["kld"]["value"], "kld_err": o["kld"]["uncertainty"], "top": o["sameTop"]["value"]}))' "$ty-$m"
  done
done | tee "$O/c2.jsonl"
