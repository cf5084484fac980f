#!/usr/bin/env bash
# Controls: the dense model fine-tuned with the same recovery recipe (magnitude at sparsity 0 prunes nothing),
# and ts-5m with one block removed (17 %) beside two (33 %).
set -u
P=/work/models/prune; D=/work/shared/data/text
J=(/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp "$P/cli-now/pith-cli-0.1.0-SNAPSHOT.jar:$P/cli-now/lib/*" dev.pith.cli.Main)
C=(--calib $P/ts-train90.txt --eval $D/wikitext-2-test.txt --eval $P/ts-heldout10.txt --ctx 128 --eval-chunks 300 --json)
R=(--recover-steps 200 --lr 3e-4 --recover-data $P/ts-train90.txt)
"${J[@]}" prune --model /work/shared/data/models/stories260K-f32.gguf --method magnitude --sparsity 0 "${R[@]}" --out $P/s260k-dense-ft.gguf "${C[@]}" 2>/dev/null > $P/control-s260k.json
"${J[@]}" prune --model /work/models/ts-5m/model.gguf --method magnitude --sparsity 0 "${R[@]}" --out $P/ts5m-dense-ft.gguf "${C[@]}" 2>/dev/null > $P/control-ts5m.json
"${J[@]}" prune --model /work/models/ts-5m/model.gguf --structured layers --remove 1 "${R[@]}" --out $P/ts5m-layers1.gguf "${C[@]}" 2>/dev/null > $P/ts5m-layers1.json
