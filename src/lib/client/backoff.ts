/**
 * How long to wait before the next reconnection attempt: exponential, capped, with jitter so that many
 * clients dropped at once (a restarted atServer) do not all come back in the same instant.
 */

export interface BackoffOptions {
  /** The delay after the first failure (default 500 ms). */
  readonly initialMs?: number;
  /** No delay exceeds this (default 30 s). */
  readonly maxMs?: number;
  /** Each failure multiplies the delay by this (default 2). */
  readonly factor?: number;
  /** The share of each delay drawn at random, 0 to 1 (default 0.5: between half and all of it). */
  readonly jitter?: number;
}

export const defaultBackoff: Required<BackoffOptions> = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

/**
 * The delay before attempt `failures + 1`, after `failures` failed attempts in a row (1 or more).
 * `random` returns a number in [0, 1).
 *
 * @example
 * backoffDelay(1, {}, () => 1); // 500
 * backoffDelay(3, {}, () => 0); // 1000 (2000 with half of it taken off)
 * backoffDelay(20, {}, () => 1); // 30000
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor, jitter } = { ...defaultBackoff, ...options };
  const exponential = initialMs * factor ** Math.max(failures - 1, 0);
  const capped = Math.min(exponential, maxMs);
  return Math.round(capped * (1 - jitter + jitter * random()));
}
