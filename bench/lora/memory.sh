#!/usr/bin/env bash
# QLoRA vs LoRA peak memory where the weights dominate: a random SmolLM2-135M (pith init, F32,
# 542 MB) and its Q4_0 (pith convert), LoRA r=16 on the F32 base vs QLoRA r=16 on the Q4_0 base,
# 4 steps of 1 × 32 tokens, the same -Xmx for both (the heap must hold LoRA's float copy of the
# base). Peak RSS (VmHWM) is the run's own report. One run at a time; one JSON line per run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${OUT:-/work/models/lora3/mem}"
DATA="${DATA:-$ROOT/../shared/data/text/tinyshakespeare.txt}"
XMX="${XMX:-1400m}"
mkdir -p "$OUT"
[ -f "$OUT/base-f32.gguf" ] || "$ROOT/pith" init --preset smollm2-135m -o "$OUT/base-f32.gguf" --json > /dev/null
[ -f "$OUT/base-q4_0.gguf" ] || "$ROOT/pith" convert --model "$OUT/base-f32.gguf" --type q4_0 --out "$OUT/base-q4_0.gguf" --json > /dev/null
COMMON=(--data "$DATA" --steps 4 --batch 1 --seq-len 32 --warmup 1 --eval-batches 1 --eval-every 0 --lora-rank 16 --lr 1e-3 --seed 1 --json)
for round in 1 2; do
  for m in lora qlora; do
    rm -rf "$OUT/$m"
    if [ $m = lora ]; then model="$OUT/base-f32.gguf"; extra=(); else model="$OUT/base-q4_0.gguf"; extra=(--qlora); fi
    PITH_JAVA_OPTS="-Xmx$XMX" "$ROOT/pith" finetune --model "$model" "${extra[@]}" "${COMMON[@]}" --out "$OUT/$m" \
      | python3 -c "import json,sys; o=json.load(sys.stdin); print(json.dumps({'round': $round, 'name': '$m', 'xmx': '$XMX', 'peak_rss_mib': round(o['peak_rss_bytes']/2**20), 'base_weight_mib': round(o['base_weight_bytes']/2**20,1), 'trainable': o['trainable_parameters'], 'base_parameters': o['base_parameters']}))"
  done
done
