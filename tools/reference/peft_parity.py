#!/usr/bin/env python3
"""PyTorch reference for a PEFT LoRA adapter on a Llama-family checkpoint (issue 16's parity check).

Loads a Hugging Face checkpoint folder (config.json + model.safetensors, F32 or BF16) and a PEFT
adapter folder (adapter_config.json + adapter_model.safetensors, keys as PEFT writes them:
base_model.model.<module>.lora_A.weight [r, in] and .lora_B.weight [out, r]), applies
W' = W + (lora_alpha / r) * B @ A to every module the adapter names -- the merge PEFT's
merge_and_unload() performs for nn.Linear layers -- and runs the from-scratch forward pass of
shared/tools/make_tiny_llama.py (copied below unchanged in its maths: float32 RMSNorm, rotate-half RoPE
with llama3 scaling, GQA, SwiGLU, optional q/k/v bias and q/k norm, tied embeddings) on the token ids of
INPUT_JSON. Writes, as JSON, the logits of every position at a fixed set of vocabulary columns (the
first 256 ids and 256 more drawn with a seeded generator; the whole [T, vocab] matrix would be tens of
megabytes), and each position's argmax and maximum over the whole vocabulary.

Usage: /usr/bin/python3 peft_parity.py MODEL_DIR ADAPTER_DIR INPUT_JSON OUT_JSON
Needs only torch and numpy (Debian's python3-torch); no transformers/peft/safetensors packages.
"""
import json, math, struct, sys
import numpy as np, torch, torch.nn.functional as F


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in hdr.items():
        if k == '__metadata__':
            continue
        a, b = v['data_offsets']
        raw = data[a:b]
        if v['dtype'] == 'F32':
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).copy())
        elif v['dtype'] == 'BF16':
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.int16).copy()).view(torch.bfloat16).float()
        elif v['dtype'] == 'F16':
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.float16).copy()).float()
        else:
            raise SystemExit(f'{path}: tensor {k} has dtype {v["dtype"]}; F32, F16 or BF16 expected')
        out[k] = t.reshape(v['shape'])
    return out


def inv_freq_of(cfg, head_dim):
    inv = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    rs = cfg.get('rope_scaling')
    if rs and (rs.get('rope_type') or rs.get('type')) == 'llama3':
        factor, lo, hi, old = rs['factor'], rs['low_freq_factor'], rs['high_freq_factor'], rs['original_max_position_embeddings']
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        inv_l = torch.where(wl > lo_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wl < hi_wl) * ~(wl > lo_wl)
        inv = torch.where(medium, smoothed, inv_l)
    return inv


def rms(x, w, eps):
    dt = x.dtype; x = x.float()
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return w * x.to(dt)


def rot_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


def forward(W, cfg, idx):
    B, T = idx.shape; D = cfg['hidden_size']; H = cfg['num_attention_heads']; KV = cfg['num_key_value_heads']
    hd = cfg.get('head_dim') or D // H; eps = cfg['rms_norm_eps']
    inv = inv_freq_of(cfg, hd)
    fr = torch.outer(torch.arange(T).float(), inv); emb = torch.cat((fr, fr), -1); cos, sin = emb.cos(), emb.sin()
    x = W['model.embed_tokens.weight'][idx]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}.'
        h = rms(x, W[p + 'input_layernorm.weight'], eps)

        def proj(n, heads):
            y = h @ W[p + f'self_attn.{n}_proj.weight'].t()
            if p + f'self_attn.{n}_proj.bias' in W: y = y + W[p + f'self_attn.{n}_proj.bias']
            return y.view(B, T, heads, hd).transpose(1, 2)
        q, k, v = proj('q', H), proj('k', KV), proj('v', KV)
        if p + 'self_attn.q_norm.weight' in W:
            q = rms(q, W[p + 'self_attn.q_norm.weight'], eps); k = rms(k, W[p + 'self_attn.k_norm.weight'], eps)
        q = q * cos + rot_half(q) * sin; k = k * cos + rot_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1); v = v.repeat_interleave(H // KV, dim=1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        att = att.masked_fill(~causal, float('-inf')).softmax(-1, dtype=torch.float32).to(q.dtype)
        o = (att @ v).transpose(1, 2).reshape(B, T, H * hd) @ W[p + 'self_attn.o_proj.weight'].t()
        x = x + o
        h2 = rms(x, W[p + 'post_attention_layernorm.weight'], eps)
        g = h2 @ W[p + 'mlp.gate_proj.weight'].t(); u = h2 @ W[p + 'mlp.up_proj.weight'].t()
        x = x + (F.silu(g) * u) @ W[p + 'mlp.down_proj.weight'].t()
    x = rms(x, W['model.norm.weight'], eps)
    head = W['model.embed_tokens.weight'] if cfg['tie_word_embeddings'] else W['lm_head.weight']
    return x @ head.t()


def apply_adapter(W, adapter_dir):
    acfg = json.load(open(f'{adapter_dir}/adapter_config.json'))
    if acfg.get('fan_in_fan_out'):
        raise SystemExit('fan_in_fan_out adapters are GPT-2 Conv1D layers; this reference is for nn.Linear')
    scale = acfg['lora_alpha'] / acfg['r']
    A = read_safetensors(f'{adapter_dir}/adapter_model.safetensors')
    prefix = 'base_model.model.'
    modules = sorted({k[len(prefix):].rsplit('.lora_', 1)[0] for k in A if '.lora_A.' in k})
    if not modules:
        raise SystemExit(f'{adapter_dir}: no lora_A tensors')
    for m in modules:
        a = A[f'{prefix}{m}.lora_A.weight']; b = A[f'{prefix}{m}.lora_B.weight']
        W[f'{m}.weight'] = W[f'{m}.weight'] + scale * (b @ a)
    return modules, scale


def main():
    model_dir, adapter_dir, input_json, out_json = sys.argv[1:5]
    cfg = json.load(open(f'{model_dir}/config.json'))
    W = read_safetensors(f'{model_dir}/model.safetensors')
    modules, scale = apply_adapter(W, adapter_dir)
    ids = json.load(open(input_json))['ids']
    with torch.no_grad():
        logits = forward(W, cfg, torch.tensor([ids]))[0]
    vocab = logits.shape[1]
    g = torch.Generator().manual_seed(20261206)
    cols = sorted(set(range(min(256, vocab))) | set(torch.randint(0, vocab, (256,), generator=g).tolist()))
    json.dump({'generator': 'tools/reference/peft_parity.py, torch ' + torch.__version__,
               'modules': len(modules), 'scale': scale, 'ids': ids, 'columns': cols,
               'logits': [[float(row[c]) for c in cols] for row in logits],
               'argmax': [int(row.argmax()) for row in logits],
               'row_max': [float(row.max()) for row in logits]}, open(out_json, 'w'))
    print(f'{len(modules)} modules merged at scale {scale}; logits {tuple(logits.shape)} -> {out_json}')


if __name__ == '__main__':
    main()
