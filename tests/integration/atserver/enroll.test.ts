import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotificationLine } from '$lib/at/notification';
import {
  apkamConnection,
  encryptedDefaultKeys,
  enrollmentIdOf,
  newDeviceKeys,
  onboardFirstDevice,
  otpEnrollRequest,
  pkam,
  untilSleeping,
  type DeviceKeys,
} from './apkam';
import { startStack, type Stack, type TestConnection } from './harness';

type Owner = Awaited<ReturnType<typeof onboardFirstDevice>>;

describe('enroll', () => {
  let stack: Stack;
  /** One APKAM key pair serves every device here: each enrollment records its own copy of the public key. */
  let device: DeviceKeys;
  beforeAll(async () => {
    stack = await startStack();
    device = await newDeviceKeys();
  });
  afterAll(() => stack.stop());

  /** A new device's request with an OTP from `owner`, on a fresh unauthenticated connection: pending. */
  async function requestPending(
    atSign: string,
    owner: Owner,
    deviceName: string,
    namespaces: Record<string, string> = { wavi: 'rw' },
    expiry?: number,
  ): Promise<{ id: string; device: DeviceKeys; connection: TestConnection }> {
    const otp = (await owner.owner.send('otp:get')).slice('data:'.length);
    const connection = await stack.connect(atSign);
    const line = await otpEnrollRequest(owner.keys.encryption.publicKey, device, {
      appName: 'wavi',
      deviceName,
      namespaces,
      otp,
      expiry,
    });
    return { id: enrollmentIdOf(await connection.send(line)), device, connection };
  }

  /** Approves `id` from the owner's CRAM connection (which holds `__manage` and `*`). */
  async function approve(owner: Owner, id: string, via: TestConnection = owner.owner) {
    const defaults = await encryptedDefaultKeys(owner.keys, owner.device);
    return via.send(`enroll:approve:${JSON.stringify({ enrollmentId: id, ...defaults })}`);
  }

  describe('request', () => {
    let owner: Owner;
    beforeAll(async () => {
      await stack.create('@alice');
      owner = await onboardFirstDevice(stack, '@alice', ['wavi', 'pixel']);
    });

    it('auto-approves a request on a CRAM connection, adding __manage and * to its namespaces', async () => {
      const cram = await stack.owner('@alice');
      const answer = await cram.send(
        `enroll:request:{"appName":"buzz","deviceName":"desk","namespaces":{"buzz":"r"},"apkamPublicKey":"${device.pkam.publicKey}"}`,
      );
      const id = enrollmentIdOf(answer);
      expect(answer).toBe(`data:{"enrollmentId":"${id}","status":"approved"}`);
      expect(await cram.send(`enroll:fetch:{"enrollmentId":"${id}"}`)).toBe(
        'data:{"appName":"buzz","deviceName":"desk","namespace":{"buzz":"r","__manage":"rw","*":"rw"},' +
          '"encryptedAPKAMSymmetricKey":null,"status":"approved"}',
      );
    });

    it('makes the CRAM connection act as the enrollment it requested', async () => {
      expect(await owner.owner.send(`enroll:revoke:{"enrollmentId":"${owner.enrollmentId}"}`)).toBe(
        'error:AT0031-Cannot revoke self enrollment : Current client cannot revoke its own enrollment',
      );
    });

    it('leaves a request from an unauthenticated connection with a valid OTP pending', async () => {
      const { id } = await requestPending('@alice', owner, 'phone');
      expect(await owner.owner.send(`enroll:fetch:{"enrollmentId":"${id}"}`)).toMatch(
        /^data:\{"appName":"wavi","deviceName":"phone","namespace":\{"wavi":"rw"\},"encryptedAPKAMSymmetricKey":"[^"]+","status":"pending"\}$/,
      );
    });

    it('stores a self notification of a pending request that a monitor can stream', async () => {
      const { id } = await requestPending('@alice', owner, 'tablet', { wavi: 'rw', buzz: 'r' });
      const store = stack.host.server('@alice')!.context.store;
      const row = store.db
        .prepare("SELECT type, from_atsign, to_atsign, body FROM notifications WHERE body LIKE '%' || ? || '%'")
        .get(id) as { type: string; from_atsign: string; to_atsign: string; body: string };
      expect(row).toMatchObject({ type: 'self', from_atsign: '@alice', to_atsign: '@alice' });
      const event = parseNotificationLine(`notification: ${row.body}`);
      expect(event.key).toBe(`${id}.new.enrollments.__manage@alice`);
      const value = JSON.parse(event.value ?? '') as Record<string, unknown>;
      expect(value).toMatchObject({ appName: 'wavi', deviceName: 'tablet', namespace: { wavi: 'rw', buzz: 'r' } });
      expect(value.encryptedApkamSymmetricKey).toBe(value.encryptedAPKAMSymmetricKey);
    });

    it('refuses a second pending or approved enrollment for the same app and device', async () => {
      const { id } = await requestPending('@alice', owner, 'watch');
      expect(
        await owner.owner.send(
          `enroll:request:{"appName":"wavi","deviceName":"watch","apkamPublicKey":"${device.pkam.publicKey}"}`,
        ),
      ).toBe(
        `error:AT0011-Internal server exception : Another enrollment with id ${id} exists with the app name: wavi and device name: watch in pending state`,
      );
    });

    it.each([
      ['{"deviceName":"d","apkamPublicKey":"k"}', 'appName is mandatory for enroll:request'],
      ['{"appName":"a","apkamPublicKey":"k"}', 'deviceName is mandatory for enroll:request'],
      ['{"appName":"a","deviceName":"d","apkamPublicKey":""}', 'apkam public key is mandatory for enroll:request'],
      [
        '{"appName":"a","deviceName":"d","namespaces":{"a":"rw"},"otp":"X1","apkamPublicKey":"k"}',
        'encrypted apkam symmetric key is mandatory for new client enroll:request',
      ],
      [
        '{"appName":"a","deviceName":"d","otp":"X1","encryptedAPKAMSymmetricKey":"e","apkamPublicKey":"k"}',
        'At least one namespace must be specified for new client enroll:request',
      ],
    ])('refuses %s with "%s"', async (body, message) => {
      const stranger = await stack.connect('@alice');
      expect(await stranger.send(`enroll:request:${body}`)).toBe(`error:AT0011-Exception: ${message}`);
      expect(await owner.owner.send(`enroll:request:${body}`)).toBe(
        `error:AT0011-Internal server exception : ${message}`,
      );
    });

    it('answers AT0022 when an operation other than list comes without parameters', async () => {
      expect(await owner.owner.send('enroll:approve')).toBe(
        'error:AT0022-Illegal arguments : Enroll parameters not provided',
      );
    });

    it('closes the connection on parameters that are not JSON', async () => {
      const cram = await stack.owner('@alice');
      expect(await cram.send('enroll:request:{"appName":')).toMatch(/^error:AT0011-Internal server exception : /);
      await cram.raw.closed;
    });

    it.each(['approve', 'deny', 'revoke', 'unrevoke', 'delete', 'fetch', 'list'])(
      'refuses enroll:%s on an unauthenticated connection before reading its parameters',
      async (operation) => {
        const stranger = await stack.connect('@alice');
        const expected = `error:AT0401-Exception: Cannot ${operation} enrollment without authentication`;
        expect(await stranger.send(`enroll:${operation}`)).toBe(expected);
        expect(await stranger.send(`enroll:${operation}:{"enrollmentId":`)).toBe(expected);
      },
    );

    it('answers an unknown operation with the usage, as invalid syntax', async () => {
      const stranger = await stack.connect('@alice');
      expect(await stranger.send('enroll:renew:{}')).toMatch(
        /^error:AT0003-Exception: Invalid syntax\. enroll:request/,
      );
    });
  });

  describe('passcode delay and throttle', () => {
    beforeAll(() => stack.create('@bella'));

    it('answers an invalid OTP only after 1 s, then 2 s, then 3 s (Fibonacci, on the server clock)', async () => {
      const line = `enroll:request:{"appName":"a","deviceName":"d","namespaces":{"a":"rw"},"otp":"NOPE12","encryptedAPKAMSymmetricKey":"e","apkamPublicKey":"${device.pkam.publicKey}"}`;
      const stranger = await stack.connect('@bella');
      for (const delay of [1_000, 2_000, 3_000]) {
        const sleeping = stack.clock.sleeping;
        const answer = stranger.send(line);
        await untilSleeping(stack, sleeping + 1);
        stack.clock.advance(delay - 1);
        expect(stack.clock.sleeping).toBe(sleeping + 1);
        stack.clock.advance(1);
        expect(await answer).toBe('error:AT0011-Exception: invalid otp. Cannot process enroll request');
      }
    });

    it('refuses the sixth request on one connection within an hour, and accepts one an hour after the first', async () => {
      const cram = await stack.owner('@bella');
      const request = (n: number) =>
        cram.send(`enroll:request:{"appName":"a","deviceName":"d${n}","apkamPublicKey":"${device.pkam.publicKey}"}`);
      for (let n = 1; n <= 5; n++) expect(await request(n)).toMatch(/"status":"approved"/);
      expect(await request(6)).toBe(
        'error:AT0011-Internal server exception : Enrollment requests have exceeded the limit within the specified time frame',
      );
      stack.clock.advance(3_600_000);
      expect(await request(7)).toMatch(/"status":"approved"/);
    });
  });

  describe('approve, deny, revoke, unrevoke and delete', () => {
    let owner: Owner;
    beforeAll(async () => {
      await stack.create('@carol');
      owner = await onboardFirstDevice(stack, '@carol');
    });

    it('approves a pending enrollment and publishes its APKAM public key under __pkams', async () => {
      const { id, device } = await requestPending('@carol', owner, 'phone');
      expect(await approve(owner, id)).toBe(`data:{"status":"approved","enrollmentId":"${id}"}`);
      expect(await owner.owner.send('llookup:public:wavi.phone.pkam.__pkams.__public_keys@carol')).toBe(
        `data:{"apkamPublicKey":"${device.pkam.publicKey}"}`,
      );
      expect(await approve(owner, id)).toBe(
        `error:AT0011-Internal server exception : Failed to approve enrollment id: ${id}. Cannot approve a approved enrollment. Only pending enrollments can be approved`,
      );
    });

    it.each([
      ['{"encryptedDefaultEncryptionPrivateKey":"a","encryptedDefaultSelfEncryptionKey":"b"}', 'enrollmentId'],
      ['{"enrollmentId":"x","encryptedDefaultSelfEncryptionKey":"b"}', 'encryptedDefaultEncryptionPrivateKey'],
      ['{"enrollmentId":"x","encryptedDefaultEncryptionPrivateKey":"a"}', 'encryptedDefaultSelfEncryptionKey'],
    ])('refuses enroll:approve:%s for want of %s', async (body, field) => {
      expect(await owner.owner.send(`enroll:approve:${body}`)).toBe(
        `error:AT0011-Internal server exception : ${field} is mandatory for enroll:approve`,
      );
    });

    it('answers an unknown enrollment id with the AT0028 status error', async () => {
      expect(await owner.owner.send('enroll:deny:{"enrollmentId":"no-such-id"}')).toBe(
        'error:AT0028:enrollment_id: no-such-id is expired or invalid',
      );
    });

    it('denies an enrollment in any state, and deletes it once denied', async () => {
      const { id } = await requestPending('@carol', owner, 'tv');
      expect(await owner.owner.send(`enroll:delete:{"enrollmentId":"${id}"}`)).toBe(
        `error:AT0011-Internal server exception : Failed to delete enrollment id: ${id} | Cause: Cannot delete pending enrollments. Only denied and revoked enrollments can be deleted`,
      );
      await approve(owner, id);
      expect(await owner.owner.send(`enroll:deny:{"enrollmentId":"${id}"}`)).toBe(
        `data:{"status":"denied","enrollmentId":"${id}"}`,
      );
      expect(await owner.owner.send(`enroll:delete:{"enrollmentId":"${id}"}`)).toBe(
        `data:{"enrollmentId":"${id}","status":"deleted"}`,
      );
      expect(await owner.owner.send(`enroll:fetch:{"enrollmentId":"${id}"}`)).toBe(
        `error:AT0015-key not found : ${id}.new.enrollments.__manage@carol does not exist in keystore`,
      );
    });

    it('revokes only approved enrollments and un-revokes only revoked ones', async () => {
      const { id, device } = await requestPending('@carol', owner, 'car');
      expect(await owner.owner.send(`enroll:revoke:{"enrollmentId":"${id}"}`)).toBe(
        `error:AT0011-Internal server exception : Failed to revoke enrollment id: ${id}. Cannot revoke a pending enrollment. Only approved enrollments can be revoked`,
      );
      await approve(owner, id);
      expect(await owner.owner.send(`enroll:unrevoke:{"enrollmentId":"${id}"}`)).toBe(
        `error:AT0011-Internal server exception : Failed to unrevoke enrollment id: ${id}. Cannot un-revoke a approved enrollment. Only revoked enrollments can be un-revoked`,
      );
      expect(await owner.owner.send(`enroll:revoke:{"enrollmentId":"${id}"}`)).toBe(
        `data:{"status":"revoked","enrollmentId":"${id}"}`,
      );
      expect(await owner.owner.send(`enroll:unrevoke:{"enrollmentId":"${id}"}`)).toBe(
        `data:{"status":"approved","enrollmentId":"${id}"}`,
      );
      const car = await stack.connect('@carol');
      expect(await pkam(car, '@carol', device, { enrollmentId: id })).toBe('data:success');
    });

    it('closes every live connection of a revoked enrollment, and no other', async () => {
      const { id, device } = await requestPending('@carol', owner, 'desk');
      await approve(owner, id);
      const [first, second] = [
        await apkamConnection(stack, '@carol', device, id),
        await apkamConnection(stack, '@carol', device, id),
      ];
      await owner.owner.send(`enroll:revoke:{"enrollmentId":"${id}"}`);
      await Promise.all([first.raw.closed, second.raw.closed]);
      expect(await owner.owner.send('noop:0')).toBe('data:ok');
    });

    it('refuses revoke:force of its own enrollment to a connection without __manage', async () => {
      const { id, device } = await requestPending('@carol', owner, 'laptop');
      await approve(owner, id);
      const self = await apkamConnection(stack, '@carol', device, id);
      expect(await self.send(`enroll:revoke:force:{"enrollmentId":"${id}"}`)).toBe(
        `error:AT0011-Internal server exception : Failed to revoke enrollment id: ${id}. The approving enrollment does not have access to "__manage" namespace`,
      );
    });

    it('lets a connection revoke its own enrollment with force, closing it 10 seconds later', async () => {
      const cram = await stack.owner('@carol');
      const mine = enrollmentIdOf(
        await cram.send(
          `enroll:request:{"appName":"cli","deviceName":"shell","apkamPublicKey":"${device.pkam.publicKey}"}`,
        ),
      );
      expect(await cram.send(`enroll:revoke:force:{"enrollmentId":"${mine}"}`)).toBe(
        `data:{"status":"revoked","enrollmentId":"${mine}","message":"Enrollment is revoked. Closing the connection in 10 seconds"}`,
      );
      expect(await cram.send('noop:0')).toBe('data:ok');
      stack.clock.advance(10_000);
      await cram.raw.closed;
    });
  });

  describe('who may review which namespaces', () => {
    let owner: Owner;
    beforeAll(async () => {
      await stack.create('@dora');
      owner = await onboardFirstDevice(stack, '@dora');
    });

    /** An approved enrollment with `namespaces`, and a connection authenticated with it. */
    async function reviewer(deviceName: string, namespaces: Record<string, string>) {
      const { id, device } = await requestPending('@dora', owner, deviceName, namespaces);
      await approve(owner, id);
      return apkamConnection(stack, '@dora', device, id);
    }

    it('needs __manage in the reviewing enrollment', async () => {
      const plain = await reviewer('plain', { wavi: 'rw' });
      const { id } = await requestPending('@dora', owner, 'p1');
      expect(await approve(owner, id, plain)).toBe(
        `error:AT0011-Internal server exception : Failed to approve enrollment id: ${id}. The approving enrollment does not have access to "__manage" namespace`,
      );
    });

    it('needs every requested namespace covered, rw unless the request is read-only', async () => {
      const manager = await reviewer('manager', { __manage: 'rw', buzz: 'r' });
      const notCovered = await requestPending('@dora', owner, 'p2', { wavi: 'rw' });
      expect(await approve(owner, notCovered.id, manager)).toBe(
        `error:AT0011-Internal server exception : Failed to approve enrollment id: ${notCovered.id}. Client is not authorized for namespaces in the enrollment request`,
      );
      const wantsWrite = await requestPending('@dora', owner, 'p3', { buzz: 'rw' });
      expect(await manager.send(`enroll:deny:{"enrollmentId":"${wantsWrite.id}"}`)).toMatch(
        /Client is not authorized for namespaces in the enrollment request$/,
      );
      const readOnly = await requestPending('@dora', owner, 'p4', { buzz: 'r' });
      expect(await approve(owner, readOnly.id, manager)).toBe(
        `data:{"status":"approved","enrollmentId":"${readOnly.id}"}`,
      );
    });
  });

  describe('fetch and list', () => {
    let owner: Owner;
    let pending: string;
    let approved: { id: string; device: DeviceKeys };
    beforeAll(async () => {
      await stack.create('@erin');
      owner = await onboardFirstDevice(stack, '@erin');
      pending = (await requestPending('@erin', owner, 'one')).id;
      approved = await requestPending('@erin', owner, 'two');
      await approve(owner, approved.id);
    });

    const listed = (answer: string) => Object.keys(JSON.parse(answer.slice('data:'.length)) as object).sort();
    const key = (id: string) => `${id}.new.enrollments.__manage@erin`;

    it('lists every enrollment to a connection holding __manage', async () => {
      expect(listed(await owner.owner.send('enroll:list'))).toEqual(
        [key(owner.enrollmentId), key(pending), key(approved.id)].sort(),
      );
    });

    it('filters by enrollmentStatusFilter', async () => {
      expect(await owner.owner.send('enroll:list:{"enrollmentStatusFilter":["pending"]}')).toMatch(
        new RegExp(`^data:\\{"${key(pending)}":\\{"appName":"wavi","deviceName":"one",.*"status":"pending"\\}\\}$`),
      );
    });

    it('shows an APKAM connection without __manage only its own enrollment, whatever the filter', async () => {
      const two = await apkamConnection(stack, '@erin', approved.device, approved.id);
      expect(listed(await two.send('enroll:list:{"enrollmentStatusFilter":["pending"]}'))).toEqual([key(approved.id)]);
    });

    it('lists everything to a legacy PKAM connection and nothing expired', async () => {
      const legacy = await stack.connect('@erin');
      expect(await pkam(legacy, '@erin', owner.device, { legacy: true })).toBe('data:success');
      const short = await requestPending('@erin', owner, 'three');
      expect(listed(await legacy.send('enroll:list'))).toContain(key(short.id));
      stack.clock.advance(48 * 3_600_000 + 1);
      expect(listed(await legacy.send('enroll:list'))).not.toContain(key(short.id));
    });

    it('answers data:{} when there is no enrollment', async () => {
      await stack.create('@fay');
      const fay = await stack.owner('@fay');
      expect(await fay.send('enroll:list')).toBe('data:{}');
    });
  });

  describe('APKAM connection lifecycle (§7.7)', () => {
    let owner: Owner;
    beforeAll(async () => {
      await stack.create('@gina');
      owner = await onboardFirstDevice(stack, '@gina');
    });

    it('closes an APKAM connection without a word once its keys expire (apkamKeysExpiryInMillis)', async () => {
      const { id, device } = await requestPending('@gina', owner, 'kiosk', { wavi: 'rw' }, 60_000);
      await approve(owner, id);
      const kiosk = await apkamConnection(stack, '@gina', device, id);
      expect(await kiosk.send('noop:0')).toBe('data:ok');
      stack.clock.advance(60_001);
      kiosk.raw.write('noop:0\n');
      await kiosk.raw.closed;
      expect(kiosk.raw.drain()).toBe('');
    });

    it("keeps serving a denied enrollment's connection, and closes it once the enrollment is deleted", async () => {
      const { id, device } = await requestPending('@gina', owner, 'panel');
      await approve(owner, id);
      const panel = await apkamConnection(stack, '@gina', device, id);
      await owner.owner.send(`enroll:deny:{"enrollmentId":"${id}"}`);
      expect(await panel.send('noop:0')).toBe('data:ok');
      await owner.owner.send(`enroll:delete:{"enrollmentId":"${id}"}`);
      panel.raw.write('noop:0\n');
      await panel.raw.closed;
      expect(panel.raw.drain()).toBe('');
    });
  });
});
