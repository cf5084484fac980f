#!/usr/bin/env bash
# Trains the JDK 25 AOT cache that ./pith uses for `pith quantize` (JEP 483/515: classes loaded and
# linked, method profiles, from one training run), after a build:
#   bench/quantize/aot.sh [SMALL_F32.gguf]     (default: bench/models/smollm2-135m-f32.gguf)
# The training run quantizes a small F32 model through the direct-read path (-Dpith.quant.fromDisk)
# to Q4_K_M with some matrices Q8_0 and Q4_0, so every encoder of the usual file types runs. The
# launcher uses pith-cli/target/pith-quantize.aot only while it is newer than the jar (a rebuild
# touches the jar: run this again); the JVM also checks the class path and ignores a stale cache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IN="${1:-$ROOT/bench/models/smollm2-135m-f32.gguf}"
AOT="$ROOT/pith-cli/target/pith-quantize.aot"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
"$ROOT/pith" --version >/dev/null   # builds first if the sources changed, so the cache matches the jar
# the recording JVM logs on stdout: kept out of the way, shown only on failure
if ! PITH_JAVA_OPTS="-XX:AOTCacheOutput=$TMP/q.aot -Dpith.quant.fromDisk=true" "$ROOT/pith" quantize --model "$IN" --type Q4_K_M \
     --tensor-type 'attn_q=Q8_0' --tensor-type 'attn_k=Q4_0' --tensor-type 'ffn_up=Q8_0' --out "$TMP/q.gguf" --json >"$TMP/log" 2>&1; then
  cat "$TMP/log" >&2; echo "aot.sh: the training run failed." >&2; exit 1
fi
mv -f "$TMP/q.aot" "$AOT"
echo "wrote $AOT ($(stat -c %s "$AOT") bytes)"
