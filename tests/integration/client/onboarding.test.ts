import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptAes } from '$lib/crypto/aes-ctr';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { authenticateWithCram, authenticateWithKeys } from '$lib/client/auth';
import type { AtConnection } from '$lib/client/connection';
import { activate, approveEnrollment, denyEnrollment, enrollDevice, type ActivationStep } from '$lib/client/onboarding';
import { request } from '$lib/client/requester';
import { AtSession } from '$lib/client/session';
import { startClientRig, ways, type ClientRig } from './harness';

describe.each(ways)('activation over %s (crypto.md §5.1)', (way) => {
  let rig: ClientRig;
  const open: AtConnection[] = [];
  const dial = async (atSign: string) => {
    const connection = await rig.dialer(way).dial(atSign);
    open.push(connection);
    return connection;
  };
  beforeAll(async () => {
    rig = await startClientRig();
  });
  afterAll(async () => {
    for (const connection of open) connection.close();
    await rig.stop();
  });

  it('activates a fresh atSign: its keys then pass PKAM, the public key is published, the CRAM secret is gone', async () => {
    const cramSecret = await rig.create('@alice');
    const steps: ActivationStep[] = [];
    const keys = await activate({
      atSign: '@alice',
      cramSecret,
      dialer: rig.dialer(way),
      onProgress: (step) => steps.push(step),
    });
    expect(steps).toEqual([
      'connecting',
      'cram',
      'generating-keys',
      'enrolling',
      'pkam',
      'publishing-public-key',
      'deleting-cram-secret',
      'done',
    ]);
    expect(keys).toMatchObject({ atSign: '@alice', enrollmentId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(keys.apkamSymmetricKey).toHaveLength(44);

    const owner = await dial('@alice');
    await authenticateWithKeys(owner, '@alice', keys);
    expect(await request(owner, 'llookup:public:publickey@alice')).toBe(keys.encryptionPublicKey);
    expect(await request(owner, 'llookup:meta:public:publickey@alice')).toContain('"isEncrypted":false');
    // The enrollment holds this device's copy of the encryption private key, under its APKAM key.
    const stored = await request(owner, `keys:get:keyName:${keys.enrollmentId}.default_enc_private_key.__manage@alice`);
    const { value } = JSON.parse(stored) as { value: string };
    expect(await decryptAes(value, keys.apkamSymmetricKey!)).toBe(keys.encryptionPrivateKey);

    const stranger = await dial('@alice');
    await expect(authenticateWithCram(stranger, '@alice', cramSecret)).rejects.toMatchObject({ code: 'AT0015' });
    expect(await request(stranger, 'lookup:publickey@alice')).toBe(keys.encryptionPublicKey);
  });

  it('refuses a wrong CRAM secret with AT0401 and publishes nothing', async () => {
    await rig.create('@anna');
    await expect(
      activate({ atSign: '@anna', cramSecret: 'not the secret', dialer: rig.dialer(way) }),
    ).rejects.toMatchObject({ code: 'AT0401' });
    const anna = await dial('@anna');
    expect(await request(anna, 'lookup:publickey@anna').catch((error: { code: string }) => error.code)).toBe('AT0015');
  });

  it('says clearly that an unregistered atSign is not in the atDirectory', async () => {
    const failure = activate({ atSign: '@nobody', cramSecret: 'x', dialer: rig.dialer(way) });
    await expect(failure).rejects.toMatchObject({ code: 'AT0007' });
    await expect(failure).rejects.toThrow('@nobody is not registered in the atDirectory');
  });
});

describe('a further device (crypto.md §5.3)', () => {
  let rig: ClientRig;
  let owner: AtSession;
  let ownerKeys: AtKeys;
  beforeAll(async () => {
    rig = await startClientRig();
    const cramSecret = await rig.create('@dana');
    ownerKeys = await activate({ atSign: '@dana', cramSecret, dialer: rig.dialer('tls') });
    owner = new AtSession({ atSign: '@dana', dialer: rig.dialer('tls'), keys: () => ownerKeys });
  });
  afterAll(async () => {
    owner.close();
    await rig.stop();
  });

  /** Starts an enrollment with a fresh OTP and resolves its id once it is pending, and its outcome. */
  async function requestEnrollment(deviceName: string) {
    const otp = await request(owner, 'otp:get');
    let pending: (id: string) => void;
    const id = new Promise<string>((resolve) => (pending = resolve));
    const outcome = enrollDevice({
      atSign: '@dana',
      otp,
      appName: 'buzz',
      deviceName,
      namespaces: { buzz: 'rw' },
      dialer: rig.dialer('gateway'),
      pollIntervalMs: 20,
      onProgress: (step, enrollmentId) => step === 'awaiting-approval' && pending(enrollmentId!),
    });
    outcome.catch(() => undefined);
    return { id: await id, outcome };
  }

  it('is approved by a __manage client and then holds the atSign’s keys under its own enrollment', async () => {
    const { id, outcome } = await requestEnrollment('laptop');
    await approveEnrollment(owner, id, ownerKeys);
    const keys = await outcome;
    expect(keys).toMatchObject({
      atSign: '@dana',
      enrollmentId: id,
      encryptionPublicKey: ownerKeys.encryptionPublicKey,
      encryptionPrivateKey: ownerKeys.encryptionPrivateKey,
      selfEncryptionKey: ownerKeys.selfEncryptionKey,
    });
    expect(keys.pkamPublicKey).not.toBe(ownerKeys.pkamPublicKey);
    const laptop = new AtSession({ atSign: '@dana', dialer: rig.dialer('gateway'), keys: () => keys });
    expect(await request(laptop, 'scan')).toMatch(/^\[/);
    laptop.close();
  });

  it('fails with AT0025 once a __manage client denies it', async () => {
    const { id, outcome } = await requestEnrollment('watch');
    await denyEnrollment(owner, id);
    await expect(outcome).rejects.toMatchObject({ code: 'AT0025' });
  });
});
