#!/usr/bin/env bash
# Training speed of Pith vs PyTorch, alternated round by round in one run so a busy machine slows
# both alike: per round, the GEMM peak of each (GemmBench.java / torch_gemm.py), then full training
# steps of config a (nanoGPT shakespeare-char shape) and b (6×384 Llama, block 256, vocab 4096),
# Pith then PyTorch. Steady state only: the first steps of every process (JIT, allocator) are
# dropped by table.py. Output: JSON lines on stdout (feed them to table.py).
# Usage: bench/train-speed/run.sh THREADS ROUNDS [recompute|ops|batch]
# CONFIGS="a" (or "b") runs one configuration; A_STEPS / B_STEPS set the steps per process; GEMM=0
# skips the GEMM rounds.
#   (no mode: Pith chooses per-operation or batch parallelism itself; ops/batch force one, as --parallel)
# Each process runs under the shared benchmark lock (flock /tmp/pith-bench.lock), taken per process
# so another engineer's benchmark can run between ours; PITH_JAVA_OPTS as for the pith launcher.
# PyTorch at its best (DESIGN.md): Debian /usr/bin/python3 torch, OpenBLAS-OpenMP, tcmalloc:
#   apt-get install -y libopenblas0-openmp libtcmalloc-minimal4
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
THREADS="$1"; ROUNDS="$2"; MODE="${3:-}"
A_STEPS="${A_STEPS:-60}"; B_STEPS="${B_STEPS:-7}"
export JAVA_HOME="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
# SKIP_BUILD=1: run against the classes already in */target/classes (e.g. a copied snapshot)
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && mvn -q -o -B compile -pl pith-train -am >/dev/null)
JACKSON="$(ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-databind/*/jackson-databind-*.jar | tail -1)"
# PITH_CLASSES=DIR: DIR/pith-core, DIR/pith-model, DIR/pith-train hold the classes (a snapshot, so a
# build during the run does not change what is measured; with SKIP_BUILD=1)
if [ -n "${PITH_CLASSES:-}" ]; then C="$PITH_CLASSES"; CP="$C/pith-core:$C/pith-model:$C/pith-train:$JACKSON"
else CP="$ROOT/pith-core/target/classes:$ROOT/pith-model/target/classes:$ROOT/pith-train/target/classes:$JACKSON"; fi
# The harnesses compiled once, not run by the source launcher: it compiles them in every process,
# which costs the same CPU and memory (javac in the heap) that the measurement is about.
BIN="$(mktemp -d)"; trap 'rm -rf "$BIN"' EXIT
"$JAVA_HOME/bin/javac" --add-modules jdk.incubator.vector -nowarn -cp "$CP" -d "$BIN" \
  "$ROOT/bench/train-speed/TrainSpeed.java" "$ROOT/bench/train-speed/GemmBench.java" 2>/dev/null
LOCK=(flock /tmp/pith-bench.lock)
# BENCH_LOCK=held: the caller already holds the lock for the whole (short) run, e.g.
#   flock /tmp/pith-bench.lock env BENCH_LOCK=held CONFIGS=a GEMM=0 bench/train-speed/run.sh 2 3
[ "${BENCH_LOCK:-each}" = held ] && LOCK=()
# The pith launcher's flags, with the serial collector (PITH_GC to change): training keeps a fixed
# set of large buffers and makes little garbage, so a parallel collector's large, growing young
# generation only adds resident memory (config a, 2 threads: peak RSS 549 MB with -XX:+UseParallelGC,
# 261 MB with -XX:+UseSerialGC; b 800 vs 780 MB), and a serial minor collection of that little
# garbage is as quick.
JAVA=("${LOCK[@]}" "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector ${PITH_GC:--XX:+UseSerialGC} ${PITH_JAVA_OPTS:-} -cp "$CP:$BIN")
# OMP_WAIT_POLICY=PASSIVE: on a machine shared with other busy processes OpenMP's spinning barriers
# collapse a 2-thread torch step 30× (measured: 55 tokens/s instead of 1,900 on config a); passive
# waiting is PyTorch at its best there. On an idle machine it makes no difference worth noting.
TORCH=("${LOCK[@]}" env OMP_WAIT_POLICY=${TORCH_WAIT_POLICY:-PASSIVE} LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3)
HERE="$ROOT/bench/train-speed"
tag() { python3 -c "import json,sys
for l in sys.stdin:
    l=l.strip()
    if l.startswith('{'): d=json.loads(l); d['round']=$1; d['mode']='$MODE'; d['threads']=$THREADS; print(json.dumps(d), flush=True)"; }
for r in $(seq 1 "$ROUNDS"); do
  echo "{\"round\":$r,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  if [ "${GEMM:-1}" = 1 ]; then
    "${JAVA[@]}" GemmBench "$THREADS" 2048 7 2>/dev/null | tag "$r"
    "${TORCH[@]}" "$HERE/torch_gemm.py" "$THREADS" 2048 7 | tag "$r"
  fi
  for cfg in ${CONFIGS:-a b}; do
    steps=$A_STEPS; [ "$cfg" = b ] && steps=$B_STEPS
    "${JAVA[@]}" TrainSpeed "$cfg" "$THREADS" "$steps" $MODE 2>/dev/null | tag "$r"
    [ "$MODE" = recompute ] || "${TORCH[@]}" "$HERE/torch_speed.py" "$cfg" "$THREADS" "$steps" | tag "$r"
  done
done
