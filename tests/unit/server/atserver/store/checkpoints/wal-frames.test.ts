import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalFrames } from '$server/atserver/store/checkpoints/wal-frames';
import { tempDir } from '../../../../../support/temp-dir';
import { walDatabase } from './wal-database';

describe('WalFrames', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeEach(async () => (dir = await tempDir()));
  afterEach(() => dir.remove());

  it('reads the number of frames in the log as SQLite counts them', () => {
    const path = `${dir.path}/a.sqlite`;
    const { db, insert } = walDatabase(path);
    for (let i = 0; i < 20; i++) insert('x'.repeat(3000));
    const frames = new WalFrames(path);
    const counted = frames.count();
    const [sqlite] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(counted).toBeGreaterThan(20);
    expect(counted).toBe(sqlite?.log);
    frames.close();
    db.close();
  });

  it('counts 0 when there is no WAL-index, or only part of one', async () => {
    const path = `${dir.path}/b.sqlite`;
    expect(new WalFrames(path).count()).toBe(0);
    await writeFile(`${path}-shm`, Buffer.alloc(8, 0xff));
    expect(new WalFrames(path).count()).toBe(0);
  });
});
