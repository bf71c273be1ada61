/**
 * The outbox in IndexedDB: a local write changes the record at once (marked pending) and appends the command
 * that will carry it to the server, in one transaction; the server's answer then settles the entry, again in
 * one transaction with the record. The sending loop is `$lib/client/outbox`.
 */
import { normaliseStoredKey } from '$lib/at/key';
import type { IDBPTransaction } from 'idb';
import type { AtSignDatabase, AtSignSchema, LocalChange, OutboxEntry, ServerVersion, StoredRecord } from './schema';
import { atomically } from './transaction';

/** A write the caller has made locally: the key, the exact command to send, and what it changes. */
export interface LocalWrite {
  readonly atKey: string;
  /** The command line as it will be sent (values already encrypted), e.g. `update:phone.wavi@alice <ciphertext>`. */
  readonly command: string;
  readonly change: LocalChange;
}

/** Why the server refused an entry. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
}

type QueueTransaction = IDBPTransaction<AtSignSchema, ('records' | 'outbox' | 'conflicts')[], 'readwrite'>;

/** What the server holds under a key according to a record that is not pending. */
function serverVersionOf(record: StoredRecord | undefined): ServerVersion | null {
  if (!record || record.commitId === null) return null;
  return { value: record.value, metadata: record.metadata, commitId: record.commitId };
}

/** The record a write leaves in the store while it waits to be sent. */
function pendingRecord(atKey: string, change: LocalChange, seq: number, server: ServerVersion | null): StoredRecord {
  const base = { atKey, commitId: server?.commitId ?? null, pendingSeq: seq, server };
  return change.op === 'delete'
    ? { ...base, value: null, metadata: null, deleted: true }
    : { ...base, value: change.value, metadata: change.metadata };
}

/**
 * Queues `write` inside an open transaction over `records`, `outbox` (and `conflicts`): the entry is based on the
 * server commit the record came from — for a key already pending, the same base as the writes before it.
 */
export async function queueInTransaction(tx: QueueTransaction, write: LocalWrite, now: number): Promise<OutboxEntry> {
  const atKey = normaliseStoredKey(write.atKey);
  const records = tx.objectStore('records');
  const current = await records.get(atKey);
  const server = current?.pendingSeq === undefined ? serverVersionOf(current) : (current.server ?? null);
  const entry: OutboxEntry = {
    atKey,
    command: write.command,
    change: write.change,
    baseCommitId: server?.commitId ?? null,
    queuedAt: now,
  };
  const seq = await tx.objectStore('outbox').add(entry);
  await records.put(pendingRecord(atKey, write.change, seq, server));
  return { ...entry, seq };
}

/**
 * Applies a local write to the store and appends it to the outbox, in one transaction.
 *
 * @example
 * await queueWrite(db, { atKey: 'phone.wavi@alice', command: 'update:phone.wavi@alice 9Xk…',
 *   change: { op: 'update', value: '9Xk…', metadata: { isEncrypted: 'true' } } }, Date.now());
 */
export async function queueWrite(db: AtSignDatabase, write: LocalWrite, now: number): Promise<OutboxEntry> {
  // Strict: until it is sent, this write exists nowhere else (browsers may default to relaxed).
  const tx = db.transaction(['records', 'outbox', 'conflicts'], 'readwrite', { durability: 'strict' });
  return atomically(tx, () => queueInTransaction(tx, write, now));
}

/** The oldest entry still to send, or undefined when the outbox is empty. */
export async function firstQueued(db: AtSignDatabase): Promise<OutboxEntry | undefined> {
  const cursor = await db.transaction('outbox').store.openCursor();
  return cursor?.value;
}

/** Every entry still to send, oldest first. */
export async function listQueued(db: AtSignDatabase): Promise<OutboxEntry[]> {
  return db.getAll('outbox');
}

/** How many entries wait to be sent. */
export async function countQueued(db: AtSignDatabase): Promise<number> {
  return db.count('outbox');
}

/**
 * Settles an entry the server accepted with `commitId` (null when the answer named none). When it was the key's
 * last pending write, the record becomes the server's version; otherwise the later writes are rebased on it, so
 * pulling this very commit back is not taken for a change made elsewhere.
 */
export async function acknowledge(db: AtSignDatabase, entry: OutboxEntry, commitId: number | null): Promise<void> {
  const tx = db.transaction(['records', 'outbox'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const records = tx.objectStore('records');
  const { atKey, change } = entry;
  await atomically(tx, async (track) => {
    track(outbox.delete(requireSeq(entry)));
    const later = await outbox.index('byKey').getAll(atKey);
    const record = await records.get(atKey);
    const accepted: ServerVersion | null =
      change.op === 'delete' || commitId === null ? null : { value: change.value, metadata: change.metadata, commitId };
    if (later.length > 0) {
      for (const next of later) track(outbox.put({ ...next, baseCommitId: commitId }));
      if (record) track(records.put({ ...record, commitId, server: accepted }));
    } else if (record?.pendingSeq === entry.seq) {
      if (change.op === 'delete') track(records.delete(atKey));
      else track(records.put({ atKey, value: change.value, metadata: change.metadata, commitId }));
    }
  });
}

/**
 * Moves an entry the server refused into `conflicts` (kind `rejected`, with the server's error). When it was the
 * key's last pending write, the record goes back to what the server holds.
 */
export async function reject(db: AtSignDatabase, entry: OutboxEntry, refusal: Refusal, now: number): Promise<void> {
  const tx = db.transaction(['records', 'outbox', 'conflicts'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const records = tx.objectStore('records');
  const { atKey } = entry;
  await atomically(tx, async (track) => {
    track(outbox.delete(requireSeq(entry)));
    track(tx.objectStore('conflicts').add({ kind: 'rejected', atKey, local: entry, error: refusal, detectedAt: now }));
    const later = await outbox.index('byKey').count(atKey);
    const record = await records.get(atKey);
    if (later > 0 || !record || record.pendingSeq !== entry.seq) return;
    track(record.server ? records.put({ atKey, ...record.server }) : records.delete(atKey));
  });
}

function requireSeq(entry: OutboxEntry): number {
  if (entry.seq === undefined) throw new Error('an outbox entry read from the store has a seq');
  return entry.seq;
}
