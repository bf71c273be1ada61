import { describe, expect, it } from 'vitest';
import { CommandQueue } from '$server/atserver/command-queue';

/** A promise with its resolve and reject at hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('CommandQueue', () => {
  it('runs a synchronous command inside push, before push returns', () => {
    const ran: string[] = [];
    const queue = new CommandQueue();
    queue.push(() => void ran.push('a'));
    expect(ran).toEqual(['a']);
    expect(queue.size).toBe(0);
  });

  it('holds later commands until a pending one settles, then runs them in order', async () => {
    const ran: string[] = [];
    const slow = deferred();
    const queue = new CommandQueue();
    queue.push(() => {
      ran.push('slow');
      return slow.promise;
    });
    queue.push(() => void ran.push('b'));
    queue.push(() => void ran.push('c'));
    expect(ran).toEqual(['slow']);
    expect(queue.size).toBe(3);
    slow.resolve();
    await slow.promise;
    await Promise.resolve();
    expect(ran).toEqual(['slow', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('goes on after a command whose promise rejects', async () => {
    const ran: string[] = [];
    const failing = deferred();
    const queue = new CommandQueue();
    queue.push(() => failing.promise);
    queue.push(() => void ran.push('after'));
    failing.reject(new Error('boom'));
    await failing.promise.catch(() => {});
    await Promise.resolve();
    expect(ran).toEqual(['after']);
  });

  it('calls afterEach once per finished command, with that command no longer counted', async () => {
    const sizes: number[] = [];
    const slow = deferred();
    const queue: CommandQueue = new CommandQueue(() => sizes.push(queue.size));
    queue.push(() => slow.promise);
    queue.push(() => {});
    queue.push(() => {});
    expect(sizes).toEqual([]);
    slow.resolve();
    await slow.promise;
    await Promise.resolve();
    expect(sizes).toEqual([2, 1, 0]);
  });

  it('runs a command pushed by a running command after it, not inside it', () => {
    const ran: string[] = [];
    const queue = new CommandQueue();
    queue.push(() => {
      queue.push(() => void ran.push('inner'));
      ran.push('outer');
    });
    expect(ran).toEqual(['outer', 'inner']);
  });
});
