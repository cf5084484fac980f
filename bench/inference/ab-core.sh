#!/usr/bin/env bash
# Alternates two pith-core builds on the same model: `pith bench` prompt and generation tokens/s, the
# OLD build's pith-core classes put ahead of this tree's jars (everything else identical).
# Usage: bench/inference/ab-core.sh OLD_CORE_CLASSES MODEL [ROUNDS] [THREADS]
#   OLD_CORE_CLASSES: e.g. a copy of pith-core/target/classes built from the base commit.
# Run it under the shared lock: flock /tmp/pith-bench.lock bench/inference/ab-core.sh ...
# (ab-jars.sh does the work; it also takes a folder of whole-build jars.)
exec "$(dirname "${BASH_SOURCE[0]}")/ab-jars.sh" "$@"
