#!/usr/bin/env bash
# Controls for bench/prune/run.sh: the dense model fine-tuned with the same recovery recipe (magnitude
# at sparsity 0 prunes nothing), and ts-5m with one block removed (17 %) beside two (33 %). Expects
# run.sh's split texts in $PRUNE_OUT (default /work/models/prune). JSON per run in $PRUNE_OUT/control-*.json.
set -euo pipefail
ROOT="${PITH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
P="${PRUNE_OUT:-/work/models/prune}"; D="${PITH_SHARED:-$ROOT/../shared}/data/text"
C=(--calib "$P/ts-train90.txt" --calib-tokens 16384 --eval "$D/wikitext-2-test.txt" --eval "$P/ts-heldout10.txt" --eval-ctx 128 --eval-chunks 300 --json)
R=(--recover-steps 200 --lr 3e-4 --recover-data "$P/ts-train90.txt")
"$ROOT/pith" prune --model "${PITH_SHARED:-$ROOT/../shared}/data/models/stories260K-f32.gguf" --method magnitude --sparsity 0 "${R[@]}" --out "$P/s260k-dense-ft.gguf" "${C[@]}" 2>/dev/null > "$P/control-s260k.json"
"$ROOT/pith" prune --model /work/models/ts-5m/model.gguf --method magnitude --sparsity 0 "${R[@]}" --out "$P/ts5m-dense-ft.gguf" "${C[@]}" 2>/dev/null > "$P/control-ts5m.json"
"$ROOT/pith" prune --model /work/models/ts-5m/model.gguf --structured layers --remove 1 "${R[@]}" --out "$P/ts5m-layers1.gguf" "${C[@]}" 2>/dev/null > "$P/control-ts5m-layers1.json"
