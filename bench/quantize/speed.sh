#!/usr/bin/env bash
# Issue 6 item 5: RTN quantization of the llama-3.2-1b shape vs reading the input from disk.
#   bench/quantize/speed.sh IN.gguf OUTDIR [ROUNDS] [TYPES]
# IN: the llama-3.2-1b shape (`pith init --preset llama-3.2-1b --seed 1 --type F32`, 4.95 GB).
# Every measurement starts from a cold page cache when it can be dropped (root:
# echo 3 > /proc/sys/vm/drop_caches; said in each line), so `pith quantize` reads its input from
# disk exactly as `cat` does. Each round times the read and each type alternately; medians over the
# rounds, and the median of each type's time over its own round's direct read. Each quantize line also has its CPU seconds (user, sys: what a machine shared with other
# jobs cannot steal; their sum over the cores is the quiet-machine floor).
# EVICT=input evicts only the input file's pages before each measurement (posix_fadvise DONTNEED via
# `dd iflag=nocache count=0`) instead of the whole page cache: the input is read from disk as before,
# while the JVM, the jars and the AOT cache stay cached, as for any tool run more than once.
# Run it under the shared lock: flock /tmp/pith-bench.lock bench/quantize/speed.sh …
# PITH_BASE=LAUNCHER also times each type with that launcher (a build to compare with), right
# after PITH's, as "TYPE@base". KEEP=1 keeps each type's last output as OUTDIR/TYPE.gguf (moved
# after the clock stops) so it can be compared with `cmp`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IN="$1"; OUT="$2"; ROUNDS="${3:-3}"; TYPES="${4:-Q4_0 Q8_0 Q4_K_M}"; mkdir -p "$OUT"
PITH="${PITH:-$ROOT/pith}"
drop() {
  sync
  if [ "${EVICT:-all}" = input ]; then dd if="$IN" iflag=nocache count=0 status=none && echo cold-input || echo warm; return; fi
  if echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then echo cold; else echo warm; fi
}
# input-only eviction: the launcher, the JVM and the jars are read once here, outside the clock
if [ "${EVICT:-all}" = input ]; then "$PITH" quantize --help >/dev/null 2>&1 || true; fi
now() { date +%s.%N; }
for round in $(seq 1 "$ROUNDS"); do
  state=$(drop); t0=$(now); cat "$IN" > /dev/null; t1=$(now)
  echo "{\"round\":$round,\"what\":\"read\",\"cache\":\"$state\",\"seconds\":$(echo "$t1 - $t0" | bc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  # The disk's own speed, without the page-cache copy `cat` pays: direct I/O, as pith quantize reads a cold input.
  state=$(drop); t0=$(now); dd if="$IN" of=/dev/null bs=16M iflag=direct status=none; t1=$(now)
  echo "{\"round\":$round,\"what\":\"read_direct\",\"cache\":\"$state\",\"seconds\":$(echo "$t1 - $t0" | bc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  for q in $TYPES; do
   for who in pith ${PITH_BASE:+base}; do
    launcher="$PITH"; what="$q"; [ "$who" = base ] && { launcher="$PITH_BASE"; what="$q@base"; }
    # the previous round's output is deleted before the clock starts: replacing it would time ext4 freeing 1-3 GB of blocks
    rm -f "$OUT/q.gguf"; state=$(drop); t0=$(now); /usr/bin/time -f "%U %S" -o "$OUT/cpu.txt" "$launcher" quantize --model "$IN" --type "$q" --out "$OUT/q.gguf" --json >/dev/null 2>&1; t1=$(now)
    read -r user sys < "$OUT/cpu.txt"
    echo "{\"round\":$round,\"what\":\"$what\",\"cache\":\"$state\",\"seconds\":$(echo "$t1 - $t0" | bc),\"cpu_user\":$user,\"cpu_sys\":$sys,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
    if [ "${KEEP:-0}" = 1 ]; then mv -f "$OUT/q.gguf" "$OUT/$what.gguf"; fi
   done
  done
done | tee "$OUT/speed.jsonl"
ALL="$TYPES"; [ -n "${PITH_BASE:-}" ] && for q in $TYPES; do ALL="$ALL $q@base"; done
python3 - "$OUT/speed.jsonl" $ALL <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
types = sys.argv[2:]
med = {w: statistics.median(r["seconds"] for r in rows if r["what"] == w) for w in ["read", "read_direct"] + types}
cpu = {q: statistics.median(r["cpu_user"] + r["cpu_sys"] for r in rows if r["what"] == q) for q in types}
# the disk's speed drifts between rounds (2.3-4.7 s for the same direct read within minutes on session 14's VM):
# each type also over the direct read of its own round, then the median of those ratios
direct = {r["round"]: r["seconds"] for r in rows if r["what"] == "read_direct"}
per_round = {q: round(statistics.median(r["seconds"] / direct[r["round"]] for r in rows if r["what"] == q), 3) for q in types}
print(json.dumps({"median_seconds": med, "median_cpu_seconds": cpu, "quantize_over_read": {q: round(med[q] / med["read"], 3) for q in types},
                  "quantize_over_direct_read": {q: round(med[q] / med["read_direct"], 3) for q in types},
                  "median_over_own_rounds_direct_read": per_round}))
PY
rm -f "$OUT/q.gguf" "$OUT/cpu.txt"
