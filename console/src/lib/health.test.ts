import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './health';

describe('health formatting', () => {
  it('writes bytes in binary multiples', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MB');
  });

  it('writes a duration as its two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(302)).toBe('5 min 2 s');
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 59)).toBe('3 d 4 h');
    expect(formatDuration(3_600 + 5)).toBe('1 h');
  });
});
