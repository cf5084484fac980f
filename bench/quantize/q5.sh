#!/usr/bin/env bash
# Session 5: one quality row. Quantize MODEL to TYPE with the extra quantize args, then TinyStories
# held-out perplexity on the first 200 chunks of 128 tokens (the split of round4.sh: DIR holds
# calib.txt = first 90 % of tinystories-sample.txt, heldout.txt = the rest; calib2.txt = the
# second half of calib.txt, the "second calibration seed"). Appends "LABEL TYPE PPL SECONDS ARGS" to DIR/runs.txt.
#   bench/quantize/q5.sh PITH MODEL LABEL TYPE [quantize args...]      (env DIR, default /work/models/quant5q)
#   e.g. bench/quantize/q5.sh ./pith stories260K-f32.gguf gptq-emb Q4_0 --method gptq --calib calib.txt --chunks 128
# Make calib2.txt once: python3 -c "b=open('calib.txt','rb').read(); c=b.index(b'\n',len(b)//2)+1; open('calib2.txt','wb').write(b[c:])"
set -e
P=$1; M=$2; L=$3; T=$4; shift 4
cd "${DIR:-/work/models/quant5q}"
f=tmp-$L.gguf
s=$(date +%s)
nice -n 19 $P quantize --model $M --type $T --out $f --json "$@" > $L.json 2>/dev/null
t=$(nice -n 19 $P perplexity --model $f --file heldout.txt --ctx 128 --chunks 200 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])')
echo "$L $T $t $(( $(date +%s)-s ))s $*" | tee -a runs.txt
rm -f $f
