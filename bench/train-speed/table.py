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
print("| config | engine | tokens/s (median) | steps | model GFLOP/s | of GEMM peak | peak RSS MB | live heap MB |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for cfg in ("a", "b"):
    med = {}
    for e, mode in (("pith", ""), ("torch", ""), ("pith", "recompute")):
        sel = [r for r in rows if r.get("config") == cfg and r.get("engine") == e and r.get("mode", "") == mode]
        tps = [r["tokens_per_s"] for r in sel if "step" in r and r["step"] >= SKIP[cfg]]
        rss = [r["peak_rss_mb"] for r in sel if "peak_rss_mb" in r]
        live = [r["live_heap_mb"] for r in sel if "live_heap_mb" in r]
        if not tps:
            continue
        name = e + (" --recompute" if mode else "")
        med[name] = statistics.median(tps)
        gf = med[name] * flops_per_token(cfg) / 1e9
        lv = f"{max(live):.0f}" if live else "–"
        print(f"| {cfg} | {name} | {med[name]:.0f} | {len(tps)} | {gf:.1f} | {gf / peak:.2f} | {max(rss) if rss else float('nan'):.0f} | {lv} |")
    if "pith" in med and "torch" in med:
        print(f"| {cfg} | **Pith / PyTorch** | **{med['pith'] / med['torch']:.2f}×** | | | | | |")
