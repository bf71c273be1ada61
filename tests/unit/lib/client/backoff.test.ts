import { describe, expect, it } from 'vitest';
import { backoffDelay } from '$lib/client/backoff';

const top = () => 0.999_999;
const bottom = () => 0;

describe('backoffDelay', () => {
  it('doubles from the initial delay with each failure', () => {
    const delays = [1, 2, 3, 4].map((failures) => backoffDelay(failures, { initialMs: 100, jitter: 0 }));
    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap, however many failures', () => {
    expect(backoffDelay(50, { initialMs: 100, maxMs: 5_000, jitter: 0 })).toBe(5_000);
    expect(backoffDelay(5_000, { maxMs: 30_000 }, top)).toBeLessThanOrEqual(30_000);
  });

  it('takes up to the jitter share off at random, so clients dropped together spread out', () => {
    const options = { initialMs: 1_000, jitter: 0.5 };
    expect(backoffDelay(1, options, bottom)).toBe(500);
    expect(backoffDelay(1, options, top)).toBe(1_000);
    expect(backoffDelay(1, options, () => 0.5)).toBe(750);
  });

  it('uses the defaults of 500 ms doubling up to 30 s', () => {
    expect(backoffDelay(1, {}, top)).toBe(500);
    expect(backoffDelay(2, {}, top)).toBe(1_000);
    expect(backoffDelay(30, {}, top)).toBe(30_000);
  });
});
