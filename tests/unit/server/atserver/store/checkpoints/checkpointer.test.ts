import Database from 'better-sqlite3';
import { writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AtSignStore } from '$server/atserver/store/atsign-store';
import { LogCheckpoints } from '$server/atserver/store/checkpoints/checkpointer';
import { WalFrames } from '$server/atserver/store/checkpoints/wal-frames';
import { record } from '../temp-store';
import { tempDir } from '../../../../../support/temp-dir';
import { walDatabase } from './wal-database';

describe('checkpoints of the write-ahead log', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeEach(async () => (dir = await tempDir()));
  afterEach(() => dir.remove());

  /** Writes `count` records of about 2 KB, `perBatch` at a time, each batch durable before the next. */
  async function write(store: AtSignStore, count: number, perBatch = 10, prefix = 'k'): Promise<void> {
    for (let i = 0; i < count; i += perBatch) {
      const batch = Array.from({ length: perBatch }, (_, j) =>
        store.keys.put(record(`${prefix}${i + j}@alice`, 'v'.repeat(2000)), '*'),
      );
      await Promise.all(batch);
    }
  }

  it('copies the log into the database on the checkpoint thread once it passes the threshold', async () => {
    const path = `${dir.path}/alice.sqlite`;
    const store = AtSignStore.open(path, { checkpointFrames: 40 });
    const log = new WalFrames(path);
    await write(store, 200);
    await vi.waitFor(() => expect(store.checkpoints.onThread).toBeGreaterThan(0), { timeout: 10_000 });
    await vi.waitFor(
      async () => {
        // Once the log has been copied whole, the next commit starts it again from its first frame.
        await write(store, 1, 1, 'again');
        expect(log.count()).toBeLessThan(40);
      },
      { timeout: 10_000 },
    );
    expect(store.checkpoints.onLoop).toBe(0);
    log.close();
    await store.close();
    const reopened = AtSignStore.open(path);
    expect(reopened.keys.activeKeys(0)).toHaveLength(201);
    expect(reopened.keys.get('k199@alice')?.value).toBe('v'.repeat(2000));
    await reopened.close();
  });

  it('copies what the first pass could not reach with commits held, so the log can start over', async () => {
    const path = `${dir.path}/plain.sqlite`;
    const { db, insert } = walDatabase(path);
    insert('first');
    // A reader on an older snapshot stands for the commits that land while the first pass runs: the pass
    // cannot copy the frames written after it.
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    for (let i = 0; i < 50; i++) insert('x'.repeat(3000));
    let holds = 0;
    const checkpoints = new LogCheckpoints(path, {
      frames: 10,
      holdCommits: (task) => {
        holds += 1;
        reader.exec('COMMIT');
        return task();
      },
      onLoop: () => {
        throw new Error('the thread should have done it');
      },
    });
    checkpoints.afterCommit();
    await checkpoints.close();
    expect(holds).toBe(1);
    expect(checkpoints.counts).toEqual({ onThread: 1, onLoop: 0 });
    insert('after');
    const log = new WalFrames(path);
    expect(log.count()).toBeLessThan(10);
    log.close();
    reader.close();
    db.close();
  });

  it('leaves the log alone below the threshold', async () => {
    const store = AtSignStore.open(`${dir.path}/alice.sqlite`, { checkpointFrames: 100_000 });
    await write(store, 50);
    expect(store.checkpoints).toEqual({ onThread: 0, onLoop: 0 });
    await store.close();
  });

  it('checkpoints on the event loop instead when the thread cannot', async () => {
    // A WAL-index that says the log is long, for a database the thread cannot open (there is none).
    const path = `${dir.path}/gone.sqlite`;
    const header = Buffer.alloc(32);
    if (endianness() === 'LE') header.writeUInt32LE(500, 16);
    else header.writeUInt32BE(500, 16);
    await writeFile(`${path}-shm`, header);
    let onLoop = 0;
    const checkpoints = new LogCheckpoints(path, {
      frames: 100,
      holdCommits: (task) => task(),
      onLoop: () => (onLoop += 1),
    });
    checkpoints.afterCommit();
    // One request at a time: a second commit while the first is under way asks for nothing more.
    checkpoints.afterCommit();
    await checkpoints.close();
    expect(onLoop).toBe(1);
    expect(checkpoints.counts).toEqual({ onThread: 0, onLoop: 1 });
  });
});
