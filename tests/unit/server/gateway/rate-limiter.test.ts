import { describe, expect, it } from 'vitest';
import { RateLimiter } from '$server/gateway/rate-limiter';
import { ManualClock } from '../../../support/manual-clock';

describe('RateLimiter', () => {
  it('lets a burst through, then asks the sender to wait one token per message', () => {
    const clock = new ManualClock();
    const bucket = new RateLimiter({ perSecond: 10, burst: 3 }, clock).acquire('203.0.113.1');
    expect([1, 2, 3].map(() => bucket.take(clock.now()))).toEqual([0, 0, 0]);
    expect(bucket.take(clock.now())).toBe(100);
    expect(bucket.take(clock.now())).toBe(200);
    clock.advance(200);
    expect(bucket.take(clock.now())).toBe(100);
  });

  it('refills no further than the burst', () => {
    const clock = new ManualClock();
    const bucket = new RateLimiter({ perSecond: 10, burst: 2 }, clock).acquire('a');
    clock.advance(60_000);
    expect([bucket.take(clock.now()), bucket.take(clock.now()), bucket.take(clock.now())]).toEqual([0, 0, 100]);
  });

  it('shares a bucket per address and forgets it only once unused and full again', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 1 }, clock);
    const first = limiter.acquire('a');
    const second = limiter.acquire('a');
    expect(second).toBe(first);
    first.take(clock.now());
    limiter.release(first);
    limiter.release(second);
    limiter.prune();
    expect(limiter.size).toBe(1);
    clock.advance(100);
    limiter.prune();
    expect(limiter.size).toBe(0);
  });
});
