import { describe, expect, it } from 'vitest';
import { DirectoryCache } from '$server/gateway/directory-cache';
import { ManualClock } from '../../../support/manual-clock';

/** A directory stand-in that records what it was asked (the real one is covered by integration tests). */
function directory(answers: Record<string, string | null>) {
  const asked: string[] = [];
  const lookup = async (name: string) => {
    asked.push(name);
    if (!(name in answers)) throw new Error('directory down');
    return answers[name] ?? null;
  };
  return { asked, lookup };
}

describe('DirectoryCache', () => {
  it('asks once for concurrent questions about one atSign', async () => {
    const clock = new ManualClock();
    const { asked, lookup } = directory({ alice: 'localhost:6465' });
    const cache = new DirectoryCache(lookup, { hitMs: 1_000, missMs: 100, clock });
    expect(await Promise.all([cache.resolve('alice'), cache.resolve('alice')])).toEqual([
      'localhost:6465',
      'localhost:6465',
    ]);
    expect(asked).toEqual(['alice']);
  });

  it('reuses an answer for hitMs and a miss for missMs', async () => {
    const clock = new ManualClock();
    const { asked, lookup } = directory({ alice: 'localhost:6465', nobody: null });
    const cache = new DirectoryCache(lookup, { hitMs: 1_000, missMs: 100, clock });
    await cache.resolve('alice');
    expect(await cache.resolve('nobody')).toBeNull();
    clock.advance(100);
    await cache.resolve('alice');
    await cache.resolve('nobody');
    expect(asked).toEqual(['alice', 'nobody', 'nobody']);
    clock.advance(900);
    await cache.resolve('alice');
    expect(asked).toEqual(['alice', 'nobody', 'nobody', 'alice']);
  });

  it('remembers nothing when the directory fails, and forgets the oldest past maxEntries', async () => {
    const clock = new ManualClock();
    const { asked, lookup } = directory({ a: 'h:1', b: 'h:2', c: 'h:3' });
    const cache = new DirectoryCache(lookup, { hitMs: 1_000, missMs: 100, maxEntries: 2, clock });
    await expect(cache.resolve('down')).rejects.toThrow('directory down');
    await expect(cache.resolve('down')).rejects.toThrow('directory down');
    for (const name of ['a', 'b', 'c', 'a']) await cache.resolve(name);
    expect(cache.size).toBe(2);
    expect(asked).toEqual(['down', 'down', 'a', 'b', 'c', 'a']);
  });
});
