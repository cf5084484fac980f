#!/usr/bin/env bash
# Re-measures every reference figure in oracle/README.md (run .ci/install-oracles first).
# Usage: oracle/measure.sh [SHARED_DIR] > results.jsonl   (one JSON object per line)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${1:-$here/../../shared}"
models="$shared/data/models"
wiki="$shared/data/text/wikitext-2-test.txt"
T="${THREADS:-2}"
run() { echo "{\"args\":\"$*\",\"result\":$(node "$here/llamacpp.mjs" "$@" --threads "$T")}"; }
prompts=("Once upon a time" "The little dog" "Lily and Ben" "One day, a" "He said" "The sun was"
         "Tom" "happy" "." "\"Hello!\" said the cat." "The girl went to the park with her mom, and they saw a big tree with red apples."
         "Once upon a time, in a small house")
for q in f32 q8_0 q4_0; do
  m="$models/stories260K-$q.gguf"
  for p in "${prompts[@]}"; do
    run generate --model "$m" --prompt "$p" --max-tokens 64 --kv-type f32 --flash-attn off
    run logits --model "$m" --prompt "$p" --top 5 --kv-type f32 --flash-attn off
  done
  run perplexity --model "$m" --file "$wiki" --ctx 128 --kv-type f32 --flash-attn off
  run perplexity --model "$m" --file "$wiki" --ctx 128 --kv-type f16
  run perplexity --model "$m" --file "$wiki" --ctx 128 --kv-type f16 --flash-attn off --chunks 1000
  run perplexity --model "$m" --file "$wiki" --ctx 128 --kv-type f32 --flash-attn off --chunks 50
  run perplexity --model "$m" --file "$wiki" --ctx 128 --kv-type f16 --chunks 50
done
