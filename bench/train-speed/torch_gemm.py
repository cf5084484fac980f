#!/usr/bin/env python3
"""GFLOP/s of torch.mm (OpenBLAS) on the shapes GemmBench.java times, same forms (A·Bᵀ, A·B, Aᵀ·B
through transposed views, as autograd calls them), median of REPEATS.
Usage: torch_gemm.py THREADS ROWS REPEATS"""
import json
import sys
import time

import torch

threads, rows, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
shapes = [("nt", rows, 384, 384), ("nt", rows, 1024, 384), ("nt", rows, 4096, 384),
          ("nn", rows, 384, 1024), ("nn", rows, 384, 384), ("nn", rows, 384, 4096),
          ("tn", 1024, 384, rows), ("tn", 384, 1024, rows), ("tn", 384, 384, rows)]
total_f = total_s = 0.0
for form, m, n, k in shapes:
    a = torch.rand(k, m) if form == "tn" else torch.rand(m, k)
    b = torch.rand(n, k) if form == "nt" else torch.rand(k, n)
    c = torch.empty(m, n)
    op = {"nt": lambda: torch.mm(a, b.t(), out=c), "nn": lambda: torch.mm(a, b, out=c),
          "tn": lambda: torch.mm(a.t(), b, out=c)}[form]
    for _ in range(3):
        op()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        op()
        ts.append(time.perf_counter() - t0)
    med = sorted(ts)[repeats // 2]
    f = 2.0 * m * n * k
    total_f += f
    total_s += med
    print(json.dumps({"engine": "torch", "form": form, "m": m, "n": n, "k": k, "threads": threads, "gflops": round(f / med / 1e9, 1)}))
print(json.dumps({"engine": "torch", "form": "all", "threads": threads, "gflops": round(total_f / total_s / 1e9, 1)}))
