/**
 * Per-address message rate, as token buckets: each client address may send `burst` messages at once and
 * `perSecond` after that, summed over its connections. A relay over the rate is not closed; it stops reading
 * from its browser until the bucket has refilled, the same back-pressure a slow atServer causes.
 */
import type { Clock } from '../clock';

/** One address's bucket; relays of that address share it. */
export class MessageBucket {
  readonly #limits: { perSecond: number; burst: number };
  #tokens: number;
  #updatedAt: number;
  /** Relays holding this bucket (a bucket in use is never forgotten, or a reconnect would refill it). */
  users = 0;

  constructor(limits: { perSecond: number; burst: number }, now: number) {
    this.#limits = limits;
    this.#tokens = limits.burst;
    this.#updatedAt = now;
  }

  /** Takes one message's token; resolves to how many ms the sender should wait before the next (0: none). */
  take(now: number): number {
    this.#refill(now);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#limits.perSecond);
  }

  /** True when the bucket is full again, so forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#limits.burst;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#limits.burst, this.#tokens + (elapsed * this.#limits.perSecond) / 1000);
  }
}

export class RateLimiter {
  readonly #buckets = new Map<string, MessageBucket>();
  readonly #limits: { perSecond: number; burst: number };
  readonly #clock: Clock;

  constructor(limits: { perSecond: number; burst: number }, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** The bucket of client address `key`, counted as used until {@link RateLimiter.release}. */
  acquire(key: string): MessageBucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new MessageBucket(this.#limits, this.#clock.now());
      this.#buckets.set(key, bucket);
    }
    bucket.users += 1;
    return bucket;
  }

  release(bucket: MessageBucket): void {
    bucket.users -= 1;
  }

  /** Forgets unused buckets that have refilled (called by the gateway's periodic sweep). */
  prune(): void {
    const now = this.#clock.now();
    for (const [key, bucket] of this.#buckets) {
      if (bucket.users === 0 && bucket.isFull(now)) this.#buckets.delete(key);
    }
  }

  /** Buckets remembered (for the leak checks of the tests). */
  get size(): number {
    return this.#buckets.size;
  }
}
