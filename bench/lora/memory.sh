#!/usr/bin/env bash
# QLoRA vs LoRA peak memory where the weights dominate: a random SmolLM2-135M (pith init, F32,
# 542 MB) and its Q4_0 (pith convert), LoRA r=16 on the F32 base vs QLoRA r=16 on the Q4_0 base,
# 4 steps of 1 × 32 tokens. Peak RSS (VmHWM) is the run's own --json report.
#
# Heap policy, the same for both methods: each run first goes once with a generous heap
# (XMX_PROBE) and a GC log; its need is the largest heap occupancy after any collection; the
# measured runs then get -Xmx = need × 1.25 + 32 MiB (SIZED), so neither is starved and neither
# is handed headroom it does not use. The probe's own peak RSS is printed too (policy "probe").
# Each round also runs both with no heap flag at all ("default": the launcher's serial collector and
# the JVM's default maximum heap), which is what a user gets. One run at a time; one JSON line per run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${OUT:-/work/models/lora4/mem}"
DATA="${DATA:-$ROOT/../shared/data/text/tinyshakespeare.txt}"
XMX_PROBE="${XMX_PROBE:-1400m}"
ROUNDS="${ROUNDS:-2}"
mkdir -p "$OUT"
[ -f "$OUT/base-f32.gguf" ] || "$ROOT/pith" init --preset smollm2-135m -o "$OUT/base-f32.gguf" --json > /dev/null
[ -f "$OUT/base-q4_0.gguf" ] || "$ROOT/pith" convert --model "$OUT/base-f32.gguf" --type q4_0 --out "$OUT/base-q4_0.gguf" --json > /dev/null
COMMON=(--data "$DATA" --steps 4 --batch 1 --seq-len 32 --warmup 1 --eval-batches 1 --eval-every 0 --lora-rank 16 --lr 1e-3 --seed 1 --json)

# run NAME XMX ROUND [GCLOG]: one fine-tune, one JSON line
run() {
  local m=$1 xmx=$2 round=$3 gclog=${4:-} model extra=()
  rm -rf "$OUT/$m"
  if [ "$m" = lora ]; then model="$OUT/base-f32.gguf"; else model="$OUT/base-q4_0.gguf"; extra=(--qlora); fi
  local heap="-Xmx$xmx"; [ "$xmx" = default ] && heap=""
  PITH_JAVA_OPTS="$heap ${gclog:+-Xlog:gc:file=$gclog}" "$ROOT/pith" finetune --model "$model" "${extra[@]}" "${COMMON[@]}" --out "$OUT/$m" \
    | python3 -c "import json,sys; o=json.load(sys.stdin); print(json.dumps({'round': '$round', 'name': '$m', 'xmx': '$xmx', 'peak_rss_mib': round(o['peak_rss_bytes']/2**20), 'base_weight_mib': round(o['base_weight_bytes']/2**20,1), 'trainable': o['trainable_parameters'], 'base_parameters': o['base_parameters']}))"
}

# the largest heap occupancy after a collection in a -Xlog:gc file ("… 153M->108M(341M) …"), in MiB
need_mib() { grep -o '[0-9]*M->[0-9]*M' "$1" | sed 's/.*->\([0-9]*\)M/\1/' | sort -n | tail -1; }

declare -A SIZED
for m in lora qlora; do
  run $m "$XMX_PROBE" probe "$OUT/$m-gc.log"
  need=$(need_mib "$OUT/$m-gc.log")
  SIZED[$m]="$(( need * 5 / 4 + 32 ))m"
  echo "{\"name\": \"$m\", \"heap_need_mib\": $need, \"sized_xmx\": \"${SIZED[$m]}\"}"
done
for round in $(seq 1 "$ROUNDS"); do
  for m in lora qlora; do run $m "${SIZED[$m]}" "$round"; done
  # what a user gets from the launcher with no heap flag (its serial collector, the JVM's default maximum)
  for m in lora qlora; do run $m default "$round"; done
done
