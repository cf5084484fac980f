#!/usr/bin/env bash
# Same-conditions speed and memory: full fine-tuning, LoRA r=8 and QLoRA r=16 (Q4_0 base) for a few
# steps, alternated twice, so the ratios hold even on a shared machine. Prints one JSON line a run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BASE="${BASE:-/work/models/ts-5m/model.gguf}"
OUT="${OUT:-/work/models/lora/bench}"
DATA="${DATA:-$ROOT/../shared/data/text/tinyshakespeare.txt}"
COMMON=(--data "$DATA" --steps 15 --batch 8 --seq-len 128 --warmup 2 --eval-batches 1 --eval-every 0 --seed 1 --json)
for round in 1 2; do
  for m in full lora qlora; do
    rm -rf "$OUT/speed-$m"
    case $m in
      full)  args=(--model "$BASE" --full) ;;
      lora)  args=(--model "$BASE" --lora-rank 8) ;;
      qlora) args=(--model "$OUT/base-q4_0.gguf" --qlora --lora-rank 16) ;;
    esac
    "$ROOT/pith" finetune "${args[@]}" "${COMMON[@]}" --out "$OUT/speed-$m" \
      | python3 -c "import json,sys; o=json.load(sys.stdin); print(json.dumps({'round': $round, 'method': '$m', 'tokens_per_second': round(o['tokens_per_second']), 'peak_rss_mib': round(o['peak_rss_bytes']/2**20), 'base_weight_mib': round(o['base_weight_bytes']/2**20, 1)}))"
  done
done
