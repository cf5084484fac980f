#!/usr/bin/env bash
# Dense vs sparse execution (RuntimeOptions.sparse OFF / AUTO, what `pith ... --sparse off|auto`
# selects) on each model: SparseDecodeBench alternates the two in one process, round by round.
# One JSON line per model on stdout. Usage: [MODE=auto|on] bench/prune/sparse_speed.sh THREADS ROUNDS MODEL...
set -euo pipefail
ROOT="${PITH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
THREADS="$1"; ROUNDS="$2"; shift 2
"$ROOT/pith" --version >/dev/null   # builds the jars when sources changed
CP="$ROOT/pith-cli/target/pith-cli-0.1.0-SNAPSHOT.jar:$ROOT/pith-cli/target/lib/*"
for m in "$@"; do
  /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -Dpith.threads="$THREADS" -cp "$CP" "$ROOT/bench/prune/SparseDecodeBench.java" "$m" "$ROUNDS" 128 64 "${MODE:-auto}" 2>/dev/null
done
