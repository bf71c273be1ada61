import { describe, expect, it } from 'vitest';
import { GroupCommit } from '$server/atserver/store/group-commit';

/** A sync the test finishes by hand, counting how often it was asked for. */
function manualSync() {
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    calls: () => pending.length,
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    finish: (index: number) => pending[index]?.resolve(),
    fail: (index: number, error: Error) => pending[index]?.reject(error),
  };
}

/** A transaction that records which batches ran, in order. */
function recordingTransaction() {
  const batches: number[] = [];
  return {
    batches,
    transaction: (run: () => void) => {
      batches.push(batches.length);
      run();
    },
  };
}

/** Lets setImmediate callbacks (the batch flush) and the promise jobs after them run. */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

describe('GroupCommit', () => {
  it('runs the writes of one turn in one transaction and answers them only once the sync is done', async () => {
    const { transaction, batches } = recordingTransaction();
    const disk = manualSync();
    const writes = new GroupCommit(transaction, disk.sync);
    const answered: number[] = [];
    const first = writes.submit(() => 1).then((value) => answered.push(value));
    const second = writes.submit(() => 2).then((value) => answered.push(value));
    await settle();
    expect(batches).toHaveLength(1);
    expect(disk.calls()).toBe(1);
    expect(answered).toEqual([]);
    disk.finish(0);
    await Promise.all([first, second]);
    expect(answered).toEqual([1, 2]);
    expect(writes.counters).toEqual({ batches: 1, writes: 2, syncs: 1 });
  });

  it('holds the writes that arrive while a sync runs and commits them as one batch when it ends', async () => {
    const { transaction, batches } = recordingTransaction();
    const disk = manualSync();
    const writes = new GroupCommit(transaction, disk.sync);
    const first = writes.submit(() => 'a');
    await settle();
    const second = writes.submit(() => 'b');
    await settle();
    const third = writes.submit(() => 'c');
    await settle();
    // Only the first batch is committed while its sync runs: one sync at a time, the others wait for it.
    expect(batches).toHaveLength(1);
    expect(disk.calls()).toBe(1);
    disk.finish(0);
    expect(await first).toBe('a');
    await settle();
    expect(batches).toHaveLength(2);
    expect(disk.calls()).toBe(2);
    disk.finish(1);
    expect(await Promise.all([second, third])).toEqual(['b', 'c']);
    expect(writes.counters).toEqual({ batches: 2, writes: 3, syncs: 2 });
  });

  it('commits an immediate write, and the writes held with it, while a sync runs', async () => {
    const { transaction, batches } = recordingTransaction();
    const disk = manualSync();
    const writes = new GroupCommit(transaction, disk.sync);
    const first = writes.submit(() => 'a');
    await settle();
    const held = writes.submit(() => 'b');
    await settle();
    expect(batches).toHaveLength(1);
    const seen: string[] = [];
    const logged = writes.submit(
      () => 'log',
      () => seen.push('log'),
      { immediate: true },
    );
    await settle();
    expect(batches).toHaveLength(2);
    expect(seen).toEqual(['log']);
    expect(disk.calls()).toBe(1);
    disk.finish(0);
    expect(await first).toBe('a');
    await settle();
    disk.finish(1);
    expect(await Promise.all([held, logged])).toEqual(['b', 'log']);
  });

  it('tells a write its batch has committed before the sync, and not when its own work threw', async () => {
    const disk = manualSync();
    const writes = new GroupCommit((run) => run(), disk.sync);
    const committed: string[] = [];
    const good = writes.submit(
      () => 'a',
      () => committed.push('a'),
    );
    const bad = writes.submit(
      () => {
        throw new Error('constraint');
      },
      () => committed.push('b'),
    );
    await settle();
    expect(committed).toEqual(['a']);
    disk.finish(0);
    expect(await good).toBe('a');
    await expect(bad).rejects.toThrow('constraint');
  });

  it('commits nothing while held, then what arrived meanwhile in one batch', async () => {
    const { transaction, batches } = recordingTransaction();
    const writes = new GroupCommit(transaction);
    let release: () => void = () => undefined;
    const held = writes.whileHeld(() => new Promise<void>((resolve) => (release = resolve)));
    const first = writes.submit(() => 'a');
    const second = writes.submit(() => 'b');
    await settle();
    await settle();
    expect(batches).toHaveLength(0);
    release();
    await held;
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(batches).toHaveLength(1);
  });

  it('ends a hold whose task failed, and commits the writes it held', async () => {
    const writes = new GroupCommit((run) => run());
    const held = writes.whileHeld(() => Promise.reject(new Error('checkpoint failed')));
    const write = writes.submit(() => 'a');
    await expect(held).rejects.toThrow('checkpoint failed');
    expect(await write).toBe('a');
  });

  it('rejects every write a failed sync covered, and keeps syncing later batches', async () => {
    const disk = manualSync();
    const writes = new GroupCommit((run) => run(), disk.sync);
    const lost = writes.submit(() => 'a');
    await settle();
    disk.fail(0, new Error('EIO'));
    await expect(lost).rejects.toThrow('EIO');
    const kept = writes.submit(() => 'b');
    await settle();
    disk.finish(1);
    expect(await kept).toBe('b');
  });

  it('rejects only the write that failed inside its batch', async () => {
    const writes = new GroupCommit((run) => run());
    const good = writes.submit(() => 'ok');
    const bad = writes.submit(() => {
      throw new Error('constraint');
    });
    await expect(bad).rejects.toThrow('constraint');
    expect(await good).toBe('ok');
  });

  it('rejects the whole batch when its transaction fails, without syncing', async () => {
    const disk = manualSync();
    const writes = new GroupCommit(() => {
      throw new Error('disk full');
    }, disk.sync);
    await expect(writes.submit(() => 'a')).rejects.toThrow('disk full');
    expect(disk.calls()).toBe(0);
  });
});
