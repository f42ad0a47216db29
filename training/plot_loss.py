"""Loss curve PNG from train_log.jsonl (needs matplotlib; the fixture script does not)."""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

log_path, png_path = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(log_path)]
fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
ax.plot([r["step"] for r in rows], [r["train_loss"] / 0.6931471805599453 for r in rows], lw=0.8, label="train (batch, dropout on)")
dev = [r for r in rows if "dev_loss" in r]
ax.plot([r["step"] for r in dev], [r["dev_bpb"] for r in dev], "o-", ms=3, label="dev (96 windows x 256)")
ax.set_xlabel("step")
ax.set_ylabel("bits per byte")
ax.set_ylim(1.0, 4.0)
ax.grid(alpha=0.3)
ax.legend()
ax.set_title("Built-in model: byte-level LLaMA, 4.85 M params, window 256")
fig.tight_layout()
fig.savefig(png_path)
