#!/usr/bin/env python3
"""Markdown table from bench/lora/run.sh's results.jsonl (argument: that file)."""
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
full = next((r for r in rows if r["name"] == "full"), None)
base_ppl = math.exp(rows[0]["base_val_loss"])
print("| method | trainable params | share | held-out ppl (base %.2f) | share of full FT's ppl gain | share of full FT's loss gain | peak RSS MiB | base weights held MiB | trainable state MiB | tokens/s |" % base_ppl)
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    ppl = r["val_perplexity"]
    gain = "" if full is None else "%.0f%%" % (100 * (math.exp(r["base_val_loss"]) - ppl) / (base_ppl - full["val_perplexity"]))
    lgain = "" if full is None else "%.0f%%" % (100 * (r["base_val_loss"] - r["val_loss"]) / (full["base_val_loss"] - full["val_loss"]))
    print("| %s | %s | %.2f%% | %.2f | %s | %s | %.0f | %.1f | %.1f | %.0f |" % (r["name"], format(r["trainable_parameters"], ","), 100 * r["trainable_fraction"],
          ppl, gain, lgain, r["peak_rss_bytes"] / 2**20, r["base_weight_bytes"] / 2**20, r["trainable_state_bytes"] / 2**20, r["tokens_per_second"]))
