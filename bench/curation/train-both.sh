#!/usr/bin/env bash
# The curation headline's two training runs: the same shape, seed and token budget
# (STEPS x 8 x 128 tokens), one on the raw packed corpus and one on its curated version,
# each then measured by perplexity on the clean held-out stories.
set -euo pipefail
H=${1:-/work/models/curate/headline}
STEPS=${STEPS:-500}
SEED=${SEED:-1}
SUF=$([ "$SEED" = 1 ] && echo "" || echo "-seed$SEED")
for which in curated raw; do
  ./pith train --model-config bench/trained/tinystories-student.json --data $H/$which/pack --tokenizer /work/models/ts-bpe2048.json \
    --steps $STEPS --batch 8 --seq-len 128 --lr 2e-3 --warmup 50 --eval-every 0 --eval-batches 10 --checkpoint-every 0 --seed $SEED \
    --out $H/model-$which$SUF --json > $H/train-$which$SUF.json
  ./pith perplexity --model $H/model-$which$SUF/model.gguf --file $H/heldout.txt --ctx 128 --json > $H/ppl-heldout-$which$SUF.json
  ./pith perplexity --model $H/model-$which$SUF/model.gguf --file ../shared/data/text/wikitext-2-test.txt --ctx 128 --chunks 100 --json > $H/ppl-wikitext-$which$SUF.json || true
done
