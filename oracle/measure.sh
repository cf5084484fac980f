#!/usr/bin/env bash
# Re-measures every reference figure in oracle/README.md (run .ci/install-oracles first).
# Usage: [THREADS=1] [MODELS="f32 q8_0 q4_0"] oracle/measure.sh [SHARED_DIR] [PHASES] > results.jsonl
#   PHASES (default "123"): 1 = greedy continuations and top-5 logits, 2 = perplexity over the first
#   100 chunks (what the CI parity test compares), 3 = perplexity over the whole file (slow).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${1:-$here/../../shared}"
phases="${2:-123}"
models="$shared/data/models"
wiki="$shared/data/text/wikitext-2-test.txt"
T="${THREADS:-2}"
# One line per run: {"args": the command line as a JSON string, "result": the oracle's answer}.
run() {
  local args result
  args="$(node -e 'process.stdout.write(JSON.stringify(process.argv.slice(1).join(" ")))' -- "$@")"
  result="$(node "$here/llamacpp.mjs" "$@" --threads "$T")"
  echo "{\"args\":$args,\"result\":$result}"
}
prompts='["Once upon a time","The little dog","Lily and Ben","One day, a","He said","The sun was","Tom","happy",".","\"Hello!\" said the cat.","The girl went to the park with her mom, and they saw a big tree with red apples.","Once upon a time, in a small house"]'
F32=(--kv-type f32 --flash-attn off)   # a real F32 cache: with flash attention llama.cpp casts K/V to F16
F16=(--kv-type f16 --flash-attn auto)  # llama.cpp's defaults
for q in ${MODELS:-f32 q8_0 q4_0}; do
  m="$models/stories260K-$q.gguf"
  if [[ $phases == *1* ]]; then
    run generate --model "$m" --prompts-json "$prompts" --max-tokens 64 "${F32[@]}"
    run logits --model "$m" --prompts-json "$prompts" --top 5 "${F32[@]}"
    run logits --model "$m" --prompts-json "$prompts" --top 5 "${F16[@]}"
  fi
  if [[ $phases == *2* ]]; then
    run perplexity --model "$m" --file "$wiki" --ctx 128 --chunks 100 "${F32[@]}"
    run perplexity --model "$m" --file "$wiki" --ctx 128 --chunks 100 "${F16[@]}"
    run perplexity --model "$m" --file "$wiki" --ctx 128 --chunks 100 --kv-type f16 --flash-attn off
  fi
  if [[ $phases == *3* ]]; then
    run perplexity --model "$m" --file "$wiki" --ctx 128 "${F32[@]}"
    run perplexity --model "$m" --file "$wiki" --ctx 128 "${F16[@]}"
  fi
done
