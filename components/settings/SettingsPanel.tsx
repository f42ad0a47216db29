'use client';
/** The settings column: model, PI, context, quantization, bands, text, device. Props in, changes out. */
import { useId, useState } from 'react';
import { KV_CALIBRATION_DEFINITION } from '@/lib/eval/kvCalibration';
import { bandSpecString, GROUP_SIZES, ROPE_TYPES, type GroupSize, type KvQuantSettings, type Settings } from '@/lib/settings/settings';
import { parseBands } from '@/lib/settings/codec';
import type { RopeType } from '@/lib/rope/types';
import { TRAINED_WINDOW_MAX_TOKENS, TRAINED_WINDOW_MIN_TOKENS, type TrainedWindow } from '@/lib/model/trainedWindow';
import { CheckField, Group, NumberField, SelectField, TextField } from './fields';

export interface SettingsPanelProps {
  settings: Settings;
  onChange: (next: Settings) => void;
  /** e.g. 'wasm (2 threads)' once a session exists. */
  deviceUsed: string | null;
  modelLabel: string;
  onOpenFolder: (files: File[]) => void;
  onOpenGguf: (file: File) => void;
  onOpenText: (file: File) => void;
  userTextName: string | null;
  /** The model's trained window in force and what its files state; null while the model loads. */
  trainedWindow: TrainedWindow | null;
  /** How the text becomes tokens (tokenizer and special-token rule), e.g. 'byte-level (id = byte); adds no BOS'. */
  tokenizerLine: string | null;
}

const METHOD_LABEL: Record<RopeType, string> = {
  default: 'none (as trained)',
  linear: 'linear',
  ntk: 'NTK-aware',
  dynamic: 'dynamic NTK',
  yarn: 'YaRN',
  llama3: 'Llama 3',
  longrope: 'LongRoPE',
};
const CONTEXTS = [512, 1024, 2048, 4096];

export function SettingsPanel(props: SettingsPanelProps) {
  const { settings: s, onChange } = props;
  const set = (patch: Partial<Settings>): void => onChange({ ...s, ...patch });
  const setPi = (patch: Partial<Settings['pi']>): void => set({ pi: { ...s.pi, ...patch } });
  const [bandError, setBandError] = useState<string | null>(null);
  const folderId = useId();
  const ggufId = useId();
  const textId = useId();
  const wq = s.weightQuant;
  const kv = s.kvQuant;
  const setKv = (patch: Partial<KvQuantSettings>): void => {
    if (kv) set({ kvQuant: { ...kv, ...patch } });
  };

  return (
    <form className="flex flex-col gap-3 text-xs" aria-label="Scenario settings" onSubmit={(e) => e.preventDefault()}>
      <Group title="Model">
        <p className="text-xs" data-testid="model-label">
          {props.modelLabel}
        </p>
        <div className="flex flex-wrap gap-1">
          <button
            type="button"
            className="rounded border px-1.5 py-0.5 dark:border-zinc-700"
            onClick={() => set({ model: { kind: 'builtin' } })}
            disabled={s.model.kind === 'builtin'}
          >
            Use built-in model
          </button>
          <label htmlFor={folderId} className="cursor-pointer rounded border px-1.5 py-0.5 dark:border-zinc-700">
            Open HF folder…
          </label>
          <input
            id={folderId}
            aria-label="Open a Hugging Face model folder"
            className="sr-only"
            type="file"
            multiple
            {...({ webkitdirectory: '' } as Record<string, string>)}
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              if (files.length) props.onOpenFolder(files);
              e.target.value = '';
            }}
          />
          <label htmlFor={ggufId} className="cursor-pointer rounded border px-1.5 py-0.5 dark:border-zinc-700">
            Open GGUF…
          </label>
          <input
            id={ggufId}
            aria-label="Open a GGUF file"
            className="sr-only"
            type="file"
            accept=".gguf"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) props.onOpenGguf(f);
              e.target.value = '';
            }}
          />
        </div>
        <p className="text-[11px] text-zinc-500">Or drop model files anywhere on the page. Files are read locally, by byte ranges; nothing is uploaded.</p>
      </Group>

      <Group title="Position interpolation">
        <SelectField
          label="PI method"
          value={s.pi.method}
          options={ROPE_TYPES.map((m) => ({ value: m, label: METHOD_LABEL[m] }))}
          onChange={(method) => setPi({ method })}
        />
        <NumberField label="Scale s" value={s.pi.factor} min={1} max={64} onChange={(factor) => setPi({ factor })} />
        {s.pi.method === 'yarn' ? (
          <>
            <NumberField label="β fast" value={s.pi.betaFast} min={0.01} max={1024} onChange={(betaFast) => setPi({ betaFast })} />
            <NumberField label="β slow" value={s.pi.betaSlow} min={0.01} max={1024} onChange={(betaSlow) => setPi({ betaSlow })} />
          </>
        ) : null}
        {s.pi.method === 'llama3' ? (
          <>
            <NumberField label="Low-freq factor" value={s.pi.lowFreqFactor} min={0.01} max={1024} onChange={(lowFreqFactor) => setPi({ lowFreqFactor })} />
            <NumberField label="High-freq factor" value={s.pi.highFreqFactor} min={0.01} max={1024} onChange={(highFreqFactor) => setPi({ highFreqFactor })} />
          </>
        ) : null}
        <SelectField
          label="Target context"
          value={String(s.targetContextTokens)}
          options={[...new Set([...CONTEXTS, s.targetContextTokens])].map((c) => ({ value: String(c), label: `${c} tokens` }))}
          onChange={(v) => set({ targetContextTokens: Number(v) })}
        />
        {props.trainedWindow ? (
          <>
            <NumberField
              label="Trained window L"
              value={props.trainedWindow.windowTokens}
              min={TRAINED_WINDOW_MIN_TOKENS}
              max={TRAINED_WINDOW_MAX_TOKENS}
              integer
              onChange={(n) => set({ trainedWindowTokens: n })}
            />
            <p className="text-[11px] text-zinc-500" data-testid="trained-window-source">
              {props.trainedWindow.source === 'override' ? 'Set by you. ' : `From ${props.trainedWindow.source}. `}
              {props.trainedWindow.candidates.length
                ? `The files state ${props.trainedWindow.candidates.map((c) => `${c.source} = ${c.windowTokens}`).join(', ')}. `
                : ''}
              PI factors and every L marker use this value.
              {s.trainedWindowTokens !== null ? (
                <button type="button" className="ml-1 underline" onClick={() => set({ trainedWindowTokens: null })}>
                  Use the file&apos;s
                </button>
              ) : null}
            </p>
          </>
        ) : null}
        <div className="flex flex-wrap gap-x-2" role="group" aria-label="PI methods overlaid on the perplexity chart">
          {ROPE_TYPES.filter((m) => m !== 'longrope').map((m) => (
            <CheckField
              key={m}
              label={`overlay ${METHOD_LABEL[m]}`}
              checked={s.compareMethods.includes(m)}
              onChange={(on) =>
                set({ compareMethods: on ? ROPE_TYPES.filter((x) => x === m || s.compareMethods.includes(x)) : s.compareMethods.filter((x) => x !== m) })
              }
            />
          ))}
        </div>
      </Group>

      <Group title="Weight quantization (RTN)">
        <CheckField
          label="Quantize weights"
          checked={wq !== null}
          onChange={(on) => set({ weightQuant: on ? { bits: 4, group: 32, symmetric: false, layers: 'all' } : null })}
        />
        {wq ? (
          <>
            <SelectField
              label="Bits"
              value={String(wq.bits)}
              options={[2, 3, 4, 5, 6, 7, 8].map((b) => ({ value: String(b), label: `${b}-bit` }))}
              onChange={(v) => set({ weightQuant: { ...wq, bits: Number(v) } })}
            />
            <SelectField
              label="Group"
              value={String(wq.group)}
              options={GROUP_SIZES.map((g) => ({ value: String(g), label: g === 'channel' ? 'per channel' : `${g}` }))}
              onChange={(v) => set({ weightQuant: { ...wq, group: (v === 'channel' ? 'channel' : Number(v)) as GroupSize } })}
            />
            <SelectField
              label="Zero point"
              value={wq.symmetric ? 'sym' : 'asym'}
              options={[
                { value: 'asym', label: 'asymmetric' },
                { value: 'sym', label: 'symmetric' },
              ]}
              onChange={(v) => set({ weightQuant: { ...wq, symmetric: v === 'sym' } })}
            />
            <SelectField
              label="Layers"
              value={wq.layers}
              options={
                [
                  { value: 'all', label: 'all linear' },
                  { value: 'attention', label: 'attention only' },
                  { value: 'qk', label: 'W_Q, W_K only' },
                ] as const
              }
              onChange={(layers) => set({ weightQuant: { ...wq, layers } })}
            />
          </>
        ) : null}
      </Group>

      <Group title="KV-cache quantization">
        <CheckField
          label="Quantize KV cache"
          checked={kv !== null}
          onChange={(on) => set({ kvQuant: on ? { bits: 8, keys: true, values: true, grouping: 'token', keyStage: 'post', hadamard: false } : null })}
        />
        {kv ? (
          <>
            <SelectField
              label="KV bits"
              value={String(kv.bits) as '4' | '8'}
              options={
                [
                  { value: '8', label: 'int8' },
                  { value: '4', label: 'int4' },
                ] as const
              }
              onChange={(v) => setKv({ bits: Number(v) as 4 | 8 })}
            />
            <CheckField label="keys" checked={kv.keys} onChange={(keys) => (keys || kv.values) && setKv({ keys })} />
            <CheckField label="values" checked={kv.values} onChange={(values) => (values || kv.keys) && setKv({ values })} />
            <SelectField
              label="KV groups"
              value={kv.grouping}
              options={
                [
                  { value: 'token', label: 'per token' },
                  { value: 'channel', label: 'per channel' },
                ] as const
              }
              onChange={(grouping) => setKv({ grouping })}
            />
            <SelectField
              label="Keys quantized"
              value={kv.keyStage}
              options={
                [
                  { value: 'post', label: 'post-RoPE' },
                  { value: 'pre', label: 'pre-RoPE' },
                ] as const
              }
              onChange={(keyStage) => setKv({ keyStage })}
            />
            <CheckField label="Hadamard-rotate k/v per head" checked={kv.hadamard} onChange={(hadamard) => setKv({ hadamard })} />
            {kv.hadamard ? (
              <p className="text-[11px] text-zinc-500">
                Keys and values are rotated per head by a normalized Walsh–Hadamard matrix before quantizing (llama.cpp&apos;s default for quantized caches):
                logits are unchanged in float, only the quantization error moves. Needs a power-of-two head dim.
              </p>
            ) : null}
            {kv.grouping === 'channel' ? <p className="text-[11px] text-zinc-500">{KV_CALIBRATION_DEFINITION}</p> : null}
          </>
        ) : null}
      </Group>

      <Group title="Bands">
        <TextField
          label="Band partition"
          value={bandSpecString(s.bands)}
          error={bandError}
          onCommit={(text) => {
            try {
              set({ bands: parseBands(text.trim()) });
              setBandError(null);
            } catch (err) {
              setBandError(err instanceof Error ? err.message : String(err));
            }
          }}
        />
        <p className="text-[11px] text-zinc-500">equal-log:B (2–16), yarn, or custom:0-7,8-31</p>
        <SelectField
          label="TIR quantile"
          value={String(s.tirQuantile)}
          options={['0.99', '0.999', '0.9999', '1'].map((p) => ({ value: p, label: p === '1' ? 'max' : `p = ${p}` }))}
          onChange={(v) => set({ tirQuantile: Number(v) })}
        />
      </Group>

      <Group title="Text and device">
        <SelectField
          label="Text"
          value={s.text}
          options={
            [
              { value: 'brown', label: 'Brown dev/test (bundled)' },
              { value: 'user', label: props.userTextName ?? 'your file…' },
            ] as const
          }
          onChange={(text) => set({ text })}
        />
        <label htmlFor={textId} className="cursor-pointer self-start rounded border px-1.5 py-0.5 dark:border-zinc-700">
          Open text file…
        </label>
        <input
          id={textId}
          aria-label="Open your own text file"
          className="sr-only"
          type="file"
          accept=".txt,text/plain"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) {
              props.onOpenText(f);
              set({ text: 'user' });
            }
            e.target.value = '';
          }}
        />
        <p className="text-[11px]" data-testid="tokenizer-line">
          Tokens: {props.tokenizerLine ?? '—'}
        </p>
        <SelectField
          label="Scoring"
          value={s.scoreMode}
          options={
            [
              { value: 'bandscope', label: 'all predictions' },
              { value: 'llama-perplexity', label: 'as llama-perplexity' },
            ] as const
          }
          onChange={(scoreMode) => set({ scoreMode })}
        />
        <p className="text-[11px] text-zinc-500">
          {s.scoreMode === 'bandscope'
            ? 'Each window is scored on all its next-token predictions.'
            : 'As llama.cpp llama-perplexity: each chunk’s first token replaced by BOS when the vocabulary adds one, predictions from C/2 on.'}
        </p>
        <SelectField
          label="Device"
          value={s.device}
          options={
            [
              { value: 'wasm', label: 'WASM' },
              { value: 'auto', label: 'auto' },
              { value: 'webgpu', label: 'WebGPU' },
            ] as const
          }
          onChange={(device) => set({ device })}
        />
        <p className="text-[11px]" data-testid="device-used">
          Device used: {props.deviceUsed ?? '— (no session yet)'}
        </p>
      </Group>
    </form>
  );
}
