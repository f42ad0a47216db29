"""Train the built-in model. Fixed seeds; logs JSON lines; keeps the checkpoint
with the best dev loss (the dev set is never trained on).

Usage: python3 training/train.py --data training/work --out training/runs/<name>
       [--steps 8000] [--batch 64] [--max-seconds 1e9] [--device auto]
Works on CPU (Debian torch 1.13 + OpenBLAS) and on CUDA (torch 2.x).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, LlamaForCausalLM  # noqa: E402
import safetensors_io  # noqa: E402


def read_bytes(path: str) -> torch.Tensor:
    with open(path, "rb") as fh:
        return torch.from_numpy(np.frombuffer(fh.read(), dtype=np.uint8).astype(np.int64))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "work"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-seconds", type=float, default=1e9)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # training only; every reported number is recomputed in float32 on CPU
        torch.backends.cudnn.allow_tf32 = True
    cfg = Config()
    T = cfg.max_position_embeddings
    train = read_bytes(os.path.join(args.data, "train.txt"))
    dev = read_bytes(os.path.join(args.data, "dev.txt"))
    # Fixed dev windows: 96 evenly spaced windows of T+1 bytes.
    dev_starts = torch.linspace(0, len(dev) - T - 2, 96).long()
    dev_batch = torch.stack([dev[s:s + T + 1] for s in dev_starts]).to(device)

    model = LlamaForCausalLM(cfg).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "train_log.jsonl"), "w")

    def lr_at(step: int) -> float:
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        frac = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))

    @torch.no_grad()
    def dev_loss() -> float:
        model.eval()
        logits = model(dev_batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), dev_batch[:, 1:].reshape(-1))
        model.train()
        return float(loss)

    best = {"dev_loss": float("inf"), "step": -1, "state": None}
    t0 = time.time()
    step = 0
    for step in range(args.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        starts = torch.randint(0, len(train) - T - 1, (args.batch,), generator=gen)
        batch = torch.stack([train[s:s + T + 1] for s in starts]).to(device)
        logits = model(batch[:, :-1], dropout=args.dropout)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        record = None
        if step % 50 == 0:
            record = {"step": step, "train_loss": float(loss), "lr": lr_at(step), "seconds": time.time() - t0}
        if step % args.eval_every == 0 or step == args.steps - 1:
            record = record or {"step": step, "train_loss": float(loss), "lr": lr_at(step), "seconds": time.time() - t0}
            record["dev_loss"] = dev_loss()
            record["dev_bpb"] = record["dev_loss"] / math.log(2)
            if record["dev_loss"] < best["dev_loss"]:
                best = {"dev_loss": record["dev_loss"], "step": step,
                        "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
        if record:
            log.write(json.dumps(record) + "\n")
            log.flush()
            if "dev_loss" in record:
                print(json.dumps(record), flush=True)
        if time.time() - t0 > args.max_seconds:
            print(f"stopping at step {step}: max-seconds reached", flush=True)
            break
    wall = time.time() - t0
    safetensors_io.save(os.path.join(args.out, "model.safetensors"), best["state"],
                        {"format": "pt", "trained_steps": best["step"]})
    with open(os.path.join(args.out, "config.json"), "w") as fh:
        json.dump(cfg.hf_config(), fh, indent=2)
    summary = {"params": n_params, "steps_run": step + 1, "steps_planned": args.steps, "best_step": best["step"],
               "best_dev_loss": best["dev_loss"], "best_dev_bpb": best["dev_loss"] / math.log(2),
               "wall_seconds": wall, "device": device,
               "device_name": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
               "torch": torch.__version__, "args": vars(args)}
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
