#!/usr/bin/env bash
# α/τ sweep for reverse KL and JSD, and the hidden-state MSE row, for the distillation table of
# bench/RESULTS.md. Same student shape, data, windows, seed, schedule and token budget as run.sh
# (300 steps × 16 × 128 tokens); the logit rows read run.sh's top-64 teacher cache, the hidden rows
# run the teacher live (a cache cannot hold hidden states).
#   PITH=path/to/pith CACHE=/work/models/distill/cache-k64 OUT=/work/models/distill3 [THREADS=n] bench/distill/sweep.sh [rows…]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PITH="${PITH:-$ROOT/pith}"
OUT="${OUT:-/work/models/distill3}"
CACHE="${CACHE:-/work/models/distill/cache-k64}"
STEPS="${STEPS:-300}"
TEACHER=/work/models/ts-5m/model.gguf
TOK=/work/models/ts-bpe2048.json
DATA="$ROOT/../shared/data/text/tinystories-sample.txt"
WIKI="$ROOT/../shared/data/text/wikitext-2-test.txt"
mkdir -p "$OUT"

train() { # name, teacher flags, extra flags…
  local name=$1; shift
  [ -f "$OUT/$name/model.gguf" ] || "$PITH" distill --student-config "$ROOT/bench/trained/tinystories-student.json" \
    --data "$DATA" --tokenizer "$TOK" --steps "$STEPS" --batch 16 --seq-len 128 --lr 2e-3 --min-lr 2e-4 --warmup 30 \
    --eval-every 100 --eval-batches 20 --checkpoint-every 100 --seed 1 --out "$OUT/$name" --json ${THREADS:+--threads $THREADS} "$@" > "$OUT/$name.json"
  [ -s "$OUT/$name.wiki.json" ] || "$PITH" perplexity --model "$OUT/$name/model.gguf" --file "$WIKI" --ctx 128 --chunks 400 --json > "$OUT/$name.wiki.json" 2>/dev/null
}
row() { # one named row of the sweep
  case $1 in
    rkl-a*|jsd-a*)
      local loss=${1%%-*} rest=${1#*-a}; local a=${rest%%-t*} t=${rest#*-t}
      local extra=(); [ "$loss" = jsd ] && extra=(--beta 0.5)
      train "$1" --teacher-cache "$CACHE" --loss "$loss" --alpha "$a" --temperature "$t" "${extra[@]}" ;;
    hidden-mse) # forward KL α 0.5 τ 1 (the table's best logit row) plus hidden-state MSE, default layer map
      train "$1" --teacher "$TEACHER" --loss kl --alpha 0.5 --temperature 1 --hidden-loss mse --hidden-weight 1 ;;
    kl-live) # the forward KL row again with the live teacher: separates "live vs top-64 cache" from the hidden term
      train "$1" --teacher "$TEACHER" --loss kl --alpha 0.5 --temperature 1 ;;
    *) echo "unknown row $1" >&2; exit 2 ;;
  esac
}
ROWS=("$@"); [ ${#ROWS[@]} -eq 0 ] && ROWS=(rkl-a0.9-t1 jsd-a0.9-t1 rkl-a0.5-t2 jsd-a0.5-t2 rkl-a0.1-t1 jsd-a0.1-t1 rkl-a0.9-t2 jsd-a0.9-t2)
for r in "${ROWS[@]}"; do row "$r"; done
