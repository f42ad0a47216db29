/**
 * Tensor names that read another stored tensor. A checkpoint may store a shared matrix once:
 * safetensors' `save_model` drops duplicate names and records `__metadata__[dropped] = kept`,
 * and tied-embedding LLaMAs keep only one of `model.embed_tokens.weight` / `lm_head.weight`
 * (which one depends on the saver). Resolving those names here, in the loader, means every
 * caller asking for either name gets the one stored tensor, so no cache keeps two copies.
 */

export const EMBED_TOKENS_NAME = 'model.embed_tokens.weight';
export const LM_HEAD_NAME = 'lm_head.weight';

/**
 * `__metadata__` entries that are aliases: the key is not a stored tensor and the value is one
 * (other metadata, e.g. `format: "pt"`, names no tensor and is ignored). Aliases of aliases are
 * not followed: safetensors always points a dropped name at a kept one.
 * Output: alias name → stored name.
 */
export function metadataTensorAliases(stored: ReadonlySet<string>, metadata: Readonly<Record<string, string>>): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const [key, value] of Object.entries(metadata)) {
    if (!stored.has(key) && stored.has(value)) aliases.set(key, value);
  }
  return aliases;
}

/**
 * Aliases of a checkpoint's stored tensor names: the `__metadata__` ones (safetensors only),
 * then, for tied embeddings, whichever of embed_tokens / lm_head is neither stored nor aliased
 * reads the other. Untied models get no embedding alias: both matrices must be stored.
 * Output: alias name → stored name (never a name that is itself stored).
 */
export function resolveTensorAliases(
  stored: ReadonlySet<string>,
  options: { tieWordEmbeddings: boolean; metadata?: Readonly<Record<string, string>> },
): Map<string, string> {
  const aliases = options.metadata ? metadataTensorAliases(stored, options.metadata) : new Map<string, string>();
  if (options.tieWordEmbeddings) {
    const resolve = (name: string): string | undefined => (stored.has(name) ? name : aliases.get(name));
    const embed = resolve(EMBED_TOKENS_NAME);
    const head = resolve(LM_HEAD_NAME);
    if (embed === undefined && head !== undefined) aliases.set(EMBED_TOKENS_NAME, head);
    if (head === undefined && embed !== undefined) aliases.set(LM_HEAD_NAME, embed);
  }
  return aliases;
}

/** Stored name → the alias names that read it (sorted), from an alias → stored map. */
export function aliasesByStoredName(aliases: ReadonlyMap<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [alias, target] of aliases) out.set(target, [...(out.get(target) ?? []), alias].sort());
  return out;
}

/** True when embed_tokens and lm_head resolve to one stored tensor (the file itself ties them). */
export function embeddingsShareStorage(stored: ReadonlySet<string>, aliases: ReadonlyMap<string, string>): boolean {
  const resolve = (name: string): string | undefined => (stored.has(name) ? name : aliases.get(name));
  const embed = resolve(EMBED_TOKENS_NAME);
  return embed !== undefined && embed === resolve(LM_HEAD_NAME);
}

/** `stored` plus every alias name mapped to its stored entry (for lookups and shape checks). */
export function withAliases<T>(stored: ReadonlyMap<string, T>, aliases: ReadonlyMap<string, string>): Map<string, T> {
  const out = new Map(stored);
  for (const [alias, target] of aliases) {
    const entry = stored.get(target);
    if (entry !== undefined) out.set(alias, entry);
  }
  return out;
}
