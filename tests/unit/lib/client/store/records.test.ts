import { beforeAll, describe, expect, it } from 'vitest';
import { openAtSignDatabase } from '$lib/client/store/database';
import { applyPulled } from '$lib/client/store/pulled';
import { getRecord, listRecords } from '$lib/client/store/records';
import type { AtSignDatabase } from '$lib/client/store/schema';
import { freshIndexedDb } from '../../../../support/fake-indexeddb';

const keys = ['@bob:phone.wavi@alice', '@bob:email.wavi@alice', '@carol:phone.wavi@alice', 'phone.buzz@alice'];

describe('reading records', () => {
  let db: AtSignDatabase;
  beforeAll(async () => {
    freshIndexedDb();
    db = await openAtSignDatabase('@alice');
    const entries = keys.map((atKey, commitId) => ({ atKey, value: atKey, metadata: null, commitId, operation: '*' }));
    await applyPulled(db, entries, keys.length - 1, 0);
  });

  it('finds a record by its key in any case or spacing', async () => {
    expect(await getRecord(db, '@Bob:Phone.Wavi@Alice')).toMatchObject({ atKey: '@bob:phone.wavi@alice' });
    expect(await getRecord(db, 'nothing@alice')).toBeUndefined();
  });

  it('lists by key prefix, in key order', async () => {
    expect((await listRecords(db, { prefix: '@bob:' })).map((r) => r.atKey)).toEqual([
      '@bob:email.wavi@alice',
      '@bob:phone.wavi@alice',
    ]);
  });

  it('lists the keys a regex matches, up to a limit', async () => {
    expect((await listRecords(db, { regex: 'phone\\.' })).map((r) => r.atKey)).toEqual([
      '@bob:phone.wavi@alice',
      '@carol:phone.wavi@alice',
      'phone.buzz@alice',
    ]);
    expect(await listRecords(db, { regex: 'phone\\.', limit: 1 })).toHaveLength(1);
  });
});
