"""Numbers for the model card, recomputed from the committed weights.

Protocol (the same as the engine's lib/eval): window w covers tokens
[w*C, (w+1)*C) of the held-out test text, each window scored on its C-1
next-token predictions; the first N windows covering the first 128 KiB.
Usage: /usr/bin/python3 training/evaluate.py > training/record/card_numbers.json
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import ROOT, load_model, quantized_copy, window_nll  # noqa: E402

SPAN_BYTES = 128 * 1024
ROWS = [(c, "default", 1.0) for c in (64, 128, 256)] + [
    (c, m, f) for c in (512, 1024) for m, f in (("default", 1.0), ("linear", 4.0), ("ntk", 4.0), ("dynamic", 4.0), ("yarn", 4.0))]


def main() -> None:
    torch.manual_seed(0)
    fp = load_model()
    quant = quantized_copy(fp, 4, 32, False)
    with open(os.path.join(ROOT, "public", "text", "brown-test.txt"), "rb") as fh:
        data = np.frombuffer(fh.read()[:SPAN_BYTES], dtype=np.uint8).astype(np.int64)
    rows = []
    for context, method, factor in ROWS:
        windows = len(data) // context
        ids = torch.from_numpy(data[:windows * context].reshape(windows, context))
        row = {"context": context, "rope": method, "factor": factor, "windows": windows}
        for label, model in (("fp32", fp), ("rtn_w4g32a", quant)):
            t0 = time.time()
            total, count = 0.0, 0
            for start in range(0, windows, 16):
                nll = window_nll(model, ids[start:start + 16], method, factor)
                total += float(nll.double().sum())
                count += nll.numel()
            mean = total / count
            row[label] = {"nll": mean, "ppl": math.exp(mean), "bpb": mean / math.log(2), "seconds": time.time() - t0}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps({"text": "public/text/brown-test.txt", "spanBytes": SPAN_BYTES, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
