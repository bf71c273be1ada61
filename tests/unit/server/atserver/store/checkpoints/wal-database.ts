import Database from 'better-sqlite3';

/**
 * A plain WAL database with one table `t (v TEXT)` and no automatic checkpoint, so that its log only grows
 * until a test checkpoints it.
 */
export function walDatabase(path: string): { db: Database.Database; insert: (value: string) => void } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  const statement = db.prepare<[string]>('INSERT INTO t VALUES (?)');
  return { db, insert: (value) => void statement.run(value) };
}
