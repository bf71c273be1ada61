/**
 * Getting keys for an atSign, exactly as the reference SDKs do (crypto.md §5): `activate` a fresh atSign
 * with its CRAM secret (the first device), `enrollDevice` a further app or device with an OTP, and
 * `approveEnrollment` / `denyEnrollment` on an existing `__manage` client.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { del } from '$lib/at/verbs/delete';
import { enroll, type EnrollParams, type NamespaceAccess } from '$lib/at/verbs/enroll';
import { decodeJsonObject } from '$lib/at/verbs/json';
import { keys as keysVerb } from '$lib/at/verbs/keys';
import { lookup } from '$lib/at/verbs/lookup';
import { update } from '$lib/at/verbs/update';
import { decryptAes, encryptAes } from '$lib/crypto/aes-ctr';
import { generateAesKey } from '$lib/crypto/aes-key';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { rsaDecrypt, rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { authenticateWithCram, authenticateWithKeys } from './auth';
import type { AtConnection } from './connection';
import type { Dialer } from './dialer';
import type { ActivationStep } from './activation-steps';
import { request, type Requester } from './requester';

export type { ActivationStep } from './activation-steps';

export interface ActivateOptions {
  readonly atSign: string;
  /** The CRAM secret the atSign was created with (a QR code or the registrar's e-mail). */
  readonly cramSecret: string;
  readonly dialer: Dialer;
  /** Defaults to `firstApp`, as at_auth names the first enrollment. */
  readonly appName?: string;
  /** Defaults to `firstDevice`. */
  readonly deviceName?: string;
  readonly onProgress?: (step: ActivationStep) => void;
}

/** Runs `work` on a fresh connection to `atSign` and closes it afterwards. */
async function withConnection<T>(dialer: Dialer, atSign: string, work: (c: AtConnection) => Promise<T>): Promise<T> {
  const connection = await dialer.dial(atSign);
  try {
    return await work(connection);
  } finally {
    connection.close();
  }
}

/** The owner form of an atSign in a key (`alice` of `publickey@alice`). */
const ownerName = (atSign: string) => atSign.slice(1);

/** The `{"enrollmentId":…,"status":…}` an `enroll:request` answers. */
function enrollmentAnswer(data: string): { enrollmentId: string; status: string } {
  const json = decodeJsonObject(data);
  const { enrollmentId, status } = json;
  if (typeof enrollmentId !== 'string' || typeof status !== 'string') {
    throw new AtError('AT0014', `unexpected answer to enroll:request: ${data.slice(0, 80)}`);
  }
  return { enrollmentId, status };
}

/** E1/E2 of crypto.md §5.1: the atSign's keys under an enrollment's APKAM symmetric key, zero IV. */
async function encryptedDefaultKeys(keys: Pick<AtKeys, 'encryptionPrivateKey' | 'selfEncryptionKey'>, apkam: string) {
  return {
    encryptedDefaultEncryptionPrivateKey: await encryptAes(keys.encryptionPrivateKey, apkam),
    encryptedDefaultSelfEncryptionKey: await encryptAes(keys.selfEncryptionKey, apkam),
  };
}

/**
 * Activates a fresh atSign on this device (crypto.md §5.1): CRAM authentication; new encryption RSA pair,
 * self encryption key, APKAM symmetric key and APKAM RSA pair; the first `enroll:request` (approved at once
 * on the CRAM connection); then, on a new connection authenticated with PKAM and the enrollment id,
 * `update:isEncrypted:false:public:publickey@alice <encryption public key>` and
 * `delete:privatekey:at_secret`. Returns the keys to keep (and to export as an `.atKeys` file).
 *
 * @throws AtError AT0401 for a wrong CRAM secret; AT0015 when the atSign is already activated (its CRAM
 *   secret is gone); AT0007 when it is not registered; connection errors as the dialer throws them.
 * @example
 * const keys = await activate({ atSign: '@alice', cramSecret, dialer, onProgress: (step) => (shown = step) });
 * const file = await writeAtKeysFile(keys, { passphrase });
 */
export async function activate(options: ActivateOptions): Promise<AtKeys> {
  const atSign = fixAtSign(options.atSign);
  const progress = options.onProgress ?? (() => undefined);
  // Generating four keys takes a moment: start it at once, use it after CRAM has proved the secret.
  const generated = Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  generated.catch(() => undefined);

  progress('connecting');
  const enrolled = await withConnection(options.dialer, atSign, async (connection) => {
    progress('cram');
    await authenticateWithCram(connection, atSign, options.cramSecret);
    progress('generating-keys');
    const [encryption, apkam] = await generated;
    const keys = {
      atSign,
      pkamPublicKey: apkam.publicKey,
      pkamPrivateKey: apkam.privateKey,
      encryptionPublicKey: encryption.publicKey,
      encryptionPrivateKey: encryption.privateKey,
      selfEncryptionKey: generateAesKey(),
      apkamSymmetricKey: generateAesKey(),
    };
    progress('enrolling');
    const params: EnrollParams = {
      appName: options.appName ?? 'firstApp',
      deviceName: options.deviceName ?? 'firstDevice',
      ...(await encryptedDefaultKeys(keys, keys.apkamSymmetricKey)),
      apkamPublicKey: keys.pkamPublicKey,
    };
    const answer = enrollmentAnswer(
      await request(connection, enroll.format({ verb: 'enroll', operation: 'request', force: false, params })),
    );
    if (answer.status !== 'approved') {
      throw new AtError('AT0030', `the first enrollment of ${atSign} was not approved: ${answer.status}`);
    }
    return { ...keys, enrollmentId: answer.enrollmentId } satisfies AtKeys;
  });

  progress('pkam');
  await withConnection(options.dialer, atSign, async (connection) => {
    await authenticateWithKeys(connection, atSign, enrolled);
    progress('publishing-public-key');
    await request(
      connection,
      update.format({
        verb: 'update',
        metadata: { isEncrypted: false },
        publicScope: true,
        atKey: 'publickey',
        atSign: ownerName(atSign),
        value: enrolled.encryptionPublicKey,
      }),
    );
    progress('deleting-cram-secret');
    await request(
      connection,
      del.format({ verb: 'delete', cached: false, publicScope: false, atKey: 'privatekey:at_secret' }),
    );
  });
  progress('done');
  return enrolled;
}

/** The named steps of {@link enrollDevice}, in order. */
export type EnrollmentStep = 'generating-keys' | 'requesting' | 'awaiting-approval' | 'fetching-keys' | 'done';

export interface EnrollDeviceOptions {
  readonly atSign: string;
  /** The one-time passcode an approving device showed (`otp:get`). */
  readonly otp: string;
  readonly appName: string;
  readonly deviceName: string;
  /** Namespace → access, e.g. `{ wavi: 'rw' }`. */
  readonly namespaces: Readonly<Record<string, NamespaceAccess>>;
  readonly dialer: Dialer;
  /** How long the keys stay valid once approved; absent or 0 means forever. */
  readonly apkamKeysExpiryInMillis?: number;
  /** How often to try PKAM while the request is pending (default 10 s). */
  readonly pollIntervalMs?: number;
  /** Stops waiting for the approval (the request stays pending on the server until it expires). */
  readonly signal?: AbortSignal;
  /** Each step; `awaiting-approval` comes with the enrollment id an approver will see. */
  readonly onProgress?: (step: EnrollmentStep, enrollmentId?: string) => void;
}

/** An enrollment that is still waiting for a `__manage` client's decision (status-form AT0026). */
const isPending = (error: unknown) => error instanceof AtError && error.code === 'AT0026';

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** How often {@link enrollDevice} looks again for default keys that are not there yet. */
const defaultKeyAttempts = 10;

/**
 * Reads one of this enrollment's default keys back through `keys:get` and decrypts it. Right after the
 * approval the server may not have stored them yet (it records the approval first), so a missing key is
 * looked for again a few times.
 */
async function fetchDefaultKey(
  requester: Requester,
  keyName: string,
  apkamSymmetricKey: string,
  retry: () => Promise<void>,
): Promise<string> {
  const line = keysVerb.format({ verb: 'keys', operation: 'get', keyName });
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { value } = decodeJsonObject(await request(requester, line));
      if (typeof value !== 'string') throw new AtError('AT0014', `${keyName} holds no value`);
      return await decryptAes(value, apkamSymmetricKey);
    } catch (error) {
      if (!(error instanceof AtError && error.code === 'AT0015') || attempt === defaultKeyAttempts) throw error;
    }
    await retry();
  }
}

/**
 * Enrolls this app or device for an atSign that is already activated elsewhere (crypto.md §5.3): new APKAM
 * RSA pair and symmetric key; `enroll:request` with the OTP on an unauthenticated connection, the symmetric
 * key encrypted to the atSign's public key; then PKAM with the enrollment id, tried every `pollIntervalMs`
 * until a `__manage` client approves; then the atSign's encryption private key and self encryption key are
 * fetched with `keys:get` and decrypted. Resolves with the keys of this enrollment.
 *
 * @throws AtError AT0011 for a wrong OTP; AT0025 denied, AT0027 revoked, AT0028/AT0029 expired; the
 *   signal's reason when aborted.
 * @example
 * const keys = await enrollDevice({ atSign: '@alice', otp: 'X7K2QD', appName: 'buzz', deviceName: 'laptop',
 *   namespaces: { buzz: 'rw' }, dialer, onProgress: (step, id) => show(step, id) });
 */
export async function enrollDevice(options: EnrollDeviceOptions): Promise<AtKeys> {
  const atSign = fixAtSign(options.atSign);
  const progress = options.onProgress ?? (() => undefined);
  progress('generating-keys');
  const apkam = await generateRsaKeyPair();
  const apkamSymmetricKey = generateAesKey();

  progress('requesting');
  const { enrollmentId, encryptionPublicKey } = await withConnection(options.dialer, atSign, async (connection) => {
    const publicKey = await request(
      connection,
      lookup.format({ verb: 'lookup', atKey: 'publickey', atSign: ownerName(atSign) }),
    );
    const params: EnrollParams = {
      appName: options.appName,
      deviceName: options.deviceName,
      namespaces: options.namespaces,
      otp: options.otp,
      encryptedAPKAMSymmetricKey: await rsaEncrypt(apkamSymmetricKey, publicKey),
      apkamPublicKey: apkam.publicKey,
      ...(options.apkamKeysExpiryInMillis ? { apkamKeysExpiryInMillis: options.apkamKeysExpiryInMillis } : {}),
    };
    const line = enroll.format({ verb: 'enroll', operation: 'request', force: false, params });
    return { ...enrollmentAnswer(await request(connection, line)), encryptionPublicKey: publicKey };
  });

  progress('awaiting-approval', enrollmentId);
  const credentials = { pkamPublicKey: apkam.publicKey, pkamPrivateKey: apkam.privateKey, enrollmentId };
  const wait = () => pause(options.pollIntervalMs ?? 10_000, options.signal);
  return withConnection(options.dialer, atSign, async (connection) => {
    for (;;) {
      try {
        await authenticateWithKeys(connection, atSign, credentials);
        break;
      } catch (error) {
        if (!isPending(error)) throw error;
      }
      await wait();
    }
    progress('fetching-keys');
    const fetch = (name: string) =>
      fetchDefaultKey(connection, `${enrollmentId}.${name}.__manage@${ownerName(atSign)}`, apkamSymmetricKey, wait);
    const encryptionPrivateKey = await fetch('default_enc_private_key');
    const selfEncryptionKey = await fetch('default_self_enc_key');
    progress('done');
    return {
      atSign,
      ...credentials,
      encryptionPublicKey,
      encryptionPrivateKey,
      selfEncryptionKey,
      apkamSymmetricKey,
    };
  });
}

/**
 * Approves a pending enrollment from a `__manage` client (crypto.md §5.3, approver): decrypts the
 * requester's APKAM symmetric key with this atSign's encryption private key and hands it the atSign's
 * encryption private key and self encryption key under it.
 *
 * @throws AtError AT0030 for an enrollment that is not pending; AT0028 once expired.
 * @example await approveEnrollment(session, enrollmentId, keys);
 */
export async function approveEnrollment(requester: Requester, enrollmentId: string, keys: AtKeys): Promise<void> {
  const fetchLine = enroll.format({ verb: 'enroll', operation: 'fetch', force: false, params: { enrollmentId } });
  const fetched = decodeJsonObject(await request(requester, fetchLine));
  const encrypted = fetched.encryptedAPKAMSymmetricKey;
  if (typeof encrypted !== 'string') throw new AtError('AT0030', `enrollment ${enrollmentId} carries no APKAM key`);
  const apkamSymmetricKey = await rsaDecrypt(encrypted, keys.encryptionPrivateKey);
  const params: EnrollParams = { enrollmentId, ...(await encryptedDefaultKeys(keys, apkamSymmetricKey)) };
  await request(requester, enroll.format({ verb: 'enroll', operation: 'approve', force: false, params }));
}

/**
 * Denies a pending enrollment from a `__manage` client.
 *
 * @example await denyEnrollment(session, enrollmentId);
 */
export async function denyEnrollment(requester: Requester, enrollmentId: string): Promise<void> {
  const params: EnrollParams = { enrollmentId };
  await request(requester, enroll.format({ verb: 'enroll', operation: 'deny', force: false, params }));
}
