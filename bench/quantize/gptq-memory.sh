#!/usr/bin/env bash
# Issue 6 item 5, GPTQ part: wall time and peak memory of `pith quantize --method gptq` (block by block).
#   bench/quantize/gptq-memory.sh IN.gguf OUTDIR [TYPE] [CHUNKS] [CTX] [TEXT]
# IN: the llama-3.2-1b shape (`pith init --preset llama-3.2-1b --seed 1 --type F32`). Samples the
# process's RssAnon (its own memory: heap, Hessians, buffers; the memory-mapped input is file-backed
# and not counted there) and VmRSS (both) once a second; prints one JSON line with the peaks.
# A timed run goes under the shared lock (flock /tmp/pith-bench.lock ...); an untimed one under nice.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IN="$1"; OUT="$2"; TYPE="${3:-Q4_0}"; CHUNKS="${4:-16}"; CTX="${5:-128}"
TEXT="${6:-${PITH_SHARED:-$ROOT/../shared}/data/text/wikitext-2-valid.txt}"
mkdir -p "$OUT"
PITH="${PITH:-$ROOT/pith}"
t0=$(date +%s.%N)
"$PITH" quantize --model "$IN" --type "$TYPE" --method gptq --calib "$TEXT" --chunks "$CHUNKS" --calib-ctx "$CTX" \
  --out "$OUT/gptq.gguf" --json > "$OUT/gptq.json" 2> "$OUT/gptq.err" &
launcher=$!
anon=0; rss=0
while kill -0 "$launcher" 2>/dev/null; do
  for pid in $(pgrep -f "$OUT/gptq.gguf" || true); do
    a=$(awk '/RssAnon/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0); r=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${a:-0}" -gt "$anon" ] && anon=$a
    [ "${r:-0}" -gt "$rss" ] && rss=$r
  done
  sleep 1
done
rc=0; wait "$launcher" || rc=$?
t1=$(date +%s.%N)
echo "{\"rc\":$rc,\"type\":\"$TYPE\",\"chunks\":$CHUNKS,\"ctx\":$CTX,\"wall_seconds\":$(echo "$t1 - $t0" | bc),\"peak_rss_anon_kb\":$anon,\"peak_vmrss_kb\":$rss,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
