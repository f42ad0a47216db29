"""Shared helpers for the reference scripts: load the committed built-in model,
read the held-out texts, run one window under a RoPE method and a quantizer."""
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, LlamaForCausalLM, cos_sin, quantize_decoder_linears_, rope_params, token_nll  # noqa: E402
import safetensors_io  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "public", "models", "bandscope-byte-4m")


def load_model() -> LlamaForCausalLM:
    with open(os.path.join(MODEL_DIR, "config.json")) as fh:
        hf = json.load(fh)
    fields = {k: hf[k] for k in Config.__dataclass_fields__ if k in hf}
    model = LlamaForCausalLM(Config(**fields))
    state = safetensors_io.load(os.path.join(MODEL_DIR, "model.safetensors"))
    model.load_state_dict(state)
    model.eval()
    return model


def quantized_copy(model: LlamaForCausalLM, bits: int, group: int, symmetric: bool) -> LlamaForCausalLM:
    q = copy.deepcopy(model)
    quantize_decoder_linears_(q, bits, group, symmetric)
    return q


def test_documents() -> list:
    """The held-out test text split into its Brown files (documents are joined by a blank line)."""
    with open(os.path.join(ROOT, "public", "text", "brown-test.txt"), "rb") as fh:
        data = fh.read()
    docs, start = [], 0
    for part in data.split(b"\n\n"):
        docs.append((start, part))
        start += len(part) + 2
    return docs


def tables(model: LlamaForCausalLM, method: str, factor: float, seq_len: int):
    cfg = model.cfg
    inv, att = rope_params(method, factor, cfg.head_dim, cfg.rope_theta, cfg.max_position_embeddings, seq_len)
    return cos_sin(inv, att, torch.arange(seq_len))


@torch.no_grad()
def window_nll(model: LlamaForCausalLM, ids: torch.Tensor, method: str, factor: float) -> torch.Tensor:
    """ids [B, T] int64 -> NLL [B, T-1]; dynamic NTK uses this window's own length."""
    cos, sin = tables(model, method, factor, ids.shape[1])
    return token_nll(model, ids, cos, sin)
