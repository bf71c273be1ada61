/**
 * IndexedDB in Node for the client's store tests: `fake-indexeddb` (a complete in-memory implementation, not a
 * mock of our code) installed as the globals a browser has. {@link freshIndexedDb} gives a test an empty one.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';

/** Replaces the global `indexedDB` with an empty one: no database of an earlier test is visible. */
export function freshIndexedDb(): void {
  globalThis.indexedDB = new IDBFactory();
}
