"""The built-in model: a LLaMA-architecture byte-level LM, written to match
Hugging Face `LlamaForCausalLM` exactly (so its weights load anywhere), plus
the RoPE position-interpolation tables and the RTN quantizer that the engine's
reference fixture is computed with.

Runs on PyTorch 1.13 (Debian) and 2.x: no scaled_dot_product_attention.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 256
    hidden_size: int = 256
    intermediate_size: int = 768
    num_hidden_layers: int = 6
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    head_dim: int = 64
    max_position_embeddings: int = 256
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    tie_word_embeddings: bool = False

    def hf_config(self) -> dict:
        return {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "head_dim": self.head_dim,
            "max_position_embeddings": self.max_position_embeddings,
            "rope_theta": self.rope_theta,
            "rope_scaling": None,
            "rms_norm_eps": self.rms_norm_eps,
            "hidden_act": "silu",
            "attention_bias": False,
            "mlp_bias": False,
            "attention_dropout": 0.0,
            "tie_word_embeddings": self.tie_word_embeddings,
            "bos_token_id": None,
            "eos_token_id": None,
            "torch_dtype": "float32",
            "initializer_range": 0.02,
        }


# ---------------------------------------------------------------- RoPE tables

def default_inv_freq(rotary_dim: int, base: float) -> torch.Tensor:
    """inv_freq[rotary_dim/2], rad/token, float64 for the reference."""
    return 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.float64) / rotary_dim))


def rope_params(method: str, factor: float, rotary_dim: int, base: float, trained_len: int, seq_len: int):
    """(inv_freq float64 [rotary_dim/2], attention_factor) with transformers-5 semantics.

    method: default | linear | ntk | dynamic | yarn. trained_len is
    max_position_embeddings of the original model (= original window L0).
    """
    d = rotary_dim
    if method == "default":
        return default_inv_freq(d, base), 1.0
    if method == "linear":
        return default_inv_freq(d, base) / factor, 1.0
    if method == "ntk":
        return default_inv_freq(d, base * factor ** (d / (d - 2))), 1.0
    if method == "dynamic":
        # HF: the dynamic layer keeps max_position_embeddings = trained_len here.
        seq = max(seq_len, trained_len)
        b2 = base * (factor * seq / trained_len - (factor - 1)) ** (d / (d - 2))
        return default_inv_freq(d, b2), 1.0
    if method == "yarn":
        beta_fast, beta_slow = 32.0, 1.0

        def corr_dim(n_rot: float) -> float:
            return (d * math.log(trained_len / (n_rot * 2 * math.pi))) / (2 * math.log(base))

        low = max(math.floor(corr_dim(beta_fast)), 0)
        high = min(math.ceil(corr_dim(beta_slow)), d - 1)
        if low == high:
            high += 0.001
        idx = torch.arange(d // 2, dtype=torch.float64)
        ramp = torch.clamp((idx - low) / (high - low), 0, 1)
        extrap = default_inv_freq(d, base)
        interp = extrap / factor
        inv = interp * ramp + extrap * (1 - ramp)
        att = 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0
        return inv, att
    raise ValueError(f"unknown rope method {method}")


def cos_sin(inv_freq: torch.Tensor, attention_factor: float, positions: torch.Tensor):
    """cos/sin [T, head_dim] in the half-split layout, float32 like HF (freqs in fp32)."""
    freqs = positions.to(torch.float32)[:, None] * inv_freq.to(torch.float32)[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos() * attention_factor, emb.sin() * attention_factor


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


# ---------------------------------------------------------------- the network

class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        h, kv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        self.q_proj = nn.Linear(cfg.hidden_size, h * hd, bias=False)
        self.k_proj = nn.Linear(cfg.hidden_size, kv * hd, bias=False)
        self.v_proj = nn.Linear(cfg.hidden_size, kv * hd, bias=False)
        self.o_proj = nn.Linear(h * hd, cfg.hidden_size, bias=False)
        self.taps = None  # when a dict, forward stores pre/post-RoPE q and k here

    def forward(self, x, cos, sin, dropout: float = 0.0):
        cfg = self.cfg
        b, t, _ = x.shape
        h, kv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        q = self.q_proj(x).view(b, t, h, hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, kv, hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, kv, hd).transpose(1, 2)
        q_rot = q * cos + rotate_half(q) * sin
        k_rot = k * cos + rotate_half(k) * sin
        if self.taps is not None:
            self.taps.update(q_pre=q.detach(), k_pre=k.detach(), q_post=q_rot.detach(), k_post=k_rot.detach())
        rep = h // kv
        k_rep = k_rot.repeat_interleave(rep, dim=1)
        v_rep = v.repeat_interleave(rep, dim=1)
        scores = torch.matmul(q_rot, k_rep.transpose(-1, -2)) / math.sqrt(hd)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
        probs = F.softmax(scores.float(), dim=-1).to(q.dtype)
        if dropout > 0:
            probs = F.dropout(probs, dropout, True)
        out = torch.matmul(probs, v_rep).transpose(1, 2).reshape(b, t, h * hd)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, dropout: float = 0.0):
        a = self.self_attn(self.input_layernorm(x), cos, sin, dropout)
        if dropout > 0:
            a = F.dropout(a, dropout, True)
        x = x + a
        m = self.mlp(self.post_attention_layernorm(x))
        if dropout > 0:
            m = F.dropout(m, dropout, True)
        return x + m


class Inner(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    """Parameter names equal HF's: model.embed_tokens.weight, model.layers.N...., lm_head.weight."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.model = Inner(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        for block in self.model.layers:  # GPT-2 style: residual writers start small
            nn.init.normal_(block.self_attn.o_proj.weight, std=0.02 / math.sqrt(2 * cfg.num_hidden_layers))
            nn.init.normal_(block.mlp.down_proj.weight, std=0.02 / math.sqrt(2 * cfg.num_hidden_layers))

    def forward(self, ids, cos=None, sin=None, dropout: float = 0.0):
        """ids [B, T] int64 -> logits [B, T, V] float32. cos/sin [T, head_dim] (default RoPE if None)."""
        if cos is None:
            inv = default_inv_freq(self.cfg.head_dim, self.cfg.rope_theta)
            cos, sin = cos_sin(inv, 1.0, torch.arange(ids.shape[1]))
        cos, sin = cos.to(ids.device), sin.to(ids.device)
        x = self.model.embed_tokens(ids)
        for block in self.model.layers:
            x = block(x, cos, sin, dropout)
        return self.lm_head(self.model.norm(x))


def token_nll(model: LlamaForCausalLM, ids: torch.Tensor, cos=None, sin=None) -> torch.Tensor:
    """ids [B, T] -> NLL [B, T-1] (nats) of token t+1 given tokens <= t."""
    logits = model(ids, cos, sin).float()
    logp = F.log_softmax(logits[:, :-1], dim=-1)
    return -logp.gather(-1, ids[:, 1:, None])[..., 0]


# ---------------------------------------------------------------- RTN (SPEC §3)

def rtn_fake_quant(w: torch.Tensor, bits: int, group: int, symmetric: bool) -> torch.Tensor:
    """w [out, in] float32 -> dequantized w, groups of `group` input channels per row.

    Rounding is torch.round (half to even); the engine's quantizer uses the same rule.
    """
    out_f, in_f = w.shape
    g = in_f if group <= 0 else group
    if in_f % g:
        raise ValueError(f"in_features {in_f} not divisible by group {g}")
    x = w.reshape(out_f, in_f // g, g).to(torch.float32)
    if symmetric:
        qmax = 2 ** (bits - 1) - 1
        s = x.abs().amax(-1, keepdim=True) / qmax
        s = torch.where(s == 0, torch.ones_like(s), s)
        q = torch.clamp(torch.round(x / s), -qmax - 1, qmax)
        y = q * s
    else:
        qmax = 2 ** bits - 1
        mx, mn = x.amax(-1, keepdim=True), x.amin(-1, keepdim=True)
        s = torch.clamp(mx - mn, min=1e-5) / qmax
        z = torch.clamp(torch.round(-mn / s), 0, qmax)
        q = torch.clamp(torch.round(x / s) + z, 0, qmax)
        y = (q - z) * s
    return y.reshape(out_f, in_f)


DECODER_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def quantize_decoder_linears_(model: LlamaForCausalLM, bits: int, group: int, symmetric: bool) -> None:
    """In place: every linear of every decoder block (never embeddings or lm_head)."""
    with torch.no_grad():
        for name, mod in model.named_modules():
            if isinstance(mod, nn.Linear) and name.split(".")[-1] in DECODER_LINEARS and ".layers." in f".{name}":
                mod.weight.copy_(rtn_fake_quant(mod.weight, bits, group, symmetric))
