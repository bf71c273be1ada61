import { beforeEach, describe, expect, it } from 'vitest';
import { databaseName, deleteAtSignDatabase, openAtSignDatabase, schemaVersion } from '$lib/client/store/database';
import { listRecords } from '$lib/client/store/records';
import { applyPulled } from '$lib/client/store/pulled';
import { freshIndexedDb } from '../../../../support/fake-indexeddb';

describe('an atSign’s local database', () => {
  beforeEach(() => freshIndexedDb());

  it('is named after the atSign, one per atSign', async () => {
    const alice = await openAtSignDatabase('@alice');
    const bob = await openAtSignDatabase('@bob');
    expect([alice.name, bob.name]).toEqual(['atstack:@alice', 'atstack:@bob']);
    expect(databaseName('@alice')).toBe('atstack:@alice');
    alice.close();
    bob.close();
  });

  it('is created with its stores and indexes at the current schema version', async () => {
    const db = await openAtSignDatabase('@alice');
    expect(db.version).toBe(schemaVersion);
    expect([...db.objectStoreNames].sort()).toEqual(['conflicts', 'meta', 'notifications', 'outbox', 'records']);
    const tx = db.transaction(['notifications', 'outbox', 'conflicts']);
    expect([...tx.objectStore('notifications').indexNames]).toEqual(['byEpochMillis']);
    expect([...tx.objectStore('outbox').indexNames]).toEqual(['byKey']);
    expect(tx.objectStore('outbox').autoIncrement).toBe(true);
    expect([...tx.objectStore('conflicts').indexNames]).toEqual(['byKey']);
    db.close();
  });

  it('can be deleted while a connection to it is open, leaving other atSigns alone', async () => {
    const alice = await openAtSignDatabase('@alice');
    const bob = await openAtSignDatabase('@bob');
    const entry = { atKey: 'x@alice', value: '1', metadata: null, commitId: 0, operation: '+' };
    await applyPulled(alice, [entry], 0, 0);
    await applyPulled(bob, [{ ...entry, atKey: 'x@bob' }], 0, 0);
    await deleteAtSignDatabase('@alice');
    const reopened = await openAtSignDatabase('@alice');
    expect(await listRecords(reopened)).toEqual([]);
    expect((await listRecords(bob)).map((record) => record.atKey)).toEqual(['x@bob']);
    reopened.close();
    bob.close();
  });
});
