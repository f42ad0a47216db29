#!/usr/bin/env bash
# Train on a lent GPU machine (see training/README.md). Writes to $OUT.
set -euo pipefail
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 training/train.py --data training/work --out /tmp/run --steps "${STEPS:-8000}" --batch 64 --max-seconds "${MAXSEC:-330}" | tee "$OUT/train_stdout.txt"
python3 training/plot_loss.py /tmp/run/train_log.jsonl "$OUT/loss.png" || echo "plot failed"
cp /tmp/run/config.json /tmp/run/summary.json /tmp/run/train_log.jsonl "$OUT/"
split -b 15000000 -d /tmp/run/model.safetensors "$OUT/model.safetensors.part"
sha256sum /tmp/run/model.safetensors | tee "$OUT/sha256.txt"
