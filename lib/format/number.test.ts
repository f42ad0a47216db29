import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatNumber, formatPercentChange, formatTokens } from './number';

describe('format', () => {
  it('formatNumber keeps significant digits and uses a real minus', () => {
    expect(formatNumber(3.14159)).toBe('3.142');
    expect(formatNumber(-2.5)).toBe('−2.5');
    expect(formatNumber(12345.6)).toBe('12346');
    expect(formatNumber(0.00012)).toBe('1.200e−4');
    expect(formatNumber(2e7, 2)).toBe('2.0e+7');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatNumber(Infinity)).toBe('∞');
  });
  it('formatPercentChange signs the change', () => {
    expect(formatPercentChange(10, 9.27)).toBe('−7.3 %');
    expect(formatPercentChange(10, 11)).toBe('+10.0 %');
    expect(formatPercentChange(0, 1)).toBe('—');
  });
  it('formatTokens, formatBytes, formatDuration', () => {
    expect(formatTokens(1024)).toBe('1024');
    expect(formatTokens(16384)).toBe('16k');
    expect(formatTokens(5000)).toBe('5000');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(19_400_000)).toBe('18.5 MiB');
    expect(formatBytes(12)).toBe('12 B');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_300)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});
