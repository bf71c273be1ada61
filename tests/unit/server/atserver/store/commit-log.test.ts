import { describe, expect, it } from 'vitest';
import type { AtSignStore } from '$server/atserver/store/atsign-store';
import { record, useTempStore } from './temp-store';

/** The commit log as records carry it and as `commits` keeps it (schema version 5). */
describe('commit log', () => {
  let store: AtSignStore;
  const temp = useTempStore((opened) => (store = opened));

  it('lists updates and deletes together, oldest first, one entry per key', async () => {
    await store.keys.put(record('a@alice'), '+');
    await store.keys.put(record('b@alice'), '*');
    await store.keys.remove('a@alice');
    await store.keys.put(record('c@alice'), '#');
    await store.keys.remove('ghost@alice');
    expect(store.commits.entriesAfter(-1, 25)).toEqual([
      { id: 1, key: 'b@alice', op: '*' },
      { id: 2, key: 'a@alice', op: '-' },
      { id: 3, key: 'c@alice', op: '#' },
      { id: 4, key: 'ghost@alice', op: '-' },
    ]);
    expect(store.commits.entriesAfter(1, 2).map((entry) => entry.id)).toEqual([2, 3]);
    expect([...store.commits.latestEntries()].map((entry) => entry.id)).toEqual([4, 3, 2, 1]);
    expect(store.commits.lastCommitId()).toBe(4);
    expect(store.commits.lastCommitIdWhere((key) => key !== 'ghost@alice')).toBe(3);
  });

  it('replaces the delete entry of a key written again, and the update entry of a key deleted', async () => {
    await store.keys.put(record('k@alice'), '*');
    await store.keys.remove('k@alice');
    expect(await store.keys.put(record('k@alice', 'again'), '*')).toBe(2);
    expect(store.commits.entriesAfter(-1, 25)).toEqual([{ id: 2, key: 'k@alice', op: '*' }]);
    expect(await store.keys.remove('k@alice')).toBe(3);
    expect(store.commits.entriesAfter(-1, 25)).toEqual([{ id: 3, key: 'k@alice', op: '-' }]);
  });

  it('keeps a key’s entry as it was when the key is written or removed without a commit', async () => {
    await store.keys.put(record('x.enroll@alice'), '+');
    expect(await store.keys.put(record('x.enroll@alice', 'v2'), '*', { skipCommit: true })).toBe(-1);
    expect(store.commits.entriesAfter(-1, 25)).toEqual([{ id: 0, key: 'x.enroll@alice', op: '+' }]);
    expect(await store.keys.remove('x.enroll@alice', { skipCommit: true })).toBe(-1);
    expect(store.keys.get('x.enroll@alice')).toBeUndefined();
    expect(store.commits.entriesAfter(-1, 25)).toEqual([{ id: 0, key: 'x.enroll@alice', op: '+' }]);
    expect(await store.keys.put(record('x.enroll@alice', 'v3'), '*')).toBe(1);
    expect(await store.keys.put(record('x.enroll@alice', 'v4'), '*')).toBe(2);
    expect(store.commits.entriesAfter(-1, 25)).toEqual([{ id: 2, key: 'x.enroll@alice', op: '*' }]);
    await store.keys.remove('y@alice');
    expect(await store.keys.put(record('y@alice'), '*', { skipCommit: true })).toBe(-1);
    expect(store.commits.entriesAfter(2, 25)).toEqual([{ id: 3, key: 'y@alice', op: '-' }]);
  });

  it('never reuses an id after a reopen, whichever table holds the newest entry', async () => {
    await store.keys.put(record('a@alice'), '*');
    await store.keys.remove('b@alice');
    await temp.reopen();
    expect(await store.keys.put(record('c@alice'), '*')).toBe(2);
    await temp.reopen();
    expect(await store.keys.remove('c@alice')).toBe(3);
  });

  it("reads a window of entries from the commit index alone, without the records' rows", () => {
    const plan = store.db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT commit_id, key, commit_op FROM records WHERE commit_id > ? ORDER BY commit_id',
      )
      .all(0) as { detail: string }[];
    expect(plan.map((step) => step.detail)).toEqual([expect.stringContaining('USING COVERING INDEX records_commits')]);
  });

  it('moves the entries of stored keys onto their records when it migrates to version 5', async () => {
    await temp.startFrom(4, (old) => {
      const insertRecord = old.prepare('INSERT INTO records (key, value, metadata) VALUES (?, ?, ?)');
      const insertCommit = old.prepare('INSERT INTO commits (id, key, op) VALUES (?, ?, ?)');
      insertRecord.run('a@alice', 'A', '{"ttl":5}');
      insertRecord.run('private:p@alice', 'P', '{}');
      insertCommit.run(3, 'a@alice', '*');
      insertCommit.run(7, 'gone@alice', '-');
      insertCommit.run(9, 'b@alice', '+');
      insertRecord.run('b@alice', 'B', '{}');
    });
    expect(store.db.pragma('user_version', { simple: true })).toBe(6);
    expect(store.commits.entriesAfter(-1, 25)).toEqual([
      { id: 3, key: 'a@alice', op: '*' },
      { id: 7, key: 'gone@alice', op: '-' },
      { id: 9, key: 'b@alice', op: '+' },
    ]);
    expect(store.db.prepare('SELECT key FROM commits').pluck().all()).toEqual(['gone@alice']);
    expect(store.keys.get('a@alice')).toEqual({ key: 'a@alice', value: 'A', metadata: { ttl: 5 } });
    expect(store.keys.get('private:p@alice')?.value).toBe('P');
    expect(await store.keys.put(record('a@alice', 'A2'), '*')).toBe(10);
  });
});
