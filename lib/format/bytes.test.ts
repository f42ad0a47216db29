import { describe, expect, it } from 'vitest';
import { formatBytes, parseByteSize } from './bytes';

describe('parseByteSize', () => {
  it('reads binary suffixes, with or without i/B, any case', () => {
    expect(parseByteSize('6G')).toBe(6 * 1024 ** 3);
    expect(parseByteSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize('64kb')).toBe(65536);
    expect(parseByteSize('2048')).toBe(2048);
    expect(parseByteSize(' 1T ')).toBe(1024 ** 4);
  });

  it('refuses what is not a positive size', () => {
    for (const bad of ['', 'G', '-1G', '0', '6X', '1e9', 'six']) expect(parseByteSize(bad), bad).toBeNull();
  });
});

describe('formatBytes', () => {
  it('picks the largest binary unit below 1024', () => {
    expect(formatBytes(1000)).toBe('1000 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(6 * 1024 ** 3)).toBe('6.00 GiB');
  });
});
