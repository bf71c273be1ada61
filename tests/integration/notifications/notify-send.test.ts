import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkamConnection } from '../atserver/apkam-connection';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';

/** The `notify` verb on the sender's side: what an owner may send and how a refusal reads (§5.18). */
describe('notify from the owner', () => {
  let stack: Stack;
  let alice: TestConnection;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  const fetch = async (id: string) =>
    JSON.parse((await alice.send(`notify:fetch:${id}`)).slice('data:'.length)) as Record<string, string>;

  it('answers a new uuid unless the client chose the id', async () => {
    expect(await alice.send('notify:@alice:phone@alice:1')).toMatch(/^data:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    expect(await alice.send('notify:id:my_own-id:@alice:phone@alice:1')).toBe('data:my_own-id');
  });

  it('defaults the sender to this atSign, the operation to update and the notifier to SYSTEM', async () => {
    await alice.send('notify:id:defaults:@alice:phone');
    expect(await fetch('defaults')).toMatchObject({
      notification: '@alice:phone@alice',
      opType: 'OperationType.update',
      messageType: 'MessageType.key',
      priority: 'NotificationPriority.low',
      strategy: 'all',
      depth: '1',
      notifier: 'SYSTEM',
      atValue: 'null',
    });
  });

  it('keeps priority, strategy latest with latestN and notifier, and ttln as given', async () => {
    await alice.send(
      'notify:id:all-options:delete:messageType:key:priority:high:strategy:latest:latestN:3:notifier:wavi:ttln:60000:' +
        '@alice:phone@alice',
    );
    expect(await fetch('all-options')).toMatchObject({
      opType: 'OperationType.delete',
      priority: 'NotificationPriority.high',
      strategy: 'latest',
      depth: '3',
      notifier: 'wavi',
      ttl: '60000',
    });
  });

  it('marks key notifications encrypted unless told otherwise, public keys never, text only when told', async () => {
    const encrypted = async (line: string) => (await fetch((await alice.send(line)).slice(5))).atMetadata;
    expect(await encrypted('notify:@alice:k1@alice:v')).toContain('isEncrypted: true');
    expect(await encrypted('notify:isEncrypted:false:@alice:k2@alice:v')).toContain('isEncrypted: false');
    expect(await encrypted('notify:@alice:public:k3@alice:v')).toContain('isEncrypted: false');
    expect(await encrypted('notify:messageType:text:@alice:hi there')).toContain('isEncrypted: false');
    expect(await encrypted('notify:messageType:text:isEncrypted:true:@alice:aGk=')).toContain('isEncrypted: true');
  });

  it('carries ttr and ccd only for an update with a value or a delete', async () => {
    const metadata = async (line: string) => (await fetch((await alice.send(line)).slice(5))).atMetadata;
    expect(await metadata('notify:update:ttr:60:ccd:true:@alice:key@alice:v')).toBe(
      '{createdBy: @alice, ttl: 0, ttb: 0, ttr: 60, ccd: true, isEncrypted: true}',
    );
    expect(await metadata('notify:update:ttr:60:ccd:true:@alice:key@alice')).toBe(
      '{createdBy: @alice, ttl: 0, ttb: 0, isEncrypted: true}',
    );
    expect(await metadata('notify:delete:ttr:60:@alice:key@alice')).toBe(
      '{createdBy: @alice, ttl: 0, ttb: 0, ttr: 60, ccd: false, isEncrypted: true}',
    );
  });

  it('refuses a notification on behalf of another atSign', async () => {
    expect(await alice.send('notify:@bob:phone@carol:1')).toBe(
      'error:AT0009-UnAuthorized client in request : @carol is not authorized to send notification as @alice',
    );
  });

  it('refuses what its grammar and metadata rules refuse', async () => {
    expect(await alice.send('notify:phone@alice')).toMatch(/^error:AT0003-Invalid syntax : /);
    expect(await alice.send('notify:strategy:latest:@bob:phone@alice')).toBe(
      'error:AT0003-Invalid syntax : For Strategy latest, notifier cannot be null',
    );
    expect(await alice.send('notify:ttl:-1:@bob:phone@alice:1')).toBe(
      'error:AT0003-Invalid syntax : Valid value for TTL should be greater than or equal to 0',
    );
    expect(await alice.send('notify:ttr:-2:@bob:phone@alice:1')).toBe(
      'error:AT0003-Invalid syntax : Valid values for TTR are -1 and greater than or equal to 1',
    );
  });

  it('refuses an unauthenticated connection after reading the line', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('notify:@alice:phone@alice:1')).toBe(
      'error:AT0401-Exception: Notify command cannot be executed without authentication',
    );
    expect(await stranger.send('notify:phone')).toMatch(/^error:AT0003-/);
  });

  it('closes the connection for a public notification, which has no recipient', async () => {
    const owner = await stack.owner('@alice');
    expect(await owner.send('notify:public:phone@alice:1')).toBe(
      'error:AT0011-Internal server exception : invalid @sign: must include one @ character and at least one ' +
        'character on the right',
    );
    await owner.raw.closed;
  });

  it('needs rw on the key namespace for an APKAM connection', async () => {
    const { connection, enrollmentId } = await apkamConnection(stack, '@alice', { wavi: 'rw', buzz: 'r' });
    expect(await connection.send('notify:id:ok-wavi:@alice:phone.wavi@alice:1')).toBe('data:ok-wavi');
    expect(await connection.send('notify:@alice:phone.buzz@alice:1')).toBe(
      `error:AT0009-UnAuthorized client in request : Connection with enrollment ID ${enrollmentId} is not ` +
        'authorized to notify key: @alice:phone.buzz@alice',
    );
  });

  it('counts notifications in stats:11 by type, status, operation and message type', async () => {
    const counts = JSON.parse(/"value":"(.*)"\}\]$/.exec(await alice.send('stats:11'))![1]!.replaceAll('\\"', '"')) as {
      type: { received: number };
      operations: { delete: number };
      messageType: { text: number };
    };
    expect(counts.type.received).toBeGreaterThanOrEqual(10);
    expect(counts.operations.delete).toBe(2);
    expect(counts.messageType.text).toBe(2);
  });
});
