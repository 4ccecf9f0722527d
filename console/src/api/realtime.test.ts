import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './realtime';

describe('reconnecting with backoff', () => {
  it('doubles the wait from one second up to thirty, spread over the upper half', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelay(attempt, 1))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(reconnectDelay(0, 0)).toBe(500);
    expect(reconnectDelay(3, 0.5)).toBe(6_000);
    expect(reconnectDelay(1_000, 1)).toBe(30_000);
  });
});
