#!/usr/bin/env bash
# Distillation table for bench/RESULTS.md: the same student shape (bench/trained/tinystories-student.json),
# data, windows, seed and token budget, trained on the data alone (--alpha 0) and distilled from the
# self-trained 5.3M TinyStories teacher with each divergence. The teacher is cached once (top 64
# logits per position); every run then reads the cache instead of running the teacher.
#   PITH=path/to/pith OUT=/work/models/distill STEPS=300 bench/distill/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PITH="${PITH:-$ROOT/pith}"
OUT="${OUT:-/work/models/distill}"
STEPS="${STEPS:-300}"
TEACHER=/work/models/ts-5m/model.gguf
TOK=/work/models/ts-bpe2048.json
DATA="$ROOT/../shared/data/text/tinystories-sample.txt"
WIKI="$ROOT/../shared/data/text/wikitext-2-test.txt"
CACHE="$OUT/cache-k64"

"$PITH" distill cache --teacher "$TEACHER" --data "$DATA" --tokenizer "$TOK" --top-k 64 --seq-len 128 --batch 16 --out "$CACHE" --json > "$OUT/cache.json"

run() { # name, extra flags…
  local name=$1; shift
  [ -f "$OUT/$name/model.gguf" ] && return 0
  "$PITH" distill --teacher-cache "$CACHE" --student-config "$ROOT/bench/trained/tinystories-student.json" \
    --data "$DATA" --tokenizer "$TOK" --steps "$STEPS" --batch 16 --seq-len 128 --lr 2e-3 --min-lr 2e-4 --warmup 30 \
    --eval-every 100 --eval-batches 20 --checkpoint-every 100 --seed 1 --out "$OUT/$name" --json "$@" > "$OUT/$name.json"
}
run data-only --alpha 0
run kl  --loss kl  --alpha 0.5 --temperature 1
run rkl --loss rkl --alpha 0.5 --temperature 1
run jsd --loss jsd --alpha 0.5 --temperature 1 --beta 0.5
run skl --loss skl --alpha 0.5 --temperature 1 --skew 0.1
run kl-a0.9-t2 --loss kl --alpha 0.9 --temperature 2

for m in teacher data-only kl rkl jsd skl kl-a0.9-t2; do
  f="$OUT/$m/model.gguf"; [ "$m" = teacher ] && f="$TEACHER"
  [ -f "$OUT/$m.wiki.json" ] || "$PITH" perplexity --model "$f" --file "$WIKI" --ctx 128 --chunks 400 --json > "$OUT/$m.wiki.json" 2>/dev/null
done
