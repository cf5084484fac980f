#!/usr/bin/env bash
# Alternates two pith-core builds on the same model: `pith bench` prompt and generation tokens/s,
# the OLD build's pith-core classes put ahead of this tree's jars (everything else identical).
# Usage: bench/inference/ab-core.sh OLD_CORE_CLASSES MODEL [ROUNDS] [THREADS]
#   OLD_CORE_CLASSES: e.g. a copy of pith-core/target/classes built from the base commit.
# Run it under the shared lock: flock /tmp/pith-bench.lock bench/inference/ab-core.sh ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OLD=$1; MODEL=$2; ROUNDS=${3:-3}; THREADS=${4:-2}
JAVA="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP_REST="$ROOT/pith-cli/target/pith-cli-0.1.0-SNAPSHOT.jar:$ROOT/pith-cli/target/lib/*"
uptime
for r in $(seq "$ROUNDS"); do
  for v in old new; do
    core="$ROOT/pith-core/target/classes"; [ "$v" = old ] && core="$OLD"
    printf '%s round %s: ' "$v" "$r"
    "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
      -cp "$core:$CP_REST" dev.pith.cli.Main bench --model "$MODEL" --prompt-tokens 512 --gen-tokens 16 \
      --threads "$THREADS" --json 2>/dev/null \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print("pp %.1f tg %.1f" % (d["prompt_tokens_per_second"], d["gen_tokens_per_second"]))'
  done
done
uptime
