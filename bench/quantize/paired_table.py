#!/usr/bin/env python3
"""The markdown table of bench/quantize/paired.sh's OUTDIR/paired.jsonl: per file its perplexity and KL
divergence from F32, per pair ln(PPL(budget)/PPL(uniform)) with the standard error of the paired run.
The point estimate comes from the two exact perplexities: the paired run's own ratio leans on the
uniform file's base rows, which keep a correct token more than 16 nats under the top only at that
floor (PPL(base) too low, the ratio too high by a few 1e-4 where the pair's floor count is not 0).
Usage: paired_table.py OUTDIR/paired.jsonl [MORE.jsonl ...]"""
import json
import math
import sys

rows = [json.loads(l) for f in sys.argv[1:] for l in open(f) if l.strip()]
files = {r["label"].split(" vs ")[0]: r for r in rows if r.get("label", "").endswith(" vs F32")}
print("| budget vs uniform | budget bpw | uniform bpw | budget ppl | uniform ppl | KLD budget | KLD uniform | "
      "ln(PPL budget / PPL uniform) ± paired s.e. | in standard errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for i, r in enumerate(rows):
    if "files" not in r:
        continue
    pair = next((p for p in rows[i + 1:] if p.get("label", "").startswith("budget") and " vs F32" not in p["label"]), None)
    if pair is None:
        continue  # a pair still being measured
    b, u = pair["label"].split(" vs ")
    fb, fu = files[b], files[u]
    ln = math.log(fb["ppl"] / fu["ppl"])
    z = ln / pair["ln_ratio_err"]
    print(f"| {r['files']} | {r['budget_bpw']:.3f} | {r['uniform_bpw']:.3f} | {fb['ppl']:.4f} | {fu['ppl']:.4f} | "
          f"{fb['kld']:.5f} ± {fb['kld_err']:.5f} | {fu['kld']:.5f} ± {fu['kld_err']:.5f} | "
          f"{ln:+.5f} ± {pair['ln_ratio_err']:.5f} | {z:+.1f} |")
