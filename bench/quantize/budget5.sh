#!/usr/bin/env bash
# Copy of the session-5 run (DIR=/work/models/quant5q, P = a frozen pith launcher); q.sh is bench/quantize/q5.sh.
# ts-4m768 budgets measured and written with GPTQ, vs uniform GPTQ and RTN types, 200 held-out chunks
M=/work/models/quant4b/ts-4m768/model.gguf; P=r4/pith
./q.sh $P $M t4-rtn-q2k Q2_K
./q.sh $P $M t4-gptq-b35 Q4_K_M --method gptq --calib calib.txt --chunks 128 --target-bpw 3.5 --sensitivities t4-gptq.sens
./q.sh $P $M t4-gptq-q2k Q2_K --method gptq --calib calib.txt --chunks 128
./q.sh $P $M t4-gptq-b30 Q4_K_M --method gptq --calib calib.txt --chunks 128 --target-bpw 3.0 --sensitivities t4-gptq.sens
./q.sh $P $M t4-rtn-q3ks Q3_K_S
./q.sh $P $M t4-gptq-q3ks Q3_K_S --method gptq --calib calib.txt --chunks 128
echo "t4-f32 F32 $($P perplexity --model $M --file heldout.txt --ctx 128 --chunks 200 --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)[\"ppl\"])")" | tee -a runs.txt
