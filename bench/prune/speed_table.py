#!/usr/bin/env python3
"""Medians over rounds of bench/prune/speed.sh output."""
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r['file'], []).append(r)
print("| model file | weight bytes | prompt t/s (median) | generation t/s (median) | rounds |")
print("|---|---|---|---|---|")
for f, rs in by.items():
    print(f"| {f.split('/')[-1]} | {rs[0]['weight_bytes']:,} | {st.median(r['prompt_tokens_per_second'] for r in rs):.0f} | "
          f"{st.median(r['gen_tokens_per_second'] for r in rs):.0f} | {len(rs)} |")
