#!/usr/bin/env python3
"""PyTorch reference for Cohort's Llama-family step benchmark (io.cohort.lm.train.LlamaStepBenchmark).

One LoRA causal-LM fine-tuning step on a random-weight model of a real checkpoint's shape: frozen
Llama/Qwen2 decoder (RMSNorm, RoPE with llama3 scaling where the shape has it, grouped-query
attention, SwiGLU, q/k/v bias for Qwen2), LoRA r=16 alpha=32 on all seven linear layers of every
block, next-token cross-entropy through the tied output embedding over the whole vocabulary, AdamW.
The maths follows ../shared/tools/make_tiny_llama.py's `forward` (the golden-logit reference).
PyTorch as its users run it: eager mode, the BLAS it finds, float32 (the same precision as Cohort's
fp32 path), warmed up, the same thread count.

Usage: /usr/bin/python3 torch_llama_step.py --shape qwen2.5-0.5b|llama3.2-1b|tiny [--batch 4] [--seq 256]
       [--threads 2] [--warmup 2] [--reps 5]
Prints one JSON line: median step seconds, tokens/s, peak RSS (MiB).
"""
import argparse, json, math, resource, time
from blas_info import blas_libraries
import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {
    "qwen2.5-0.5b": dict(vocab=151936, d=896, inter=4864, layers=24, heads=14, kv=2, hd=64, eps=1e-6,
                         theta=1e6, scaling=None, bias=True),
    "llama3.2-1b": dict(vocab=128256, d=2048, inter=8192, layers=16, heads=32, kv=8, hd=64, eps=1e-5,
                        theta=5e5, scaling=dict(factor=32.0, low=1.0, high=4.0, orig=8192), bias=False),
    "tiny": dict(vocab=1000, d=64, inter=172, layers=2, heads=4, kv=2, hd=16, eps=1e-5, theta=1e4,
                 scaling=None, bias=False),
}


def inv_freq(s):
    hd = s["hd"]
    inv = 1.0 / (s["theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    rs = s["scaling"]
    if rs:
        low_wl, high_wl = rs["orig"] / rs["low"], rs["orig"] / rs["high"]
        wl = 2 * math.pi / inv
        scaled = torch.where(wl > low_wl, inv / rs["factor"], inv)
        smooth = (rs["orig"] / wl - rs["low"]) / (rs["high"] - rs["low"])
        mid = (1 - smooth) * scaled / rs["factor"] + smooth * scaled
        inv = torch.where(~(wl < high_wl) & ~(wl > low_wl), mid, scaled)
    return inv


class LoraLinear(nn.Module):
    def __init__(self, nin, nout, bias, r=16, alpha=32):
        super().__init__()
        self.weight = nn.Parameter((torch.rand(nout, nin) - 0.5) * 0.04, requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(nout), requires_grad=False) if bias else None
        self.lora_A = nn.Parameter(torch.empty(r, nin))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_B = nn.Parameter(torch.zeros(nout, r))
        self.scale = alpha / r

    def forward(self, x):
        return F.linear(x, self.weight, self.bias) + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scale


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rot_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class Block(nn.Module):
    def __init__(self, s):
        super().__init__()
        d, hd = s["d"], s["hd"]
        self.s = s
        self.q = LoraLinear(d, s["heads"] * hd, s["bias"])
        self.k = LoraLinear(d, s["kv"] * hd, s["bias"])
        self.v = LoraLinear(d, s["kv"] * hd, s["bias"])
        self.o = LoraLinear(s["heads"] * hd, d, False)
        self.gate = LoraLinear(d, s["inter"], False)
        self.up = LoraLinear(d, s["inter"], False)
        self.down = LoraLinear(s["inter"], d, False)
        self.n1 = nn.Parameter(torch.ones(d), requires_grad=False)
        self.n2 = nn.Parameter(torch.ones(d), requires_grad=False)

    def forward(self, x, cos, sin, mask):
        s = self.s
        b, t, _ = x.shape
        h = rms(x, self.n1, s["eps"])
        q = self.q(h).view(b, t, s["heads"], s["hd"]).transpose(1, 2)
        k = self.k(h).view(b, t, s["kv"], s["hd"]).transpose(1, 2)
        v = self.v(h).view(b, t, s["kv"], s["hd"]).transpose(1, 2)
        q = q * cos + rot_half(q) * sin
        k = k * cos + rot_half(k) * sin
        g = s["heads"] // s["kv"]
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(s["hd"])
        att = att.masked_fill(mask[:t, :t], float("-inf")).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o(o)
        h = rms(x, self.n2, s["eps"])
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self, s, seq):
        super().__init__()
        self.s = s
        self.embed = nn.Parameter((torch.rand(s["vocab"], s["d"]) - 0.5) * 0.04, requires_grad=False)
        self.blocks = nn.ModuleList([Block(s) for _ in range(s["layers"])])
        self.norm = nn.Parameter(torch.ones(s["d"]), requires_grad=False)
        pos = torch.arange(seq).float()
        freqs = torch.outer(pos, inv_freq(s))
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None])
        self.register_buffer("sin", emb.sin()[None, None])
        self.register_buffer("mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1))

    def forward(self, ids):
        x = self.embed[ids]
        for blk in self.blocks:
            x = blk(x, self.cos, self.sin, self.mask)
        x = rms(x, self.norm, self.s["eps"])
        return F.linear(x, self.embed)  # tied output embedding


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="tiny", choices=SHAPES)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--bf16", action="store_true",
                    help="run the step under torch.autocast('cpu', bfloat16): oneDNN's BF16 products")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    s = SHAPES[a.shape]
    m = Model(s, a.seq)
    params = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    ids = torch.randint(0, s["vocab"], (a.batch, a.seq))
    times = []
    for i in range(a.warmup + a.reps):
        t0 = time.perf_counter()
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            logits = m(ids)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, s["vocab"]), ids[:, 1:].reshape(-1))
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"impl": "pytorch " + torch.__version__ + (" bf16-autocast" if a.bf16 else ""), "shape": a.shape, "mode": "plain", "batch": a.batch,
                      "seq": a.seq, "threads": a.threads, "trainable": sum(p.numel() for p in params),
                      "loss": round(loss.item(), 4), "step_s": round(med, 4), "step_s_min": round(times[0], 4),
                      "step_s_max": round(times[-1], 4), "tokens_per_s": round(a.batch * a.seq / med, 1),
                      "peak_rss_mb": rss, "blas": blas_libraries()}))


if __name__ == "__main__":
    main()
