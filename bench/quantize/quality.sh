#!/usr/bin/env bash
# Quality of every quantization type and method: size, bits per weight, WikiText-2 perplexity
# (llama.cpp's method, --ctx 128, first CHUNKS chunks) and TinyStories held-out perplexity
# (the last 10% of tinystories-sample.txt, which training used for validation).
#   bench/quantize/quality.sh MODEL.gguf OUTDIR [TYPES]
# Calibration (imatrix and GPTQ): the first chunks of tinystories-sample.txt (never the held-out tail).
# Prints one JSON line per (type, method) and a markdown table at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="$1"; OUT="$2"
TYPES="${3:-F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 Q3_K_L Q3_K_M Q3_K_S Q2_K}"
CHUNKS="${CHUNKS:-100}"
SHARED="${PITH_SHARED:-$ROOT/../shared}/data/text"
PITH="$ROOT/pith"
mkdir -p "$OUT"
HELD="$OUT/tinystories-heldout.txt"
# the last 10% of the sample, cut at a line start
python3 "$ROOT/bench/heldout.py" "$SHARED/tinystories-sample.txt" "$HELD"
# WikiText-2: the first CHUNKS chunks only; scoring a 96 KB prefix gives the same chunks as the whole file
# without tokenizing all 1.3 MB each time (cut at a line start, well past the last chunk used)
WIKI="$OUT/wikitext-2-test-prefix.txt"
python3 - "$SHARED/wikitext-2-test.txt" "$WIKI" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
cut = b.index(b'\n', 96 * 1024) + 1
open(sys.argv[2], 'wb').write(b[:cut])
PY
ppl() { "$PITH" perplexity --model "$1" --file "$2" --ctx 128 --chunks "$CHUNKS" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])'; }
IM="$OUT/imatrix.gguf"
"$PITH" imatrix --model "$MODEL" --calib "$SHARED/tinystories-sample.txt" --ctx 128 --chunks 64 --out "$IM" --json 2>/dev/null >/dev/null
params=$("$PITH" info --model "$MODEL" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["parameters"])')
row() { # type method file file-bytes tensor-bytes seconds; bits per weight count the tensors only (not the tokenizer)
  local w t; w=$(ppl "$3" "$WIKI"); t=$(ppl "$3" "$HELD")
  echo "{\"type\":\"$1\",\"method\":\"$2\",\"bytes\":$4,\"bpw\":$(python3 -c "print(8*$5/$params)"),\"wikitext_ppl\":$w,\"tinystories_ppl\":$t,\"quantize_seconds\":$6}" | tee -a "$OUT/results.jsonl"
}
: > "$OUT/results.jsonl"
row F32 - "$MODEL" "$(stat -c %s "$MODEL")" "$("$PITH" info --model "$MODEL" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["tensor_bytes"])')" 0
for T in $TYPES; do
  for M in rtn imatrix gptq; do
    case "$T" in F16|BF16|Q8_0) [ "$M" = rtn ] || [ "$M" = gptq ] || continue ;; esac
    case "$T" in F16|BF16) [ "$M" = rtn ] || continue ;; esac
    f="$OUT/$T-$M.gguf"
    extra=()
    [ "$M" = imatrix ] && extra=(--imatrix "$IM")
    [ "$M" = gptq ] && extra=(--method gptq --calib "$SHARED/tinystories-sample.txt" --chunks 32)
    j=$("$PITH" quantize --model "$MODEL" --type "$T" --out "$f" "${extra[@]}" --json 2>/dev/null)
    b=$(echo "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes"])')
    tb=$(echo "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tensor_bytes"])')
    s=$(echo "$j" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["seconds"],2))')
    row "$T" "$M" "$f" "$b" "$tb" "$s"
    [ "${KEEP:-0}" = 1 ] || rm -f "$f"
  done
done
python3 "$ROOT/bench/quantize/table.py" "$OUT/results.jsonl"
