# Prints the distillation tables of bench/RESULTS.md from the files bench/distill/run.sh (OUT) and
# bench/distill/sweep.sh (OUT3) leave behind.
#   OUT=/work/models/distill OUT3=/work/models/distill3 python3 bench/distill/table.py
import json, math, os
D = os.environ.get('OUT', '/work/models/distill')
D3 = os.environ.get('OUT3', '/work/models/distill3')
T = '/work/models/ts-5m'
teacher_val = [json.loads(l) for l in open(f'{T}/metrics.jsonl') if 'val_loss' in l][-1]['val_loss']
rows = [('teacher', None, None), ('data only (--alpha 0)', D, 'data-only'), ('forward KL', D, 'kl'), ('reverse KL', D, 'rkl'),
        ('JSD β=0.5', D, 'jsd'), ('skew KL α=0.1', D, 'skl'), ('forward KL, α=0.9 τ=2', D, 'kl-a0.9-t2')]
for loss, label in (('rkl', 'reverse KL'), ('jsd', 'JSD β=0.5')):
    for a, t in (('0.9', '1'), ('0.5', '2'), ('0.9', '2')):
        rows.append((f'{label}, α={a} τ={t}', D3, f'{loss}-a{a}-t{t}'))
rows += [('forward KL + hidden MSE (W=1, map 0:1,1:2,2:4,3:5), live teacher', D3, 'hidden-mse'),
         ('forward KL, live teacher', D3, 'kl-live')]
print('| model | parameters | TinyStories val loss | TinyStories val ppl | WikiText-2 ppl | wall seconds |')
print('|---|---:|---:|---:|---:|---:|')
for name, d, k in rows:
    if k is not None and not (os.path.exists(f'{d}/{k}.json') and os.path.getsize(f'{d}/{k}.json') > 0):
        continue
    wf = f'{d or D}/{k or "teacher"}.wiki.json'
    wiki = json.load(open(wf))['ppl'] if os.path.exists(wf) else float('nan')
    if k is None:
        j = json.load(open('/work/models/ts-5m.log.json'))
        v, params, secs = teacher_val, j['parameters'], j['seconds']
    else:
        j = json.load(open(f'{d}/{k}.json'))
        v, params, secs = j['val_loss'], j['parameters'], j['seconds']
    print(f'| {name} | {params:,} | {v:.4f} | {math.exp(v):.2f} | {wiki:.1f} | {secs:.0f} |')

# Validation loss at every evaluation (steps 100, 200, 300; same 20 held-out batches each time), for
# comparing a run that did not reach its last step with the others at the same point of the schedule.
print()
print('| model | val loss @100 | @200 | @300 |')
print('|---|---:|---:|---:|')
for name, d, k in rows[1:]:
    f = f'{d}/{k}/metrics.jsonl'
    if not os.path.exists(f):
        continue
    v = {j['step']: j['val_loss'] for j in map(json.loads, open(f)) if 'val_loss' in j}
    if not v:
        continue
    print(f'| {name} | ' + ' | '.join(f'{v[s]:.4f}' if s in v else '—' for s in (100, 200, 300)) + ' |')
