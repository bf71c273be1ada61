import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultWebPushConfig } from '$server/config';
import { createLogger } from '$server/log';
import { ensureLocalCa } from '$server/tls/local-ca';
import { tempDir } from '../../support/temp-dir';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';
import { PushService } from './push-service';
import { PushSubscriber, verifyVapid } from './push-subscriber';

const vapidKey = 'public:vapid_publickey.__webpush@alice';
const subscriptionKey = (device: string) => `${device}.subscription.__webpush@alice`;
const secretValue = 'Secret-Value-9f3b';
const secretText = 'meet-at-noon-7c1e';

/**
 * Web push from @alice's atServer to her devices when @bob notifies her: set up through atProtocol keys
 * only, sent to a real HTTPS push service on loopback (trusted through the local CA, allowed by config),
 * decrypted here as a browser would.
 */
describe('web push of received notifications', () => {
  let stack: Stack;
  let pushService: PushService;
  let alice: TestConnection;
  let bob: TestConnection;
  const logLines: string[] = [];
  const subscribers: PushSubscriber[] = [];
  const subscriber = (path: string) => {
    const created = new PushSubscriber(pushService.endpoint(path));
    subscribers.push(created);
    return created;
  };

  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    // The push service's certificate comes from the same local CA the atServers' does.
    dir = await tempDir();
    const tls = await ensureLocalCa(dir.path, ['localhost', '127.0.0.1']);
    pushService = await PushService.start(tls);
    stack = await startStack({
      dataDir: dir.path,
      atSigns: ['@alice', '@bob'],
      limits: { statsNotificationIntervalMs: 0 },
      log: createLogger('debug', {}, (line) => logLines.push(line)),
      webPush: {
        ...defaultWebPushConfig,
        subject: 'mailto:ops@example.com',
        pushHosts: ['localhost'],
        allowedAddressClasses: ['loopback'],
        trustedCaPem: tls.caPem,
      },
    });
    alice = await stack.owner('@alice');
    bob = await stack.owner('@bob');
  });
  afterAll(async () => {
    await stack.stop();
    await pushService.close();
    await dir.remove();
  });

  it("publishes the host's VAPID public key as a public key of each atSign, created once in the data folder", async () => {
    const published = (await alice.send(`llookup:${vapidKey}`)).slice('data:'.length);
    expect(Buffer.from(published, 'base64url')).toHaveLength(65);
    const anonymous = await stack.connect('@alice');
    expect(await anonymous.send('lookup:vapid_publickey.__webpush@alice')).toBe(`data:${published}`);
    expect(await bob.send('llookup:public:vapid_publickey.__webpush@bob')).toBe(`data:${published}`);
    expect((await stat(join(stack.dataDir, 'webpush', 'vapid.json'))).mode & 0o777).toBe(0o600);
  });

  it('keeps the VAPID key from the owner: neither update nor delete may touch it', async () => {
    expect(await alice.send(`update:${vapidKey} BAAA`)).toMatch(/^error:AT0009-.*Cannot update protected key/);
    expect(await alice.send(`update:meta:${vapidKey}:ttl:1000`)).toMatch(/^error:AT0009-/);
    expect(await alice.send(`delete:${vapidKey}`)).toMatch(/^error:AT0009-.*Cannot delete protected key/);
  });

  it('pushes a notification from @bob to each subscription, encrypted, with key names and no value', async () => {
    const phone = subscriber('/push/phone');
    const laptop = subscriber('/push/laptop');
    expect(await alice.send(`update:${subscriptionKey('phone')} ${phone.json()}`)).toMatch(/^data:\d+$/);
    expect(await alice.send(`update:${subscriptionKey('laptop')} ${laptop.json()}`)).toMatch(/^data:\d+$/);
    const published = (await alice.send(`llookup:${vapidKey}`)).slice('data:'.length);

    const pushes = Promise.all([pushService.next('/push/phone'), pushService.next('/push/laptop')]);
    const id = (await bob.send(`notify:update:@alice:phone.wavi@bob:${secretValue}`)).slice('data:'.length);
    const [toPhone, toLaptop] = await pushes;

    const expected = {
      type: 'notification',
      id,
      from: '@bob',
      to: '@alice',
      messageType: 'key',
      operation: 'update',
      key: '@alice:phone.wavi@bob',
      epochMillis: stack.clock.now(),
    };
    expect(JSON.parse(phone.decrypt(toPhone.body))).toEqual(expected);
    expect(JSON.parse(laptop.decrypt(toLaptop.body))).toEqual(expected);
    expect(toPhone.body.includes(secretValue)).toBe(false);
    expect(toPhone.headers).toMatchObject({ 'content-encoding': 'aes128gcm', ttl: '86400', urgency: 'normal' });
    const vapid = verifyVapid(String(toPhone.headers.authorization), pushService.origin);
    expect(vapid.key).toBe(published);
    expect(vapid.claims.sub).toBe('mailto:ops@example.com');
  });

  it('leaves the text of a text message out of the push', async () => {
    const tablet = subscriber('/push/tablet');
    await alice.send(`update:${subscriptionKey('tablet')} ${tablet.json()}`);
    const push = pushService.next('/push/tablet');
    await bob.send(`notify:messageType:text:@alice:${secretText}`);
    const received = await push;
    const payload = JSON.parse(tablet.decrypt(received.body)) as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'notification', from: '@bob', to: '@alice', messageType: 'text' });
    expect(payload).not.toHaveProperty('key');
    expect(JSON.stringify(payload)).not.toContain(secretText);
  });

  it('sends nothing for a notification the owner sends to itself', async () => {
    const phone = subscribers[0]!;
    const before = pushService.pushesTo('/push/phone').length;
    await alice.send('notify:@alice:note@alice:to-myself');
    // The push for @bob's later notification: one for the self notification would have started first.
    const push = pushService.next('/push/phone');
    await bob.send('notify:update:@alice:after.wavi@bob:x');
    await push;
    const since = pushService.pushesTo('/push/phone').slice(before);
    expect(since.map((received) => JSON.parse(phone.decrypt(received.body)) as { from: string })).toEqual([
      expect.objectContaining({ from: '@bob', key: '@alice:after.wavi@bob' }),
    ]);
  });

  it('stops pushing to a device once its subscription is deleted', async () => {
    const watch = subscriber('/push/watch');
    await alice.send(`update:${subscriptionKey('watch')} ${watch.json()}`);
    expect(await alice.send(`delete:${subscriptionKey('watch')}`)).toMatch(/^data:\d+$/);
    const push = pushService.next('/push/phone');
    await bob.send('notify:update:@alice:deleted.wavi@bob:x');
    await push;
    expect(pushService.pushesTo('/push/watch')).toHaveLength(0);
  });

  it('deletes a subscription the push service answers 410 for, once, with a commit the owner syncs', async () => {
    const old = subscriber('/push/old');
    await alice.send(`update:${subscriptionKey('old')} ${old.json()}`);
    pushService.answer('/push/old', 410);
    const push = pushService.next('/push/old');
    await bob.send('notify:update:@alice:gone.wavi@bob:x');
    await push;
    await vi.waitFor(async () =>
      expect(await alice.send(`llookup:${subscriptionKey('old')}`)).toMatch(/^error:AT0015-/),
    );
    const sync = await alice.send('sync:from:-1:limit:100');
    const entries = JSON.parse(sync.slice('data:'.length)) as { atKey: string; operation: string }[];
    expect(entries.find((entry) => entry.atKey === subscriptionKey('old'))?.operation).toBe('-');
    expect(pushService.pushesTo('/push/old')).toHaveLength(1);
  });

  it('refuses a subscription to a push service off the allow-list at registration, and never contacts it', async () => {
    const ipLiteral = new PushSubscriber(pushService.endpoint('/push/evil').replace('localhost', '127.0.0.1'));
    const refused = await alice.send(`update:${subscriptionKey('evil')} ${ipLiteral.json()}`);
    expect(refused).toBe('error:AT0003-Invalid syntax : push service 127.0.0.1 is not allowed');
    const plainHttp = new PushSubscriber(pushService.endpoint('/push/evil').replace('https:', 'http:'));
    expect(await alice.send(`update:${subscriptionKey('evil')} ${plainHttp.json()}`)).toBe(
      'error:AT0003-Invalid syntax : invalid push subscription: endpoint must be https',
    );
    expect(await alice.send(`update:${subscriptionKey('evil')} {"endpoint":"x"}`)).toMatch(
      /^error:AT0003-Invalid syntax : invalid push subscription: /,
    );
    expect(await alice.send(`llookup:${subscriptionKey('evil')}`)).toMatch(/^error:AT0015-/);
    const push = pushService.next('/push/phone');
    await bob.send('notify:update:@alice:evil.wavi@bob:x');
    await push;
    expect(pushService.pushesTo('/push/evil')).toHaveLength(0);
  });

  it('logs no secret: no value, no endpoint path, no subscription key, no VAPID private key', async () => {
    const vapid = JSON.parse(await readFile(join(stack.dataDir, 'webpush', 'vapid.json'), 'utf8')) as {
      privateKey: string;
    };
    const log = logLines.join('\n');
    expect(log).toContain('push sent');
    expect(log).toContain('push subscription removed');
    for (const secret of [secretValue, secretText, vapid.privateKey, '/push/phone', '/push/old']) {
      expect(log).not.toContain(secret);
    }
    for (const { auth, publicKey } of subscribers) {
      expect(log).not.toContain(auth.toString('base64url'));
      expect(log).not.toContain(publicKey.toString('base64url'));
    }
  });
});
