#!/usr/bin/env python3
"""Table from bench/prune/sparse_speed.sh output: medians over rounds, sparse/dense ratios per round."""
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r['file'], {}).setdefault(r['sparse'], {})[r['round']] = r
print("| model | sparse matrices | block-matrix bytes: dense | sparse | ratio | prompt t/s: dense | sparse | ratio | decode t/s: dense | sparse | ratio | rounds |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for f, modes in by.items():
    off, on = modes['off'], modes['auto']
    rounds = sorted(set(off) & set(on))
    med = lambda m, k: st.median(m[i][k] for i in rounds)
    ratio = lambda k: st.median(on[i][k] / off[i][k] for i in rounds)
    b0, b1 = off[rounds[0]]['block_matrix_bytes'], on[rounds[0]]['block_matrix_bytes']
    print(f"| {f.split('/')[-1]} | {on[rounds[0]]['sparse_matrices']} | {b0:,} | {b1:,} | {b1 / b0:.3f} | "
          f"{med(off, 'prompt_tokens_per_second'):.0f} | {med(on, 'prompt_tokens_per_second'):.0f} | {ratio('prompt_tokens_per_second'):.2f}× | "
          f"{med(off, 'gen_tokens_per_second'):.0f} | {med(on, 'gen_tokens_per_second'):.0f} | {ratio('gen_tokens_per_second'):.2f}× | {len(rounds)} |")
