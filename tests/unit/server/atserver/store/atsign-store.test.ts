import { describe, expect, it } from 'vitest';
import type { AtSignStore } from '$server/atserver/store/atsign-store';
import { isCommitted } from '$server/atserver/store/keystore';
import { record, useTempStore } from './temp-store';

describe('AtSignStore', () => {
  let store: AtSignStore;
  const temp = useTempStore((opened) => (store = opened));

  it('numbers the first commit 0 and counts up', async () => {
    expect(await store.keys.put(record('public:signing_publickey@alice'), '+')).toBe(0);
    expect(await store.keys.put(record('@alice:signing_privatekey@alice'), '*')).toBe(1);
    expect(store.commits.lastCommitId()).toBe(1);
  });

  it('answers -1 and logs nothing for private, privatekey, local and hidden public keys', async () => {
    for (const key of ['privatekey:at_secret', 'private:blocklist@alice', 'local:x@alice', 'public:_sess@alice']) {
      expect(await store.keys.put(record(key), '*')).toBe(-1);
    }
    expect(store.commits.lastCommitId()).toBe(-1);
    expect(store.keys.get('privatekey:at_secret')?.value).toBe('v');
  });

  it('commits public:__ keys, which the reference exempts from the hidden rule', () => {
    expect(isCommitted('public:__x@alice')).toBe(true);
    expect(isCommitted('public:_x@alice')).toBe(false);
    expect(isCommitted('_latestnotificationidv2@alice')).toBe(true);
  });

  it('keeps only the latest entry per key and never reuses an id', async () => {
    await store.keys.put(record('a@alice'), '*');
    await store.keys.put(record('b@alice'), '*');
    await store.keys.put(record('a@alice', 'v2'), '*');
    await store.keys.remove('b@alice');
    expect(store.commits.entriesAfter(-1, 25)).toEqual([
      { id: 2, key: 'a@alice', op: '*' },
      { id: 3, key: 'b@alice', op: '-' },
    ]);
    expect(await store.keys.put(record('c@alice'), '+')).toBe(4);
  });

  it('writes a delete commit even for a key that never existed', async () => {
    expect(await store.keys.remove('ghost@alice')).toBe(0);
    expect(store.commits.entriesAfter(-1, 25)).toEqual([{ id: 0, key: 'ghost@alice', op: '-' }]);
  });

  it('stores enrollment keys without a commit when asked to skip it', async () => {
    expect(await store.keys.put(record('x.new.enrollments.__manage@alice'), '*', { skipCommit: true })).toBe(-1);
    expect(store.commits.lastCommitId()).toBe(-1);
  });

  it('round-trips values, null values and metadata', async () => {
    await store.keys.put(record('k@alice', null, { ttl: 1000, isEncrypted: true, createdAt: 5 }), '#');
    expect(store.keys.get('k@alice')).toEqual(record('k@alice', null, { ttl: 1000, isEncrypted: true, createdAt: 5 }));
    expect(store.keys.get('missing@alice')).toBeUndefined();
  });

  it('lists only keys that are born and not expired, in key order', async () => {
    await store.keys.put(record('b@alice'), '*');
    await store.keys.put(record('a@alice', 'v', { expiresAt: 100 }), '*');
    await store.keys.put(record('c@alice', 'v', { availableAt: 300 }), '*');
    expect(store.keys.activeKeys(50)).toEqual(['a@alice', 'b@alice']);
    expect(store.keys.activeKeys(200)).toEqual(['b@alice']);
    expect(store.keys.activeKeys(400)).toEqual(['b@alice', 'c@alice']);
    expect(store.keys.expiredKeys(200)).toEqual(['a@alice']);
  });

  it('commits writes that arrive together in one transaction', async () => {
    const before = store.writes.counters.batches;
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => store.keys.put(record(`k${i}@alice`), '*')));
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(store.writes.counters.batches - before).toBe(1);
  });

  it('fails only the write that threw, not the rest of its batch', async () => {
    const good = store.writes.submit(() => 'ok');
    const bad = store.writes.submit(() => {
      throw new Error('constraint');
    });
    const put = store.keys.put(record('z@alice'), '*');
    await expect(bad).rejects.toThrow('constraint');
    expect(await good).toBe('ok');
    expect(await put).toBe(0);
  });

  it('answers a read with the latest write, delete and rewrite of a key it has read before', async () => {
    await store.keys.put(record('k@alice', 'v1'), '*');
    expect(store.keys.get('k@alice')?.value).toBe('v1');
    await store.keys.put(record('k@alice', 'v2', { ttl: 5 }), '*');
    expect(store.keys.get('k@alice')).toEqual(record('k@alice', 'v2', { ttl: 5 }));
    await store.keys.remove('k@alice');
    expect(store.keys.get('k@alice')).toBeUndefined();
    await store.keys.put(record('k@alice', 'v3'), '*');
    expect(store.keys.get('k@alice')?.value).toBe('v3');
  });

  it('hands out copies: changing a record read does not change what the next read sees', async () => {
    await store.keys.put(record('k@alice', 'v', { ttl: 5 }), '*');
    const first = store.keys.get('k@alice')!;
    first.metadata.ttl = 99;
    first.value = 'changed';
    expect(store.keys.get('k@alice')).toEqual(record('k@alice', 'v', { ttl: 5 }));
  });

  it('peeks at the latest write of a key, cached or read from the file, as get answers it', async () => {
    await store.keys.put(record('k@alice', 'v1', { ttl: 5 }), '*');
    expect(store.keys.peek('k@alice')).toEqual(store.keys.get('k@alice'));
    await temp.reopen();
    expect(store.keys.peek('k@alice')).toEqual(record('k@alice', 'v1', { ttl: 5 }));
    await store.keys.put(record('k@alice', 'v2'), '*');
    expect(store.keys.peek('k@alice')?.value).toBe('v2');
    await store.keys.remove('k@alice');
    expect(store.keys.peek('k@alice')).toBeUndefined();
  });

  it('keeps records and the commit sequence across a reopen', async () => {
    await store.keys.put(record('a@alice'), '*');
    await store.keys.remove('a@alice');
    await temp.reopen();
    expect(store.keys.get('a@alice')).toBeUndefined();
    expect(await store.keys.put(record('b@alice'), '*')).toBe(2);
  });

  it('never reuses the id of the newest entry when its key is rewritten after a reopen', async () => {
    await store.keys.put(record('a@alice'), '*');
    expect(await store.keys.put(record('b@alice'), '*')).toBe(1);
    await temp.reopen();
    // Rewriting b replaces the newest entry: its new id must still be above every id issued before.
    expect(await store.keys.put(record('b@alice', 'v2'), '*')).toBe(2);
    expect(store.commits.entriesAfter(-1, 25).map((entry) => entry.id)).toEqual([0, 2]);
  });

  it('keeps the commit ids of a version 2 database when it migrates the commit log', async () => {
    await temp.startFrom(2, (old) => {
      old.prepare('INSERT INTO commits (id, key, op) VALUES (0, ?, ?)').run('a@alice', '*');
      old.prepare('INSERT OR REPLACE INTO commits (key, op) VALUES (?, ?)').run('b@alice', '+');
    });
    expect(store.commits.entriesAfter(-1, 25)).toEqual([
      { id: 0, key: 'a@alice', op: '*' },
      { id: 1, key: 'b@alice', op: '+' },
    ]);
    expect(await store.keys.put(record('c@alice'), '*')).toBe(2);
  });

  it('keeps every record, its metadata and its expiry when it migrates the records table (version 4)', async () => {
    await temp.startFrom(3, (old) => {
      const insert = old.prepare(
        'INSERT INTO records (key, value, metadata, expires_at, available_at) VALUES (?, ?, ?, ?, ?)',
      );
      insert.run('big@alice', 'x'.repeat(5_000), JSON.stringify({ ttl: 5, expiresAt: 100 }), 100, null);
      insert.run('meta-only@alice', null, JSON.stringify({ ttb: 1, availableAt: 7 }), null, 7);
    });
    expect(store.keys.get('big@alice')).toEqual(record('big@alice', 'x'.repeat(5_000), { ttl: 5, expiresAt: 100 }));
    expect(store.keys.get('meta-only@alice')).toEqual(record('meta-only@alice', null, { ttb: 1, availableAt: 7 }));
    expect(store.keys.expiredKeys(101)).toEqual(['big@alice']);
    expect(store.keys.activeKeys(50)).toEqual(['big@alice', 'meta-only@alice']);
    await store.keys.put(record('big@alice', 'small'), '*');
    expect(store.keys.get('big@alice')?.value).toBe('small');
  });

  it('reads back every record after writing and reading far more than its record cache holds', async () => {
    const value = (i: number) => `${i}:`.padEnd(1_400, 'v');
    await Promise.all(Array.from({ length: 12_000 }, (_, i) => store.keys.put(record(`k${i}@alice`, value(i)), '*')));
    for (let i = 0; i < 12_000; i += 1) {
      if (store.keys.get(`k${i}@alice`)?.value !== value(i)) throw new Error(`k${i}`);
    }
    for (let i = 0; i < 12_000; i += 25) {
      const keys = Array.from({ length: 25 }, (_, j) => `k${i + j}@alice`);
      const found = store.keys.getMany(keys);
      if (keys.some((key, j) => found.get(key)?.value !== value(i + j))) throw new Error(`page from k${i}`);
    }
    await store.keys.put(record('k0@alice', 'new'), '*');
    expect(store.keys.get('k0@alice')?.value).toBe('new');
  });

  it('reads many records at once, cached or not, leaving out keys without one', async () => {
    await store.keys.put(record('a@alice', 'A', { ttl: 5 }), '*');
    await store.keys.put(record('b@alice', null), '*');
    const keys = ['a@alice', 'none@alice', ...Array.from({ length: 40 }, (_, i) => `none${i}@alice`), 'b@alice'];
    const found = store.keys.getMany(keys);
    expect([...found.keys()].sort()).toEqual(['a@alice', 'b@alice']);
    expect(found.get('a@alice')).toEqual(record('a@alice', 'A', { ttl: 5 }));
    expect(found.get('b@alice')).toEqual(record('b@alice', null));
    found.get('a@alice')!.metadata.ttl = 99;
    expect(store.keys.get('a@alice')?.metadata.ttl).toBe(5);
  });

  it('finds a window of commits whose keys pass a filter past long runs of keys that do not', async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.keys.put(record(`k${i}@alice`), '*')));
    const every100th = (key: string) => Number(key.slice(1, key.indexOf('@'))) % 100 === 0;
    expect(store.commits.entriesAfterWhere(-1, every100th, 2).map((entry) => entry.id)).toEqual([0, 100]);
    expect(store.commits.entriesAfterWhere(0, every100th, 5).map((entry) => entry.id)).toEqual([100, 200]);
    expect(store.commits.entriesAfterWhere(-1, every100th).map((entry) => entry.id)).toEqual([0, 100, 200]);
    expect(store.commits.entriesAfterWhere(-1, () => true, 25)).toHaveLength(25);
  });

  it('finds the newest commit whose key passes a filter', async () => {
    await store.keys.put(record('phone.wavi@alice'), '*');
    await store.keys.put(record('email.buzz@alice'), '*');
    expect(store.commits.lastCommitIdWhere((key) => key.includes('.wavi'))).toBe(0);
    expect(store.commits.lastCommitIdWhere((key) => key.includes('.none'))).toBeNull();
  });

  it('ranks looked-up keys and pol atSigns in the access log', async () => {
    store.access.record(1, 'lookup', null, 'phone@alice');
    store.access.record(2, 'lookup', null, 'phone@alice');
    store.access.record(3, 'lookup', null, 'email@alice');
    store.access.record(4, 'pol', '@bob');
    await store.writes.submit(() => undefined);
    expect(store.access.topKeys(5)).toEqual({ 'phone@alice': 2, 'email@alice': 1 });
    expect(store.access.topAtSigns(5)).toEqual({ '@bob': 1 });
  });
});
