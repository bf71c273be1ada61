import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AtError } from '$lib/at/errors';
import { AtConnection } from '$lib/client/connection';
import { AuthenticationFailed, Reconnector, type LinkState } from '$lib/client/reconnector';
import { FakeTransport } from './fake-transport';

/** A reconnector whose attempts fail with the queued errors, then succeed; records states and attempts. */
function reconnectorWith(failures: Error[], options: { stableAfterMs?: number } = {}) {
  const transports: FakeTransport[] = [];
  const states: LinkState[] = [];
  let attempts = 0;
  let now = 0;
  const reconnector = new Reconnector({
    open: async () => {
      attempts += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      const transport = new FakeTransport();
      transports.push(transport);
      return AtConnection.open(transport);
    },
    onOnline: () => undefined,
    onState: (state) => states.push(state),
    backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
    stableAfterMs: options.stableAfterMs ?? 10_000,
    now: () => now,
  });
  return {
    reconnector,
    transports,
    states,
    attempts: () => attempts,
    advanceClock: (ms: number) => (now += ms),
  };
}

const unreachable = () => new AtError('AT0021', 'Unable to connect');

describe('Reconnector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits a doubling delay after each failed attempt before the next', async () => {
    const link = reconnectorWith([unreachable(), unreachable(), unreachable()]);
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.attempts()).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(link.attempts()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(link.attempts()).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(link.attempts()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(link.attempts()).toBe(3);
    await vi.advanceTimersByTimeAsync(400);
    expect(link.attempts()).toBe(4);
    expect(link.reconnector.state).toBe('online');
  });

  it('replaces a connection that had been up for a while at once', async () => {
    const link = reconnectorWith([]);
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(0);
    link.advanceClock(10_000);
    link.transports[0]!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.attempts()).toBe(2);
    expect(link.states).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
  });

  it('backs off before replacing a connection that dropped right after it opened', async () => {
    const link = reconnectorWith([]);
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(0);
    link.transports[0]!.drop();
    await vi.advanceTimersByTimeAsync(99);
    expect(link.attempts()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(link.attempts()).toBe(2);
  });

  it('stops after a refused authentication until asked again', async () => {
    const link = reconnectorWith([new AuthenticationFailed(new AtError('AT0401', 'pkam failed'))]);
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(link.attempts()).toBe(1);
    expect(link.reconnector.state).toBe('auth-failed');
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.reconnector.state).toBe('online');
  });

  it('brings a scheduled attempt forward when asked, and stops for good once closed', async () => {
    const link = reconnectorWith([unreachable()]);
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.reconnector.state).toBe('offline');
    link.reconnector.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.reconnector.state).toBe('online');
    link.reconnector.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(link.transports[0]!.isClosed).toBe(true);
    expect(link.attempts()).toBe(2);
    expect(link.states.at(-1)).toBe('closed');
  });
});
