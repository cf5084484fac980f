#!/usr/bin/env bash
# Session 8: criterion 3 on ts-4m768 with the whole-plan budget search (PlanSearch), every row a q5.sh row
# (quantize, then perplexity --ctx 128 --chunks 200 on the TinyStories held-out text) in DIR.
#   DIR=/work/models/quant8b bench/quantize/budget8.sh PITH
# DIR must hold calib.txt / heldout.txt (copies of /work/models/main7/q) and t4-gptq.sens (the GPTQ
# sensitivities of session 5, /work/models/quant5q/t4-gptq.sens: read, not re-measured).
set -e
P=${1:-./pith}; M=/work/models/quant4b/ts-4m768/model.gguf
Q="$(cd "$(dirname "$0")" && pwd)/q5.sh"
for b in 3.0 3.5 4.5; do
  $Q $P $M t4-s8n-b${b/./} Q4_K_M --method gptq --calib calib.txt --chunks 128 --target-bpw $b --sensitivities t4-gptq.sens
done
for t in Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_0 Q4_K_S Q4_K_M Q4_1; do
  $Q $P $M t4-s8-gptq-$t $t --method gptq --calib calib.txt --chunks 128
done
# first-order plans for comparison: the budget rows again with --budget-rounds 0 (labels t4-s8-r0-bXX)
