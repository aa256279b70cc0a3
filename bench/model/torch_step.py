#!/usr/bin/env python3
"""PyTorch reference for Cohort's model benchmark: one LoRA fine-tuning step of GPT-2.

Same step as io.cohort.lm.train.ModelStepBenchmark: frozen GPT-2 (Hugging Face conventions:
Conv1D y = x W + b, gelu_new, pre-norm, causal attention), LoRA r=8 alpha=16 on c_attn, a linear
head over the mean of the final hidden states, cross-entropy, AdamW. Batch of full-length
sequences. Random weights (speed does not depend on their values).

Usage: /usr/bin/python3 torch_step.py --shape tiny|small [--batch 16] [--seq 128] [--threads 2] [--bf16] [--causal]
Prints one JSON line: median step seconds and tokens/s.
"""
import argparse, json, math, time
from blas_info import blas_libraries
import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {"tiny": dict(vocab=50257, pos=256, d=64, layers=4, heads=4),
          "small": dict(vocab=50257, pos=1024, d=768, layers=12, heads=12)}


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Conv1D(nn.Module):
    def __init__(self, nin, nout):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nin, nout) * 0.02, requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(nout), requires_grad=False)

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class LoraConv1D(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        nin, nout = base.weight.shape
        self.lora_A = nn.Linear(nin, r, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        self.lora_B = nn.Linear(r, nout, bias=False)
        nn.init.zeros_(self.lora_B.weight)
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scale


class Block(nn.Module):
    def __init__(self, d, heads, r, alpha):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = LoraConv1D(Conv1D(d, 3 * d), r, alpha)
        self.c_proj = Conv1D(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = Conv1D(d, 4 * d)
        self.mlp_proj = Conv1D(4 * d, d)
        for p in list(self.ln_1.parameters()) + list(self.ln_2.parameters()):
            p.requires_grad = False

    def forward(self, x, mask):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = [z.view(b, t, self.heads, hd).transpose(1, 2) for z in (q, k, v)]
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)
        s = s.masked_fill(mask[:t, :t], float("-inf"))
        o = torch.matmul(F.softmax(s, dim=-1), v).transpose(1, 2).reshape(b, t, d)
        x = x + self.c_proj(o)
        return x + self.mlp_proj(gelu_new(self.c_fc(self.ln_2(x))))


class Model(nn.Module):
    def __init__(self, s, r=8, alpha=16, labels=2):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(s["vocab"], s["d"]) * 0.02, requires_grad=False)
        self.wpe = nn.Parameter(torch.randn(s["pos"], s["d"]) * 0.01, requires_grad=False)
        self.h = nn.ModuleList([Block(s["d"], s["heads"], r, alpha) for _ in range(s["layers"])])
        self.ln_f = nn.LayerNorm(s["d"], eps=1e-5)
        for p in self.ln_f.parameters():
            p.requires_grad = False
        self.score = nn.Linear(s["d"], labels)
        self.register_buffer("mask", torch.triu(torch.ones(s["pos"], s["pos"], dtype=torch.bool), 1))

    def hidden(self, ids):
        t = ids.shape[1]
        x = self.wte[ids] + self.wpe[:t]
        for blk in self.h:
            x = blk(x, self.mask)
        return self.ln_f(x)

    def causal_lm_loss(self, ids):
        # Next-token loss through the tied output layer over the whole vocabulary (Cohort's `causal` mode).
        x = self.hidden(ids)[:, :-1].reshape(-1, self.wte.shape[1])
        return F.cross_entropy(x @ self.wte.t(), ids[:, 1:].reshape(-1))

    def forward(self, ids, lengths):
        t = ids.shape[1]
        x = self.hidden(ids)
        real = (torch.arange(t)[None, :] < lengths[:, None]).float()
        pooled = (x * real[:, :, None]).sum(1) / lengths[:, None].float()
        return self.score(pooled)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="tiny", choices=SHAPES)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--bf16", action="store_true",
                    help="forward and loss under torch.autocast('cpu', bfloat16) (oneDNN's BF16 kernels)")
    ap.add_argument("--causal", action="store_true",
                    help="next-token loss over the whole vocabulary instead of the classification head")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    s = SHAPES[a.shape]
    m = Model(s)
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=2e-3)
    ids = torch.randint(0, s["vocab"], (a.batch, a.seq))
    lengths = torch.full((a.batch,), a.seq)
    labels = torch.randint(0, 2, (a.batch,))
    times = []
    for i in range(a.warmup + a.reps):
        t0 = time.perf_counter()
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            loss = m.causal_lm_loss(ids) if a.causal else F.cross_entropy(m(ids, lengths), labels)
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    print(json.dumps({"impl": "pytorch " + torch.__version__ + (" bf16-autocast" if a.bf16 else ""), "mode": "causal" if a.causal else "plain", "shape": a.shape, "batch": a.batch, "seq": a.seq,
                      "threads": a.threads, "step_s": med, "tokens_per_s": a.batch * a.seq / med,
                      "blas": blas_libraries()}))


if __name__ == "__main__":
    main()
