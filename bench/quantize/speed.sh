#!/usr/bin/env bash
# Issue 6 item 5: RTN quantization of the llama-3.2-1b shape vs reading the input from disk.
#   bench/quantize/speed.sh OUTDIR [TYPE]   (default type F16: a 2.5 GB input)
# Reads are cold when the page cache can be dropped (root: echo 3 > /proc/sys/vm/drop_caches),
# otherwise warm (said in the output). Each round times the read and each quantization alternately;
# medians of 3. Prints one JSON line per measurement and the medians. Deletes its files at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"; TYPE="${2:-F16}"; mkdir -p "$OUT"
PITH="$ROOT/pith"; IN="$OUT/llama-3.2-1b-$TYPE.gguf"
[ -f "$IN" ] || "$PITH" init --preset llama-3.2-1b --seed 1 --type "$TYPE" --out "$IN" --json >/dev/null 2>&1
drop() { sync; if echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then echo cold; else echo warm; fi; }
now() { date +%s.%N; }
for round in 1 2 3; do
  state=$(drop); t0=$(now); cat "$IN" > /dev/null; t1=$(now)
  echo "{\"round\":$round,\"what\":\"read\",\"cache\":\"$state\",\"seconds\":$(echo "$t1 - $t0" | bc)}"
  for q in Q4_0 Q4_K_M; do
    state=$(drop); t0=$(now); "$PITH" quantize --model "$IN" --type "$q" --out "$OUT/q.gguf" --json >/dev/null 2>&1; t1=$(now)
    echo "{\"round\":$round,\"what\":\"$q\",\"cache\":\"$state\",\"seconds\":$(echo "$t1 - $t0" | bc)}"
  done
done | tee "$OUT/speed.jsonl"
python3 - "$OUT/speed.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {w: statistics.median(r["seconds"] for r in rows if r["what"] == w) for w in ("read", "Q4_0", "Q4_K_M")}
print(json.dumps({"median_seconds": med, "quantize_over_read": {q: med[q] / med["read"] for q in ("Q4_0", "Q4_K_M")}}))
PY
rm -f "$OUT/q.gguf" "$IN"
