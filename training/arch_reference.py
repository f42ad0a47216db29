"""Independent reference for the architectures Bandscope loads besides the built-in LLaMA.

From its own seeded random weights this script WRITES tiny Hugging Face checkpoints
(config.json + model.safetensors, the tensor names and layouts transformers uses) and the
per-token NLL (float64, nats) of a fixed token sequence under each RoPE setting, computed by a
plain float64 PyTorch forward written here from the transformers modelling code:

  llama-tied     tied embeddings, only model.embed_tokens.weight saved
  llama3         rope_scaling llama3 in the config (run as trained)
  qwen2-bias     q/k/v biases
  qwen3-qknorm   explicit head_dim, per-head RMSNorm q_norm/k_norm before RoPE
  phi3-fused     fused qkv_proj and gate_up_proj
  mistral-hd     explicit head_dim != hidden/heads, sliding_window > the context
  phi3-partial   partial_rotary_factor 0.5 and longrope (short factors at 12 tokens, long at 24)

Output: cli/engine/testing/arch-fixtures/<case>/{config.json, model.safetensors} and
cli/engine/testing/arch-fixtures/reference.json. Run: /usr/bin/python3 training/arch_reference.py
"""
import json
import math
import os

import torch

from model import rope_params
from safetensors_io import save

OUT = os.path.join(os.path.dirname(__file__), "..", "cli", "engine", "testing", "arch-fixtures")
TOKENS = 24
VOCAB = 64
HIDDEN = 32

BASE = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=16,
            tie_word_embeddings=False, hidden_act="silu", torch_dtype="float32")


def case_configs():
    return {
        "llama-tied": dict(BASE, model_type="llama", architectures=["LlamaForCausalLM"], tie_word_embeddings=True),
        "llama3": dict(BASE, model_type="llama", architectures=["LlamaForCausalLM"], max_position_embeddings=128,
                       rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                         original_max_position_embeddings=16)),
        "qwen2-bias": dict(BASE, model_type="qwen2", architectures=["Qwen2ForCausalLM"], use_sliding_window=False, sliding_window=8),
        "qwen3-qknorm": dict(BASE, model_type="qwen3", architectures=["Qwen3ForCausalLM"], head_dim=16, attention_bias=False),
        "phi3-fused": dict(BASE, model_type="phi3", architectures=["Phi3ForCausalLM"], sliding_window=2047),
        "mistral-hd": dict(BASE, model_type="mistral", architectures=["MistralForCausalLM"], head_dim=16, sliding_window=32),
        "phi3-partial": dict(BASE, model_type="phi3", architectures=["Phi3ForCausalLM"], num_key_value_heads=4, partial_rotary_factor=0.5,
                             max_position_embeddings=64, original_max_position_embeddings=16,
                             rope_scaling=dict(type="longrope", short_factor=[1.0, 1.5], long_factor=[2.0, 6.0])),
    }


# RoPE settings per case: (method, factor, tokens). 'none' = the model's own RoPE.
SETTINGS = {
    "llama-tied": [("none", 1, TOKENS), ("linear", 2, TOKENS), ("yarn", 4, TOKENS)],
    "llama3": [("none", 1, TOKENS)],
    "qwen2-bias": [("none", 1, TOKENS), ("yarn", 4, TOKENS)],
    "qwen3-qknorm": [("none", 1, TOKENS), ("linear", 2, TOKENS)],
    "phi3-fused": [("none", 1, TOKENS), ("linear", 2, TOKENS)],
    "mistral-hd": [("none", 1, TOKENS), ("yarn", 4, TOKENS)],
    "phi3-partial": [("none", 1, TOKENS), ("none", 1, 12)],
}


def head_dim(cfg):
    return cfg.get("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])


def rotary_dim(cfg):
    return int(head_dim(cfg) * cfg.get("partial_rotary_factor", 1.0))


def llama3_inv_freq(cfg):
    """transformers _compute_llama3_parameters, float64."""
    rs = cfg["rope_scaling"]
    d = rotary_dim(cfg)
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    factor, low, high, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv
    out = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, out), 1.0


def longrope_inv_freq(cfg, seq_len):
    """transformers _compute_longrope_parameters + the dynamic long/short switch, float64."""
    rs = cfg["rope_scaling"]
    d = rotary_dim(cfg)
    orig = cfg["original_max_position_embeddings"]
    factor = cfg["max_position_embeddings"] / orig
    att = 1.0 if factor <= 1 else math.sqrt(1 + math.log(factor) / math.log(orig))
    ext = torch.tensor(rs["long_factor"] if seq_len > orig else rs["short_factor"], dtype=torch.float64)
    inv = 1.0 / (ext * cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    return inv, att


def rope_tables(cfg, method, factor, seq_len):
    """cos/sin [T, rotary_dim] float64, half-split (HF cat(freqs, freqs)), attention factor folded in."""
    d = rotary_dim(cfg)
    rs = cfg.get("rope_scaling")
    if method == "none" and rs is not None:
        kind = rs.get("rope_type", rs.get("type"))
        inv, att = llama3_inv_freq(cfg) if kind == "llama3" else longrope_inv_freq(cfg, seq_len)
    else:
        inv, att = rope_params("default" if method == "none" else method, factor, d, cfg["rope_theta"], cfg["max_position_embeddings"], seq_len)
    freqs = torch.arange(seq_len, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos() * att, emb.sin() * att


def make_weights(cfg, seed):
    """HF-named float32 tensors (stored) for one case."""
    g = torch.Generator().manual_seed(seed)
    h, hd = cfg["hidden_size"], head_dim(cfg)
    nq, nkv, inter = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd, cfg["intermediate_size"]

    def lin(rows, cols, scale=1.0):
        return torch.randn(rows, cols, generator=g) * (scale / math.sqrt(cols))

    def norm(n):
        return 1.0 + 0.2 * torch.randn(n, generator=g)

    # Tied: the embedding is also the output head, so keep its logits moderate.
    emb_std = 0.3 if cfg["tie_word_embeddings"] else 1.0
    w = {"model.embed_tokens.weight": emb_std * torch.randn(cfg["vocab_size"], h, generator=g), "model.norm.weight": norm(h)}
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = lin(cfg["vocab_size"], h, 2.0)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        # q/k scaled up so attention is far from uniform and RoPE matters.
        q, k, v = lin(nq, h, 3.0), lin(nkv, h, 3.0), lin(nkv, h)
        gate, up = lin(inter, h), lin(inter, h)
        if cfg["model_type"] == "phi3":
            w[p + "self_attn.qkv_proj.weight"] = torch.cat([q, k, v])
            w[p + "mlp.gate_up_proj.weight"] = torch.cat([gate, up])
        else:
            w.update({p + "self_attn.q_proj.weight": q, p + "self_attn.k_proj.weight": k, p + "self_attn.v_proj.weight": v,
                      p + "mlp.gate_proj.weight": gate, p + "mlp.up_proj.weight": up})
        w[p + "self_attn.o_proj.weight"] = lin(h, nq)
        w[p + "mlp.down_proj.weight"] = lin(h, inter)
        w[p + "input_layernorm.weight"] = norm(h)
        w[p + "post_attention_layernorm.weight"] = norm(h)
        if cfg["model_type"] == "qwen2":
            for name, n in (("q_proj", nq), ("k_proj", nkv), ("v_proj", nkv)):
                w[p + f"self_attn.{name}.bias"] = 0.5 * torch.randn(n, generator=g)
        if cfg["model_type"] == "qwen3":
            w[p + "self_attn.q_norm.weight"] = norm(hd)
            w[p + "self_attn.k_norm.weight"] = norm(hd)
    return {n: t.to(torch.float32) for n, t in w.items()}


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin, d):
    """x [heads, T, head_dim]; only the first d dims rotate (transformers partial rotary)."""
    rot, rest = x[..., :d], x[..., d:]
    return torch.cat([rot * cos + rotate_half(rot) * sin, rest], dim=-1)


def forward_nll(cfg, weights, ids, cos, sin):
    """Per-token NLL [T-1] float64 of ids[1:] (transformers eager attention, float64)."""
    w = {n: t.to(torch.float64) for n, t in weights.items()}
    eps, hd, d = cfg["rms_norm_eps"], head_dim(cfg), rotary_dim(cfg)
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    t = ids.shape[0]
    x = w["model.embed_tokens.weight"][ids]
    mask = torch.ones(t, t, dtype=torch.bool).triu(1)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        hs = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        if cfg["model_type"] == "phi3":
            # Phi3Attention: qkv = qkv_proj(x); q, k, v by row ranges.
            qkv = hs @ w[p + "self_attn.qkv_proj.weight"].T
            q, k, v = qkv[:, : nh * hd], qkv[:, nh * hd: (nh + nkv) * hd], qkv[:, (nh + nkv) * hd:]
        else:
            def proj(name):
                y = hs @ w[p + f"self_attn.{name}.weight"].T
                bias = w.get(p + f"self_attn.{name}.bias")
                return y if bias is None else y + bias
            q, k, v = proj("q_proj"), proj("k_proj"), proj("v_proj")
        q, k, v = (y.view(t, -1, hd).transpose(0, 1) for y in (q, k, v))
        if cfg["model_type"] == "qwen3":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = apply_rope(q, cos, sin, d), apply_rope(k, cos, sin, d)
        rep = nh // nkv
        k, v = k.repeat_interleave(rep, dim=0), v.repeat_interleave(rep, dim=0)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        sw = cfg.get("sliding_window") if cfg["model_type"] in ("mistral", "phi3") else None
        win = mask if sw is None else mask | torch.ones(t, t, dtype=torch.bool).tril(-sw)
        probs = torch.softmax(scores.masked_fill(win, float("-inf")), dim=-1)
        attn = (probs @ v).transpose(0, 1).reshape(t, nh * hd)
        x = x + attn @ w[p + "self_attn.o_proj.weight"].T
        hs = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        if cfg["model_type"] == "phi3":
            gu = hs @ w[p + "mlp.gate_up_proj.weight"].T
            gate, up = gu.chunk(2, dim=-1)
        else:
            gate, up = hs @ w[p + "mlp.gate_proj.weight"].T, hs @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    logits = rms_norm(x, w["model.norm.weight"], eps) @ head.T
    logp = torch.log_softmax(logits[:-1], dim=-1)
    return -logp.gather(-1, ids[1:, None])[:, 0]


def main():
    os.makedirs(OUT, exist_ok=True)
    ids = torch.randint(0, VOCAB, (TOKENS,), generator=torch.Generator().manual_seed(1234))
    reference = {"about": "training/arch_reference.py: float64 PyTorch forward of each checkpoint; nll[i] = -log p(token i+1 | tokens <= i), nats",
                 "tokens": ids.tolist(), "cases": {}}
    for seed, (name, cfg) in enumerate(case_configs().items()):
        weights = make_weights(cfg, 100 + seed)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as fh:
            json.dump(cfg, fh, indent=2)
        save(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})
        runs = []
        for method, factor, tokens in SETTINGS[name]:
            cos, sin = rope_tables(cfg, method, factor, tokens)
            nll = forward_nll(cfg, weights, ids[:tokens], cos, sin)
            runs.append({"method": method, "factor": factor, "tokens": tokens, "nll": nll.tolist()})
            print(f"{name:14s} {method:6s} x{factor} T={tokens}: mean NLL {nll.mean().item():.6f}")
        reference["cases"][name] = runs
    with open(os.path.join(OUT, "reference.json"), "w") as fh:
        json.dump(reference, fh, indent=1)


if __name__ == "__main__":
    main()
