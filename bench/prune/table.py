#!/usr/bin/env python3
"""Markdown tables from bench/prune/run.sh's results.jsonl files (one per model)."""
import json, sys

def fmt(x):
    return "—" if x is None else f"{x:.2f}"

for path in sys.argv[1:]:
    rows = [json.loads(l) for l in open(path)]
    if not rows:
        continue
    name = rows[0]["name"]
    wt, ts = (rows[0]["eval"][0], rows[0]["eval"][1])
    print(f"\n**{name}** (dense: WikiText-2 {wt['ppl_before']:.2f}, TinyStories held-out {ts['ppl_before']:.2f}; "
          f"{rows[0]['params_before']:,} parameters, {rows[0]['bytes_before']:,} bytes)\n")
    print("| pruning | params after | bytes after | matrix sparsity | WikiText-2 ppl | TinyStories ppl | after recovery: WikiText-2 | after recovery: TinyStories | recovery steps | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        w, t = r["eval"][0], r["eval"][1]
        sp = r.get("matrix_sparsity_after_recovery", r.get("matrix_sparsity"))
        rec = r.get("recovery", {}).get("steps")
        print(f"| {r['tag']} | {r['params_after']:,} | {r['bytes_after']:,} | {'—' if sp is None else f'{sp:.4f}'} | "
              f"{fmt(w['ppl_after'])} | {fmt(t['ppl_after'])} | {fmt(w.get('ppl_after_recovery'))} | {fmt(t.get('ppl_after_recovery'))} | "
              f"{rec or '—'} | {r['seconds']:.0f} |")
