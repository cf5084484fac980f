#!/usr/bin/env bash
# Session 9: criterion 3 on ts-4m768 with BOTH calibration samples, every row a q5.sh row (quantize, then
# perplexity --ctx 128 --chunks 200 on the TinyStories held-out text) in DIR. The plans the search scores
# are the plans written: RTN (no calibration in the encoder) and one-pass GPTQ (--gptq-all-at-once: the
# encodings the search evaluates are the file's), each against uniform types made the same way.
#   DIR=/work/models/quant9b bench/quantize/budget9.sh PITH [rtn|gptq|uniform]
# DIR holds calib.txt / calib2.txt / heldout.txt (copies of /work/models/quant8b's) and, for GPTQ, the
# seed sensitivities sens-gptq-calib.sens / sens-gptq-calib2.sens (session 5's t4-gptq.sens and
# t4-gptq-cal2.sens from /work/models/quant5q). GPTQ budgets judge plans on the OTHER sample (--budget-calib):
# text the GPTQ encoder was not fitted to.
set -e
P=${1:-./pith}; W=${2:-rtn}; M=/work/models/quant4b/ts-4m768/model.gguf
Q="$(cd "$(dirname "$0")" && pwd)/q5.sh"
EXTRA=${EXTRA:-} # e.g. "--budget-loss nll"; TAG names the variant in the labels
for c in calib calib2; do
  o=$([ $c = calib ] && echo calib2 || echo calib)
  for b in 3.0 3.5 4.5; do
    case $W in
      rtn)  $Q $P $M b-rtn$TAG-$c-b${b/./} Q4_K_M --calib $c.txt --budget-chunks 16 --target-bpw $b --sensitivities sens-rtn$TAG-$c.sens $EXTRA ;;
      gptq) $Q $P $M b-gaao$TAG-$c-b${b/./} Q4_K_M --method gptq --gptq-all-at-once --calib $c.txt --chunks 128 --budget-calib $o.txt \
              --budget-chunks 16 --target-bpw $b --sensitivities sens-gptq-$c.sens $EXTRA ;;
    esac
  done
done
if [ $W = uniform ]; then
  for t in Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_0 Q4_K_S Q4_K_M Q4_1; do $Q $P $M u-rtn-$t $t; done
  for c in calib calib2; do
    for t in Q2_K Q3_K_S Q3_K_L Q4_0 Q4_K_S Q3_K_M Q4_K_M Q4_1; do
      $Q $P $M u-gaao-$c-$t $t --method gptq --gptq-all-at-once --calib $c.txt --chunks 128
    done
  done
fi
