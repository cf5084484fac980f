#!/usr/bin/env bash
# Prompt-processing thread scaling (issue 4, criterion 4): `pith bench` at 1 and at N threads,
# alternated round by round on the same file, so that drift in the machine's load hits both.
#
#   bench/inference/scaling.sh [--models "smollm2-135m"] [--types "F32 F16 Q8_0 Q4_0 Q4_K_M"]
#                              [--threads 2] [--prompt 512] [--rounds 5] [--repeats 3]
#
# Each run is one `pith bench --prompt-tokens P --gen-tokens 1 --repeats R --json` (its own warm-up,
# then the median of R timed prompts); per type the script prints the median over rounds of each
# thread count and the ratio of those medians, and writes every run to results-scaling-*.jsonl.
# Why rounds: on a 2-vCPU guest a single 2-thread run swings by ±10 % (another tenant on a sibling
# core), which alone moved the Q4_K_M figure between 1.55 and 1.82 within an hour (session 17).
# PITH_BIN: the pith launcher to time (default ./pith; a frozen copy keeps edits out of the runs).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODELS="smollm2-135m"; TYPES="F32 F16 Q8_0 Q4_0 Q4_K_M"; THREADS=2; PROMPT=512; ROUNDS=5; REPEATS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --models) MODELS="$2"; shift 2;; --types) TYPES="$2"; shift 2;; --threads) THREADS="$2"; shift 2;;
    --prompt) PROMPT="$2"; shift 2;; --rounds) ROUNDS="$2"; shift 2;; --repeats) REPEATS="$2"; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
PITH_BIN="${PITH_BIN:-$ROOT/pith}"
LOG="$HERE/results-scaling-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
LOCK=/tmp/pith-bench.lock

echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; log $LOG"
printf '%-14s %-7s %12s %12s %8s\n' model type "pp 1 thread" "pp $THREADS threads" scaling
for m in $MODELS; do
  for t in $TYPES; do
    f="$ROOT/bench/models/$m-$(echo "$t" | tr 'A-Z' 'a-z').gguf"
    [ -f "$f" ] || { echo "missing $f (bench/inference/run.sh makes the benchmark models)" >&2; exit 1; }
    for r in $(seq "$ROUNDS"); do
      for n in 1 "$THREADS"; do
        flock "$LOCK" "$PITH_BIN" bench --model "$f" --prompt-tokens "$PROMPT" --gen-tokens 1 --threads "$n" \
          --repeats "$REPEATS" --json 2>/dev/null \
          | python3 -c "import json,sys; d=json.load(sys.stdin); d.update(round=$r, type='$t', name='$m'); print(json.dumps(d))" >> "$LOG"
      done
    done
    python3 - "$LOG" "$m" "$t" "$THREADS" <<'EOF'
import json, statistics, sys
log, m, t, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = [json.loads(l) for l in open(log) if l.strip()]
pp = lambda k: statistics.median(r['prompt_tokens_per_second'] for r in rows
                                 if r['name'] == m and r['type'] == t and r['threads'] == k)
one, many = pp(1), pp(n)
print(f"{m:<14} {t:<7} {one:12.1f} {many:12.1f} {many / one:8.2f}")
EOF
  done
done
