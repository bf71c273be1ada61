import { beforeEach, describe, expect, it } from 'vitest';
import { keepMine, keepTheirs, listConflicts } from '$lib/client/store/conflicts';
import { openAtSignDatabase } from '$lib/client/store/database';
import { readWatermark } from '$lib/client/store/meta';
import { listQueued, queueWrite } from '$lib/client/store/outbox';
import { applyPulled, type PulledEntry } from '$lib/client/store/pulled';
import { getRecord, listRecords } from '$lib/client/store/records';
import type { AtSignDatabase } from '$lib/client/store/schema';
import { freshIndexedDb } from '../../../../support/fake-indexeddb';

const put = (atKey: string, value: string, commitId: number): PulledEntry => ({
  atKey,
  value,
  metadata: { isEncrypted: 'true' },
  commitId,
  operation: '*',
});
const del = (atKey: string, commitId: number): PulledEntry => ({
  atKey,
  value: null,
  metadata: null,
  commitId,
  operation: '-',
});
const mine = (atKey: string, value: string) => ({
  atKey,
  command: `update:${atKey} ${value}`,
  change: { op: 'update' as const, value, metadata: { isEncrypted: 'true' } },
});

describe('applying pulled sync entries', () => {
  let db: AtSignDatabase;
  beforeEach(async () => {
    freshIndexedDb();
    db = await openAtSignDatabase('@alice');
  });

  it('writes updates, removes deletes and stores the watermark', async () => {
    await applyPulled(db, [put('a.wavi@alice', 'A', 0), put('b.wavi@alice', 'B', 1)], 1, 0);
    const batch = await applyPulled(db, [del('a.wavi@alice', 2), put('c.wavi@alice', 'C', 3)], 3, 0);
    expect(batch).toMatchObject({ deleted: ['a.wavi@alice'], watermark: 3, conflicts: [] });
    expect(batch.updated.map((record) => record.atKey)).toEqual(['c.wavi@alice']);
    expect((await listRecords(db)).map((record) => [record.atKey, record.value, record.commitId])).toEqual([
      ['b.wavi@alice', 'B', 1],
      ['c.wavi@alice', 'C', 3],
    ]);
    expect(await readWatermark(db)).toBe(3);
  });

  it('applies a key seen twice in one batch in commit order', async () => {
    await applyPulled(db, [put('a.wavi@alice', 'old', 4), put('a.wavi@alice', 'new', 9)], 9, 0);
    expect(await getRecord(db, 'a.wavi@alice')).toMatchObject({ value: 'new', commitId: 9 });
  });

  it('writes nothing, watermark included, when one entry of the batch cannot be stored', async () => {
    const broken = { ...put('b.wavi@alice', 'B', 6), atKey: undefined } as unknown as PulledEntry;
    await expect(applyPulled(db, [put('a.wavi@alice', 'A', 5), broken], 6, 0)).rejects.toThrow();
    expect(await listRecords(db)).toEqual([]);
    expect(await readWatermark(db)).toBe(-1);
  });

  describe('a key changed on both sides', () => {
    beforeEach(async () => {
      await applyPulled(db, [put('phone.wavi@alice', 'base', 5)], 5, 0);
      await queueWrite(db, mine('phone.wavi@alice', 'mine'), 100);
    });

    it('keeps the server’s version in the store and the local write in conflicts, with both versions', async () => {
      const batch = await applyPulled(db, [put('phone.wavi@alice', 'theirs', 8)], 8, 300);
      expect(batch.conflicts).toHaveLength(1);
      expect(await getRecord(db, 'phone.wavi@alice')).toEqual({
        atKey: 'phone.wavi@alice',
        value: 'theirs',
        metadata: { isEncrypted: 'true' },
        commitId: 8,
        operation: '*',
      });
      expect(await listQueued(db)).toEqual([]);
      const [conflict] = await listConflicts(db);
      expect(conflict).toMatchObject({
        kind: 'concurrent',
        atKey: 'phone.wavi@alice',
        local: { command: 'update:phone.wavi@alice mine', baseCommitId: 5 },
        remote: { value: 'theirs', commitId: 8, operation: '*' },
        detectedAt: 300,
      });
    });

    it('records a remote delete as the winning version', async () => {
      await applyPulled(db, [del('phone.wavi@alice', 8)], 8, 300);
      expect(await db.get('records', 'phone.wavi@alice')).toBeUndefined();
      expect((await listConflicts(db))[0]).toMatchObject({ kind: 'concurrent', remote: null });
    });

    it('leaves the local write alone for the commit it is based on', async () => {
      const batch = await applyPulled(db, [put('phone.wavi@alice', 'base', 5)], 8, 300);
      expect(batch.conflicts).toEqual([]);
      expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'mine' });
      expect(await listQueued(db)).toHaveLength(1);
    });

    it('queues the local write again on top of the server’s version when the user keeps mine', async () => {
      await applyPulled(db, [put('phone.wavi@alice', 'theirs', 8)], 8, 300);
      const [conflict] = await listConflicts(db);
      const entry = await keepMine(db, conflict!.id!, 400);
      expect(entry).toMatchObject({ command: 'update:phone.wavi@alice mine', baseCommitId: 8, queuedAt: 400 });
      expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'mine', server: { value: 'theirs' } });
      expect(await listConflicts(db)).toEqual([]);
    });

    it('drops the local write when the user keeps theirs', async () => {
      await applyPulled(db, [put('phone.wavi@alice', 'theirs', 8)], 8, 300);
      const [conflict] = await listConflicts(db);
      await keepTheirs(db, conflict!.id!);
      expect(await listConflicts(db)).toEqual([]);
      expect(await listQueued(db)).toEqual([]);
      expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'theirs' });
    });
  });

  it('treats any pulled commit of a key first written locally as a conflict', async () => {
    await queueWrite(db, mine('new.wavi@alice', 'mine'), 100);
    const batch = await applyPulled(db, [put('new.wavi@alice', 'theirs', 3)], 3, 300);
    expect(batch.conflicts).toHaveLength(1);
    expect(await getRecord(db, 'new.wavi@alice')).toMatchObject({ value: 'theirs' });
  });
});
