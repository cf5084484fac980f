#!/usr/bin/env bash
# Generation speed A/B/C: an OLD pith-core build, this tree's pith-core and llama.cpp, alternated
# round by round on the same GGUF files (each single run takes the shared benchmark lock, so runs of
# other sessions never overlap them). Prints per-run tokens/s, then medians and ratios.
# Usage: bench/inference/decode-ab.sh OLD_CORE_CLASSES "MODEL.gguf ..." [ROUNDS] [THREADS] [GEN]
#   OLD_CORE_CLASSES: a copy of pith-core/target/classes built from the base commit.
#   (or a class path such as OLD_CORE:OLD_MODEL, copies of pith-core's and pith-model's classes, when
#   the runtime changed too: it goes before this tree's jars).
#   Needs NODE_LLAMA_CPP_DIR (node-llama-cpp 3.21.1) and `mvn package -pl pith-cli -am` built here.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OLD=$1; MODELS=$2; ROUNDS=${3:-3}; THREADS=${4:-2}; GEN=${5:-32}; PROMPT=16
JAVA="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP_REST="$ROOT/pith-cli/target/pith-cli-0.1.0-SNAPSHOT.jar:$ROOT/pith-cli/target/lib/*"
LOCK=/tmp/pith-bench.lock
LOG=$(mktemp)
tg() { python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["gen_tokens_per_second"])'; }
pith() {
  flock "$LOCK" "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -cp "$1:$CP_REST" dev.pith.cli.Main bench --model "$2" --prompt-tokens "$PROMPT" --gen-tokens "$GEN" \
    --threads "$THREADS" --json 2>/dev/null | tg
}
echo "# $(date -u +%FT%TZ) threads $THREADS, prompt $PROMPT, gen $GEN, rounds $ROUNDS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for m in $MODELS; do
  for r in $(seq "$ROUNDS"); do
    o=$(pith "$OLD" "$m"); n=$(pith "$ROOT/pith-core/target/classes" "$m")
    l=$(flock "$LOCK" node "$HERE/llamacpp-bench.mjs" "$m" "$PROMPT" "$GEN" "$THREADS" 1 | tg)
    echo "$(basename "$m") round $r: old $o new $n llama.cpp $l (load $(cut -d' ' -f1 /proc/loadavg))"
    echo "$m $o $n $l" >> "$LOG"
  done
done
python3 - "$LOG" <<'PY'
import sys, statistics as st, os
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'model':<28} {'old':>7} {'new':>7} {'llama':>7} {'new/old':>8} {'old/llama':>9} {'new/llama':>9}")
for m in dict.fromkeys(r[0] for r in rows):
    o, n, l = (st.median(float(r[i]) for r in rows if r[0] == m) for i in (1, 2, 3))
    print(f"{os.path.basename(m):<28} {o:7.2f} {n:7.2f} {l:7.2f} {n/o:8.2f} {o/l:9.2f} {n/l:9.2f}")
PY
rm -f "$LOG"
