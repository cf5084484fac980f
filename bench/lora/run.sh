#!/usr/bin/env bash
# Fine-tuning table: adapt the Pith-trained TinyStories 5M model to Tiny Shakespeare (last 10% held
# out by pith finetune) with each method, same steps, batch, sequence length, data order and eval
# windows. One run at a time (a second busy process distorts tokens/s). Writes one JSON line per
# method to $OUT/results.jsonl; bench/lora/table.py turns it into the RESULTS.md table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BASE="${BASE:-/work/models/ts-5m/model.gguf}"
DATA="${DATA:-$ROOT/../shared/data/text/tinyshakespeare.txt}"
OUT="${OUT:-/work/models/lora/bench}"
STEPS="${STEPS:-120}"
ONLY="${*:-}"  # optional method names: rerun only those, appending
mkdir -p "$OUT"
[ -n "$ONLY" ] || : > "$OUT/results.jsonl"
Q4="$OUT/base-q4_0.gguf"
[ -f "$Q4" ] || "$ROOT/pith" convert --model "$BASE" --type q4_0 --out "$Q4" --json > /dev/null
COMMON=(--data "$DATA" --steps "$STEPS" --batch 8 --seq-len 128 --warmup 10 --eval-batches 40 --eval-every 0 --seed 1 --json)
run() { # name, model, lr, method flags...
  local name="$1" model="$2" lr="$3"; shift 3
  if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  rm -rf "$OUT/$name"
  echo "== $name" >&2
  "$ROOT/pith" finetune --model "$model" --lr "$lr" "$@" "${COMMON[@]}" --out "$OUT/$name" \
    | python3 -c "import json,sys; o=json.load(sys.stdin); o['name']='$name'; print(json.dumps(o))" >> "$OUT/results.jsonl"
}
run full       "$BASE" 1e-3 --full
run last2      "$BASE" 1e-3 --train-last 2
run lora-r8    "$BASE" 3e-3 --lora-rank 8
run lora-r16   "$BASE" 3e-3 --lora-rank 16
run lora-r64   "$BASE" 3e-3 --lora-rank 64
run qlora-r16  "$Q4"   3e-3 --lora-rank 16 --qlora
# under 2% trainable (issue 8's "< 2%" criterion): fewer ranks or fewer targets
run lora-r2      "$BASE" 3e-3 --lora-rank 2
run lora-r4-qv   "$BASE" 3e-3 --lora-rank 4 --targets q,v
run lora-r8-qv   "$BASE" 3e-3 --lora-rank 8 --targets q,v
# AdaLoRA: r0 = 3 triplets per projection (1.7% trainable), budget falling to 2 per projection between
# steps 10 and 100 (cubic), the last 20 steps with the allocation frozen; PEFT's other defaults
run adalora-r3to2 "$BASE" 3e-3 --adalora --init-rank 3 --target-rank 2 --tinit 10 --tfinal 20
