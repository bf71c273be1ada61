import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkamConnection } from '../atserver/apkam-connection';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';
import { enrollmentIdOf, onboardFirstDevice, otpEnrollRequest, newDeviceKeys } from '../atserver/apkam';
import { MonitorStream } from './monitor-stream';

const nullLive =
  '{"encKeyName":null,"encAlgo":null,"ivNonce":null,"skeEncKeyName":null,"skeEncAlgo":null,"sharedKeyEnc":null}';

describe('monitor on one atSign', () => {
  let stack: Stack;
  let alice: TestConnection;
  beforeAll(async () => {
    // No periodic stats notifications here: the tests below expect each stats line they read.
    stack = await startStack({ atSigns: ['@alice'], limits: { statsNotificationIntervalMs: 0 } });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  /** Moves the clock on so the next notification is stamped exactly `clock.now()`. */
  const tick = () => {
    stack.clock.advance(1_000);
    return stack.clock.now();
  };

  it('answers nothing to monitor and streams a notification the owner sends itself, byte for byte', async () => {
    const monitor = await MonitorStream.open(stack, '@alice');
    const now = tick();
    expect(await alice.send('notify:id:self-1:update:messageType:key:@alice:phone.wavi@alice:+1-555')).toBe(
      'data:self-1',
    );
    expect(await monitor.nextLine()).toBe(
      `notification: {"id":"self-1","from":"@alice","to":"@alice","key":"@alice:phone.wavi@alice","value":"+1-555",` +
        `"operation":"update","epochMillis":${now},"messageType":"MessageType.key","isEncrypted":true,"metadata":${nullLive}}`,
    );
    monitor.close();
  });

  it('carries the encryption metadata and the text of a text message as sent', async () => {
    const monitor = await MonitorStream.open(stack, '@alice');
    await alice.send(
      'notify:id:self-2:update:messageType:text:isEncrypted:true:sharedKeyEnc:c2tl:pubKeyCS:abc:encKeyName:ekn:' +
        'encAlgo:AES:ivNonce:aXY=:skeEncKeyName:ske:skeEncAlgo:RSA:@alice:hello there',
    );
    expect(await monitor.next()).toMatchObject({
      id: 'self-2',
      key: '@alice:hello there',
      value: null,
      messageType: 'MessageType.text',
      isEncrypted: true,
      metadata: {
        encKeyName: 'ekn',
        encAlgo: 'AES',
        ivNonce: 'aXY=',
        skeEncKeyName: 'ske',
        skeEncAlgo: 'RSA',
        sharedKeyEnc: 'c2tl',
      },
    });
    await alice.send('notify:id:self-3:delete:@alice:public:phone@alice');
    expect(await monitor.next()).toMatchObject({
      id: 'self-3',
      key: 'public:phone@alice',
      operation: 'delete',
      isEncrypted: false,
    });
    monitor.close();
  });

  it('filters by a regex on the key or on the sender without its @', async () => {
    const wavi = await MonitorStream.open(stack, '@alice', 'monitor .wavi');
    const bySender = await MonitorStream.open(stack, '@alice', 'monitor ^alice$');
    await alice.send('notify:id:f-1:@alice:phone.buzz@alice:1');
    await alice.send('notify:id:f-2:@alice:phone.wavi@alice:2');
    expect((await wavi.next()).id).toBe('f-2');
    expect((await bySender.take(2)).map((event) => event.id)).toEqual(['f-1', 'f-2']);
    wavi.close();
    bySender.close();
  });

  it('replays what was stored strictly after epochMillis, in the stored form, then streams live events once each', async () => {
    const first = tick();
    await alice.send('notify:id:r-1:@alice:one.wavi@alice:1');
    const second = tick();
    await alice.send('notify:id:r-2:ttln:5000:@alice:two.wavi@alice:2');
    tick();
    const monitor = await MonitorStream.open(stack, '@alice', `monitor:${first}`);
    const replayed = await monitor.nextLine();
    const expiresAt = new Date(second + 5_000).toISOString().replace('T', ' ');
    expect(replayed).toBe(
      `notification: {"id":"r-2","from":"@alice","to":"@alice","key":"@alice:two.wavi@alice","value":"2",` +
        `"operation":"update","epochMillis":${second},"messageType":"MessageType.key","isEncrypted":true,` +
        `"metadata":{"encKeyName":null,"encAlgo":null,"ivNonce":null,"skeEncKeyName":null,"skeEncAlgo":null,` +
        `"availableAt":"null","expiresAt":"${expiresAt}"}}`,
    );
    await alice.send('notify:id:r-3:@alice:three.wavi@alice:3');
    expect((await monitor.next()).id).toBe('r-3');
    monitor.close();
  });

  it('lets a client that reconnects with the epochMillis of its last event miss nothing and see nothing twice', async () => {
    const monitor = await MonitorStream.open(stack, '@alice', 'monitor .*gap');
    for (const n of [1, 2, 3]) await alice.send(`notify:id:gap-${n}:@alice:gap${n}@alice:x`);
    const seen = await monitor.take(2);
    monitor.close();
    // Sent while no monitor is connected, and within the same millisecond as the others.
    for (const n of [4, 5]) await alice.send(`notify:id:gap-${n}:@alice:gap${n}@alice:x`);
    const again = await MonitorStream.open(stack, '@alice', `monitor:${seen[1]!.epochMillis} .*gap`);
    await alice.send('notify:id:gap-6:@alice:gap6@alice:x');
    expect((await again.take(4)).map((event) => event.id)).toEqual(['gap-3', 'gap-4', 'gap-5', 'gap-6']);
    await alice.send('notify:id:gap-7:@alice:gap7@alice:x');
    expect((await again.next()).id).toBe('gap-7');
    again.close();
  });

  it('sends a stats notification with the commit id after an update and after a delete', async () => {
    const monitor = await MonitorStream.open(stack, '@alice', 'monitor nothing-matches-this');
    const now = stack.clock.now();
    const commitId = (await alice.send('update:@bob:phone.wavi@alice 123')).slice('data:'.length);
    expect(await monitor.nextStatsLine()).toBe(
      `notification: {"id":"-1","from":"@alice","to":"@alice","key":"statsNotification.@alice","value":"${commitId}",` +
        `"operation":"update","epochMillis":${now},"messageType":"MessageType.key","isEncrypted":false,"metadata":null}`,
    );
    const deleted = (await alice.send('delete:@bob:phone.wavi@alice')).slice('data:'.length);
    expect(await monitor.nextStats()).toMatchObject({ value: deleted, operation: 'delete' });
    await alice.send('update:meta:@bob:phone.wavi@alice:ttl:60000');
    expect(await monitor.nextStats()).toMatchObject({ operation: 'update' });
    monitor.close();
  });

  it('sends the latest commit id to every monitor on the stats interval', async () => {
    const ticking = await startStack({ atSigns: ['@alice'], limits: { statsNotificationIntervalMs: 20 } });
    try {
      const owner = await ticking.owner('@alice');
      const lastCommit = /"value":"(\d+)"/.exec(await owner.send('stats:3'))![1];
      const monitor = await MonitorStream.open(ticking, '@alice', 'monitor:selfNotifications .wavi');
      expect(await monitor.nextStats()).toMatchObject({ value: lastCommit, operation: 'update', id: '-1' });
      expect(await monitor.nextStats()).toMatchObject({ value: lastCommit });
    } finally {
      await ticking.stop();
    }
  });

  it('drops a monitor whose client stops reading instead of buffering for it', async () => {
    const limited = await startStack({ atSigns: ['@alice'], limits: { monitorMaxBacklogBytes: 64 * 1024 } });
    try {
      const owner = await limited.owner('@alice');
      const monitor = await MonitorStream.open(limited, '@alice');
      monitor.connection.raw.socket.pause();
      const value = 'x'.repeat(256 * 1024);
      for (let n = 0; n < 60 && !monitor.connection.raw.isClosed; n += 1) {
        await owner.send(`notify:id:big-${n}:@alice:big@alice:${value}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      monitor.connection.raw.socket.resume();
      await monitor.connection.raw.closed;
      expect(monitor.connection.raw.isClosed).toBe(true);
      expect(await owner.send('noop:0')).toBe('data:ok');
    } finally {
      await limited.stop();
    }
  });

  it('refuses monitor before authentication and a regex that does not compile', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('monitor')).toBe('error:AT0401-Exception: Command cannot be executed without auth');
    expect(await alice.send('monitor [')).toBe(
      'error:AT0003-Invalid syntax : Invalid regular expression. [ is not a valid regex',
    );
  });
});

describe('monitor with APKAM and self notifications', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
  });
  afterAll(() => stack.stop());

  it('sends an APKAM monitor only the notifications its namespaces may read', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { wavi: 'r' });
    const monitor = await MonitorStream.open(stack, '@alice', 'monitor', connection);
    const owner = await stack.owner('@alice');
    await owner.send('notify:id:ns-1:@alice:phone.buzz@alice:1');
    await owner.send('notify:id:ns-2:@alice:phone.wavi@alice:2');
    expect((await monitor.next()).id).toBe('ns-2');
    monitor.close();
  });

  it('streams a pending enrollment to monitors that asked for self notifications only', async () => {
    const owner = await onboardFirstDevice(stack, '@alice', ['wavi', 'laptop']);
    const plain = await MonitorStream.open(stack, '@alice');
    const self = await MonitorStream.open(stack, '@alice', 'monitor:selfNotifications');
    const otp = (await owner.owner.send('otp:get')).slice('data:'.length);
    const device = await newDeviceKeys();
    const request = await otpEnrollRequest(owner.keys.encryption.publicKey, device, {
      appName: 'buzz',
      deviceName: 'phone',
      namespaces: { buzz: 'rw' },
      otp,
    });
    const id = enrollmentIdOf(await (await stack.connect('@alice')).send(request));
    const event = await self.next();
    expect(event).toMatchObject({ from: '@alice', to: '@alice', key: `${id}.new.enrollments.__manage@alice` });
    expect(JSON.parse(event.value ?? '')).toMatchObject({ appName: 'buzz', deviceName: 'phone' });
    // The plain monitor gets the next received notification, not the enrollment before it.
    await owner.owner.send('notify:id:after-enroll:@alice:x.wavi@alice:1');
    expect((await plain.next()).id).toBe('after-enroll');
    const replay = await MonitorStream.open(stack, '@alice', `monitor:selfNotifications:${event.epochMillis - 1}`);
    expect((await replay.next()).key).toBe(`${id}.new.enrollments.__manage@alice`);
  });
});
