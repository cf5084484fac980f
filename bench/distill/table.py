# Prints the distillation table of bench/RESULTS.md from the files bench/distill/run.sh leaves in OUT.
#   OUT=/work/models/distill python3 bench/distill/table.py
import json, math, os
D = os.environ.get('OUT', '/work/models/distill')
T = '/work/models/ts-5m'
teacher_val = [json.loads(l) for l in open(f'{T}/metrics.jsonl') if 'val_loss' in l][-1]['val_loss']
rows = [('teacher', None), ('data only (--alpha 0)', 'data-only'), ('forward KL', 'kl'), ('reverse KL', 'rkl'),
        ('JSD β=0.5', 'jsd'), ('skew KL α=0.1', 'skl'), ('forward KL, α=0.9 τ=2', 'kl-a0.9-t2')]
print('| model | parameters | TinyStories val loss | TinyStories val ppl | WikiText-2 ppl | wall seconds |')
print('|---|---:|---:|---:|---:|---:|')
for name, k in rows:
    wf = f'{D}/{k or "teacher"}.wiki.json'
    if k is not None and not (os.path.exists(f'{D}/{k}.json') and os.path.getsize(f'{D}/{k}.json') > 0):
        continue
    wiki = json.load(open(wf))['ppl'] if os.path.exists(wf) else float('nan')
    if k is None:
        j = json.load(open('/work/models/ts-5m.log.json'))
        v, params, secs = teacher_val, j['parameters'], j['seconds']
    else:
        j = json.load(open(f'{D}/{k}.json'))
        v, params, secs = j['val_loss'], j['parameters'], j['seconds']
    print(f'| {name} | {params:,} | {v:.4f} | {math.exp(v):.2f} | {wiki:.1f} | {secs:.0f} |')
