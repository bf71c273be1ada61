import { describe, expect, it } from 'vitest';
import { defaultAtServerLimits, withDefaults } from '$server/config';
import { allowedIdleMs, InboundPool, type InboundConnection } from '$server/atserver/inbound-pool';
import { Session } from '$server/atserver/session';

describe('allowedIdleMs (the reference progressive idle reduction, atprotocol.md §1.7)', () => {
  const [max, min, cap] = [600_000, 5_000, 200];

  it('allows the full idle time up to the low-water mark of half the pool', () => {
    expect(allowedIdleMs(max, min, 0, cap)).toBe(max);
    expect(allowedIdleMs(max, min, 100, cap)).toBe(max);
  });

  it('shrinks linearly past the low-water mark: floor((max - min) * (1 - over/(cap - lwm)) + min)', () => {
    expect(allowedIdleMs(max, min, 101, cap)).toBe(Math.floor(595_000 * (1 - 1 / 100) + 5_000));
    expect(allowedIdleMs(max, min, 150, cap)).toBe(302_500);
    expect(allowedIdleMs(max, min, 199, cap)).toBe(10_950);
  });

  it('reaches the floor when the pool is full and never goes below it', () => {
    expect(allowedIdleMs(max, min, 200, cap)).toBe(min);
    expect(allowedIdleMs(max, min, 250, cap)).toBe(min);
  });

  it('uses the authenticated allowance the same way (30 days down to 60 s)', () => {
    expect(allowedIdleMs(2_592_000_000, 60_000, 150, cap)).toBe(1_296_030_000);
  });

  it('answers the floor for a pool too small to have a range', () => {
    expect(allowedIdleMs(max, min, 0, 1)).toBe(max);
    expect(allowedIdleMs(max, min, 1, 1)).toBe(min);
    expect(allowedIdleMs(max, min, 0, 0)).toBe(min);
  });
});

describe('InboundPool', () => {
  const limits = withDefaults(defaultAtServerLimits, {
    maxInboundConnections: 4,
    unauthenticatedIdleMs: 10_000,
    minUnauthenticatedIdleMs: 1_000,
    authenticatedIdleMs: 100_000,
    minAuthenticatedIdleMs: 10_000,
  });

  function setup() {
    let now = 1_000_000;
    const pool = new InboundPool(limits, () => now);
    const dropped: Session[] = [];
    const open = (authenticated = false): InboundConnection => {
      const session = new Session('@alice', now);
      session.authenticated = authenticated;
      const connection: InboundConnection = {
        session,
        drop: () => dropped.push(session),
        push: () => {},
        writeBacklog: () => 0,
      };
      return connection;
    };
    return { pool, dropped, open, advance: (ms: number) => (now += ms), now: () => now };
  }

  it('admits connections up to the limit and refuses the next one', () => {
    const { pool, open } = setup();
    for (let i = 0; i < 4; i += 1) expect(pool.admit(open())).toBe(true);
    expect(pool.admit(open())).toBe(false);
    expect(pool.size).toBe(4);
  });

  it('makes room for a new connection by reaping idle ones first', () => {
    const { pool, open, advance, dropped } = setup();
    const idle = open();
    pool.admit(idle);
    for (let i = 0; i < 3; i += 1) pool.admit(open(true));
    // Full pool: the unauthenticated allowance is at its 1 s floor.
    advance(1_001);
    expect(pool.admit(open())).toBe(true);
    expect(dropped).toEqual([idle.session]);
  });

  it('keeps an authenticated connection that an unauthenticated one of the same age loses', () => {
    const { pool, open, advance, dropped } = setup();
    const [stranger, owner] = [open(), open(true)];
    pool.admit(stranger);
    pool.admit(owner);
    advance(10_001);
    expect(pool.reapIdle()).toBe(1);
    expect(dropped).toEqual([stranger.session]);
    expect(pool.isIdleExpired(owner)).toBe(false);
  });

  it('counts idle time from the last server write', () => {
    const { pool, open, advance, now } = setup();
    const connection = open();
    pool.admit(connection);
    advance(9_000);
    connection.session.lastWriteAt = now();
    advance(9_000);
    expect(pool.isIdleExpired(connection)).toBe(false);
    advance(1_001);
    expect(pool.isIdleExpired(connection)).toBe(true);
  });

  it('shrinks the allowance as the pool fills (progressive reduction)', () => {
    const { pool, open, advance } = setup();
    const first = open();
    pool.admit(first);
    advance(5_000);
    expect(pool.isIdleExpired(first)).toBe(false);
    for (let i = 0; i < 3; i += 1) pool.admit(open(true));
    expect(pool.isIdleExpired(first)).toBe(true);
  });
});
