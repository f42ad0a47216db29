import type { SpecialTokenRule } from './types';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A config token entry: "<s>" or { "content": "<s>", … } (AddedToken serialisation). */
function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  return null;
}

/** Id of a piece: added_tokens first (they win in the library too), then model.vocab (object or Unigram [piece, score] list). */
function idOf(json: Json, piece: string): number | null {
  if (Array.isArray(json.added_tokens)) {
    for (const t of json.added_tokens as unknown[]) if (isObject(t) && t.content === piece && typeof t.id === 'number') return t.id;
  }
  const vocab = isObject(json.model) ? json.model.vocab : undefined;
  if (Array.isArray(vocab)) {
    const i = vocab.findIndex((e) => Array.isArray(e) && e[0] === piece);
    return i >= 0 ? i : null;
  }
  if (isObject(vocab) && Object.hasOwn(vocab, piece) && typeof vocab[piece] === 'number') return vocab[piece] as number;
  return null;
}

/** The TemplateProcessing of a post_processor (itself or inside a Sequence). */
function templateOf(pp: unknown): Json | null {
  if (!isObject(pp)) return null;
  if (pp.type === 'TemplateProcessing') return pp;
  if (pp.type === 'Sequence' && Array.isArray(pp.processors)) {
    for (const p of pp.processors as unknown[]) {
      const t = templateOf(p);
      if (t) return t;
    }
  }
  return null;
}

/** Special pieces before and after the `$A` sequence of the single-sequence template, with their ids. */
function templateSpecials(json: Json): { before: number | null; after: number | null } | null {
  const template = templateOf(json.post_processor);
  if (!template || !Array.isArray(template.single)) return null;
  const specials = isObject(template.special_tokens) ? template.special_tokens : {};
  const idOfSpecial = (name: string): number | null => {
    const entry = Object.hasOwn(specials, name) ? specials[name] : undefined;
    if (isObject(entry) && Array.isArray(entry.ids) && typeof entry.ids[0] === 'number') return entry.ids[0];
    return idOf(json, name);
  };
  let seenSequence = false;
  let before: number | null = null;
  let after: number | null = null;
  for (const item of template.single as unknown[]) {
    if (!isObject(item)) continue;
    if (isObject(item.Sequence)) seenSequence = true;
    else if (isObject(item.SpecialToken) && typeof item.SpecialToken.id === 'string') {
      const id = idOfSpecial(item.SpecialToken.id);
      if (!seenSequence && before === null) before = id;
      if (seenSequence) after = id;
    }
  }
  return { before, after };
}

/**
 * The special-token rule of a Hugging Face tokenizer: addBos/addEos from tokenizer_config.json
 * `add_bos_token`/`add_eos_token` when given, else from the tokenizer.json post_processor's
 * single-sequence template (a special piece before / after `$A`); bos/eos ids from the config's
 * `bos_token`/`eos_token` looked up in added_tokens and the vocabulary, else the template's.
 * A flag whose token cannot be found is false (nothing to add).
 */
export function hfSpecialTokenRule(json: Json, config: Json | undefined): SpecialTokenRule {
  const template = templateSpecials(json);
  const lookup = (key: string): number | null => {
    const text = config ? tokenText(config[key]) : null;
    return text === null ? null : idOf(json, text);
  };
  const bosId = lookup('bos_token') ?? template?.before ?? null;
  const eosId = lookup('eos_token') ?? template?.after ?? null;
  const flag = (key: string, fromTemplate: boolean): boolean => (config && typeof config[key] === 'boolean' ? (config[key] as boolean) : fromTemplate);
  const addBos = flag('add_bos_token', template?.before != null) && bosId !== null;
  const addEos = flag('add_eos_token', template?.after != null) && eosId !== null;
  return { bosId, eosId, addBos, addEos };
}
