import { beforeEach, describe, expect, it } from 'vitest';
import { openAtSignDatabase } from '$lib/client/store/database';
import { acknowledge, listQueued, queueWrite, reject, type LocalWrite } from '$lib/client/store/outbox';
import { applyPulled } from '$lib/client/store/pulled';
import { getRecord, listRecords } from '$lib/client/store/records';
import { listConflicts } from '$lib/client/store/conflicts';
import type { AtSignDatabase } from '$lib/client/store/schema';
import { freshIndexedDb } from '../../../../support/fake-indexeddb';

const update = (atKey: string, value: string): LocalWrite => ({
  atKey,
  command: `update:${atKey} ${value}`,
  change: { op: 'update', value, metadata: { isEncrypted: 'true' } },
});
const remove = (atKey: string): LocalWrite => ({ atKey, command: `delete:${atKey}`, change: { op: 'delete' } });
const pulled = (atKey: string, value: string, commitId: number) => ({
  atKey,
  value,
  metadata: { version: '0' },
  commitId,
  operation: '*',
});

describe('the outbox in the local store', () => {
  let db: AtSignDatabase;
  beforeEach(async () => {
    freshIndexedDb();
    db = await openAtSignDatabase('@alice');
    await applyPulled(db, [pulled('phone.wavi@alice', 'server-1', 7)], 7, 0);
  });

  it('applies a write to the record at once and queues its exact command based on the record’s commit', async () => {
    const entry = await queueWrite(db, update('phone.wavi@alice', 'mine'), 100);
    expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'mine', pendingSeq: entry.seq });
    expect(await listQueued(db)).toEqual([
      {
        seq: entry.seq,
        atKey: 'phone.wavi@alice',
        command: 'update:phone.wavi@alice mine',
        change: { op: 'update', value: 'mine', metadata: { isEncrypted: 'true' } },
        baseCommitId: 7,
        queuedAt: 100,
      },
    ]);
  });

  it('stores a write under the key as the server normalises it', async () => {
    await queueWrite(db, update(' Phone.Wavi@Alice', 'mine'), 100);
    expect((await listRecords(db)).map((record) => record.atKey)).toEqual(['phone.wavi@alice']);
  });

  it('bases a second write to a pending key on the same server commit as the first', async () => {
    await queueWrite(db, update('phone.wavi@alice', 'first'), 100);
    await queueWrite(db, update('phone.wavi@alice', 'second'), 101);
    expect((await listQueued(db)).map((entry) => entry.baseCommitId)).toEqual([7, 7]);
    expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'second' });
  });

  it('gives a write of a new key no base commit', async () => {
    const entry = await queueWrite(db, update('new.wavi@alice', 'mine'), 100);
    expect(entry.baseCommitId).toBeNull();
  });

  it('makes the record the server’s version once its last pending write is acknowledged', async () => {
    const entry = await queueWrite(db, update('phone.wavi@alice', 'mine'), 100);
    await acknowledge(db, entry, 12);
    expect(await listQueued(db)).toEqual([]);
    expect(await getRecord(db, 'phone.wavi@alice')).toEqual({
      atKey: 'phone.wavi@alice',
      value: 'mine',
      metadata: { isEncrypted: 'true' },
      commitId: 12,
    });
  });

  it('rebases the later writes of a key on the commit of an acknowledged one', async () => {
    const first = await queueWrite(db, update('phone.wavi@alice', 'first'), 100);
    await queueWrite(db, update('phone.wavi@alice', 'second'), 101);
    await acknowledge(db, first, 12);
    expect((await listQueued(db)).map((entry) => [entry.baseCommitId, entry.change])).toEqual([
      [12, { op: 'update', value: 'second', metadata: { isEncrypted: 'true' } }],
    ]);
    expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'second', commitId: 12 });
  });

  it('hides a record deleted locally until the delete is acknowledged, then removes it', async () => {
    const entry = await queueWrite(db, remove('phone.wavi@alice'), 100);
    expect(await getRecord(db, 'phone.wavi@alice')).toBeUndefined();
    expect(await listRecords(db)).toEqual([]);
    expect(await db.get('records', 'phone.wavi@alice')).toMatchObject({ deleted: true, server: { commitId: 7 } });
    await acknowledge(db, entry, 13);
    expect(await db.get('records', 'phone.wavi@alice')).toBeUndefined();
  });

  it('moves a refused write to conflicts with the error and puts back the server’s version', async () => {
    const entry = await queueWrite(db, update('phone.wavi@alice', 'mine'), 100);
    await reject(db, entry, { code: 'AT0016', message: 'Invalid key' }, 200);
    expect(await listQueued(db)).toEqual([]);
    expect(await getRecord(db, 'phone.wavi@alice')).toEqual({
      atKey: 'phone.wavi@alice',
      value: 'server-1',
      metadata: { version: '0' },
      commitId: 7,
    });
    expect(await listConflicts(db)).toEqual([
      {
        id: 1,
        kind: 'rejected',
        atKey: 'phone.wavi@alice',
        local: entry,
        error: { code: 'AT0016', message: 'Invalid key' },
        detectedAt: 200,
      },
    ]);
  });

  it('removes the record of a refused write to a key the server never had', async () => {
    const entry = await queueWrite(db, update('new.wavi@alice', 'mine'), 100);
    await reject(db, entry, { code: 'AT0003', message: 'Invalid syntax' }, 200);
    expect(await db.get('records', 'new.wavi@alice')).toBeUndefined();
  });

  it('keeps the later pending value when an earlier write of the same key is refused', async () => {
    const first = await queueWrite(db, update('phone.wavi@alice', 'first'), 100);
    await queueWrite(db, update('phone.wavi@alice', 'second'), 101);
    await reject(db, first, { code: 'AT0003', message: 'Invalid syntax' }, 200);
    expect(await getRecord(db, 'phone.wavi@alice')).toMatchObject({ value: 'second' });
    expect(await listQueued(db)).toHaveLength(1);
  });

  it('keeps the record and the outbox across closing and reopening the database', async () => {
    await queueWrite(db, update('phone.wavi@alice', 'first'), 100);
    await queueWrite(db, update('email.wavi@alice', 'second'), 101);
    db.close();
    const reopened = await openAtSignDatabase('@alice');
    expect((await listQueued(reopened)).map((entry) => entry.command)).toEqual([
      'update:phone.wavi@alice first',
      'update:email.wavi@alice second',
    ]);
    expect(await getRecord(reopened, 'phone.wavi@alice')).toMatchObject({ value: 'first' });
    reopened.close();
  });
});
