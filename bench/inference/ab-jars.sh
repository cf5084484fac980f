#!/usr/bin/env bash
# Alternates two Pith builds on one model: `pith bench` prompt and generation tokens/s. OLD goes ahead
# of this tree's jars on the class path: either a folder of the base build's pith-*.jar
# (pith-cli/target/pith-cli-*.jar and the pith-*.jar of pith-cli/target/lib, copied before the
# change: every module's base classes) or a copy of one module's target/classes (that module only).
# Usage: bench/inference/ab-jars.sh OLD MODEL [ROUNDS] [THREADS] [PROMPT]
# LLAMA=1 adds a llama.cpp run (bench/inference/llamacpp-bench.mjs, same prompt, 16 generated, median of 3; NODE_LLAMA_CPP_DIR defaults to oracle/) to each round.
# Run it under the shared lock: flock /tmp/pith-bench.lock bench/inference/ab-jars.sh ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OLD=$1; MODEL=$2; ROUNDS=${3:-3}; THREADS=${4:-2}; PROMPT=${5:-512}
JAVA="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
OLD_CP="$OLD"; compgen -G "$OLD/*.jar" >/dev/null && OLD_CP="$OLD/*"
NEW_CP="$ROOT/pith-cli/target/pith-cli-0.1.0-SNAPSHOT.jar:$ROOT/pith-cli/target/lib/*"
uptime
for r in $(seq "$ROUNDS"); do
  for v in old new; do
    cp="$NEW_CP"; [ "$v" = old ] && cp="$OLD_CP:$NEW_CP"
    printf '%s round %s: ' "$v" "$r"
    "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
      -cp "$cp" dev.pith.cli.Main bench --model "$MODEL" --prompt-tokens "$PROMPT" --gen-tokens 16 \
      --threads "$THREADS" --json 2>/dev/null \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print("pp %.1f tg %.1f" % (d["prompt_tokens_per_second"], d["gen_tokens_per_second"]))'
  done
  if [ "${LLAMA:-0}" = 1 ]; then
    printf 'llama.cpp round %s: ' "$r"
    NODE_LLAMA_CPP_DIR="${NODE_LLAMA_CPP_DIR:-$ROOT/oracle}" node "$ROOT/bench/inference/llamacpp-bench.mjs" "$MODEL" "$PROMPT" 16 "$THREADS" 3 2>/dev/null \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print("pp %.1f tg %.1f" % (d["prompt_tokens_per_second"], d["gen_tokens_per_second"]))'
  fi
done
uptime
