#!/usr/bin/env python3
"""PyTorch reference for the learning acceptance of issue 5 (compare with bench/model/learning.sh).

Fine-tunes examples/text/tiny-gpt2-reuters with the recipe: LoRA r=8, alpha=16 on c_attn (A
Kaiming-uniform as PEFT, B zero), a linear head (nn.Linear default init) over the mean of the final
hidden states of real tokens, cross-entropy (batch mean), AdamW lr 2e-3 (betas 0.9/0.999, eps 1e-8,
weight decay 0.01), batch 16 reshuffled every epoch, 128 tokens, 4 epochs; then ROC AUC, F1 and
accuracy on the test stories. Token ids come from Cohort's tokenizer (TokenIdsExport), so both sides
see the same ids. --dropout P adds GPT-2's embedding/attention/residual dropout (not in Cohort).
--init DIR replays a Cohort run written by TrajectoryExport: its LoRA A matrices, head and batch
order replace PyTorch's own draws, and every step's batch loss goes to DIR/torch-losses.txt.

Usage: /usr/bin/python3 torch_learning.py MODEL_DIR TRAIN_IDS.jsonl TEST_IDS.jsonl --seed 42 [--threads 1]
"""
import argparse, json, math, struct, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dt = {"F16": np.float16, "F32": np.float32}[e["dtype"]]
        a, b = e["data_offsets"]
        out[name.removeprefix("transformer.")] = torch.from_numpy(
            np.frombuffer(data[a:b], dtype=dt).astype(np.float32).reshape(e["shape"]).copy())
    return out


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class LoraConv1D(nn.Module):
    def __init__(self, w, b, r, alpha):
        super().__init__()
        self.w, self.b = w, b
        nin, nout = w.shape
        self.lora_A = nn.Linear(nin, r, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        self.lora_B = nn.Linear(r, nout, bias=False)
        nn.init.zeros_(self.lora_B.weight)
        self.scale = alpha / r

    def forward(self, x):
        return torch.addmm(self.b, x.reshape(-1, x.shape[-1]), self.w).view(*x.shape[:-1], -1) \
            + self.lora_B(self.lora_A(x)) * self.scale


class Model(nn.Module):
    def __init__(self, t, cfg, r, alpha, dropout):
        super().__init__()
        self.t, self.heads, self.eps, self.p = t, cfg["n_head"], cfg["layer_norm_epsilon"], dropout
        self.attn = nn.ModuleList([LoraConv1D(t[f"h.{i}.attn.c_attn.weight"], t[f"h.{i}.attn.c_attn.bias"], r, alpha)
                                   for i in range(cfg["n_layer"])])
        self.score = nn.Linear(cfg["n_embd"], 2)

    def ln(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.t[name + ".weight"], self.t[name + ".bias"], self.eps)

    def lin(self, x, name):
        return x @ self.t[name + ".weight"] + self.t[name + ".bias"]

    def forward(self, ids, lengths):
        b, n = ids.shape
        t = self.t
        d = t["wte.weight"].shape[1]
        hd = d // self.heads
        drop = lambda z: F.dropout(z, self.p, self.training)
        x = drop(t["wte.weight"][ids] + t["wpe.weight"][:n])
        mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
        for i, attn in enumerate(self.attn):
            q, k, v = attn(self.ln(x, f"h.{i}.ln_1")).split(d, dim=2)
            q, k, v = [z.view(b, n, self.heads, hd).transpose(1, 2) for z in (q, k, v)]
            s = (q @ k.transpose(-1, -2) / math.sqrt(hd)).masked_fill(mask, float("-inf"))
            o = (drop(F.softmax(s, dim=-1)) @ v).transpose(1, 2).reshape(b, n, d)
            x = x + drop(self.lin(o, f"h.{i}.attn.c_proj"))
            x = x + drop(self.lin(gelu_new(self.lin(self.ln(x, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc")), f"h.{i}.mlp.c_proj"))
        x = self.ln(x, "ln_f")
        real = (torch.arange(n)[None, :] < lengths[:, None]).float()
        return self.score((x * real[:, :, None]).sum(1) / lengths[:, None].float())


def read(path):
    rows = [json.loads(l) for l in open(path)]
    return [r["ids"] for r in rows], [r["label"] for r in rows]


def batch(seqs, idx, pad=50256):
    n = max(len(seqs[i]) for i in idx)
    ids = torch.full((len(idx), n), pad, dtype=torch.long)
    for j, i in enumerate(idx):
        ids[j, :len(seqs[i])] = torch.tensor(seqs[i])
    return ids, torch.tensor([len(seqs[i]) for i in idx])


def roc_auc(scores, labels):
    order = np.argsort(scores, kind="mergesort")
    s = np.asarray(scores)[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    y = np.asarray(labels)[order]
    pos = y.sum()
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--init", help="folder written by TrajectoryExport: replay its init and order")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t = load_safetensors(a.model + "/model.safetensors")
    cfg = json.load(open(a.model + "/config.json"))
    m = Model(t, cfg, 8, 16, a.dropout)
    order = None
    if a.init:
        init = json.load(open(a.init + "/init.json"))
        with torch.no_grad():
            for i, attn in enumerate(m.attn):
                w = torch.tensor(init["lora_A"][f"transformer.h.{i}.attn.c_attn"]).view_as(attn.lora_A.weight)
                attn.lora_A.weight.copy_(w)
            m.score.weight.copy_(torch.tensor(init["score.weight"]).view_as(m.score.weight))
            m.score.bias.copy_(torch.tensor(init["score.bias"]).view_as(m.score.bias))
        order = json.load(open(a.init + "/order.json"))
        step_losses = open(a.init + "/torch-losses.txt", "w")
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=a.lr, weight_decay=0.01)
    xs, ys = read(a.train)
    start = time.time()
    m.train()
    for epoch in range(a.epochs):
        perm = order[epoch] if order else torch.randperm(len(xs)).tolist()
        total = 0.0
        for s in range(0, len(xs), 16):
            idx = perm[s:s + 16]
            ids, lengths = batch(xs, idx)
            loss = F.cross_entropy(m(ids, lengths), torch.tensor([ys[i] for i in idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            if order:
                step_losses.write(f"{loss.item()}\n")
        last = total / len(xs)
    m.eval()
    tx, ty = read(a.test)
    probs = []
    with torch.no_grad():
        for s in range(0, len(tx), 32):
            ids, lengths = batch(tx, list(range(s, min(len(tx), s + 32))))
            probs += F.softmax(m(ids, lengths), dim=-1)[:, 1].tolist()
    pred = [int(p > 0.5) for p in probs]
    tp = sum(1 for p, y in zip(pred, ty) if p == 1 and y == 1)
    f1 = 2 * tp / max(1, sum(pred) + sum(ty))
    print(json.dumps({"impl": "pytorch " + torch.__version__, "seed": a.seed, "dropout": a.dropout,
                      "final_epoch_loss": round(last, 4), "roc_auc": round(float(roc_auc(probs, ty)), 4),
                      "f1": round(f1, 4), "accuracy": round(sum(int(p == y) for p, y in zip(pred, ty)) / len(ty), 4),
                      "seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    main()
