/**
 * The `meta` store: the sync watermark (the last commit id pulled) and when the last sync finished.
 */
import type { AtSignDatabase } from './schema';

/** The watermark of a store that has pulled nothing: `sync:from:-1` starts at the first commit. */
export const initialWatermark = -1;

/** The last commit id pulled from the server into this store. */
export async function readWatermark(db: AtSignDatabase): Promise<number> {
  return (await db.get('meta', 'watermark')) ?? initialWatermark;
}

/** When the last sync that reached the end of the outbox finished, epoch milliseconds. */
export async function readLastSyncAt(db: AtSignDatabase): Promise<number | undefined> {
  return db.get('meta', 'lastSyncAt');
}

/** Records that a sync finished at `at`. */
export async function markSynced(db: AtSignDatabase, at: number): Promise<void> {
  await db.put('meta', at, 'lastSyncAt');
}
