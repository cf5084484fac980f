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
    wt, ts = (rows[0]["evals"][0], rows[0]["evals"][1])
    print(f"\n**{name}** (dense: WikiText-2 {wt['ppl_before']:.2f}, TinyStories held-out {ts['ppl_before']:.2f}; "
          f"{rows[0]['params_before']:,} parameters, {rows[0]['bytes_before']:,} bytes)\n")
    print("| pruning | params after | bytes after | matrix sparsity | WikiText-2 ppl | TinyStories ppl | after recovery: WikiText-2 | after recovery: TinyStories | recovery steps | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        w, t = r["evals"][0], r["evals"][1]
        # Sparsity of the seven block matrices (equal-sized layers, so the mean of the per-layer figures).
        sp = sum(l["sparsity"] for l in r["layers"]) / len(r["layers"]) if "method" in r else None
        rec = r.get("recovery", {}).get("steps")
        print(f"| {r['tag']} | {r['params_after']:,} | {r['bytes_after']:,} | {'—' if sp is None else f'{sp:.4f}'} | "
              f"{fmt(w['ppl_after'])} | {fmt(t['ppl_after'])} | {fmt(w.get('ppl_after_recovery'))} | {fmt(t.get('ppl_after_recovery'))} | "
              f"{rec or '—'} | {r['seconds']:.0f} |")
