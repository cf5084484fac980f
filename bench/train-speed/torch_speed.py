#!/usr/bin/env python3
"""Training tokens/s of PyTorch on the same configurations and work per step as TrainSpeed.java:
a Llama (RMSNorm, adjacent-pair RoPE, causal attention, SwiGLU, tied head), random tokens, full
optimizer steps (zero grads, forward, cross-entropy, backward, clip 1.0, AdamW). Run it at its best
(see run.sh): Debian /usr/bin/python3 torch, OpenBLAS-OpenMP, tcmalloc preloaded.
Usage: torch_speed.py CONFIG THREADS STEPS     (CONFIG a | b, as TrainSpeed.java)"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {  # dim, layers, heads, ffn, vocab, block, batch
    "a": (128, 4, 4, 352, 65, 64, 12),
    "b": (384, 6, 6, 1024, 4096, 256, 8),
}


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope(x, cos, sin):
    b, h, t, hd = x.shape
    xp = x.reshape(b, h, t, hd // 2, 2)
    x0, x1 = xp[..., 0], xp[..., 1]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).reshape(b, h, t, hd)


class Block(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(d, ffn, bias=False)
        self.up = nn.Linear(d, ffn, bias=False)
        self.down = nn.Linear(ffn, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(self.n1(x)).split(d, dim=2)
        q = rope(q.view(b, t, self.heads, hd).transpose(1, 2), cos, sin)
        k = rope(k.view(b, t, self.heads, hd).transpose(1, 2), cos, sin)
        v = v.view(b, t, self.heads, hd).transpose(1, 2)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(y)
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llama(nn.Module):
    def __init__(self, d, layers, heads, ffn, vocab, block):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, heads, ffn) for _ in range(layers))
        self.norm = RMSNorm(d)
        hd = d // heads
        inv = 10000.0 ** (-torch.arange(0, hd, 2).float() / hd)
        ang = torch.arange(block).float()[:, None] * inv[None, :]
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())
        self.register_buffer("mask", torch.triu(torch.ones(block, block, dtype=torch.bool), diagonal=1))
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.emb(idx)
        for blk in self.blocks:
            x = blk(x, self.cos[:t], self.sin[:t], self.mask[:t, :t])
        logits = self.norm(x) @ self.emb.weight.T
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    cfg, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    d, layers, heads, ffn, vocab, block, batch = CONFIGS[cfg]
    model = Llama(d, layers, heads, ffn, vocab, block)
    decay = [p for p in model.parameters() if p.dim() == 2 and p is not model.emb.weight]
    rest = [p for p in model.parameters() if not (p.dim() == 2 and p is not model.emb.weight)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99), foreach=True)
    n = batch * block
    for s in range(steps):
        idx = torch.randint(0, vocab, (batch, block))
        tgt = torch.randint(0, vocab, (batch, block))
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = model(idx, tgt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"engine": "torch", "config": cfg, "step": s, "seconds": round(sec, 5), "cpu_seconds": round(cpu, 5),
                          "tokens_per_s": round(n / sec, 1), "loss": round(loss.item(), 4)}), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"engine": "torch", "config": cfg, "peak_rss_mb": round(peak, 1),
                      "params": sum(p.numel() for p in model.parameters()),
                      "blas": torch.__config__.show().count("BLAS")}))


if __name__ == "__main__":
    main()
