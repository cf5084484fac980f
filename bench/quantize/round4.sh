#!/usr/bin/env bash
# Issue 6, round 4: the full quality table (every type, RTN vs imatrix vs GPTQ vs AWQ) for one model.
#   bench/quantize/round4.sh MODEL.gguf OUTDIR          (env below; one JSON line per row in OUTDIR/results.jsonl)
# Split: the last 10 % of tinystories-sample.txt (cut at a line start) is the held-out text, the
# first 90 % the calibration text; calibration never sees the held-out tail. Every calibrated
# method uses the same CALIB_CHUNKS chunks of 128 tokens from the start of the calibration text.
# Perplexity is llama.cpp's method (`pith perplexity --ctx 128`): TinyStories held-out, first
# TS_CHUNKS chunks; WikiText-2 test, first WIKI_CHUNKS chunks (scored from a 96 KB prefix, which
# gives the same chunks as the whole file).
#   METHODS  which methods to run (default "rtn imatrix gptq awq"); F32 row when it contains f32
#   TYPES    the file types for rtn (default every type); CAL_TYPES the ones for imatrix/gptq/awq
#   PITH     the launcher (default ./pith; give a frozen copy when sources change during a run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="$1"; OUT="$2"; mkdir -p "$OUT"
PITH="${PITH:-$ROOT/pith}"
METHODS="${METHODS:-f32 rtn imatrix gptq awq}"
TYPES="${TYPES:-F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 Q3_K_L Q3_K_M Q3_K_S Q2_K}"
CAL_TYPES="${CAL_TYPES:-Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 Q3_K_L Q3_K_M Q3_K_S Q2_K}"
TS_CHUNKS="${TS_CHUNKS:-200}"; WIKI_CHUNKS="${WIKI_CHUNKS:-50}"; CALIB_CHUNKS="${CALIB_CHUNKS:-128}"
GPTQ_ARGS="${GPTQ_ARGS:---act-order}"; AWQ_ARGS="${AWQ_ARGS:-}"
TEXT="${PITH_SHARED:-$ROOT/../shared}/data/text"
python3 - "$TEXT/tinystories-sample.txt" "$TEXT/wikitext-2-test.txt" "$OUT" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
cut = b.index(b'\n', int(len(b) * 0.9)) + 1
open(sys.argv[3] + '/calib.txt', 'wb').write(b[:cut])
open(sys.argv[3] + '/heldout.txt', 'wb').write(b[cut:])
w = open(sys.argv[2], 'rb').read()
open(sys.argv[3] + '/wiki-prefix.txt', 'wb').write(w[:w.index(b'\n', 96 * 1024) + 1])
PY
CAL="$OUT/calib.txt"
ppl() { "$PITH" perplexity --model "$1" --file "$2" --ctx 128 --chunks "$3" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])'; }
params=$("$PITH" info --model "$MODEL" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["parameters"])')
row() { # label file quantize-json
  local w t; w=$(ppl "$2" "$OUT/wiki-prefix.txt" "$WIKI_CHUNKS"); t=$(ppl "$2" "$OUT/heldout.txt" "$TS_CHUNKS")
  echo "$3" | python3 -c "
import json,sys; o=json.load(sys.stdin)
print(json.dumps({'type':o['type'],'method':o['method'],'bytes':o['bytes'],'tensor_bytes':o['tensor_bytes'],'bpw':8*o['tensor_bytes']/$params,
 'wikitext_ppl':$w,'tinystories_ppl':$t,'seconds':round(o['seconds'],1),'tensor_types':o.get('tensor_types',{}),
 **({'awq_clip_error_ratio':o['awq_clip_error_ratio']} if 'awq_clip_error_ratio' in o else {})}))" | tee -a "$OUT/results.jsonl"
}
case " $METHODS " in *" f32 "*)
  tb=$("$PITH" info --model "$MODEL" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["tensor_bytes"])')
  row F32 "$MODEL" "{\"type\":\"F32\",\"method\":\"-\",\"bytes\":$(stat -c %s "$MODEL"),\"tensor_bytes\":$tb,\"seconds\":0}" ;;
esac
IM="$OUT/imatrix.gguf"
case " $METHODS " in *" imatrix "*)
  [ -f "$IM" ] || "$PITH" imatrix --model "$MODEL" --calib "$CAL" --ctx 128 --chunks "$CALIB_CHUNKS" --out "$IM" --json >/dev/null 2>&1 ;;
esac
for M in rtn imatrix gptq awq; do
  case " $METHODS " in *" $M "*) ;; *) continue ;; esac
  list="$CAL_TYPES"; [ "$M" = rtn ] && list="$TYPES"
  for T in $list; do
    f="$OUT/$T-$M.gguf"
    case $M in
      rtn) extra=() ;;
      imatrix) extra=(--imatrix "$IM") ;;
      gptq) extra=(--method gptq --calib "$CAL" --chunks "$CALIB_CHUNKS" $GPTQ_ARGS) ;;
      awq) extra=(--method awq --calib "$CAL" --chunks "$CALIB_CHUNKS" $AWQ_ARGS) ;;
    esac
    j=$("$PITH" quantize --model "$MODEL" --type "$T" --out "$f" --json "${extra[@]}" 2>/dev/null)
    row "$T" "$f" "$j"
    [ "${KEEP:-0}" = 1 ] || rm -f "$f"
  done
done
