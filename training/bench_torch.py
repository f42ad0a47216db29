"""PyTorch CPU eager timing of the built-in model's per-token NLL, for scripts/bench.ts.

Usage: /usr/bin/python3 training/bench_torch.py --tokens 1024 2048 --repeat 4
Prints one JSON object: {"torch": version, "threads": n, "results": [{"tokens", "bestSeconds", "meanNll"}]}.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, LlamaForCausalLM, cos_sin, default_inv_freq, token_nll  # noqa: E402
import safetensors_io  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, nargs="+", default=[1024, 2048])
    ap.add_argument("--repeat", type=int, default=4)
    args = ap.parse_args()
    model_dir = os.path.join(ROOT, "public", "models", "bandscope-byte-4m")
    with open(os.path.join(model_dir, "config.json")) as fh:
        hf = json.load(fh)
    cfg = Config(**{k: hf[k] for k in Config.__dataclass_fields__})
    model = LlamaForCausalLM(cfg)
    model.load_state_dict(safetensors_io.load(os.path.join(model_dir, "model.safetensors")))
    model.eval()
    with open(os.path.join(ROOT, "public", "text", "brown-test.txt"), "rb") as fh:
        text = fh.read()
    results = []
    with torch.no_grad():
        for tokens in args.tokens:
            ids = torch.tensor(list(text[:tokens]), dtype=torch.long)[None, :]
            cos, sin = cos_sin(default_inv_freq(cfg.head_dim, cfg.rope_theta), 1.0, torch.arange(tokens))
            best, nll = float("inf"), None
            for _ in range(args.repeat + 1):  # one extra run: the best of all hides the warm-up
                start = time.perf_counter()
                nll = token_nll(model, ids, cos, sin)
                best = min(best, time.perf_counter() - start)
            results.append({"tokens": tokens, "bestSeconds": best, "meanNll": float(nll.mean())})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
