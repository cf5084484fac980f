#!/usr/bin/env bash
# Pruning quality table: perplexity (ctx 128, first 100 chunks, llama.cpp's method) of dense and pruned models
# on WikiText-2 test and on held-out TinyStories (the last 10% of tinystories-sample.txt, cut at a line).
# Usage: bench/prune/quality.sh MODEL NAME LAYERS_TO_REMOVE   (outputs under /work/models/prune2/)
set -euo pipefail
cd "$(dirname "$0")/../.."
M=$1; NAME=$2; K=$3
S=/work/shared/data
OUT=/work/models/prune2; mkdir -p "$OUT"
HELD=$OUT/tinystories-heldout.txt
[ -f "$HELD" ] || python3 -c "
s=open('$S/text/tinystories-sample.txt',encoding='utf-8').read(); c=s.rfind('\n',0,int(len(s)*0.9))+1
open('$HELD','w',encoding='utf-8').write(s[c:])"
CAL="--calib $S/text/tinystories-sample.txt --calib-tokens 8192"
ppl() { ./pith perplexity --model "$1" --file "$2" --ctx 128 --chunks 100 --json 2>/dev/null | python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["ppl"])'; }
row() { # label file prune-json
  python3 - "$1" "$2" "$3" "$(ppl "$2" $S/text/wikitext-2-test.txt)" "$(ppl "$2" "$HELD")" <<'PY'
import json, sys
label, f, js, p, h = sys.argv[1:]
o = json.loads(js)
print(f"| {label} | {o['params_after']:,} | {o['nonzero_after']:,} | {o['bytes_after']:,} | {p} | {h} | {o['seconds']:.1f} |")
PY
}
echo "| $NAME | params | non-zero | F32 bytes | WikiText-2 ppl | TinyStories held-out ppl | prune s |"
echo "|---|---|---|---|---|---|---|"
D=$(./pith prune --model "$M" --method magnitude --sparsity 0 --out "$OUT/$NAME-dense.gguf" --json 2>/dev/null)
row "dense" "$OUT/$NAME-dense.gguf" "$D"
for label in 50% 2:4 4:8; do
  case $label in 50%) a="--sparsity 0.5";; *) a="--pattern $label";; esac
  for meth in magnitude wanda sparsegpt; do
    f="$OUT/$NAME-$meth-${label/:/-}.gguf"; f=${f/\%/pct}
    if J=$(./pith prune --model "$M" --method $meth $a $CAL --out "$f" --json 2>/tmp/prune-err); then
      row "$meth $label" "$f" "$J"
    else
      echo "| $meth $label | n/a: $(tail -1 /tmp/prune-err | sed 's/|/\//g') | | | | | |"
    fi
  done
done
J=$(./pith prune --model "$M" --structured layers --remove "$K" $CAL --out "$OUT/$NAME-layers.gguf" --json 2>/dev/null)
row "layers −$K, removed $(echo "$J" | python3 -c 'import json,sys; print(json.load(sys.stdin)["removed_layers"])')" "$OUT/$NAME-layers.gguf" "$J"
J=$(./pith prune --model "$M" --structured mlp --ratio 0.25 $CAL --out "$OUT/$NAME-mlp.gguf" --json 2>/dev/null)
row "MLP −25%, ffn $(echo "$J" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["ffn_before"], "→", o["ffn_after"])')" "$OUT/$NAME-mlp.gguf" "$J"
