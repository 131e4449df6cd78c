#!/usr/bin/python3
"""Dynamic evaluation of a built-in model, measured before building it.

Runs a Llama-family Hugging Face model directory (lmzip-base) over a file's
tokens cut into lanes as the lmzip writer cuts them (at most 16 lanes, at
least 4096 tokens each), all lanes advancing in lockstep with a KV cache
that slides like the default level's (keep the start token and the newest
KEEP-1 positions when the 1024-position window is full). With -lr, after
every SEG steps the summed code length of the segment's tokens (all lanes)
is back-propagated through the segment (the cache of earlier segments is a
constant) and the weights take one Adam step: dynamic evaluation (Krause
et al. 2018, 2019). Every step's logits are written (float16) in the dump
format of `go run ./scripts/ablation -dump`, so that
`go run ./scripts/ablation -replay DUMP` measures what lmzip's mixer makes
of them. Needs Debian's python3-torch and python3-numpy (apt-get install).

usage: dyneval.py MODEL_DIR TOKENS.i32 FILE_BYTES DUMP [-lr LR] [-seg SEG]
       [-keep KEEP] [-threads N]
TOKENS.i32: the file's tokens as int32, from `go run ./scripts/dyneval -tokens OUT FILE`.
"""
import argparse, json, math, struct, sys, time

import numpy as np
import torch


def load(path):
    f = open(path, 'rb')
    n = struct.unpack('<Q', f.read(8))[0]
    head = json.loads(f.read(n))
    data = f.read()
    out = {}
    for k, v in head.items():
        if k == '__metadata__':
            continue
        a, b = v['data_offsets']
        dt = {'BF16': torch.bfloat16, 'F16': torch.float16, 'F32': torch.float32}[v['dtype']]
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=dt).reshape(v['shape']).float()
    return out


ap = argparse.ArgumentParser()
ap.add_argument('model'); ap.add_argument('tokens'); ap.add_argument('size', type=int); ap.add_argument('dump')
ap.add_argument('-lr', type=float, default=0.0)
ap.add_argument('-seg', type=int, default=32)
ap.add_argument('-keep', type=int, default=256)
ap.add_argument('-lane', type=int, default=4096)
ap.add_argument('-params', default='all', help='comma-separated substrings of the tensors to adapt')
ap.add_argument('-threads', type=int, default=2)
ap.add_argument('-mlp-only', action='store_true', help='back-propagate through the MLPs and norms only (attention outputs are constants)')
a = ap.parse_args()
torch.set_num_threads(a.threads)

cfg = json.load(open(a.model + '/config.json'))
P = {k: torch.nn.Parameter(v) for k, v in load(a.model + '/model.safetensors').items()}
L, H, D = cfg['num_hidden_layers'], cfg['num_attention_heads'], cfg['head_dim']
G = cfg.get('num_key_value_heads', H)
eps, theta, W = cfg['rms_norm_eps'], cfg.get('rope_theta', 10000.0), 1024
inv = 1.0 / (theta ** (torch.arange(0, D, 2).float() / D))


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, pos):
    f = pos[:, None].float() * inv[None, :]
    c, s = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
    return x * c + torch.cat([-x[..., D // 2:], x[..., :D // 2]], -1) * s


def forward(tok, cache):
    """tok [B,T]; cache: per layer (k, v) [B,G,n,D] of earlier positions,
    keys not yet rotated. Returns logits [B,T,V] and the new entries."""
    B, T = tok.shape
    n = cache[0][0].shape[2] if cache else 0
    x = P['model.embed_tokens.weight'][tok]
    pos = torch.arange(n + T)
    mask = torch.full((T, n + T), float('-inf')).triu(n + 1)
    new = []
    for l in range(L):
        p = f'model.layers.{l}.'
        h = rms(x, P[p + 'input_layernorm.weight'])
        q = (h @ P[p + 'self_attn.q_proj.weight'].T).view(B, T, H, D).transpose(1, 2)
        k = (h @ P[p + 'self_attn.k_proj.weight'].T).view(B, T, G, D).transpose(1, 2)
        v = (h @ P[p + 'self_attn.v_proj.weight'].T).view(B, T, G, D).transpose(1, 2)
        new.append((k.detach(), v.detach()))
        if cache:
            k = torch.cat([cache[l][0], k], 2)
            v = torch.cat([cache[l][1], v], 2)
        k = rope(k, pos)
        q = rope(q, pos[n:])
        if G != H:
            k, v = k.repeat_interleave(H // G, 1), v.repeat_interleave(H // G, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + mask, -1) @ v
        ao = att.transpose(1, 2).reshape(B, T, H * D) @ P[p + 'self_attn.o_proj.weight'].T
        x = x + (ao.detach() if a.mlp_only else ao)
        h = rms(x, P[p + 'post_attention_layernorm.weight'])
        x = x + (torch.nn.functional.silu(h @ P[p + 'mlp.gate_proj.weight'].T) * (h @ P[p + 'mlp.up_proj.weight'].T)) @ P[p + 'mlp.down_proj.weight'].T
    x = rms(x, P['model.norm.weight'])
    head = P.get('lm_head.weight', P['model.embed_tokens.weight'])
    return x @ head.T, new


toks = np.fromfile(a.tokens, dtype=np.int32).astype(np.int64)
nl = max(1, min(16, len(toks) // a.lane))
size = (len(toks) + nl - 1) // nl
lanes = [toks[i:i + size] for i in range(0, len(toks), size)]
B = len(lanes)
V = cfg['vocab_size']
params = [v for k, v in P.items() if a.params == 'all' or any(s in k for s in a.params.split(','))]
opt = torch.optim.Adam(params, lr=a.lr) if a.lr > 0 else None

out = open(a.dump, 'wb')
out.write(struct.pack('<3i', V, B, a.size))
# Per lane: its cache (per layer k, v of shape [1,G,n,D]); lanes of equal
# cache length and segment length run as one batch.
caches = [None] * B
bits, t0, longest = 0.0, time.time(), max(len(l) for l in lanes)
for s0 in range(0, longest, a.seg):
    groups = {}
    for i, l in enumerate(lanes):
        if s0 >= len(l):
            continue
        if caches[i] is None:
            feed = np.concatenate([[0], l[s0:s0 + a.seg]])  # start token
        else:
            feed = l[s0 - 1:s0 + a.seg]  # the previous token, then the segment but its last
            n = caches[i][0][0].shape[2]
            if n + len(feed) > W:  # slide: keep the start token and the newest keep-1
                caches[i] = [(k[:, :, [0] + list(range(n - a.keep + 1, n))], v[:, :, [0] + list(range(n - a.keep + 1, n))]) for k, v in caches[i]]
        seg = l[s0:s0 + a.seg]
        inp = feed[:len(seg)]
        ncache = 0 if caches[i] is None else caches[i][0][0].shape[2]
        groups.setdefault((ncache, len(seg)), []).append((i, inp, seg))
    logits_of, loss = {}, 0.0
    for (ncache, T), g in groups.items():
        idx = [i for i, _, _ in g]
        tok = torch.tensor(np.stack([inp for _, inp, _ in g]))
        tgt = torch.tensor(np.stack([seg for _, _, seg in g]))
        cache = None
        if ncache:
            cache = [(torch.cat([caches[i][l][0] for i in idx]), torch.cat([caches[i][l][1] for i in idx])) for l in range(L)]
        with torch.set_grad_enabled(opt is not None):
            lg, new = forward(tok, cache)
            lossg = torch.nn.functional.cross_entropy(lg.reshape(-1, V), tgt.reshape(-1), reduction='sum')
        loss = loss + lossg
        bits += lossg.item() / math.log(2)
        for j, i in enumerate(idx):
            ent = [(k[j:j + 1], v[j:j + 1]) for k, v in new]
            caches[i] = ent if caches[i] is None else [(torch.cat([c[0], e[0]], 2), torch.cat([c[1], e[1]], 2)) for c, e in zip(caches[i], ent)]
            logits_of[i] = (lg[j].detach().numpy().astype(np.float16), tgt[j].numpy())
    # The dump: step by step, the active lanes in order.
    T = max(len(v[1]) for v in logits_of.values())
    for t in range(T):
        act = [i for i in sorted(logits_of) if t < len(logits_of[i][1])]
        out.write(struct.pack('<i', len(act)))
        for i in act:
            out.write(struct.pack('<2i', i, int(logits_of[i][1][t])))
            out.write(logits_of[i][0][t].tobytes())
    if opt is not None:
        opt.zero_grad()
        (loss / sum(len(v[1]) for v in logits_of.values())).backward()
        opt.step()
    if s0 // a.seg % 20 == 0:
        print(f'step {s0}/{longest} {bits / 8:.0f} bytes so far, {time.time() - t0:.0f} s', file=sys.stderr, flush=True)
out.close()
print(f'lr {a.lr} seg {a.seg} keep {a.keep} lanes {B}: model alone {bits / 8:.0f} bytes, {bits / a.size:.4f} bits per byte, {time.time() - t0:.0f} s')
