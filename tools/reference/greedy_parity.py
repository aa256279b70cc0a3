#!/usr/bin/env python3
"""PyTorch greedy decoding over Cohort's test checkpoints (issue 17's generation parity check).

For each model folder (GPT-2: config.json + model.safetensors with Conv1D weights; Llama family:
the from-scratch forward pass of peft_parity.py / shared/tools/make_tiny_llama.py), takes a prompt
of token ids from the folder's golden.json (held-out Reuters text, tokenised by the model's own
tokenizer when the checkpoint was made) and decodes NEW greedy tokens (argmax of the last position's
logits, no stop token) twice: without a cache (the whole sequence re-run at every step, the
definition) and with a key/value cache (each step runs only the newest token); the two must agree
or the script fails. It records the tokens and, at each step, the gap between the best and the
second-best logit, so a reader can see how far from a tie each choice was (a gap of 1e-3 or more
is far beyond float32 rounding differences between two implementations).

Usage:
  /usr/bin/python3 greedy_parity.py OUT_JSON MODEL_DIR...        # the fixture
  /usr/bin/python3 greedy_parity.py --bench MODEL_DIR THREADS    # decode tokens/s (one JSON line)

Needs only torch and numpy (Debian's python3-torch); no transformers/safetensors packages.
"""
import json, math, os, subprocess, sys, time
import numpy as np, torch, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peft_parity import read_safetensors, inv_freq_of, rms, rot_half  # noqa: E402

NEW = 32
PROMPT = 24


def load(model_dir):
    cfg = json.load(open(os.path.join(model_dir, 'config.json')))
    W = read_safetensors(os.path.join(model_dir, 'model.safetensors'))
    if cfg['model_type'] == 'gpt2':
        W = {k[len('transformer.'):] if k.startswith('transformer.') else k: v for k, v in W.items()}
    return cfg, W


def prompt_of(model_dir, cfg):
    ids = json.load(open(os.path.join(model_dir, 'golden.json')))['input_ids']
    if cfg['model_type'] == 'gpt2':
        # from the end-of-text token that separates two stories: the start of a new story
        at = ids.index(50256)
        return ids[at:at + PROMPT]
    return ids[:PROMPT]


# ---- GPT-2 (transformers' modeling_gpt2 in eval mode: Conv1D y = x W + b, gelu_new, tied head) ----

def gpt2_step(W, cfg, ids, cache, past):
    """Logits [T, vocab] of ids at positions past..; cache: per layer [k, v] lists of [H, T, hd] or None."""
    D, H, L = cfg['n_embd'], cfg['n_head'], cfg['n_layer']; hd = D // H; eps = cfg['layer_norm_epsilon']
    T = len(ids)
    idx = torch.tensor(ids)
    x = W['wte.weight'][idx] + W['wpe.weight'][past:past + T]
    for i in range(L):
        p = f'h.{i}.'
        a = F.layer_norm(x, (D,), W[p + 'ln_1.weight'], W[p + 'ln_1.bias'], eps)
        qkv = a @ W[p + 'attn.c_attn.weight'] + W[p + 'attn.c_attn.bias']
        q, k, v = (t.view(T, H, hd).transpose(0, 1) for t in qkv.split(D, dim=-1))
        if cache is not None:
            if cache[i] is not None:
                k = torch.cat((cache[i][0], k), 1); v = torch.cat((cache[i][1], v), 1)
            cache[i] = (k, v)
        S = k.shape[1]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        mask = torch.arange(S)[None, :] <= (torch.arange(T)[:, None] + past)
        att = att.masked_fill(~mask, float('-inf')).softmax(-1)
        o = (att @ v).transpose(0, 1).reshape(T, D)
        x = x + o @ W[p + 'attn.c_proj.weight'] + W[p + 'attn.c_proj.bias']
        m = F.layer_norm(x, (D,), W[p + 'ln_2.weight'], W[p + 'ln_2.bias'], eps)
        f = m @ W[p + 'mlp.c_fc.weight'] + W[p + 'mlp.c_fc.bias']
        f = 0.5 * f * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (f + 0.044715 * torch.pow(f, 3.0))))
        x = x + f @ W[p + 'mlp.c_proj.weight'] + W[p + 'mlp.c_proj.bias']
    x = F.layer_norm(x, (D,), W['ln_f.weight'], W['ln_f.bias'], eps)
    return x @ W['wte.weight'].t()


# ---- Llama family (the maths of make_tiny_llama.py's forward, with a cache) ----

def llama_step(W, cfg, ids, cache, past):
    D = cfg['hidden_size']; H = cfg['num_attention_heads']; KV = cfg['num_key_value_heads']
    hd = cfg.get('head_dim') or D // H; eps = cfg['rms_norm_eps']; T = len(ids)
    inv = inv_freq_of(cfg, hd)
    fr = torch.outer(torch.arange(past, past + T).float(), inv); emb = torch.cat((fr, fr), -1)
    cos, sin = emb.cos(), emb.sin()
    x = W['model.embed_tokens.weight'][torch.tensor(ids)]
    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}.'
        h = rms(x, W[p + 'input_layernorm.weight'], eps)

        def proj(n, heads):
            y = h @ W[p + f'self_attn.{n}_proj.weight'].t()
            if p + f'self_attn.{n}_proj.bias' in W:
                y = y + W[p + f'self_attn.{n}_proj.bias']
            return y.view(T, heads, hd).transpose(0, 1)
        q, k, v = proj('q', H), proj('k', KV), proj('v', KV)
        if p + 'self_attn.q_norm.weight' in W:
            q = rms(q, W[p + 'self_attn.q_norm.weight'], eps); k = rms(k, W[p + 'self_attn.k_norm.weight'], eps)
        q = q * cos + rot_half(q) * sin; k = k * cos + rot_half(k) * sin
        if cache is not None:
            if cache[i] is not None:
                k = torch.cat((cache[i][0], k), 1); v = torch.cat((cache[i][1], v), 1)
            cache[i] = (k, v)
        S = k.shape[1]
        k = k.repeat_interleave(H // KV, dim=0); v = v.repeat_interleave(H // KV, dim=0)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        mask = torch.arange(S)[None, :] <= (torch.arange(T)[:, None] + past)
        att = att.masked_fill(~mask, float('-inf')).softmax(-1, dtype=torch.float32).to(q.dtype)
        x = x + (att @ v).transpose(0, 1).reshape(T, H * hd) @ W[p + 'self_attn.o_proj.weight'].t()
        h2 = rms(x, W[p + 'post_attention_layernorm.weight'], eps)
        g = h2 @ W[p + 'mlp.gate_proj.weight'].t(); u = h2 @ W[p + 'mlp.up_proj.weight'].t()
        x = x + (F.silu(g) * u) @ W[p + 'mlp.down_proj.weight'].t()
    x = rms(x, W['model.norm.weight'], eps)
    head = W['model.embed_tokens.weight'] if cfg.get('tie_word_embeddings') else W['lm_head.weight']
    return x @ head.t()


def step_fn(cfg):
    return gpt2_step if cfg['model_type'] == 'gpt2' else llama_step


def layers(cfg):
    return cfg['n_layer'] if cfg['model_type'] == 'gpt2' else cfg['num_hidden_layers']


@torch.no_grad()
def greedy(W, cfg, prompt, new, cached):
    """Greedy tokens, each step's top-1 minus top-2 logit gap, prefill and decode seconds."""
    step = step_fn(cfg)
    seq = list(prompt); out, gaps = [], []
    cache = [None] * layers(cfg) if cached else None
    t0 = time.perf_counter(); t1 = t0
    nxt = list(prompt)
    for s in range(new):
        if cached:
            logits = step(W, cfg, nxt, cache, len(seq) - len(nxt))[-1]
        else:
            logits = step(W, cfg, seq, None, 0)[-1]
        if s == 0:
            t1 = time.perf_counter()
        top = torch.topk(logits, 2)
        tok = int(top.indices[0])
        gaps.append(float(top.values[0] - top.values[1]))
        out.append(tok); seq.append(tok); nxt = [tok]
    t2 = time.perf_counter()
    return out, gaps, t1 - t0, t2 - t1


def fixture(out_path, dirs):
    torch.set_num_threads(1)
    models = {}
    for d in dirs:
        cfg, W = load(d)
        prompt = prompt_of(d, cfg)
        ref, gaps, _, _ = greedy(W, cfg, prompt, NEW, cached=False)
        cached, _, _, _ = greedy(W, cfg, prompt, NEW, cached=True)
        if cached != ref:
            raise SystemExit(f'{d}: cached and uncached PyTorch greedy decoding disagree: {cached} vs {ref}')
        models[os.path.basename(os.path.normpath(d))] = {
            'model_type': cfg['model_type'], 'prompt': prompt, 'tokens': ref,
            'min_gap': min(gaps), 'gaps': [round(g, 6) for g in gaps]}
        print(f'{d}: {ref[:8]}... min top-1/top-2 gap {min(gaps):.4g}', file=sys.stderr)
    try:
        commit = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True,
                                cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        commit = ''
    prov = {'script': 'tools/reference/greedy_parity.py', 'torch': torch.__version__, 'numpy': np.__version__,
            'commit_when_generated': commit,
            'method': f'greedy argmax of the last position, {NEW} new tokens, no stop token; prompt: '
                      f'{PROMPT} ids of golden.json input_ids (GPT-2: from its first end-of-text id); '
                      'weights as stored (F16/BF16 widened to float32), float32 maths; '
                      'uncached and KV-cached PyTorch loops agree'}
    with open(out_path, 'w') as f:
        json.dump({'provenance': prov, 'new_tokens': NEW, 'models': models}, f, indent=1)
        f.write('\n')


def bench(model_dir, threads):
    torch.set_num_threads(threads)
    cfg, W = load(model_dir)
    prompt = prompt_of(model_dir, cfg)
    greedy(W, cfg, prompt, 8, cached=True)  # warm up
    rates = []
    for _ in range(5):
        toks, _, pre, dec = greedy(W, cfg, prompt, NEW, cached=True)
        rates.append((NEW - 1) / dec)
    print(json.dumps({'model': os.path.basename(os.path.normpath(model_dir)), 'threads': threads,
                      'prompt_tokens': len(prompt), 'new_tokens': NEW,
                      'decode_tokens_per_second_median': sorted(rates)[len(rates) // 2],
                      'decode_tokens_per_second_all': [round(r, 1) for r in rates]}))


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == '--bench':
        bench(sys.argv[2], int(sys.argv[3]))
    else:
        fixture(sys.argv[1], sys.argv[2:])
