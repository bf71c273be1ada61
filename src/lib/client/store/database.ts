/**
 * Opening, upgrading and deleting an atSign's local database: one IndexedDB database per atSign, named
 * `atstack:<atSign>`, so wiping one atSign never touches another.
 */
import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import type { AtSignDatabase, AtSignSchema } from './schema';

/** The schema version {@link upgrade} builds. Raise it with each change and add a step below. */
export const schemaVersion = 1;

/**
 * The database name of an atSign.
 *
 * @example databaseName('@alice'); // 'atstack:@alice'
 */
export function databaseName(atSign: string): string {
  return `atstack:${atSign}`;
}

/**
 * Brings a database from `oldVersion` to {@link schemaVersion}, one step per version, so a browser that skipped
 * versions runs every step in order inside the one upgrade transaction.
 */
export function upgrade(db: IDBPDatabase<AtSignSchema>, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('records', { keyPath: 'atKey' });
    db.createObjectStore('meta');
    const notifications = db.createObjectStore('notifications', { keyPath: 'id' });
    notifications.createIndex('byEpochMillis', 'epochMillis');
    const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
    outbox.createIndex('byKey', 'atKey');
    const conflicts = db.createObjectStore('conflicts', { keyPath: 'id', autoIncrement: true });
    conflicts.createIndex('byKey', 'atKey');
  }
}

/**
 * Opens (creating or upgrading) the database of `atSign`. The connection closes itself when another one asks
 * for a newer version or for deletion ({@link deleteAtSignDatabase}, another tab's upgrade), so it never blocks
 * them; callers then get `InvalidStateError` on their next transaction and reopen.
 *
 * @example const db = await openAtSignDatabase('@alice');
 */
export async function openAtSignDatabase(atSign: string): Promise<AtSignDatabase> {
  const db = await openDB<AtSignSchema>(databaseName(atSign), schemaVersion, {
    upgrade: (database, oldVersion) => upgrade(database, oldVersion),
    blocking: () => db.close(),
  });
  return db;
}

/** Deletes the database of `atSign` (every record, the outbox, notifications and conflicts). */
export async function deleteAtSignDatabase(atSign: string): Promise<void> {
  await deleteDB(databaseName(atSign));
}
