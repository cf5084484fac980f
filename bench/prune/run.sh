#!/usr/bin/env bash
# Quality table for pruning: WikiText-2 (and TinyStories held-out) perplexity at ctx 128 for dense,
# magnitude / Wanda / SparseGPT at 50 % unstructured, 2:4 and 4:8, and structured depth / MLP-width
# pruning before and after recovery. One JSON line per run in $OUT/results.jsonl.
# Usage: bench/prune/run.sh MODEL NAME REMOVE_LAYERS [RECOVER_STEPS] [EVAL_CHUNKS] [all|structured]
set -euo pipefail
ROOT="${PITH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
MODEL="$1"; NAME="$2"; REMOVE="$3"; STEPS="${4:-200}"; CHUNKS="${5:-300}"; WHICH="${6:-all}"
DATA="${PITH_SHARED:-$ROOT/../shared}/data/text"
OUT="${PRUNE_OUT:-/work/models/prune}"
mkdir -p "$OUT"
# Held-out TinyStories = the last 10 % of tinystories-sample.txt (what training validated on);
# calibration reads the first 128 × 128 tokens of the same file, recovery trains on the first 90 %.
python3 - "$DATA/tinystories-sample.txt" "$OUT" <<'PY'
import sys
t = open(sys.argv[1], encoding='utf-8').read()
cut = t.rfind('\n', 0, int(len(t) * 0.9)) + 1
open(sys.argv[2] + '/ts-train90.txt', 'w', encoding='utf-8').write(t[:cut])
open(sys.argv[2] + '/ts-heldout10.txt', 'w', encoding='utf-8').write(t[cut:])
PY
# Run from a frozen copy of the built CLI, so edits to the sources during a long run do not trigger
# the launcher's rebuild half-way.
FROZEN="$OUT/cli"
rm -rf "$FROZEN"; mkdir -p "$FROZEN"
cp "$ROOT/pith-cli/target/pith-cli-0.1.0-SNAPSHOT.jar" "$FROZEN/"; cp -r "$ROOT/pith-cli/target/lib" "$FROZEN/lib"
PITH=(/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      -XX:+UseParallelGC -cp "$FROZEN/pith-cli-0.1.0-SNAPSHOT.jar:$FROZEN/lib/*" dev.pith.cli.Main)
# 16,384 calibration tokens = 128 sequences of 128; both texts scored at ctx 128 before and after.
COMMON=(--calib "$OUT/ts-train90.txt" --calib-tokens 16384 --eval "$DATA/wikitext-2-test.txt" --eval "$OUT/ts-heldout10.txt" --eval-ctx 128 --eval-chunks "$CHUNKS" --json)
run() { # tag, args...
  local tag="$1"; shift
  echo "== $NAME $tag" >&2
  # A refused run (a pattern that does not divide a row) is logged and skipped, not fatal.
  if "${PITH[@]}" prune --model "$MODEL" "$@" "${COMMON[@]}" > "$OUT/last.json" 2> "$OUT/last.err"; then
    python3 -c "import json,sys; d=json.load(open('$OUT/last.json')); d['name']='$NAME'; d['tag']='$tag'; print(json.dumps(d))" >> "$OUT/results.jsonl"
  else
    echo "   refused: $(grep '^pith:' "$OUT/last.err" | tail -1)" >&2
  fi
}
if [ "$WHICH" = all ]; then
for m in magnitude wanda sparsegpt; do
  run "$m 50%" --method $m --sparsity 0.5 --out "$OUT/$NAME-$m-50.gguf"
  run "$m 2:4" --method $m --pattern 2:4 --out "$OUT/$NAME-$m-2of4.gguf"
  run "$m 4:8" --method $m --pattern 4:8 --out "$OUT/$NAME-$m-4of8.gguf"
done
fi
# Structured rows twice: without recovery (so the pruned-only model is on disk for tokens/s) and with.
run "layers -$REMOVE" --structured layers --remove "$REMOVE" --out "$OUT/$NAME-layers-norec.gguf"
run "mlp 25%" --structured mlp --ratio 0.25 --out "$OUT/$NAME-mlp25-norec.gguf"
run "layers -$REMOVE +recovery" --structured layers --remove "$REMOVE" --recover-steps "$STEPS" --lr 3e-4 --recover-data "$OUT/ts-train90.txt" --out "$OUT/$NAME-layers.gguf"
run "mlp 25% +recovery" --structured mlp --ratio 0.25 --recover-steps "$STEPS" --lr 3e-4 --recover-data "$OUT/ts-train90.txt" --out "$OUT/$NAME-mlp25.gguf"
if [ "$WHICH" = all ]; then
  run "wanda 2:4 +recovery" --method wanda --pattern 2:4 --recover-steps "$STEPS" --lr 3e-4 --recover-data "$OUT/ts-train90.txt" --out "$OUT/$NAME-wanda-2of4-rec.gguf"
fi
