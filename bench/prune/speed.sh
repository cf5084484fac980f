#!/usr/bin/env bash
# Tokens/s of dense and structurally pruned models with `pith bench`, models alternated round by
# round so a busy machine slows them alike; one thread (these models are small enough that thread
# hand-offs dominate two-thread timings). Usage: bench/prune/speed.sh ROUNDS TOKENS MODEL...
set -euo pipefail
ROOT="${PITH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
ROUNDS="$1"; TOKENS="$2"; shift 2
for r in $(seq 1 "$ROUNDS"); do
  for m in "$@"; do
    "$ROOT/pith" bench --model "$m" --prompt-tokens "$TOKENS" --gen-tokens "$TOKENS" --repeats 5 --threads 1 --json 2>/dev/null \
      | python3 -c "import json,sys; d=json.load(sys.stdin); d['round']=$r; d['file']='$m'; print(json.dumps(d))"
  done
done
