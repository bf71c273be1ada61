/**
 * The shape of an atSign's local database (`atstack:@alice`): what each object store holds and how it is keyed.
 * Records are kept in the server's form: the value exactly as the atServer stores it (ciphertext for encrypted
 * data, so the record's own encryption is its encryption at rest) and metadata as `sync:from` writes it.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import type { SyncMetadataJson } from '$lib/at/metadata-json';
import type { NotificationEvent } from '$lib/at/notification';

/** A record's content on the server: its value (null for a key made by `update:meta`) and metadata. */
export interface RecordContent {
  readonly value: string | null;
  readonly metadata: SyncMetadataJson | null;
}

/** A version of a record the server holds, with the commit that made it. */
export interface ServerVersion extends RecordContent {
  readonly commitId: number;
}

/** One record of the local store. */
export interface StoredRecord extends RecordContent {
  /** The key as the server stores it (`@bob:phone.wavi@alice`, `public:name@alice`); the store's key. */
  readonly atKey: string;
  /** The server commit this content comes from; null for a key only written locally so far. */
  readonly commitId: number | null;
  /** The last commit's operation (`+`, `*`, `#`), as `sync:from` names it; absent for local writes. */
  readonly operation?: string;
  /** Set while local writes to this key wait in the outbox: the outbox sequence number of the latest one. */
  readonly pendingSeq?: number;
  /**
   * While pending: what the server holds under the key (null when it holds nothing), restored if the server
   * rejects the last pending write.
   */
  readonly server?: ServerVersion | null;
  /** A local delete waiting to be sent: the record reads as absent but keeps its place until acknowledged. */
  readonly deleted?: true;
}

/** What a local write changes: a new value with its metadata, or a delete. */
export type LocalChange =
  | { readonly op: 'update'; readonly value: string | null; readonly metadata: SyncMetadataJson }
  | { readonly op: 'delete' };

/** A write waiting to be sent, in order. */
export interface OutboxEntry {
  /** Auto-incremented: the order entries are sent in. Absent only before the entry is stored. */
  readonly seq?: number;
  readonly atKey: string;
  /** The exact command line to send, without its newline (already encrypted by the caller). */
  readonly command: string;
  readonly change: LocalChange;
  /** The server commit of the record this write changes (null when the server had no such key). */
  readonly baseCommitId: number | null;
  /** When the write was made locally, epoch milliseconds. */
  readonly queuedAt: number;
}

/**
 * A local write that did not reach the server as made:
 * - `concurrent`: the key changed on the server after the write was based on it; `remote` is what won;
 * - `rejected`: the server refused the command with `error`.
 */
export interface Conflict {
  readonly id?: number;
  readonly kind: 'concurrent' | 'rejected';
  readonly atKey: string;
  /** The local write, as queued. */
  readonly local: OutboxEntry;
  /** The server's version that won (`concurrent`); `null` when it deleted the key. */
  readonly remote?: (ServerVersion & { readonly operation: string }) | null;
  readonly error?: { readonly code: string; readonly message: string };
  readonly detectedAt: number;
}

/** A received notification as the monitor delivered it (value still encrypted). */
export type StoredNotification = NotificationEvent;

/** Names of the `meta` entries. */
export type MetaName = 'watermark' | 'lastSyncAt';

export interface AtSignSchema extends DBSchema {
  records: { key: string; value: StoredRecord };
  meta: { key: MetaName; value: number };
  notifications: { key: string; value: StoredNotification; indexes: { byEpochMillis: number } };
  outbox: { key: number; value: OutboxEntry; indexes: { byKey: string } };
  conflicts: { key: number; value: Conflict; indexes: { byKey: string } };
}

/** An open atSign database. */
export type AtSignDatabase = IDBPDatabase<AtSignSchema>;
