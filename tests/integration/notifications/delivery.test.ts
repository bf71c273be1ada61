import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { directoryName } from '$server/directory/backend';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';
import { closedPort } from '../federation/peers';
import { MonitorStream } from './monitor-stream';
import { PeerHost } from './peer-host';

const nullLive = {
  encKeyName: null,
  encAlgo: null,
  ivNonce: null,
  skeEncKeyName: null,
  skeEncAlgo: null,
  sharedKeyEnc: null,
};

/** Two atSigns on one host: @alice's atServer delivers to @bob's over from/pol and mutual TLS (§6.4, §6.5). */
describe('notification delivery between two atServers', () => {
  let stack: Stack;
  let alice: TestConnection;
  let bob: TestConnection;
  beforeAll(async () => {
    // Retries are looked for every 20 ms; no periodic stats notifications (the tests read each one they expect).
    stack = await startStack({
      atSigns: ['@alice', '@bob', '@carol', '@frank'],
      limits: { notificationJobMs: 20, statsNotificationIntervalMs: 0 },
    });
    alice = await stack.owner('@alice');
    bob = await stack.owner('@bob');
  });
  afterAll(() => stack.stop());

  const statusOf = (connection: TestConnection, id: string) => connection.send(`notify:status:${id}`);
  const fetched = async (connection: TestConnection, id: string) =>
    JSON.parse((await connection.send(`notify:fetch:${id}`)).slice('data:'.length)) as Record<string, string>;

  it("delivers @alice's notification to @bob's monitor and marks it delivered", async () => {
    const monitor = await MonitorStream.open(stack, '@bob');
    expect(await alice.send('notify:id:d-1:update:messageType:key:@bob:phone.wavi@alice:c2VjcmV0')).toBe('data:d-1');
    expect(await monitor.next()).toEqual({
      id: 'd-1',
      from: '@alice',
      to: '@bob',
      key: '@bob:phone.wavi@alice',
      value: 'c2VjcmV0',
      operation: 'update',
      epochMillis: stack.clock.now(),
      messageType: 'MessageType.key',
      isEncrypted: true,
      metadata: nullLive,
    });
    await vi.waitFor(async () => expect(await statusOf(alice, 'd-1')).toBe('data:delivered'));
    // The receiver keeps it as received, status queued, as the reference does.
    expect(await fetched(bob, 'd-1')).toMatchObject({
      fromAtSign: '@alice',
      toAtSign: '@bob',
      type: 'NotificationType.received',
      notificationStatus: 'NotificationStatus.queued',
    });
    expect(await fetched(alice, 'd-1')).toMatchObject({
      type: 'NotificationType.sent',
      notificationStatus: 'NotificationStatus.delivered',
      retryCount: '1',
    });
    monitor.close();
  });

  it('delivers a text message with its own isEncrypted', async () => {
    const monitor = await MonitorStream.open(stack, '@bob');
    await alice.send('notify:id:text-1:messageType:text:@bob:hello bob');
    expect(await monitor.next()).toMatchObject({
      id: 'text-1',
      key: '@bob:hello bob',
      value: null,
      messageType: 'MessageType.text',
      isEncrypted: false,
    });
    monitor.close();
  });

  it("keeps @bob's cached copy of a key @alice shares with a ttr, and drops it when she deletes it (ccd)", async () => {
    const monitor = await MonitorStream.open(stack, '@bob');
    await alice.send('update:ttr:-1:ccd:true:@bob:city.wavi@alice Copenhagen');
    expect(await monitor.next()).toMatchObject({
      from: '@alice',
      key: '@bob:city.wavi@alice',
      value: 'Copenhagen',
      operation: 'update',
      isEncrypted: false,
    });
    const cached = await monitor.nextStats();
    expect(cached.operation).toBe('update');
    expect(await bob.send('llookup:cached:@bob:city.wavi@alice')).toBe('data:Copenhagen');
    expect(await bob.send('llookup:meta:cached:@bob:city.wavi@alice')).toMatch(/"ttr":-1,"ccd":true/);
    expect(await bob.send('stats:3')).toBe(`data: [{"id":"3","name":"lastCommitID","value":"${cached.value}"}]`);

    await alice.send('delete:@bob:city.wavi@alice');
    expect(await monitor.next()).toMatchObject({ key: '@bob:city.wavi@alice', value: null, operation: 'delete' });
    expect(await monitor.nextStats()).toMatchObject({ operation: 'delete' });
    expect(await bob.send('llookup:cached:@bob:city.wavi@alice')).toMatch(/^error:AT0015-/);
    monitor.close();
  });

  it('keeps a cached copy without ccd when the delete notification comes', async () => {
    await alice.send('notify:id:c-1:update:ttr:3600:@bob:note@alice:hi');
    await vi.waitFor(async () => expect(await statusOf(alice, 'c-1')).toBe('data:delivered'));
    expect(await bob.send('llookup:cached:@bob:note@alice')).toBe('data:hi');
    await alice.send('notify:id:c-2:delete:@bob:note@alice');
    await vi.waitFor(async () => expect(await statusOf(alice, 'c-2')).toBe('data:delivered'));
    expect(await bob.send('llookup:cached:@bob:note@alice')).toBe('data:hi');
  });

  it('updates only the metadata of the cached copy after update:meta, keeping its value', async () => {
    const monitor = await MonitorStream.open(stack, '@bob');
    await alice.send('update:ttr:3600:@bob:memo@alice hi');
    expect(await monitor.next()).toMatchObject({ key: '@bob:memo@alice', value: 'hi' });
    await monitor.nextStats();
    await alice.send('update:meta:@bob:memo@alice:ttr:60:ccd:true:isEncrypted:true');
    expect(await monitor.next()).toMatchObject({ key: '@bob:memo@alice', value: null });
    await monitor.nextStats();
    // As in the reference, a notification without a value carries no ttr: the copy keeps its own.
    expect(await bob.send('llookup:all:cached:@bob:memo@alice')).toMatch(/"data":"hi".*"version":1,.*"ttr":3600,/);
    monitor.close();
  });

  it('retries an atSign whose atServer is unreachable with back-off, then delivers, in the order sent', async () => {
    const address = `localhost:${stack.port('@carol')}`;
    await stack.directoryBackend.register(directoryName('@carol'), `localhost:${await closedPort()}`);
    await alice.send('notify:id:r-1:priority:high:@carol:one@alice:1');
    await vi.waitFor(async () => expect(await statusOf(alice, 'r-1')).toBe('data:errored'));
    stack.clock.advance(1);
    await alice.send('notify:id:r-2:@carol:two@alice:2');
    expect(await statusOf(alice, 'r-2')).toBe('data:queued');
    await stack.directoryBackend.register(directoryName('@carol'), address);
    const monitor = await MonitorStream.open(stack, '@carol');
    stack.clock.advance(10_000);
    expect((await monitor.take(2)).map((event) => event.id)).toEqual(['r-1', 'r-2']);
    await vi.waitFor(async () => expect(await statusOf(alice, 'r-2')).toBe('data:delivered'));
    // A retry counts up and lowers the priority one step.
    expect(await fetched(alice, 'r-1')).toMatchObject({
      notificationStatus: 'NotificationStatus.delivered',
      retryCount: '2',
      priority: 'NotificationPriority.medium',
    });
    monitor.close();
  });

  it('delivers only the newest latestN per notifier for strategy:latest', async () => {
    // @frank has not been reached yet: no pooled connection to him bypasses the directory.
    const address = `localhost:${stack.port('@frank')}`;
    await stack.directoryBackend.register(directoryName('@frank'), `localhost:${await closedPort()}`);
    await alice.send('notify:id:l-0:@frank:zero@alice:0');
    await vi.waitFor(async () => expect(await statusOf(alice, 'l-0')).toBe('data:errored'));
    for (const n of [1, 2, 3]) {
      stack.clock.advance(1);
      await alice.send(`notify:id:l-${n}:strategy:latest:latestN:2:notifier:wavi:@frank:n${n}@alice:${n}`);
    }
    await stack.directoryBackend.register(directoryName('@frank'), address);
    const monitor = await MonitorStream.open(stack, '@frank');
    stack.clock.advance(20_000);
    expect((await monitor.take(3)).map((event) => event.id)).toEqual(['l-0', 'l-2', 'l-3']);
    // Superseded, it stays queued and is never sent.
    expect(await statusOf(alice, 'l-1')).toBe('data:queued');
    monitor.close();
  });

  it('queues one notification per distinct recipient for notify:all', async () => {
    const monitor = await MonitorStream.open(stack, '@bob');
    const answer = await alice.send('notify:all:@bob,@bob:shared.wavi@alice:v1');
    expect(answer).toMatch(/^data: \{"@bob":"[0-9a-f-]{36}"\}$/);
    expect(await monitor.next()).toMatchObject({ key: '@bob:shared.wavi@alice', value: 'v1', from: '@alice' });
    monitor.close();
  });

  it('notifies nobody for keys that are not shared with another atSign', async () => {
    const monitor = await MonitorStream.open(stack, '@bob');
    await alice.send('update:public:open.wavi@alice v');
    await alice.send('update:@alice:own.wavi@alice v');
    await alice.send('delete:cached:@alice:thing@bob');
    await alice.send('notify:id:sentinel-1:@bob:sentinel@alice:s');
    expect((await monitor.next()).id).toBe('sentinel-1');
    monitor.close();
  });
});

describe('delivery across restarts', () => {
  let stack: Stack;
  let peer: PeerHost;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'], limits: { notificationJobMs: 20 } });
    peer = await PeerHost.start(stack, ['@dave', '@erin'], { notificationJobMs: 20 });
  });
  afterAll(async () => {
    await peer.close();
    await stack.stop();
  });

  it('delivers to an atServer that was down when the notification was sent, once it is back', async () => {
    const alice = await stack.owner('@alice');
    await peer.stop();
    await alice.send('notify:id:down-1:@dave:phone@alice:1');
    await vi.waitFor(async () => expect(await alice.send('notify:status:down-1')).toBe('data:errored'));
    await peer.restart();
    const monitor = await MonitorStream.open(stack, '@dave', 'monitor', await peer.owner('@dave'));
    stack.clock.advance(10_000);
    expect((await monitor.next()).id).toBe('down-1');
    await vi.waitFor(async () => expect(await alice.send('notify:status:down-1')).toBe('data:delivered'));
  });

  it("sends what was still queued when the sender's atServer stopped, after it starts again", async () => {
    const erin = await peer.owner('@erin');
    const aliceAddress = `localhost:${stack.port('@alice')}`;
    await stack.directoryBackend.register(directoryName('@alice'), `localhost:${await closedPort()}`);
    await erin.send('notify:id:restart-1:@alice:phone@erin:1');
    await vi.waitFor(async () => expect(await erin.send('notify:status:restart-1')).toBe('data:errored'));
    await peer.stop();
    await stack.directoryBackend.register(directoryName('@alice'), aliceAddress);
    const monitor = await MonitorStream.open(stack, '@alice');
    await peer.restart();
    expect(await monitor.next()).toMatchObject({ id: 'restart-1', from: '@erin' });
    const again = await peer.owner('@erin');
    await vi.waitFor(async () => expect(await again.send('notify:status:restart-1')).toBe('data:delivered'));
  });
});

describe('autoNotify switched off', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'], limits: { autoNotify: false, testingMode: true } });
  });
  afterAll(() => stack.stop());

  it('sends nothing for updates and deletes of shared keys', async () => {
    const alice = await stack.owner('@alice');
    const monitor = await MonitorStream.open(stack, '@bob');
    await alice.send('update:@bob:quiet.wavi@alice v');
    await alice.send('delete:@bob:quiet.wavi@alice');
    await alice.send('notify:id:sentinel-2:@bob:sentinel@alice:s');
    expect((await monitor.next()).id).toBe('sentinel-2');
  });

  it('follows config:set:autoNotify in testing mode', async () => {
    const alice = await stack.owner('@alice');
    const monitor = await MonitorStream.open(stack, '@bob');
    expect(await alice.send('config:set:autoNotify=true')).toBe('data:ok');
    await alice.send('update:@bob:loud.wavi@alice v');
    expect(await monitor.next()).toMatchObject({ key: '@bob:loud.wavi@alice', value: 'v' });
    expect(await alice.send('config:set:autoNotify=false')).toBe('data:ok');
    await alice.send('update:@bob:loud.wavi@alice w');
    await alice.send('notify:id:sentinel-3:@bob:sentinel@alice:s');
    expect((await monitor.next()).id).toBe('sentinel-3');
  });
});
