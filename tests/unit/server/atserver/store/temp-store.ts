/**
 * A real atSign store (SQLite file) in a fresh temporary folder for each test of the `describe` block that calls
 * {@link useTempStore}; closed and removed after the test.
 */
import { afterEach, beforeEach } from 'vitest';
import Database from 'better-sqlite3';
import { AtSignStore } from '$server/atserver/store/atsign-store';
import type { StoredRecord } from '$server/atserver/store/keystore';
import { migrate } from '$server/atserver/store/schema';
import { tempDir } from '../../../../support/temp-dir';

/** A record to write in tests: value `v` and no metadata unless given. */
export const record = (
  key: string,
  value: string | null = 'v',
  metadata: StoredRecord['metadata'] = {},
): StoredRecord => ({
  key,
  value,
  metadata,
});

export interface TempStore {
  /** The database file. */
  readonly path: string;
  /** Closes the store and opens the same file again, as a restart does. */
  reopen(): Promise<void>;
  /** Replaces the store with a new database at schema `version`, filled by `fill`, then opens it (migrating). */
  startFrom(version: number, fill: (old: Database.Database) => void): Promise<void>;
}

/**
 * Opens a store before each test and hands it to `opened` (again after every reopen).
 *
 * @example
 * let store: AtSignStore;
 * const temp = useTempStore((opened) => (store = opened));
 */
export function useTempStore(opened: (store: AtSignStore) => void): TempStore {
  let dir: { path: string; remove(): Promise<void> } | undefined;
  let store: AtSignStore | undefined;
  const path = () => `${dir!.path}/alice.sqlite`;
  const open = () => {
    store = AtSignStore.open(path());
    opened(store);
  };
  const close = async () => {
    if (store?.db.open) await store.close();
  };
  beforeEach(async () => {
    dir = await tempDir();
    open();
  });
  afterEach(async () => {
    await close();
    await dir?.remove();
  });
  return {
    get path() {
      return path();
    },
    async reopen() {
      await close();
      open();
    },
    async startFrom(version, fill) {
      await close();
      await dir!.remove();
      dir = await tempDir();
      const old = new Database(path());
      migrate(old, version);
      fill(old);
      old.close();
      open();
    },
  };
}
