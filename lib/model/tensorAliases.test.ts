import { describe, expect, it } from 'vitest';
import { aliasesByStoredName, embeddingsShareStorage, metadataTensorAliases, resolveTensorAliases, withAliases } from './tensorAliases';

const E = 'model.embed_tokens.weight';
const H = 'lm_head.weight';

describe('tensor aliases', () => {
  it('__metadata__: only a missing key pointing at a stored tensor is an alias', () => {
    const stored = new Set([H, 'a', 'b']);
    const aliases = metadataTensorAliases(stored, { format: 'pt', [E]: H, a: 'b', c: 'missing', d: 'c' });
    // 'format: pt' names no tensor; 'a' is stored itself; 'c' → nothing stored; 'd' → 'c' is an alias of nothing.
    expect([...aliases]).toEqual([[E, H]]);
  });

  it('tied: the missing embedding name reads the stored one, either way round', () => {
    expect([...resolveTensorAliases(new Set([H]), { tieWordEmbeddings: true })]).toEqual([[E, H]]);
    expect([...resolveTensorAliases(new Set([E]), { tieWordEmbeddings: true })]).toEqual([[H, E]]);
    expect([...resolveTensorAliases(new Set([E, H]), { tieWordEmbeddings: true })]).toEqual([]);
    expect([...resolveTensorAliases(new Set(['x']), { tieWordEmbeddings: true })]).toEqual([]);
  });

  it('untied: no embedding alias, but an explicit __metadata__ one still holds', () => {
    expect([...resolveTensorAliases(new Set([E]), { tieWordEmbeddings: false })]).toEqual([]);
    const viaMeta = resolveTensorAliases(new Set([E]), { tieWordEmbeddings: false, metadata: { [H]: E } });
    expect([...viaMeta]).toEqual([[H, E]]);
    expect(embeddingsShareStorage(new Set([E]), viaMeta)).toBe(true);
    expect(embeddingsShareStorage(new Set([E, H]), new Map())).toBe(false);
  });

  it('tied with the metadata alias already covering the embedding adds nothing more', () => {
    const aliases = resolveTensorAliases(new Set([H]), { tieWordEmbeddings: true, metadata: { [E]: H } });
    expect([...aliases]).toEqual([[E, H]]);
    expect(aliasesByStoredName(aliases).get(H)).toEqual([E]);
  });

  it('withAliases maps alias names to the stored entry itself', () => {
    const entry = { shape: [2, 3] };
    const view = withAliases(
      new Map([[H, entry]]),
      new Map([
        [E, H],
        ['ghost', 'nowhere'],
      ]),
    );
    expect(view.get(E)).toBe(entry);
    expect(view.has('ghost')).toBe(false);
  });
});
