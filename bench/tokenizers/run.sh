#!/usr/bin/env bash
# Tokenizer encode throughput, single thread: Pith vs the Hugging Face tokenizers library (Rust via
# DJL), same process, same texts. Usage: bench/tokenizers/run.sh [ROUNDS]   (from anywhere)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
SHARED="${PITH_SHARED:-$ROOT/../shared}"
cd "$ROOT"
mvn -q -o -DskipTests install -pl pith-core,pith-model -am >/dev/null 2>&1 || mvn -q -DskipTests install -pl pith-core,pith-model -am
mvn -q -f pith-model/pom.xml test-compile
CP_FILE="$(mktemp)"
mvn -q -f pith-model/pom.xml dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >/dev/null
CP="pith-model/target/classes:pith-model/target/test-classes:$(cat "$CP_FILE")"
OUT="$(mktemp -d)"
"$JAVA_HOME/bin/javac" -d "$OUT" -cp "$CP" bench/tokenizers/TokenizerBench.java
# One thread on both sides: the Rust library's pool (rayon) only serves batch calls, but pin it anyway.
RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$JAVA_HOME/bin/java" -XX:+UseParallelGC -XX:ActiveProcessorCount=1 \
  -cp "$OUT:$CP" dev.pith.model.tokenizer.TokenizerBench "$SHARED" "${1:-5}"
