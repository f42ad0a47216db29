"""Reference fixture for the engine (issue: per-token NLL and q/k taps from PyTorch).

Usage: /usr/bin/python3 training/make_fixture.py   (writes training/fixture/)
All arrays are little-endian float32 (tokens: uint8), described in index.json.
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import MODEL_DIR, ROOT, load_model, quantized_copy, tables, test_documents, window_nll  # noqa: E402

OUT = os.path.join(ROOT, "training", "fixture")
TOKENS = 1024
ROPES = [("default", 1.0, 256), ("linear", 4.0, TOKENS), ("yarn", 4.0, TOKENS), ("dynamic", 4.0, TOKENS)]
QUANTS = [None, {"spec": "rtn:w4g32a", "bits": 4, "group": 32, "symmetric": False}]


def save(name: str, arr: np.ndarray) -> dict:
    arr = np.ascontiguousarray(arr)
    arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(OUT, name))
    return {"file": name, "dtype": "uint8" if arr.dtype == np.uint8 else "float32", "shape": list(arr.shape)}


def main() -> None:
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    model = load_model()
    models = {None: model}
    for q in QUANTS[1:]:
        models[q["spec"]] = quantized_copy(model, q["bits"], q["group"], q["symmetric"])
    docs = test_documents()
    texts = []
    for i in range(2):
        offset, data = docs[i]
        ids = np.frombuffer(data[:TOKENS], dtype=np.uint8)
        assert len(ids) == TOKENS, "test document shorter than the fixture length"
        texts.append({"source": "public/text/brown-test.txt", "byteOffset": offset, **save(f"tokens_{i}.bin", ids)})
    cases = []
    for t, text in enumerate(texts):
        raw = np.fromfile(os.path.join(OUT, text["file"]), dtype=np.uint8)
        for method, factor, length in ROPES:
            ids = torch.from_numpy(raw[:length].astype(np.int64))[None]
            for q in QUANTS:
                key = None if q is None else q["spec"]
                nll = window_nll(models[key], ids, method, factor)[0].numpy().astype(np.float32)
                case_id = f"text{t}-{method}{'' if method == 'default' else 'x4'}-{'fp32' if q is None else 'w4g32a'}"
                cases.append({"id": case_id, "text": t, "tokens": length,
                              "rope": {"method": method, "factor": factor}, "quant": key,
                              "meanNll": float(nll.mean()), "nll": save(f"nll_{case_id}.bin", nll)})
    taps = []
    raw = np.fromfile(os.path.join(OUT, texts[0]["file"]), dtype=np.uint8)
    ids = torch.from_numpy(raw[:64].astype(np.int64))[None]
    for method, factor in [("default", 1.0), ("yarn", 4.0)]:
        attn = model.model.layers[0].self_attn
        attn.taps = {}
        cos, sin = tables(model, method, factor, 64)
        model(ids, cos, sin)
        entry = {"id": f"layer0-{method}", "text": 0, "layer": 0, "positions": 64, "rope": {"method": method, "factor": factor},
                 "layout": "[tokens, heads, headDim]", "tensors": {}}
        for name, value in attn.taps.items():  # [1, heads, T, hd] -> [T, heads, hd]
            arr = value[0].transpose(0, 1).contiguous().numpy().astype(np.float32)
            entry["tensors"][name] = save(f"tap_{method}_{name}.bin", arr)
        attn.taps = None
        taps.append(entry)
    with open(os.path.join(MODEL_DIR, "model.safetensors"), "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    index = {"model": "public/models/bandscope-byte-4m", "modelSha256": digest, "torch": torch.__version__,
             "notes": "NLL in nats of token t+1 given tokens <= t, float32 CPU reference from training/model.py; "
                      "dynamic NTK uses the window's own length; YaRN/linear/dynamic factor 4 over the trained window 256; "
                      "rtn:w4g32a = every decoder linear (q,k,v,o,gate,up,down) RTN 4-bit, groups of 32, asymmetric, round half to even.",
             "texts": texts, "cases": cases, "taps": taps}
    with open(os.path.join(OUT, "index.json"), "w") as fh:
        json.dump(index, fh, indent=1)
    for c in cases:
        print(c["id"], round(c["meanNll"], 5))


if __name__ == "__main__":
    main()
