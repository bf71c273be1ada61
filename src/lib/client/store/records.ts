/**
 * Reading records from the local store. Local deletes still waiting in the outbox read as absent.
 */
import { normaliseStoredKey } from '$lib/at/key';
import type { AtSignDatabase, StoredRecord } from './schema';

/** How to choose records to list. */
export interface RecordQuery {
  /** Only keys starting with this text (already in stored form, e.g. `@bob:`). */
  readonly prefix?: string;
  /** Only keys this regular expression matches, as `scan` filters them. */
  readonly regex?: string;
  /** At most this many, in key order. */
  readonly limit?: number;
}

/**
 * The record under `atKey` (normalised as the server stores keys), or undefined when there is none or a local
 * delete of it is pending.
 *
 * @example const record = await getRecord(db, 'phone.wavi@alice'); // { atKey, value: '<ciphertext>', … }
 */
export async function getRecord(db: AtSignDatabase, atKey: string): Promise<StoredRecord | undefined> {
  const record = await db.get('records', normaliseStoredKey(atKey));
  return record?.deleted ? undefined : record;
}

/**
 * Records in key order, without pending deletes.
 *
 * @example await listRecords(db, { prefix: '@bob:', regex: '\\.wavi@' });
 */
export async function listRecords(db: AtSignDatabase, query: RecordQuery = {}): Promise<StoredRecord[]> {
  const range = query.prefix ? IDBKeyRange.bound(query.prefix, `${query.prefix}\uffff`) : undefined;
  const matcher = query.regex === undefined ? undefined : new RegExp(query.regex);
  const limit = query.limit ?? Infinity;
  const found: StoredRecord[] = [];
  for (const record of await db.getAll('records', range)) {
    if (found.length >= limit) break;
    if (record.deleted || (matcher && !matcher.test(record.atKey))) continue;
    found.push(record);
  }
  return found;
}
