import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptAes } from '$lib/crypto/aes-ctr';
import { cramDigest } from '$lib/crypto/cram';
import { rsaDecrypt } from '$lib/crypto/rsa-encryption';
import {
  apkamConnection,
  encryptedDefaultKeys,
  enrollmentIdOf,
  firstEnrollRequest,
  newAtSignKeys,
  newDeviceKeys,
  onboardFirstDevice,
  otpEnrollRequest,
  pkam,
} from './apkam';
import { startStack, type Stack } from './harness';

describe('onboarding as the SDKs do it (crypto.md §5)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('onboards the first device: CRAM, auto-approved enroll:request, APKAM, publickey, CRAM secret deleted', async () => {
    const { cramSecret } = await stack.create('@alice');
    const keys = await newAtSignKeys();
    const device = await newDeviceKeys();
    const cram = await stack.owner('@alice');
    const id = enrollmentIdOf(await cram.send(await firstEnrollRequest(keys, device)));
    cram.close();

    const apkam = await stack.connect('@alice');
    expect(await pkam(apkam, '@alice', device, { enrollmentId: id })).toBe('data:success');
    expect(await apkam.sendExact('noop:0')).toBe('data:ok\n@alice@');
    expect(await apkam.send(`update:public:publickey@alice ${keys.encryption.publicKey}`)).toMatch(/^data:\d+$/);
    expect(await apkam.send('delete:privatekey:at_secret')).toBe('data:-1');

    const again = await stack.connect('@alice');
    const challenge = (await again.send('from:@alice')).slice('data:'.length);
    expect(await again.send(`cram:${await cramDigest(cramSecret, challenge)}`)).toBe(
      'error:AT0015-Exception: privatekey:at_secret does not exist in keystore',
    );
    expect(await again.send('lookup:publickey@alice')).toBe(`data:${keys.encryption.publicKey}`);
  });

  it('makes the first APKAM key the legacy PKAM key too, so pkam without an enrollmentId works', async () => {
    await stack.create('@anna');
    const { device } = await onboardFirstDevice(stack, '@anna');
    const legacy = await stack.connect('@anna');
    expect(await pkam(legacy, '@anna', device, { legacy: true })).toBe('data:success');
  });

  it('hands the first device its encrypted default keys back through keys:get', async () => {
    await stack.create('@ava');
    const { keys, device, enrollmentId } = await onboardFirstDevice(stack, '@ava');
    const apkam = await apkamConnection(stack, '@ava', device, enrollmentId);
    const stored = await apkam.send(`keys:get:keyName:${enrollmentId}.default_enc_private_key.__manage@ava`);
    const { encryptedDefaultEncryptionPrivateKey } = await encryptedDefaultKeys(keys, device);
    expect(stored).toBe(`data:{"value":"${encryptedDefaultEncryptionPrivateKey}"}`);
    const value = (JSON.parse(stored.slice(5)) as { value: string }).value;
    expect(await decryptAes(value, device.apkamSymmetricKey)).toBe(keys.encryption.privateKey);
  });

  it('onboards the legacy way: CRAM, update of privatekey:at_pkam_publickey, pkam without enrollmentId', async () => {
    await stack.create('@bob');
    const keys = await newAtSignKeys();
    const device = await newDeviceKeys();
    const cram = await stack.owner('@bob');
    expect(await cram.send(`update:privatekey:at_pkam_publickey ${device.pkam.publicKey}`)).toBe('data:-1');
    const bob = await stack.connect('@bob');
    expect(await pkam(bob, '@bob', device, { legacy: true })).toBe('data:success');
    expect(await bob.send(`update:public:publickey@bob ${keys.encryption.publicKey}`)).toMatch(/^data:\d+$/);
    expect(await bob.send('delete:privatekey:at_secret')).toBe('data:-1');
    expect(await bob.send('keys:get:public')).toBe(
      'error:AT0011-Internal server exception : Keys verb cannot be accessed without an enrollmentId',
    );
  });

  it('refuses a wrong APKAM signature with AT0401 and keeps the connection open', async () => {
    await stack.create('@carl');
    const { enrollmentId } = await onboardFirstDevice(stack, '@carl');
    const intruder = await newDeviceKeys();
    const carl = await stack.connect('@carl');
    expect(await pkam(carl, '@carl', intruder, { enrollmentId })).toBe(
      'error:AT0401-Exception: pkam authentication failed',
    );
    expect(await carl.send('noop:0')).toBe('data:ok');
  });

  it('closes the connection with AT0011 on a signature that is not base64', async () => {
    await stack.create('@cleo');
    const { enrollmentId } = await onboardFirstDevice(stack, '@cleo');
    const cleo = await stack.connect('@cleo');
    await cleo.send('from:@cleo');
    expect(await cleo.send(`pkam:enrollmentId:${enrollmentId}:not*base64`)).toMatch(/^error:AT0011-/);
    await cleo.raw.closed;
  });

  describe('a second device with an ECC APKAM key, enrolled with an OTP (crypto.md §5.3)', () => {
    let owner: Awaited<ReturnType<typeof onboardFirstDevice>>;
    beforeAll(async () => {
      await stack.create('@dana');
      owner = await onboardFirstDevice(stack, '@dana');
      await owner.owner.send(`update:public:publickey@dana ${owner.keys.encryption.publicKey}`);
    });

    /** The new device's side: an OTP from the owner, then enroll:request on an unauthenticated connection. */
    async function requestWithOtp(deviceName: string, options: { expiry?: number } = {}) {
      const otp = (await owner.owner.send('otp:get')).slice('data:'.length);
      const device = await newDeviceKeys('ecc_secp256r1');
      const stranger = await stack.connect('@dana');
      const encryptionPublicKey = (await stranger.send('lookup:publickey@dana')).slice('data:'.length);
      const request = await otpEnrollRequest(encryptionPublicKey, device, {
        appName: 'buzz',
        deviceName,
        namespaces: { buzz: 'rw' },
        otp,
        expiry: options.expiry,
      });
      const answer = await stranger.send(request);
      expect(answer).toMatch(/"status":"pending"\}$/);
      return { device, id: enrollmentIdOf(answer) };
    }

    /** The approver's side: decrypt the APKAM symmetric key, encrypt the default keys with it, approve. */
    async function approve(id: string) {
      const fetched = JSON.parse((await owner.owner.send(`enroll:fetch:{"enrollmentId":"${id}"}`)).slice(5)) as {
        encryptedAPKAMSymmetricKey: string;
      };
      const apkamSymmetricKey = await rsaDecrypt(fetched.encryptedAPKAMSymmetricKey, owner.keys.encryption.privateKey);
      const defaults = await encryptedDefaultKeys(owner.keys, { ...owner.device, apkamSymmetricKey });
      return owner.owner.send(`enroll:approve:${JSON.stringify({ enrollmentId: id, ...defaults })}`);
    }

    it('is pending until approved, then authenticates with ecc_secp256r1 and reads its default keys', async () => {
      const { device, id } = await requestWithOtp('phone');
      const early = await stack.connect('@dana');
      expect(await pkam(early, '@dana', device, { enrollmentId: id })).toBe(
        `error:AT0026:enrollment_id: ${id} is pending`,
      );
      expect(await approve(id)).toBe(`data:{"status":"approved","enrollmentId":"${id}"}`);
      const phone = await apkamConnection(stack, '@dana', device, id);
      const encrypted = await phone.send(`keys:get:keyName:${id}.default_self_enc_key.__manage@dana`);
      const value = (JSON.parse(encrypted.slice(5)) as { value: string }).value;
      expect(await decryptAes(value, device.apkamSymmetricKey)).toBe(owner.keys.selfEncryptionKey);
      expect(await phone.send('keys:get:self')).toBe(`data:["${id}.default_self_enc_key.__manage@dana"]`);
    });

    it('is refused with AT0027 once revoked, and its open connection is closed', async () => {
      const { device, id } = await requestWithOtp('tablet');
      await approve(id);
      const tablet = await apkamConnection(stack, '@dana', device, id);
      expect(await owner.owner.send(`enroll:revoke:{"enrollmentId":"${id}"}`)).toBe(
        `data:{"status":"revoked","enrollmentId":"${id}"}`,
      );
      await tablet.raw.closed;
      const retry = await stack.connect('@dana');
      expect(await pkam(retry, '@dana', device, { enrollmentId: id })).toBe(
        `error:AT0027:enrollment_id: ${id} is revoked`,
      );
    });

    it('is refused with AT0025 once denied', async () => {
      const { device, id } = await requestWithOtp('watch');
      expect(await owner.owner.send(`enroll:deny:{"enrollmentId":"${id}"}`)).toBe(
        `data:{"status":"denied","enrollmentId":"${id}"}`,
      );
      const watch = await stack.connect('@dana');
      expect(await pkam(watch, '@dana', device, { enrollmentId: id })).toBe(
        `error:AT0025:enrollment_id: ${id} is denied`,
      );
    });

    it('is refused with AT0028 once 48 hours pass without an approval', async () => {
      const { device, id } = await requestWithOtp('laptop');
      stack.clock.advance(48 * 3_600_000 + 1);
      const laptop = await stack.connect('@dana');
      expect(await pkam(laptop, '@dana', device, { enrollmentId: id })).toBe(
        `error:AT0028:enrollment_id: ${id} is expired or invalid`,
      );
      expect(await approve(id)).toBe(`error:AT0028:enrollment_id: ${id} is expired or invalid`);
    });
  });
});
