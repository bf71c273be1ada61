import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDecoder, sendNotification, sendText } from '$lib/client/notifications';
import type { Stack } from '../atserver/harness';
import { MonitorStream } from '../notifications/monitor-stream';
import { startClientStack, type ClientAtSign, type ClientStack } from './client-atsigns';

const b64 = '[A-Za-z0-9+/]+={0,2}';

describe('notifications between two atSigns', () => {
  let rig: ClientStack;
  let stack: Stack;
  let alice: ClientAtSign;
  let bob: ClientAtSign;
  const decoderOf = (client: ClientAtSign) => new NotificationDecoder(client.data.codec);
  const tick = () => {
    stack.clock.advance(1_000);
    return stack.clock.now();
  };

  beforeAll(async () => {
    rig = await startClientStack(['@alice', '@bob'], { statsNotificationIntervalMs: 0 });
    stack = rig.stack;
    [alice, bob] = await Promise.all([rig.client('@alice'), rig.client('@bob')]);
  });
  afterAll(() => rig.stop());

  it('sends an encrypted notification as Dart does, which bob decrypts from its sharedKeyEnc', async () => {
    const monitor = await MonitorStream.open(stack, '@bob', 'monitor ping');
    const sent = await alice.requester.during(() =>
      sendNotification(alice.requester, alice.data.codec, {
        to: '@bob',
        key: 'ping.test',
        value: '{"msg":"ping"}',
        id: 'n-1',
      }),
    );
    expect(sent.at(-1)).toMatch(
      new RegExp(
        '^notify:id:n-1:update:messageType:key:priority:low:strategy:all:latestN:1:notifier:SYSTEM:ttln:86400000:' +
          `isEncrypted:true:sharedKeyEnc:${b64}:pubKeyCS:[0-9a-f]{32}:ivNonce:${b64}:@bob:ping\\.test@alice:${b64}$`,
      ),
    );
    const line = await monitor.nextLine();
    expect(line).not.toContain('{"msg"');
    const received = await decoderOf(bob).decode(line);
    expect(received).toMatchObject({
      id: 'n-1',
      from: '@alice',
      to: '@bob',
      name: 'ping.test',
      value: '{"msg":"ping"}',
      decrypted: true,
    });
    expect(bob.requester.lines).toEqual([]);
    monitor.close();
  });

  it('decrypts a replayed notification, which carries no sharedKeyEnc, with the shared key fetched by bob', async () => {
    const since = tick();
    await sendNotification(alice.requester, alice.data.codec, { to: '@bob', key: 'later.test', value: 'while away' });
    tick();
    const monitor = await MonitorStream.open(stack, '@bob', `monitor:${since - 1} later`);
    const line = await monitor.nextLine();
    expect(line).toContain('"expiresAt"');
    expect(line).not.toContain('sharedKeyEnc');
    const reader = await rig.client('@bob');
    const received = await decoderOf(reader).decode(line);
    expect(received).toMatchObject({ name: 'later.test', value: 'while away', decrypted: true });
    expect(reader.requester.lines[0]).toBe('llookup:cached:@bob:shared_key@alice');
    monitor.close();
  });

  it('sends a text message as an encrypted key notification about <id>.message.atstack', async () => {
    const monitor = await MonitorStream.open(stack, '@bob', 'monitor message');
    const id = await sendText(alice.requester, alice.data.codec, '@bob', 'Lunch at one?');
    const received = await decoderOf(bob).decode(await monitor.nextLine());
    expect(received).toMatchObject({ id, name: `${id}.message.atstack`, value: 'Lunch at one?', messageType: 'key' });
    monitor.close();
  });

  it('lets a client drop a notification it has already seen, by id', async () => {
    const monitor = await MonitorStream.open(stack, '@bob', 'monitor twice');
    const decoder = decoderOf(bob);
    await sendNotification(alice.requester, alice.data.codec, { to: '@bob', key: 'twice.test', value: 'once' });
    const received = (await decoder.decode(await monitor.nextLine()))!;
    expect(decoder.seen(received.id)).toBe(false);
    expect(decoder.seen(received.id)).toBe(true);
    monitor.close();
  });
});
