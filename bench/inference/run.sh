#!/usr/bin/env bash
# Pith vs llama.cpp (node-llama-cpp 3.21.1) inference speed on the same GGUF files, same threads.
#
#   bench/inference/run.sh [--models "smollm2-135m llama-3.2-1b"] [--types "F32 F16 Q8_0 Q4_0"]
#                          [--threads 2] [--prompt 512] [--gen 128] [--rounds 3] [--repeats 1]
#                          [--max-load 0.5] [--wait 600] [--jlama]
#
# Models are random `pith init` models of the presets' exact shapes (speed does not depend on the
# weight values), one file per type, kept in bench/models/. Each round runs Pith then llama.cpp
# (alternately, so drift in machine load hits both), each doing its own warm-up and REPEATS timed
# repeats; the figures are medians over rounds. Before each run the script waits (up to --wait
# seconds) for the 1-minute load average to fall below --max-load and records the load it saw.
# Needs node-llama-cpp: NODE_LLAMA_CPP_DIR (default /tmp/oracle/node_modules) must hold it.
# PITH_BIN: the pith launcher to time (default ./pith; a frozen copy keeps edits in the tree from
# triggering a rebuild between runs).
# Generation is also compared with the memory-bandwidth bound: bytes of weights read per token
# (`pith bench`'s bytes_per_token) over the streaming-read bandwidth measured twice: over 1 GiB
# (DRAM) and over a buffer of the model's own size (the bound that applies when the weights fit in
# a large last-level cache; on a 480 MiB-L3 machine the small models do). pct = tg / bound.
# --jlama adds Jlama (Maven com.github.tjake:jlama-core 0.8.4, the Java peer; harness in jlama/) as a
# third engine, alternated in the same rounds, on the types both support: F32 and F16 (the same
# weights exported by `pith convert` as a Hugging Face folder) and Q4_0 (Jlama's own block-32 Q4 of
# the same F32 weights, every matrix quantized as in the Q4_0 file; Jlama cannot run int8 weights).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODELS="smollm2-135m llama-3.2-1b"; TYPES="F32 F16 Q8_0 Q4_0"; THREADS=2; PROMPT=512; GEN=128
ROUNDS=3; REPEATS=1; MAX_LOAD=0.5; WAIT=600; JLAMA=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models) MODELS="$2"; shift 2;; --types) TYPES="$2"; shift 2;; --threads) THREADS="$2"; shift 2;;
    --prompt) PROMPT="$2"; shift 2;; --gen) GEN="$2"; shift 2;; --rounds) ROUNDS="$2"; shift 2;;
    --repeats) REPEATS="$2"; shift 2;; --max-load) MAX_LOAD="$2"; shift 2;; --wait) WAIT="$2"; shift 2;;
    --jlama) JLAMA=1; shift;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
export NODE_LLAMA_CPP_DIR="${NODE_LLAMA_CPP_DIR:-/tmp/oracle/node_modules}"
JAVA="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
OUT="$ROOT/bench/models"; mkdir -p "$OUT"
PITH_BIN="${PITH_BIN:-$ROOT/pith}"
LOG="$HERE/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

if [ "$JLAMA" = 1 ]; then
  ( cd "$HERE/jlama" && JAVA_HOME="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}" mvn -q package dependency:build-classpath -Dmdep.outputFile=cp.txt >&2 )
  JLAMA_CP="$HERE/jlama/target/jlama-bench-1.jar:$(cat "$HERE/jlama/cp.txt")"
fi
jlama() { "$JAVA" --add-modules jdk.incubator.vector -cp "$JLAMA_CP" JlamaBench "$@" 2>/dev/null | tail -1; }
# The Jlama folder for model $1 and type $2 (built once from the F32 file), or nothing for a type Jlama lacks.
jlama_dir() {
  local m="$1" t="$2" f32="$OUT/$1-f32.gguf" hf="$OUT/$1-hf-f32"
  [ -f "$f32" ] || "$ROOT/pith" init --preset "$m" --seed 1 --type F32 --out "$f32" >&2
  [ -d "$hf" ] || { "$ROOT/pith" convert -m "$f32" -o "$hf" >&2 && touch "$hf/README.md"; }
  case "$t" in
    F32) echo "$hf";;
    F16) [ -d "$OUT/$m-hf-f16" ] || "$ROOT/pith" convert -m "$f32" --type F16 -o "$OUT/$m-hf-f16" >&2; echo "$OUT/$m-hf-f16";;
    Q4_0) [ -d "$OUT/$m-jlama-q4" ] || jlama quantize "$hf" "$OUT/$m-jlama-q4" Q4 all >&2; echo "$OUT/$m-jlama-q4";;
  esac
}

load1() { cut -d' ' -f1 /proc/loadavg; }
wait_idle() {
  local waited=0
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN{exit !(l>=m)}'; do
    [ "$waited" -ge "$WAIT" ] && { echo "  (load $(load1) still above $MAX_LOAD after ${WAIT}s; measuring anyway)" >&2; return; }
    sleep 10; waited=$((waited+10))
  done
}

echo "# $(date -u +%FT%TZ)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; threads $THREADS, prompt $PROMPT, gen $GEN, rounds $ROUNDS" | tee -a "$LOG"
wait_idle
BW=$("$JAVA" --add-modules jdk.incubator.vector "$HERE/Bandwidth.java" 1024 "$THREADS" 7 2>/dev/null)
echo "{\"bandwidth\": $BW, \"load\": $(load1)}" | tee -a "$LOG"
BWB=$(echo "$BW" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_per_second"])')

printf "%-14s %-6s %10s %10s %6s %9s %9s %6s %9s %6s %9s %6s %5s %9s %6s %9s %6s\n" model type pith_pp llama_pp ratio pith_tg llama_tg ratio dram_bnd pct ws_bnd pct load jlama_pp ratio jlama_tg ratio
for m in $MODELS; do
  for t in $TYPES; do
    f="$OUT/$m-$(echo "$t" | tr 'A-Z' 'a-z').gguf"
    [ -f "$f" ] || "$ROOT/pith" init --preset "$m" --seed 1 --type "$t" --out "$f" >&2
    for r in $(seq "$ROUNDS"); do
      wait_idle; l=$(load1)
      p=$("$PITH_BIN" bench -m "$f" --threads "$THREADS" --prompt-tokens "$PROMPT" --gen-tokens "$GEN" --repeats "$REPEATS" --json)
      echo "{\"engine\":\"pith\",\"model\":\"$m\",\"type\":\"$t\",\"round\":$r,\"load\":$l,\"result\":$p}" >> "$LOG"
      if [ "$r" = 1 ]; then
        mib=$(echo "$p" | python3 -c 'import json,sys; print(max(64, json.load(sys.stdin)["bytes_per_token"] >> 20))')
        bw=$("$JAVA" --add-modules jdk.incubator.vector "$HERE/Bandwidth.java" "$mib" "$THREADS" 5 2>/dev/null)
        echo "{\"engine\":\"bandwidth\",\"model\":\"$m\",\"type\":\"$t\",\"round\":$r,\"load\":$(load1),\"result\":$bw}" >> "$LOG"
      fi
      wait_idle; l=$(load1)
      q=$(node "$HERE/llamacpp-bench.mjs" "$f" "$PROMPT" "$GEN" "$THREADS" "$REPEATS")
      echo "{\"engine\":\"llama.cpp\",\"model\":\"$m\",\"type\":\"$t\",\"round\":$r,\"load\":$l,\"result\":$q}" >> "$LOG"
      d=$([ "$JLAMA" = 1 ] && jlama_dir "$m" "$t" || true)
      if [ -n "$d" ]; then
        wait_idle; l=$(load1)
        j=$(jlama "$d" I8 "$PROMPT" "$GEN" "$THREADS" "$REPEATS")
        echo "{\"engine\":\"jlama\",\"model\":\"$m\",\"type\":\"$t\",\"round\":$r,\"load\":$l,\"result\":$j}" >> "$LOG"
      fi
    done
    python3 - "$LOG" "$m" "$t" "$BWB" <<'PY'
import json, sys, statistics as st
log, m, t, bw = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
rows = [json.loads(l) for l in open(log) if l.startswith('{"engine"')]
rows = [r for r in rows if r["model"] == m and r["type"] == t]
med = lambda eng, k: st.median(r["result"][k] for r in rows if r["engine"] == eng)
pp, lpp, tg, ltg = med("pith", "prompt_tokens_per_second"), med("llama.cpp", "prompt_tokens_per_second"), med("pith", "gen_tokens_per_second"), med("llama.cpp", "gen_tokens_per_second")
bpt = [r["result"]["bytes_per_token"] for r in rows if r["engine"] == "pith"][0]
bound = bw / bpt
ws = [r["result"]["bytes_per_second"] for r in rows if r["engine"] == "bandwidth"]
wsb = ws[0] / bpt if ws else float("nan")
load = max(r["load"] for r in rows)
line = f"{m:<14} {t:<6} {pp:10.1f} {lpp:10.1f} {pp/lpp:6.2f} {tg:9.2f} {ltg:9.2f} {tg/ltg:6.2f} {bound:9.2f} {100*tg/bound:5.0f}% {wsb:9.2f} {100*tg/wsb:5.0f}% {load:5.2f}"
if any(r["engine"] == "jlama" for r in rows):
    jpp, jtg = med("jlama", "prompt_tokens_per_second"), med("jlama", "gen_tokens_per_second")
    line += f" {jpp:9.1f} {pp/jpp:6.2f} {jtg:9.2f} {tg/jtg:6.2f}"
print(line)
PY
  done
done
echo "raw results: $LOG" >&2
