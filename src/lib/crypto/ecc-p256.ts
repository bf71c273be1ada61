import { CryptoError } from './crypto-error';
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, utf8ToBytes, type Bytes } from './encoding';
import { KeyCache } from './key-cache';

/**
 * ECDSA P-256 with SHA-256 in the APKAM format of at_chops' `EccSigningAlgo` (crypto.md §1): the public key is
 * hex `04‖X‖Y` (130 characters), the private key base64 PKCS#8, and a signature is base64 of the ASCII of
 * lowercase hex `r‖s` (128 characters before base64).
 */

/** A P-256 key pair in the APKAM string forms. */
export interface EccKeyPair {
  /** Uncompressed point as lowercase hex: `04` then X and Y, 130 characters. */
  readonly publicKey: string;
  /** base64 DER PKCS#8. */
  readonly privateKey: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingKeys = new KeyCache<CryptoKey>(16);
const verifyingKeys = new KeyCache<CryptoKey>(256);
const signatureHex = /^[0-9a-fA-F]{128}$/;

/**
 * Generates a P-256 key pair and exports it in the APKAM forms.
 *
 * @example
 * const { publicKey, privateKey } = await generateEccKeyPair(); // '04f98d…', 'MIGHAgEAMBMG…'
 */
export async function generateEccKeyPair(): Promise<EccKeyPair> {
  const pair = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const [raw, pkcs8] = await Promise.all([
    crypto.subtle.exportKey('raw', pair.publicKey),
    crypto.subtle.exportKey('pkcs8', pair.privateKey),
  ]);
  return { publicKey: bytesToHex(new Uint8Array(raw)), privateKey: bytesToBase64(new Uint8Array(pkcs8)) };
}

/**
 * Imports a base64 PKCS#8 P-256 private key as a non-extractable signing CryptoKey. Cached per key string.
 *
 * @throws {CryptoError} `bad-key` when `privateKey` is not a base64 PKCS#8 P-256 key.
 * @example
 * const apkamKey = await importEccSigningKey(privateKey);
 */
export function importEccSigningKey(privateKey: string): Promise<CryptoKey> {
  return signingKeys.get(privateKey, () => importKey('pkcs8', () => base64ToBytes(privateKey), ['sign']));
}

/**
 * Signs the UTF-8 of `message` with ECDSA P-256 / SHA-256 and returns the APKAM wire form
 * `base64(ascii(hex(r‖s)))`. ECDSA is randomised: each call gives a different valid signature.
 *
 * @throws {CryptoError} `bad-key` when a key string is not a base64 PKCS#8 P-256 key.
 * @example
 * const signature = await signEcc(challenge, apkamPrivateKey); // 'NDJiNGFi…'
 */
export async function signEcc(message: string, privateKey: string | CryptoKey): Promise<string> {
  const key = typeof privateKey === 'string' ? await importEccSigningKey(privateKey) : privateKey;
  const rs = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, utf8ToBytes(message));
  return bytesToBase64(utf8ToBytes(bytesToHex(new Uint8Array(rs))));
}

/**
 * Checks an APKAM ECDSA signature over the UTF-8 of `message` against a hex `04‖X‖Y` public key. A signature not
 * in the wire form is not valid, so it answers `false` rather than throwing.
 *
 * @throws {CryptoError} `bad-key` when `publicKey` is not hex of an uncompressed P-256 point.
 * @example
 * await verifyEcc(challenge, signature, '04f98d65…'); // true
 */
export async function verifyEcc(message: string, signature: string, publicKey: string): Promise<boolean> {
  const key = await verifyingKeys.get(publicKey, () => importKey('raw', () => hexToBytes(publicKey), ['verify']));
  const rs = signatureBytes(signature);
  if (rs === null) return false;
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, rs, utf8ToBytes(message));
}

function signatureBytes(signature: string): Bytes | null {
  try {
    const hex = String.fromCharCode(...base64ToBytes(signature));
    return signatureHex.test(hex) ? hexToBytes(hex) : null;
  } catch {
    return null;
  }
}

async function importKey(format: 'raw' | 'pkcs8', decode: () => Bytes, usages: KeyUsage[]): Promise<CryptoKey> {
  const kind = format === 'raw' ? 'hex 04‖X‖Y P-256 public key' : 'base64 PKCS#8 P-256 private key';
  try {
    return await crypto.subtle.importKey(format, decode(), ecdsa, false, usages);
  } catch (cause) {
    throw new CryptoError('bad-key', `not a ${kind}`, { cause });
  }
}
