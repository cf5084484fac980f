#!/usr/bin/env bash
# Run under the lock: flock /tmp/pith-bench.lock bench/quantize/jit-flags.sh [IN] [OUTDIR]
# session 7 JIT experiment: default launcher vs C1-only vs JDK 25 AOT cache; cold page cache each run.
set -uo pipefail
IN="${1:-bench/models/llama-3.2-1b-f32.gguf}"; O="${2:-/work/models/quant7s}"; mkdir -p "$O"
# The AOT cache must exist first (a training run; the same launcher flags):
#   PITH_JAVA_OPTS="-XX:AOTCacheOutput=$O/pith-q.aot" ./pith quantize --model bench/models/smollm2-135m-f32.gguf --type Q4_K_M --out $O/train.gguf --json
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
now() { date +%s.%N; }
for round in 1 2; do
  drop; t0=$(now); dd if="$IN" of=/dev/null bs=16M iflag=direct status=none; t1=$(now)
  echo "{\"round\":$round,\"what\":\"read_direct\",\"seconds\":$(echo "$t1 - $t0" | bc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  for cfg in "Q8_0|default|" "Q8_0|c1|-XX:TieredStopAtLevel=1" "Q8_0|aot|-XX:AOTCache=$O/pith-q.aot" "Q4_0|default|" "Q4_0|aot|-XX:AOTCache=$O/pith-q.aot"; do
    IFS='|' read -r q name opts <<< "$cfg"
    rm -f "$O/q.gguf"; drop; t0=$(now)
    PITH_JAVA_OPTS="$opts" /usr/bin/time -f "%U %S" -o "$O/cpu.txt" ./pith quantize --model "$IN" --type "$q" --out "$O/q.gguf" --json >/dev/null 2>"$O/err.txt"; t1=$(now)
    read -r user sys < <(tail -1 "$O/cpu.txt")
    echo "{\"round\":$round,\"what\":\"$q/$name\",\"seconds\":$(echo "$t1 - $t0" | bc),\"cpu\":$(echo "$user + $sys" | bc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  done
done
rm -f "$O/q.gguf"
