#!/usr/bin/env python3
"""Markdown tables from round4.sh's results.jsonl files (one or more, same model).
   table4.py results.jsonl [more.jsonl ...]
Two tables: TinyStories held-out and WikiText-2 perplexity, a column per method, in parentheses
the change from F32; a row's bytes/bpw are RTN's, and a method whose file has another size
(llama.cpp's imatrix Q4_0 gives the first ffn_down layers Q4_1) is marked with its bpw."""
import json, sys

rows = {}
for f in sys.argv[1:]:
    for line in open(f):
        line = line.strip()
        if line.startswith('{'):
            o = json.loads(line)
            rows[(o['type'], o['method'])] = o  # later lines replace earlier ones
f32 = rows.get(('F32', '-'))
order = ['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q5_K_S', 'Q5_1', 'Q5_0', 'Q4_K_M', 'Q4_K_S', 'Q4_1', 'Q4_0',
         'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'Q2_K']
methods = ['rtn', 'imatrix', 'gptq', 'awq']


def cell(o, key, ref):
    if o is None:
        return '—'
    s = '%.3f' % o[key] if o[key] < 100 else '%.2f' % o[key]
    if ref is not None and o is not ref:
        s += ' (%+.3f)' % (o[key] - ref[key])
    return s


for key, title in (('tinystories_ppl', 'TinyStories held-out'), ('wikitext_ppl', 'WikiText-2')):
    print('\n%s perplexity:\n' % title)
    print('| type | bytes | bits/weight | RTN | imatrix | GPTQ | AWQ |')
    print('|---|---|---|---|---|---|---|')
    for t in order:
        base = rows.get((t, 'rtn')) or (f32 if t == 'F32' else None)
        if base is None:
            continue
        cells = []
        for m in methods:
            o = base if t == 'F32' and m == 'rtn' else rows.get((t, m))
            c = cell(o, key, f32)
            if o is not None and o is not base and o['bytes'] != base['bytes']:
                c += ' [%.2f bpw]' % o['bpw']
            cells.append(c)
        print('| %s | {:,} | %.2f | %s |'.format(base['bytes']) % (t, base['bpw'], ' | '.join(cells)))
