#!/usr/bin/env python3
"""Summarises run.sh output: per config, median steady-state tokens/s of each engine (steps after
the first SKIP of each process), the Pith/PyTorch ratio, model GFLOP/s, the fraction of the GEMM
peak measured in the same run (torch.mm on the step's shapes), peak RSS. Usage: table.py < out.jsonl"""
import json
import statistics
import sys

SKIP = {"a": 30, "b": 3}
# dim, layers, ffn, vocab, block: FLOPs per token = 6·(matrix parameters incl. head) + causal attention 6·dim·(T+1) per layer
SHAPE = {"a": (128, 4, 352, 65, 64), "b": (384, 6, 1024, 4096, 256)}


def flops_per_token(cfg):
    d, layers, ffn, vocab, t = SHAPE[cfg]
    mm = layers * (4 * d * d + 3 * d * ffn) + vocab * d
    return 6 * mm + layers * 6 * d * (t + 1)


rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
loads = [r["loadavg"] for r in rows if "loadavg" in r]
gemm = {e: statistics.median([r["gflops"] for r in rows if r.get("form") == "all" and r.get("engine") == e] or [float("nan")])
        for e in ("pith", "torch")}
peak = max(gemm.values())
print(f"GEMM (9 training shapes, 2048 tokens), median of rounds: Pith {gemm['pith']:.1f} GFLOP/s, "
      f"torch.mm {gemm['torch']:.1f} GFLOP/s, ratio {gemm['pith'] / gemm['torch']:.2f}")
print(f"load average at each round: {loads}")
print()
print("| config | engine | tokens/s (median) | steps | model GFLOP/s | of GEMM peak | peak RSS MB |")
print("|---|---|---:|---:|---:|---:|---:|")
for cfg in ("a", "b"):
    med = {}
    for e in ("pith", "torch"):
        tps = [r["tokens_per_s"] for r in rows if r.get("config") == cfg and r.get("engine") == e and "step" in r and r["step"] >= SKIP[cfg]]
        rss = [r["peak_rss_mb"] for r in rows if r.get("config") == cfg and r.get("engine") == e and "peak_rss_mb" in r]
        if not tps:
            continue
        med[e] = statistics.median(tps)
        gf = med[e] * flops_per_token(cfg) / 1e9
        print(f"| {cfg} | {e} | {med[e]:.0f} | {len(tps)} | {gf:.1f} | {gf / peak:.2f} | {max(rss):.0f} |")
    if len(med) == 2:
        print(f"| {cfg} | **Pith / PyTorch** | **{med['pith'] / med['torch']:.2f}×** | | | | |")
