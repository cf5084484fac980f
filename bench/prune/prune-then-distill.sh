#!/usr/bin/env bash
# Prune-then-distill vs prune-then-fine-tune on the same tokens: prune ts-5m (bench/trained/) to 75%
# MLP width, then recover for 150 steps x 8 x 128 tokens either by plain training on the data or by
# distilling from the unpruned model (forward KL, alpha 0.5, tau 1); perplexity (ctx 128, 100 chunks)
# on the held-out last 10% of the TinyStories sample.
#   bench/prune/prune-then-distill.sh [OUTDIR]     (needs /work/models/ts-5m, see bench/trained/README.md)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"; cd "$ROOT"
P="${1:-/work/models/ptd}"; T=/work/models/ts-5m/model.gguf; TOK=/work/models/ts-bpe2048.json
D="${PITH_SHARED:-$ROOT/../shared}/data/text/tinystories-sample.txt"
mkdir -p "$P"
HELD="$P/tinystories-heldout.txt"
python3 "$ROOT/bench/heldout.py" "$D" "$HELD"
./pith prune --model "$T" --structured mlp --ratio 0.25 --calib "$D" --out "$P/mlp75.gguf" --json > "$P/prune.json" 2>/dev/null
COMMON="--data $D --tokenizer $TOK --steps 150 --batch 8 --seq-len 128 --lr 5e-4 --min-lr 5e-5 --warmup 10 --eval-every 0 --eval-batches 20 --seed 7 --json"
./pith train --model "$P/mlp75.gguf" $COMMON --out "$P/ft" > "$P/ft.json" 2>/dev/null
./pith distill --teacher "$T" --student "$P/mlp75.gguf" --loss kl --alpha 0.5 --temperature 1 $COMMON --out "$P/kd" > "$P/kd.json" 2>/dev/null
for m in "$T" "$P/mlp75.gguf" "$P/ft/model.gguf" "$P/kd/model.gguf"; do
  echo "$m $(./pith perplexity --model "$m" --file "$HELD" --ctx 128 --chunks 100 --json 2>/dev/null)"
done | tee "$P/ppl.txt"
