"""Minimal safetensors read/write (the format is an 8-byte little-endian header
length, a JSON header, then raw little-endian tensor bytes). Written here so the
training side needs nothing beyond Debian's torch."""
import json
import struct

import numpy as np
import torch

_DTYPES = {"F32": (np.float32, torch.float32)}


def save(path: str, tensors: dict, metadata: dict | None = None) -> None:
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        arr = tensors[name].detach().cpu().to(torch.float32).contiguous().numpy().astype("<f4")
        data = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)  # keep tensor data 8-byte aligned
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)))
        fh.write(raw)
        for data in blobs:
            fh.write(data)


def load(path: str) -> dict:
    with open(path, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        header = json.loads(fh.read(n))
        base = 8 + n
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] != "F32":
                raise ValueError(f"{name}: only F32 is used here, got {info['dtype']}")
            start, end = info["data_offsets"]
            fh.seek(base + start)
            arr = np.frombuffer(fh.read(end - start), dtype="<f4").reshape(info["shape"])
            out[name] = torch.from_numpy(arr.copy())
        return out
