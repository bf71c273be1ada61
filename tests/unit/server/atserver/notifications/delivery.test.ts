import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AtError } from '$lib/at/errors';
import { defaultAtServerLimits } from '$server/config';
import { silentLogger } from '$server/log';
import type { RemoteLookup } from '$server/atserver/context';
import { DeliveryQueue } from '$server/atserver/notifications/delivery';
import { AtSignStore } from '$server/atserver/store/atsign-store';
import { notificationLog, type StoredNotification } from '$server/atserver/store/notification-log';
import { ManualClock } from '../../../../support/manual-clock';
import { tempDir } from '../../../../support/temp-dir';

/** The federation seam, scripted: every `notify:` line is recorded and answered by `answer`. */
function scriptedRemote(answer: (command: string) => string | Error) {
  const sent: string[] = [];
  const remote: RemoteLookup = {
    request(_atSign, command) {
      sent.push(command);
      const result = answer(command);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
  };
  return { remote, sent, ids: () => sent.map((line) => /^notify:id:([^:]+):/.exec(line)?.[1]) };
}

describe('DeliveryQueue', () => {
  let dir: { path: string; remove(): Promise<void> };
  let store: AtSignStore;
  let clock: ManualClock;
  let queue: DeliveryQueue | undefined;
  beforeEach(async () => {
    dir = await tempDir();
    store = AtSignStore.open(`${dir.path}/alice.sqlite`);
    clock = new ManualClock();
  });
  afterEach(async () => {
    queue?.close();
    await store.close();
    await dir.remove();
  });

  const start = (remote: RemoteLookup, limits = {}) =>
    (queue = new DeliveryQueue({
      clock,
      limits: { ...defaultAtServerLimits, ...limits },
      log: silentLogger,
      notifications: notificationLog(store),
      remote: () => remote,
    }));

  const sent = (id: string, overrides: Partial<StoredNotification> = {}): StoredNotification => ({
    id,
    type: 'sent',
    status: 'queued',
    fromAtSign: '@alice',
    toAtSign: '@bob',
    dateTime: clock.now(),
    expiresAt: clock.now() + 86_400_000,
    key: `@bob:${id}@alice`,
    value: 'v',
    opType: 'update',
    messageType: 'key',
    priority: 'low',
    retryCount: 1,
    strategy: 'all',
    notifier: 'SYSTEM',
    depth: 1,
    ttl: 86_400_000,
    ...overrides,
  });

  const enqueue = async (record: StoredNotification) => {
    await notificationLog(store).put(record);
    queue!.enqueue(record);
  };
  const statusOf = (id: string) => notificationLog(store).get(id)?.status;

  it('sends queued notifications in the order they were made and marks them delivered', async () => {
    const bob = scriptedRemote(() => 'success');
    start(bob.remote);
    for (const id of ['one', 'two', 'three']) await enqueue(sent(id));
    await vi.waitFor(() => expect(statusOf('three')).toBe('delivered'));
    expect(bob.ids()).toEqual(['one', 'two', 'three']);
    expect(bob.sent[0]).toBe('notify:id:one:update:messageType:key:notifier:SYSTEM:ttln:86400000:@bob:one@alice:v');
  });

  it('backs off after a failure, doubling, then retries with retryCount + 1 and a lower priority', async () => {
    let up = false;
    const bob = scriptedRemote(() => (up ? 'success' : new AtError('AT0021', 'unreachable')));
    start(bob.remote, { notificationRetryBaseMs: 1_000 });
    await enqueue(sent('n', { priority: 'high' }));
    await vi.waitFor(() => expect(statusOf('n')).toBe('errored'));
    // The server's periodic job nudges the queue; nothing goes out before the back-off has passed.
    clock.advance(999);
    queue!.nudge();
    await store.writes.submit(() => undefined);
    expect(bob.sent).toHaveLength(1);
    clock.advance(1);
    queue!.nudge();
    await vi.waitFor(() => expect(notificationLog(store).get('n')?.retryCount).toBe(2));
    up = true;
    clock.advance(1_999);
    queue!.nudge();
    await store.writes.submit(() => undefined);
    expect(bob.sent).toHaveLength(2);
    clock.advance(1);
    queue!.nudge();
    await vi.waitFor(() => expect(statusOf('n')).toBe('delivered'));
    expect(notificationLog(store).get('n')).toMatchObject({ retryCount: 3, priority: 'low' });
  });

  it('stops retrying after notificationMaxRetries, leaving the notification errored', async () => {
    const bob = scriptedRemote(() => new AtError('AT0021', 'unreachable'));
    start(bob.remote, { notificationRetryBaseMs: 10, notificationRetryMaxMs: 10, notificationMaxRetries: 2 });
    await enqueue(sent('n'));
    await vi.waitFor(() => expect(statusOf('n')).toBe('errored'));
    clock.advance(10);
    queue!.nudge();
    await vi.waitFor(() => expect(notificationLog(store).get('n')?.retryCount).toBe(2));
    clock.advance(10);
    queue!.nudge();
    expect(queue!.size()).toBe(0);
    expect(statusOf('n')).toBe('errored');
  });

  it('keeps only the newest latestN per notifier for strategy:latest', async () => {
    let up = false;
    const bob = scriptedRemote(() => (up ? 'success' : new AtError('AT0021', 'unreachable')));
    start(bob.remote, { notificationRetryBaseMs: 100 });
    await enqueue(sent('first'));
    await vi.waitFor(() => expect(statusOf('first')).toBe('errored'));
    for (const id of ['l1', 'l2', 'l3']) {
      clock.advance(1);
      await enqueue(sent(id, { strategy: 'latest', notifier: 'wavi', depth: 2 }));
    }
    up = true;
    clock.advance(100);
    queue!.nudge();
    await vi.waitFor(() => expect(statusOf('l3')).toBe('delivered'));
    expect(bob.ids().slice(1)).toEqual(['first', 'l2', 'l3']);
    expect(statusOf('l1')).toBe('queued');
  });

  it('re-queues after a restart: queued ones as they are, errored ones one retry further', async () => {
    const bob = scriptedRemote(() => 'success');
    const log = notificationLog(store);
    await log.put(sent('queued-one'));
    clock.advance(1);
    await log.put(sent('errored-one', { status: 'errored', retryCount: 3, priority: 'medium' }));
    await log.put(sent('given-up', { status: 'errored', retryCount: 30 }));
    start(bob.remote).load(log.pending());
    await vi.waitFor(() => expect(statusOf('errored-one')).toBe('delivered'));
    expect(bob.ids()).toEqual(['queued-one', 'errored-one']);
    expect(log.get('errored-one')).toMatchObject({ retryCount: 4, priority: 'low' });
    expect(statusOf('given-up')).toBe('errored');
  });

  it('does not bring back a notification removed while it was being sent', async () => {
    let release: (answer: string) => void = () => undefined;
    const remote: RemoteLookup = { request: () => new Promise((resolve) => (release = resolve)) };
    start(remote);
    await enqueue(sent('n'));
    await vi.waitFor(() => expect(release).not.toBe(undefined));
    queue!.forget('n');
    await notificationLog(store).remove('n');
    release('success');
    await store.writes.submit(() => undefined);
    expect(notificationLog(store).get('n')).toBeUndefined();
  });
});
