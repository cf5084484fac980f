#!/usr/bin/env bash
# JMH microbenchmarks of Pith's kernels, each vectorised kernel beside its scalar twin.
#
#   bench/jmh/run.sh [JMH options, e.g. -p type=Q4_K,Q6_K -p vectors=64 MatMulKernels]
#
# Installs pith-core and pith-model (no tests) into the local Maven repository, builds this
# harness, runs it, and prints a table with GFLOP/s for the matrix kernels and the vector/scalar
# ratio for every kernel. Raw JMH JSON: bench/jmh/results-<time>.json (not committed).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export JAVA_HOME="${PITH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
(cd "$ROOT" && mvn -q install -pl pith-core,pith-model -am -DskipTests >&2)
(cd "$HERE" && mvn -q package >&2)
OUT="$HERE/results-$(date -u +%Y%m%dT%H%M%SZ).json"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar "$HERE/target/benchmarks.jar" -rf json -rff "$OUT" "$@" >&2
python3 - "$OUT" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
res = {}
for r in rows:
    name = r["benchmark"].rsplit(".", 1)[1]
    p = r.get("params", {})
    score, unit = r["primaryMetric"]["score"], r["primaryMetric"]["scoreUnit"]
    if "type" in p:
        key = (p["type"], p["vectors"]); res.setdefault(key, {})[p["impl"]] = score
    else:
        kernel, impl = name[:-6], name[-6:].lower()
        res.setdefault((kernel, p["n"]), {})[impl] = score
print(f"{'kernel/type':<14} {'n':>5} {'vector':>12} {'scalar':>12} {'ratio':>6} {'GFLOP/s':>8}")
for (k, n), v in res.items():
    vec, sca = v.get("vector"), v.get("scalar")
    gf = f"{2*576*1536*int(n)/(vec*1e3):8.2f}" if vec and k.isupper() else ""   # matrix rows are keyed by type (F32, Q4_K, ...)
    ratio = f"{sca/vec:6.2f}" if vec and sca else ""
    print(f"{k:<14} {n:>5} {vec or 0:12.3f} {sca or 0:12.3f} {ratio:>6} {gf:>8}")
print(f"(times per call: µs for the matrix kernels, ns for the element-wise ones; raw: {sys.argv[1]})")
PY
