import Database from 'better-sqlite3';
import { assertAddress, type DirectoryBackend, type DirectoryEntry } from './backend';

/**
 * The embedded directory: one SQLite file in the data folder. WAL lets the CLI register atSigns while a
 * running stack answers lookups from the same file.
 */
export class SqliteDirectoryBackend implements DirectoryBackend {
  readonly #db: Database.Database;
  readonly #lookup: Database.Statement<[string], { address: string }>;
  readonly #register: Database.Statement<[string, string]>;
  readonly #remove: Database.Statement<[string]>;
  readonly #list: Database.Statement<[], DirectoryEntry>;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec('CREATE TABLE IF NOT EXISTS directory (name TEXT PRIMARY KEY, address TEXT NOT NULL) WITHOUT ROWID');
    this.#lookup = this.#db.prepare('SELECT address FROM directory WHERE name = ?');
    this.#register = this.#db.prepare(
      'INSERT INTO directory (name, address) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET address = excluded.address',
    );
    this.#remove = this.#db.prepare('DELETE FROM directory WHERE name = ?');
    this.#list = this.#db.prepare('SELECT name, address FROM directory ORDER BY name');
  }

  async lookup(name: string): Promise<string | null> {
    return this.#lookup.get(name)?.address ?? null;
  }

  async register(name: string, address: string): Promise<void> {
    assertAddress(address);
    this.#register.run(name, address);
  }

  async remove(name: string): Promise<boolean> {
    return this.#remove.run(name).changes > 0;
  }

  async list(): Promise<DirectoryEntry[]> {
    return this.#list.all();
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
