/**
 * Applying pulled `sync:from` entries to the local store: a whole batch of pages and the new watermark in ONE
 * transaction, so the store never holds records past its watermark nor a watermark past its records.
 *
 * **Conflict rule.** A key changed on both sides — a pulled commit for the key is newer than the base commit of a
 * local write still in the outbox — is settled as *remote wins in the store*: the record becomes the server's
 * version, and each pending local write of that key moves from the outbox to `conflicts` (kind `concurrent`) with
 * both versions, for the user to resolve: "keep mine" queues the write again on top of the server's version,
 * "keep theirs" drops it ({@link ./conflicts}). Nothing is silently lost.
 */
import { unwrap } from 'idb';
import type { SyncMetadataJson } from '$lib/at/metadata-json';
import type { AtSignDatabase, Conflict, OutboxEntry, StoredRecord } from './schema';
import { atomically } from './transaction';

/** One element of a `sync:from` page (atprotocol.md §8.2); deletes carry neither value nor metadata. */
export interface PulledEntry {
  readonly atKey: string;
  readonly value: string | null;
  readonly metadata: SyncMetadataJson | null;
  readonly commitId: number;
  /** `+`, `*`, `#` or `-` (delete). */
  readonly operation: string;
}

/** What one transaction changed, for the caller to decrypt, index or show. */
export interface AppliedBatch {
  /** Records written, as stored (server form: encrypted values stay encrypted). */
  readonly updated: StoredRecord[];
  /** Keys deleted. */
  readonly deleted: string[];
  /** Local writes that lost to a remote change and moved to `conflicts`. */
  readonly conflicts: Conflict[];
  /** The watermark stored with them. */
  readonly watermark: number;
}

/** Pending outbox entries by key, oldest first. */
function pendingByKey(entries: readonly OutboxEntry[]): Map<string, OutboxEntry[]> {
  const byKey = new Map<string, OutboxEntry[]>();
  for (const entry of entries) byKey.set(entry.atKey, [...(byKey.get(entry.atKey) ?? []), entry]);
  return byKey;
}

/**
 * Whether a pulled commit is news to local writes based on `base`. Writes based on this commit or a later one
 * (our own pushes come back this way) are not in conflict with it.
 */
function isConcurrent(pending: readonly OutboxEntry[], commitId: number): boolean {
  const base = pending[0]?.baseCommitId ?? null;
  return base === null || commitId > base;
}

/**
 * Writes `entries` (in commit order, possibly several pages) and `watermark` in one transaction, applying the
 * conflict rule above. Requests are issued without waiting for one another; the transaction commits once.
 *
 * @example
 * const batch = await applyPulled(db, JSON.parse(page), 41, Date.now());
 * batch.updated.length; // records written
 */
export async function applyPulled(
  db: AtSignDatabase,
  entries: readonly PulledEntry[],
  watermark: number,
  now: number,
): Promise<AppliedBatch> {
  // Relaxed: a batch lost to a crash takes its watermark with it, so the next pull fetches it again.
  const tx = db.transaction(['records', 'meta', 'outbox', 'conflicts'], 'readwrite', { durability: 'relaxed' });
  // Record writes go to the plain IndexedDB store, untracked: idb's promise for each request cost the page a
  // quarter of what the write itself does, and a failed write aborts the transaction, which `atomically` awaits.
  const records = unwrap(tx.objectStore('records'));
  const outbox = tx.objectStore('outbox');
  return atomically(tx, async (track) => {
    // The outbox is small (writes made offline), so one read of all of it beats a read per pulled record.
    const pending = pendingByKey(await outbox.getAll());
    const batch: AppliedBatch = { updated: [], deleted: [], conflicts: [], watermark };
    for (const entry of entries) {
      const { atKey, value, metadata, commitId, operation } = entry;
      const remote = operation === '-' ? null : { value, metadata, commitId, operation };
      const local = pending.get(atKey);
      if (local) {
        if (!isConcurrent(local, commitId)) continue;
        pending.delete(atKey);
        for (const write of local) {
          const conflict: Conflict = { kind: 'concurrent', atKey, local: write, remote, detectedAt: now };
          batch.conflicts.push(conflict);
          track(tx.objectStore('conflicts').add(conflict));
          if (write.seq !== undefined) track(outbox.delete(write.seq));
        }
      }
      if (remote) {
        const record: StoredRecord = { atKey, ...remote };
        batch.updated.push(record);
        records.put(record);
      } else {
        batch.deleted.push(atKey);
        records.delete(atKey);
      }
    }
    track(tx.objectStore('meta').put(watermark, 'watermark'));
    return batch;
  });
}
