"""Independent PyTorch reference for `npm run bench:scale`: per-token NLL and tokens/s of a LLaMA
checkpoint (Hugging Face folder: config.json + model.safetensors or shards with
model.safetensors.index.json; F32/F16/BF16 weights, read as float32), CPU eager, float32.

Written from the transformers LlamaForCausalLM definition (modeling_llama.py), standalone (no
transformers, no safetensors package, nothing from this repository):
  LlamaRMSNorm      w * (x * rsqrt(mean(x^2) + eps))
  rotary            half-split rotate_half, cos/sin of cat(freqs, freqs); rope_scaling llama3 by
                    transformers' _compute_llama3_parameters (default RoPE otherwise). The angles
                    position * inv_freq are formed in float64 and rounded to float32 once (transformers
                    multiplies in float32; float64 is the closer value of the same formula).
  attention         q/k/v/o projections, GQA (query head h reads KV head h // (heads / kv_heads),
                    transformers repeat_kv), causal softmax(q k^T / sqrt(head_dim)) v, float32
  MLP               down(silu(gate(x)) * up(x))
  head              final RMSNorm, lm_head (the embedding when tie_word_embeddings), log-softmax in
                    float64; NLL of token t+1 given tokens 0..t, for t = 0..C-2 (C - 1 predictions).

--quant rtn:w<bits>g<group|ch><a|s> fake-quantizes every decoder linear (q,k,v,o,gate,up,down; never
embeddings or lm_head) first, with the same float32 steps and rounding as lib/quant/rtn.ts
(llm-awq pseudo_quantize_tensor): per row, groups of `group` consecutive input channels;
asymmetric s = max(max - min, float32(1e-5)) / (2^b - 1), z = clamp(round(-min / s), 0, 2^b - 1),
q = clamp(round(w / s) + z, 0, 2^b - 1), w' = (q - z) * s; symmetric s = absmax / (2^(b-1) - 1)
(s = 0 -> 1), q = clamp(round(w / s), -2^(b-1), 2^(b-1) - 1), w' = q * s. round = torch.round:
ties to even, the rule lib/quant/round.ts roundHalfEven implements.

Input ids: --ids FILE (a JSON array of token ids) or --text FILE for a byte-level model (token id =
byte, the first bytes of the file). Each context C in --contexts runs one window: ids[0:C].
Prints one JSON object on stdout. Run with /usr/bin/python3 (torch 1.13 there).
"""
import argparse
import json
import math
import mmap
import os
import re
import sys
import time

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
DECODER_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def read_safetensors(path, keep):
    """{name: float32 tensor} of one safetensors file (header: u64 LE length, JSON)."""
    out = {}
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)  # writable view: torch.frombuffer warns on read-only buffers
    n = int.from_bytes(mm[:8], "little")
    header = json.loads(mm[8:8 + n])
    base = 8 + n
    for name, info in header.items():
        if name == "__metadata__" or not keep(name):
            continue
        if info["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {info['dtype']}; only F32, F16, BF16 are read")
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        count = (end - begin) // torch.tensor([], dtype=dtype).element_size()
        raw = torch.frombuffer(mm, dtype=dtype, count=count, offset=base + begin) if count > 0 else torch.empty(0, dtype=dtype)
        out[name] = raw.to(torch.float32, copy=True).reshape(info["shape"])  # own memory, not the mapping
    return out


def load_weights(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    else:
        shards = ["model.safetensors"]
    weights = {}
    for shard in shards:
        weights.update(read_safetensors(os.path.join(folder, shard), lambda _n: True))
    return weights


def parse_rtn(spec):
    m = re.fullmatch(r"rtn:w(\d+)g(\d+|ch)([as])", spec)
    if not m:
        raise SystemExit(f"--quant {spec!r}: expected none or rtn:w<bits>g<group|ch><a|s>, e.g. rtn:w4g32a")
    return int(m.group(1)), (0 if m.group(2) == "ch" else int(m.group(2))), m.group(3) == "s"


def rtn_fake_quant(w, bits, group, symmetric):
    """w [out, in] float32 -> dequantized float32, every step a float32 tensor op (see module doc)."""
    out_f, in_f = w.shape
    g = in_f if group <= 0 else min(group, in_f)
    if in_f % g:
        raise SystemExit(f"in_features {in_f} is not a multiple of the group {g}")
    x = w.reshape(out_f, in_f // g, g)
    if symmetric:
        qmax = 2 ** (bits - 1) - 1
        s = x.abs().amax(-1, keepdim=True) / qmax
        s = torch.where(s == 0, torch.ones_like(s), s)
        y = torch.clamp(torch.round(x / s), -qmax - 1, qmax) * s
    else:
        qmax = 2 ** bits - 1
        mx, mn = x.amax(-1, keepdim=True), x.amin(-1, keepdim=True)
        s = torch.clamp(mx - mn, min=1e-5) / qmax
        z = torch.clamp(torch.round(-mn / s), 0, qmax)
        q = torch.clamp(torch.round(x / s) + z, 0, qmax)
        y = (q - z) * s
    return y.reshape(out_f, in_f)


def inv_freq_of(cfg, head_dim):
    """float64 [head_dim / 2] inverse frequencies in rad/token; llama3 scaling by transformers' formula."""
    base = float(cfg.get("rope_theta", 10000.0))
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    rs = cfg.get("rope_scaling")
    kind = None if rs is None else rs.get("rope_type", rs.get("type"))
    if kind in (None, "default"):
        return inv
    if kind != "llama3":
        raise SystemExit(f"rope_scaling type {kind!r}: this reference implements default and llama3 only")
    factor, low, high = float(rs["factor"]), float(rs["low_freq_factor"]), float(rs["high_freq_factor"])
    old = float(rs["original_max_position_embeddings"])
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv
    scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


@torch.no_grad()
def forward_nll(cfg, w, ids):
    """float64 [T-1] NLL (nats) of ids[1:] given the prefix; ids int64 [T]."""
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = cfg.get("head_dim") or h // nh
    eps = cfg["rms_norm_eps"]
    t = ids.shape[0]
    angles = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq_of(cfg, hd)[None, :]
    emb = torch.cat([angles, angles], dim=-1)
    cos, sin = emb.cos().to(torch.float32), emb.sin().to(torch.float32)
    mask = torch.full((t, t), float("-inf")).triu(1)
    x = w["model.embed_tokens.weight"][ids]
    rep = nh // nkv
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        hs = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (hs @ w[p + "self_attn.q_proj.weight"].T).view(t, nh, hd).transpose(0, 1)
        k = (hs @ w[p + "self_attn.k_proj.weight"].T).view(t, nkv, hd).transpose(0, 1)
        v = (hs @ w[p + "self_attn.v_proj.weight"].T).view(t, nkv, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(rep, dim=0), v.repeat_interleave(rep, dim=0)
        scores = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask, dim=-1)
        del q, k
        attn = (scores @ v).transpose(0, 1).reshape(t, nh * hd)
        del scores, v
        x = x + attn @ w[p + "self_attn.o_proj.weight"].T
        hs = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.silu(hs @ w[p + "mlp.gate_proj.weight"].T)
        x = x + (gate * (hs @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
        del gate, hs
    head = w.get("lm_head.weight") if not cfg.get("tie_word_embeddings", False) else None
    head = w["model.embed_tokens.weight"] if head is None else head
    xn = rms_norm(x, w["model.norm.weight"], eps)[:-1]
    nll = torch.empty(t - 1, dtype=torch.float64)
    # 256 rows of logits at a time: a 2048 x 128256 float64 log-softmax at once would add ~3 GB.
    for i in range(0, t - 1, 256):
        logp = torch.log_softmax((xn[i:i + 256] @ head.T).to(torch.float64), dim=-1)
        nll[i:i + 256] = -logp.gather(1, ids[i + 1:i + 257, None]).squeeze(1)
    return nll


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="Hugging Face folder")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--ids", help="JSON array of token ids")
    src.add_argument("--text", help="byte-level model: the file's bytes are the ids")
    ap.add_argument("--contexts", default="512", help="comma-separated window lengths, each run on ids[0:C]")
    ap.add_argument("--quant", default="none", help="none or rtn:w<bits>g<group|ch><a|s>")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch intra-op threads (default: all cores)")
    ap.add_argument("--positions", default="0,1,q1,half,last", help="predictions to print (index, q1, half, last)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    if args.ids:
        with open(args.ids) as f:
            ids_all = torch.tensor(json.load(f), dtype=torch.int64)
    else:
        with open(args.text, "rb") as f:
            ids_all = torch.tensor(list(f.read()), dtype=torch.int64)
    contexts = [int(c) for c in args.contexts.split(",")]
    if max(contexts) > ids_all.shape[0]:
        raise SystemExit(f"{ids_all.shape[0]} ids given, fewer than the context {max(contexts)}")
    started = time.perf_counter()
    w = load_weights(args.model)
    load_seconds = time.perf_counter() - started
    quant_seconds = 0.0
    if args.quant != "none":
        bits, group, symmetric = parse_rtn(args.quant)
        started = time.perf_counter()
        for name in list(w):
            if ".layers." in name and name.endswith(".weight") and name.split(".")[-2] in DECODER_LINEARS:
                w[name] = rtn_fake_quant(w[name], bits, group, symmetric)
        quant_seconds = time.perf_counter() - started
    results = []
    for c in contexts:
        started = time.perf_counter()
        nll = forward_nll(cfg, w, ids_all[:c])
        seconds = time.perf_counter() - started
        marks = {"q1": (c - 1) // 4, "half": (c - 1) // 2, "last": c - 2}
        positions = sorted({marks.get(p, None) if p in marks else int(p) for p in args.positions.split(",")})
        results.append({
            "context": c,
            "predictions": c - 1,
            "meanNll": float(nll.mean()),
            "nllAtPrediction": {str(i): float(nll[i]) for i in positions if 0 <= i < c - 1},
            "finite": bool(torch.isfinite(nll).all()),
            "forwardSeconds": seconds,
            "tokensPerSecond": c / seconds,
        })
    json.dump({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "model": args.model,
        "quant": args.quant,
        "roundingTies": "half to even (torch.round)",
        "loadSeconds": load_seconds,
        "quantSeconds": quant_seconds,
        "results": results,
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
