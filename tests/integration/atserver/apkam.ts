/**
 * What the SDKs do around APKAM (crypto.md §3–§5), with the real crypto core, for the enroll, otp, keys and
 * onboarding tests: generate keys, request enrollments, authenticate with PKAM.
 */
import { encryptAes } from '$lib/crypto/aes-ctr';
import { generateAesKey } from '$lib/crypto/aes-key';
import { challengeFromResponse } from '$lib/crypto/challenge';
import { generateEccKeyPair } from '$lib/crypto/ecc-p256';
import { signPkam, type SigningAlgo } from '$lib/crypto/pkam';
import { rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { generateRsaKeyPair, type RsaKeyPair } from '$lib/crypto/rsa-keys';
import type { Stack, TestConnection } from './harness';

/** An atSign's own keys, made once at first onboarding. */
export interface AtSignKeys {
  readonly encryption: RsaKeyPair;
  readonly selfEncryptionKey: string;
}

/** One device's APKAM keys. */
export interface DeviceKeys {
  readonly pkam: { readonly publicKey: string; readonly privateKey: string };
  readonly signingAlgo: SigningAlgo;
  readonly apkamSymmetricKey: string;
}

export async function newAtSignKeys(): Promise<AtSignKeys> {
  return { encryption: await generateRsaKeyPair(), selfEncryptionKey: generateAesKey() };
}

export async function newDeviceKeys(signingAlgo: SigningAlgo = 'rsa2048'): Promise<DeviceKeys> {
  const pkam = signingAlgo === 'rsa2048' ? await generateRsaKeyPair() : await generateEccKeyPair();
  return { pkam, signingAlgo, apkamSymmetricKey: generateAesKey() };
}

/** E1 and E2 of crypto.md §5.1: the atSign's keys under the device's APKAM symmetric key, zero IV. */
export async function encryptedDefaultKeys(atSign: AtSignKeys, device: DeviceKeys) {
  return {
    encryptedDefaultEncryptionPrivateKey: await encryptAes(atSign.encryption.privateKey, device.apkamSymmetricKey),
    encryptedDefaultSelfEncryptionKey: await encryptAes(atSign.selfEncryptionKey, device.apkamSymmetricKey),
  };
}

/** The first onboarding's `enroll:request`, as at_auth sends it on the CRAM connection. */
export async function firstEnrollRequest(atSign: AtSignKeys, device: DeviceKeys, names = ['firstApp', 'firstDevice']) {
  const [appName, deviceName] = names;
  return `enroll:request:${JSON.stringify({
    appName,
    deviceName,
    ...(await encryptedDefaultKeys(atSign, device)),
    apkamPublicKey: device.pkam.publicKey,
  })}`;
}

/** A new client's `enroll:request` with an OTP, as at_auth sends it on an unauthenticated connection. */
export async function otpEnrollRequest(
  encryptionPublicKey: string,
  device: DeviceKeys,
  fields: { appName: string; deviceName: string; namespaces: Record<string, string>; otp?: string; expiry?: number },
) {
  return `enroll:request:${JSON.stringify({
    appName: fields.appName,
    deviceName: fields.deviceName,
    namespaces: fields.namespaces,
    otp: fields.otp,
    encryptedAPKAMSymmetricKey: await rsaEncrypt(device.apkamSymmetricKey, encryptionPublicKey),
    apkamPublicKey: device.pkam.publicKey,
    apkamKeysExpiryInMillis: fields.expiry,
  })}`;
}

/** The id in `data:{"enrollmentId":"…","status":"…"}`. */
export function enrollmentIdOf(response: string): string {
  const match = /^data:\{"enrollmentId":"([0-9a-f-]{36})","status":"(approved|pending)"\}$/.exec(response);
  if (!match?.[1]) throw new Error(`not an enroll:request answer: ${response}`);
  return match[1];
}

/**
 * Sends `from` then the PKAM line the Dart SDK sends (`pkam:signingAlgo:…:hashingAlgo:sha256[:enrollmentId:…]:`)
 * and resolves with the answer; `legacy` sends bare `pkam:<sig>` as the Python and Java SDKs do.
 */
export async function pkam(
  connection: TestConnection,
  atSign: string,
  device: DeviceKeys,
  options: { enrollmentId?: string; legacy?: boolean } = {},
): Promise<string> {
  const challenge = challengeFromResponse(await connection.send(`from:${atSign}`));
  const { signature } = await signPkam(challenge, device.pkam.privateKey, { signingAlgo: device.signingAlgo });
  if (options.legacy) return connection.send(`pkam:${signature}`);
  const enrollment = options.enrollmentId === undefined ? '' : `enrollmentId:${options.enrollmentId}:`;
  return connection.send(`pkam:signingAlgo:${device.signingAlgo}:hashingAlgo:sha256:${enrollment}${signature}`);
}

/** A fresh connection authenticated with PKAM; fails the test if PKAM is refused. */
export async function apkamConnection(stack: Stack, atSign: string, device: DeviceKeys, enrollmentId?: string) {
  const connection = await stack.connect(atSign);
  const answer = await pkam(connection, atSign, device, { enrollmentId });
  if (answer !== 'data:success') throw new Error(`PKAM failed: ${answer}`);
  return connection;
}

/**
 * First onboarding up to the approved enrollment (crypto.md §5.1 steps 1–3) on a CRAM connection, which
 * then acts as that enrollment.
 */
export async function onboardFirstDevice(stack: Stack, atSign: string, names?: string[]) {
  const keys = await newAtSignKeys();
  const device = await newDeviceKeys();
  const owner = await stack.owner(atSign);
  const enrollmentId = enrollmentIdOf(await owner.send(await firstEnrollRequest(keys, device, names)));
  return { keys, device, owner, enrollmentId };
}

/** Waits until the server has started `count` sleeps on the manual clock (an invalid OTP's delay). */
export async function untilSleeping(stack: Stack, count: number): Promise<void> {
  while (stack.clock.sleeping < count) await new Promise((resolve) => setImmediate(resolve));
}
