#!/usr/bin/env bash
# In-process vs Spark local[*] on the same inputs, in one JVM, one after the other: wall-clock
# MB/s end to end and whether the outputs are byte-identical. Spark is a provided dependency of
# pith-data, so this runs from pith-data's test class path rather than the pith launcher.
set -euo pipefail
OUT=${1:-/work/models/curate/spark-throughput}; shift || true
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
INPUTS=${@:-$JAVA_HOME/lib/src.zip}
mvn -q -o compile -pl pith-data -am
mvn -q -o dependency:build-classpath -pl pith-data -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/pith-data-cp.txt
CP="pith-data/target/classes:pith-model/target/classes:pith-core/target/classes:pith-train/target/classes:$(cat /tmp/pith-data-cp.txt)"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx6g -cp "$CP" \
  dev.pith.data.spark.SparkCurator 'local[*]' "$OUT" $INPUTS 2>/dev/null
