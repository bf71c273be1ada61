/**
 * Checks of the client's local store that run inside a Chromium page
 * (`tests/e2e/client-store.test.ts` bundles this module into the page): real IndexedDB. Each function returns plain data for the test to assert on.
 */
import { listConflicts } from '$lib/client/store/conflicts';
import { openAtSignDatabase } from '$lib/client/store/database';
import { readWatermark } from '$lib/client/store/meta';
import { listQueued, queueWrite } from '$lib/client/store/outbox';
import { applyPulled, type PulledEntry } from '$lib/client/store/pulled';
import { getRecord, listRecords } from '$lib/client/store/records';

/** What the store check saw. */
export interface StoreOutcome {
  readonly records: number;
  readonly watermark: number;
  readonly pendingAfterReopen: string[];
  readonly localValue: unknown;
  readonly conflicts: number;
  readonly remoteValueAfterConflict: unknown;
  readonly atomicFailureLeftRecords: number;
}

/** Applies pulled pages, queues local writes, reopens, and hits the conflict rule, in Chromium's IndexedDB. */
export async function storeInIndexedDb(count: number): Promise<StoreOutcome> {
  const entry = (i: number): PulledEntry => ({
    atKey: `k${String(i).padStart(5, '0')}.wavi@bob`,
    value: `cipher-${i}`,
    metadata: { isEncrypted: 'true' },
    commitId: i,
    operation: '*',
  });
  let db = await openAtSignDatabase('@bob');
  await applyPulled(
    db,
    Array.from({ length: count }, (_, i) => entry(i)),
    count - 1,
    0,
  );
  await queueWrite(
    db,
    {
      atKey: 'k00001.wavi@bob',
      command: 'update:k00001.wavi@bob mine',
      change: { op: 'update', value: 'mine', metadata: { isEncrypted: 'true' } },
    },
    1,
  );
  db.close();
  db = await openAtSignDatabase('@bob');
  const pendingAfterReopen = (await listQueued(db)).map((queued) => queued.command);
  const localValue = (await getRecord(db, 'k00001.wavi@bob'))?.value;
  await applyPulled(db, [{ ...entry(1), value: 'theirs', commitId: count }], count, 2);
  const conflicts = (await listConflicts(db)).length;
  const remoteValueAfterConflict = (await getRecord(db, 'k00001.wavi@bob'))?.value;
  const broken = { ...entry(count + 2), atKey: undefined } as unknown as PulledEntry;
  await applyPulled(db, [entry(count + 1), broken], count + 2, 3).catch(() => undefined);
  const atomicFailureLeftRecords = (await listRecords(db, { prefix: `k${String(count + 1).padStart(5, '0')}` })).length;
  const outcome = {
    records: (await listRecords(db)).length,
    watermark: await readWatermark(db),
    pendingAfterReopen,
    localValue,
    conflicts,
    remoteValueAfterConflict,
    atomicFailureLeftRecords,
  };
  db.close();
  return outcome;
}
