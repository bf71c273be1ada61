import { CryptoError } from './crypto-error';
import { base64ToBytes, bytesToBase64, type Bytes } from './encoding';
import { KeyCache } from './key-cache';

/**
 * RSA-2048 keys as the atProtocol stores them: public = base64 DER SubjectPublicKeyInfo, private = base64 DER
 * PKCS#8 (crypto.md §1). WebCrypto exports exactly the bytes Dart writes, so no ASN.1 code lives here.
 */

/** The digest of an RSASSA-PKCS1-v1_5 signature: `sha256` (the default everywhere) or `sha512`. */
export type HashingAlgo = 'sha256' | 'sha512';

/** An RSA key pair in the atProtocol's string forms. */
export interface RsaKeyPair {
  /** base64 DER SPKI, 392 characters for RSA-2048. */
  readonly publicKey: string;
  /** base64 DER PKCS#8, about 1,624 characters for RSA-2048. */
  readonly privateKey: string;
}

/** The numbers `micro-rsa-dsa-dh` works with. */
export interface RsaPublicNumbers {
  readonly n: bigint;
  readonly e: bigint;
}

/** The numbers `micro-rsa-dsa-dh` decrypts with. */
export interface RsaPrivateNumbers {
  readonly n: bigint;
  readonly d: bigint;
}

const webHash = { sha256: 'SHA-256', sha512: 'SHA-512' } as const satisfies Record<HashingAlgo, string>;
const signingKeys = new KeyCache<CryptoKey>(64);
const verifyingKeys = new KeyCache<CryptoKey>(256);
const publicNumbers = new KeyCache<RsaPublicNumbers>(256);
const privateNumbers = new KeyCache<RsaPrivateNumbers>(16);

/**
 * Generates an RSA-2048 key pair with e = 65537 (crypton hard-codes 65537 when it serialises, so no other e is
 * safe) and exports it in the atProtocol's formats. Used for both the encryption pair and an RSA PKAM/APKAM pair.
 *
 * @example
 * const { publicKey, privateKey } = await generateRsaKeyPair(); // 'MIIBIjANBgkq…', 'MIIEv…'
 */
export async function generateRsaKeyPair(): Promise<RsaKeyPair> {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const [spki, pkcs8] = await Promise.all([
    crypto.subtle.exportKey('spki', pair.publicKey),
    crypto.subtle.exportKey('pkcs8', pair.privateKey),
  ]);
  return { publicKey: bytesToBase64(new Uint8Array(spki)), privateKey: bytesToBase64(new Uint8Array(pkcs8)) };
}

/**
 * Imports a base64 PKCS#8 RSA private key for RSASSA-PKCS1-v1_5 signing with `hashingAlgo`, as a non-extractable
 * CryptoKey. Imports are cached per key string.
 *
 * @throws {CryptoError} `bad-key` when `privateKey` is not a base64 PKCS#8 RSA key.
 * @example
 * const pkamKey = await importRsaSigningKey(atKeys.pkamPrivateKey, 'sha256');
 */
export function importRsaSigningKey(privateKey: string, hashingAlgo: HashingAlgo = 'sha256'): Promise<CryptoKey> {
  return signingKeys.get(`${hashingAlgo}:${privateKey}`, () =>
    importKey('pkcs8', privateKey, { name: 'RSASSA-PKCS1-v1_5', hash: webHash[hashingAlgo] }, false, ['sign']),
  );
}

/**
 * Imports a base64 SPKI RSA public key for RSASSA-PKCS1-v1_5 verification with `hashingAlgo`. Cached per key.
 *
 * @throws {CryptoError} `bad-key` when `publicKey` is not a base64 SPKI RSA key.
 * @example
 * const key = await importRsaVerifyingKey(publicKeyOfAlice);
 */
export function importRsaVerifyingKey(publicKey: string, hashingAlgo: HashingAlgo = 'sha256'): Promise<CryptoKey> {
  return verifyingKeys.get(`${hashingAlgo}:${publicKey}`, () =>
    importKey('spki', publicKey, { name: 'RSASSA-PKCS1-v1_5', hash: webHash[hashingAlgo] }, false, ['verify']),
  );
}

/**
 * The modulus and public exponent of a base64 SPKI RSA key, read through a JWK export. Cached per key.
 *
 * @throws {CryptoError} `bad-key` when `publicKey` is not a base64 SPKI RSA key.
 * @example
 * const { n, e } = await rsaPublicNumbers(publicKey); // e === 65537n
 */
export function rsaPublicNumbers(publicKey: string): Promise<RsaPublicNumbers> {
  return publicNumbers.get(publicKey, async () => {
    const key = await importKey('spki', publicKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
    const jwk = await crypto.subtle.exportKey('jwk', key);
    return { n: jwkNumber(jwk.n), e: jwkNumber(jwk.e) };
  });
}

/**
 * The modulus and private exponent of a base64 PKCS#8 RSA key. PKCS#1 v1.5 decryption needs `d` in JavaScript
 * (WebCrypto has no RSAES-PKCS1-v1_5), so the key is imported extractable just long enough to export its JWK.
 * Cached per key; {@link clearKeyCaches} forgets it.
 *
 * @throws {CryptoError} `bad-key` when `privateKey` is not a base64 PKCS#8 RSA key.
 * @example
 * const { n, d } = await rsaPrivateNumbers(atKeys.encryptionPrivateKey);
 */
export function rsaPrivateNumbers(privateKey: string): Promise<RsaPrivateNumbers> {
  return privateNumbers.get(privateKey, async () => {
    const key = await importKey('pkcs8', privateKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', key);
    return { n: jwkNumber(jwk.n), d: jwkNumber(jwk.d) };
  });
}

async function importKey(
  format: 'spki' | 'pkcs8',
  keyText: string,
  algorithm: RsaHashedImportParams,
  extractable: boolean,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  const kind = format === 'spki' ? 'base64 SPKI RSA public key' : 'base64 PKCS#8 RSA private key';
  let der: Bytes;
  try {
    der = base64ToBytes(keyText);
  } catch (cause) {
    throw new CryptoError('bad-key', `not a ${kind}`, { cause });
  }
  try {
    return await crypto.subtle.importKey(format, der, algorithm, extractable, usages);
  } catch (cause) {
    throw new CryptoError('bad-key', `not a ${kind}`, { cause });
  }
}

function jwkNumber(field: string | undefined): bigint {
  if (field === undefined) throw new CryptoError('bad-key', 'the RSA key has no such component');
  const base64 = field.replaceAll('-', '+').replaceAll('_', '/');
  const bytes = base64ToBytes(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(`0x${hex || '0'}`);
}
