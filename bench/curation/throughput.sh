#!/usr/bin/env bash
# Curation throughput, in-process: per stage (MB of the stage's input per CPU-second, summed over
# threads) and end to end (input MB per wall-clock second), from each run's report.json.
# Corpora: the JDK's src.zip (code rules) and the headline's raw.jsonl (prose rules).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
H=${1:-/work/models/curate/headline}
OUT=${2:-/work/models/curate/throughput}
run() {
  local name=$1; shift
  ./pith data curate "$@" --out $OUT/$name --json 2>/dev/null > /dev/null
  python3 - "$OUT/$name/report.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | end to end (wall) | {r['bytes_in']/1e6:.1f} | {r['seconds']:.1f} s wall | {r['bytes_in']/1e6/r['seconds']:.1f} |")
for s in r['stages']:
    print(f"| {sys.argv[2]} | {s['stage']} | {s['bytes_in']/1e6:.1f} | {s['cpu_seconds']:.2f} CPU-s | {s['mb_per_cpu_second']:.1f} |")
PY
}
echo "| corpus | stage | MB in | time | MB/s |"
echo "|---|---|---:|---:|---:|"
run jdk-src --in $JAVA_HOME/lib/src.zip
run raw-prose --in $H/raw.jsonl
