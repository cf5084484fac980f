#!/usr/bin/env python3
"""Summarises run.sh output (one or more runs, concatenated): per configuration, thread count and
Pith mode, median steady-state tokens/s of each engine (steps after the first SKIP of each
process), the Pith/PyTorch ratio of medians and the per-round ratios, tokens per CPU-second (the
process's CPU time, all threads: what a step costs, whatever share of the machine the scheduler
gave), model GFLOP/s, the fraction of the GEMM peak measured in the same runs (the higher of
torch.mm's and Pith's medians at that thread count), peak RSS. Usage: table.py < out.jsonl"""
import json
import statistics
import sys

SKIP = {"a": 30, "b": 2}
# dim, layers, ffn, vocab, block: FLOPs per token = 6·(matrix parameters incl. head) + causal attention 6·dim·(T+1) per layer
SHAPE = {"a": (128, 4, 352, 65, 64), "b": (384, 6, 1024, 4096, 256)}


def flops_per_token(cfg):
    d, layers, ffn, vocab, t = SHAPE[cfg]
    mm = layers * (4 * d * d + 3 * d * ffn) + vocab * d
    return 6 * mm + layers * 6 * d * (t + 1)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
loads = [r["loadavg"] for r in rows if "loadavg" in r]
gemm = {}
for th in sorted({r.get("threads") for r in rows if r.get("form") == "all"}):
    gemm[th] = {e: med([r["gflops"] for r in rows if r.get("form") == "all" and r.get("engine") == e and r.get("threads") == th])
                for e in ("pith", "torch")}
    print(f"GEMM, {th} thread(s) (9 training shapes, 2048 tokens), median of rounds: Pith {gemm[th]['pith']:.1f} GFLOP/s, "
          f"torch.mm {gemm[th]['torch']:.1f} GFLOP/s, ratio {gemm[th]['pith'] / gemm[th]['torch']:.2f}")
print(f"load average at each round: {loads}")
print()
print("| config | threads | Pith mode | engine | tokens/s (median) | steps | tokens per CPU-s | model GFLOP/s | of GEMM peak | peak RSS MB | live heap MB |")
print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
groups = sorted({(r["config"], r["threads"], r.get("mode", "")) for r in rows if "config" in r and "threads" in r})
for cfg, th, mode in groups:
    sel = [r for r in rows if r.get("config") == cfg and r.get("threads") == th and r.get("mode", "") == mode]
    meds = {}
    for e in ("pith", "torch"):
        steps = [r for r in sel if r.get("engine") == e and "step" in r and r["step"] >= SKIP[cfg]]
        if not steps:
            continue
        tps = [r["tokens_per_s"] for r in steps]
        cpu = [r["tokens_per_s"] * r["seconds"] / r["cpu_seconds"] for r in steps if r.get("cpu_seconds")]
        rss = [r["peak_rss_mb"] for r in sel if r.get("engine") == e and "peak_rss_mb" in r]
        live = [r["live_heap_mb"] for r in sel if r.get("engine") == e and "live_heap_mb" in r]
        chosen = sorted({r.get("parallel") for r in steps if r.get("parallel")})
        meds[e] = med(tps)
        by_round = {}
        for r in steps:
            by_round.setdefault(r["round"], []).append(r["tokens_per_s"])
        meds[e + "_rounds"] = {k: med(v) for k, v in by_round.items()}
        gf = meds[e] * flops_per_token(cfg) / 1e9
        peak = max(gemm.get(th, {"x": float("nan")}).values())
        name = e + (f" ({'/'.join(chosen)})" if chosen else "")
        print(f"| {cfg} | {th} | {mode or 'auto'} | {name} | {meds[e]:.0f} | {len(tps)} | {med(cpu):.0f} | {gf:.1f} | {gf / peak:.2f} | "
              f"{max(rss) if rss else float('nan'):.0f} | {max(live) if live else float('nan'):.0f} |")
    if "pith" in meds and "torch" in meds:
        per_round = [meds["pith_rounds"][k] / meds["torch_rounds"][k] for k in sorted(meds["pith_rounds"]) if k in meds["torch_rounds"]]
        print(f"| {cfg} | {th} | {mode or 'auto'} | **Pith / PyTorch** | **{meds['pith'] / meds['torch']:.2f}×** | | "
              f"per round: {', '.join(f'{x:.2f}' for x in per_round)} | | | | |")
