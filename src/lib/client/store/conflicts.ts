/**
 * Local writes that did not reach the server as made (see the conflict rule in {@link ./pulled}), and the two
 * ways a user settles one: keep mine (queue the write again, on top of what the server now holds) or keep theirs
 * (drop it).
 */
import { queueInTransaction } from './outbox';
import type { AtSignDatabase, Conflict, OutboxEntry } from './schema';
import { atomically } from './transaction';

/** Every unresolved conflict, oldest first. */
export async function listConflicts(db: AtSignDatabase): Promise<Conflict[]> {
  return db.getAll('conflicts');
}

/** How many conflicts wait for the user. */
export async function countConflicts(db: AtSignDatabase): Promise<number> {
  return db.count('conflicts');
}

/**
 * "Keep mine": the local write goes back into the outbox, based on the record the store now holds, and the
 * conflict is removed — in one transaction. Resolves with the new outbox entry, or undefined for an unknown id.
 */
export async function keepMine(db: AtSignDatabase, id: number, now: number): Promise<OutboxEntry | undefined> {
  const tx = db.transaction(['records', 'outbox', 'conflicts'], 'readwrite', { durability: 'strict' });
  const conflicts = tx.objectStore('conflicts');
  return atomically(tx, async (track) => {
    const conflict = await conflicts.get(id);
    if (!conflict) return undefined;
    track(conflicts.delete(id));
    const { atKey, command, change } = conflict.local;
    return queueInTransaction(tx, { atKey, command, change }, now);
  });
}

/** "Keep theirs": drops the local write; the store already holds the server's version. */
export async function keepTheirs(db: AtSignDatabase, id: number): Promise<void> {
  await db.delete('conflicts', id);
}
