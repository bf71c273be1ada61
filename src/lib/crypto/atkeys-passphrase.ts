import { argon2idAsync } from '@noble/hashes/argon2.js';
import { decryptAesSync, encryptAesSync } from './aes-ctr-sync';
import { generateIvNonce } from './aes-key';
import { CryptoError } from './crypto-error';
import { base64ToBytes, bytesToBase64, utf8ToBytes, type Bytes } from './encoding';

/**
 * The passphrase envelope that wraps an `.atKeys` file at rest, in the format of the official Dart SDK so files
 * move between it and atstack both ways (at_libraries: at_auth `AtKeysPassphraseEnvelopeCodec`, at_chops
 * `AtKeysCrypto`, `Argon2idHashingAlgo`, `ArgonHashParams`; at_auth CHANGELOG 3.4.0).
 *
 * **Version 1**, which {@link sealWithPassphrase} writes (compact JSON, this key order):
 * ```json
 * {"v":1,"content":"<base64>","iv":"<base64, 16 bytes>","hashingAlgoType":"argon2id",
 *  "salt":"<base64, 16 bytes>","kdfParams":{"memory":19456,"iterations":2,"parallelism":1}}
 * ```
 * - key = Argon2id (v0x13, RFC 9106) of the UTF-8 passphrase with the random `salt`, costs from `kdfParams`
 *   (`memory` in KiB), 32 bytes of output; the AES key is that output (Dart passes it around as base64);
 * - `content` = base64(AES-256-CTR + PKCS#7 (key, `iv`, UTF-8 of the plain `.atKeys` JSON)), the same cipher as
 *   every other atProtocol value, with a random 16-byte `iv`.
 *
 * **Legacy form** (no `v`, written by at_onboarding_cli and at_auth before 3.4.0; read here, written only on
 * request): `{"content","iv","hashingAlgoType":"argon2id"}`; the costs are fixed at memory 10000 KiB,
 * iterations 2, parallelism 2, and the salt is the passphrase's own UTF-16 code units, each truncated to a byte
 * (Dart's `password.codeUnits` written with `setUint8`). `@noble/hashes` requires a salt of at least 8 bytes, so a
 * legacy file whose passphrase is shorter than 8 UTF-16 units cannot be opened here (`unsupported`).
 *
 * The cipher is unauthenticated, as in Dart: a wrong passphrase is noticed because the padding, the UTF-8 or the
 * JSON of the result is invalid, which is reported as `wrong-passphrase`.
 */

/** Argon2id costs as the envelope records them. `memory` is in KiB. */
export interface ArgonCost {
  readonly memory: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** What version 1 writes by default: OWASP's Argon2id floor, as at_auth's `ArgonHashParams.owaspMinimum`. */
export const defaultArgonCost: ArgonCost = { memory: 19456, iterations: 2, parallelism: 1 };

/** The fixed costs of the legacy (unversioned) form, as at_chops' `ArgonHashParams` defaults. */
export const legacyArgonCost: ArgonCost = { memory: 10000, iterations: 2, parallelism: 2 };

/** The most a file may ask for: a hostile file must not be able to make us allocate without bound. */
export const maxArgonCost: ArgonCost = { memory: 1 << 20, iterations: 64, parallelism: 16 };

/** How to seal. */
export interface SealOptions {
  /** Argon2id costs for version 1; defaults to {@link defaultArgonCost}. Readers take them from the file. */
  readonly cost?: ArgonCost;
  /** Write the legacy unsalted form, which pre-3.4.0 Dart clients can open. Weaker: only for compatibility. */
  readonly legacyUnsalted?: boolean;
}

const saltBytes = 16;

/**
 * Whether a parsed `.atKeys` JSON object is a passphrase envelope. Like Dart, this tests for an `iv` field.
 *
 * @example
 * isPassphraseEnvelope(JSON.parse(fileText)); // true for {"v":1,"content":…,"iv":…}
 */
export function isPassphraseEnvelope(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'iv' in json;
}

/**
 * Encrypts `plaintext` (the plain `.atKeys` JSON) under a passphrase and returns the envelope JSON.
 *
 * @throws {CryptoError} `passphrase-required` for an empty passphrase; `unsupported` for costs outside
 *   {@link maxArgonCost} or a legacy seal with a passphrase shorter than 8 UTF-16 units.
 * @example
 * const protectedFile = await sealWithPassphrase(plainAtKeysJson, 'correct horse battery staple');
 */
export async function sealWithPassphrase(
  plaintext: string,
  passphrase: string,
  options: SealOptions = {},
): Promise<string> {
  requirePassphrase(passphrase);
  const iv = generateIvNonce();
  if (options.legacyUnsalted) {
    const key = await deriveKey(passphrase, legacySalt(passphrase), legacyArgonCost);
    return JSON.stringify({ content: encryptAesSync(plaintext, key, iv), iv, hashingAlgoType: 'argon2id' });
  }
  const cost = checkedCost(options.cost ?? defaultArgonCost);
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const key = await deriveKey(passphrase, salt, cost);
  return JSON.stringify({
    v: 1,
    content: encryptAesSync(plaintext, key, iv),
    iv,
    hashingAlgoType: 'argon2id',
    salt: bytesToBase64(salt),
    kdfParams: { memory: cost.memory, iterations: cost.iterations, parallelism: cost.parallelism },
  });
}

/**
 * Decrypts a passphrase envelope (version 1 or legacy) and returns the plain `.atKeys` JSON text inside.
 *
 * @throws {CryptoError} `passphrase-required` for an empty passphrase; `wrong-passphrase` when the result is not
 *   a JSON object; `bad-file` for a malformed envelope; `unsupported` for another envelope version, a hashing
 *   algorithm other than Argon2id, costs outside {@link maxArgonCost}, or a salt shorter than 8 bytes.
 * @example
 * const plainAtKeysJson = await openWithPassphrase(JSON.parse(fileText), passphrase);
 */
export async function openWithPassphrase(envelope: Record<string, unknown>, passphrase: string): Promise<string> {
  requirePassphrase(passphrase);
  const { content, iv } = envelope;
  if (typeof content !== 'string' || content === '' || typeof iv !== 'string' || iv === '') {
    throw new CryptoError('bad-file', 'a passphrase envelope needs non-empty "content" and "iv" strings');
  }
  const algo = envelope['hashingAlgoType'];
  if (typeof algo !== 'string' || algo.toLowerCase() !== 'argon2id') {
    throw new CryptoError('unsupported', `passphrase envelopes hashed with ${String(algo)} are not supported`);
  }
  const { salt, cost } = derivationOf(envelope, passphrase);
  const key = await deriveKey(passphrase, salt, cost);
  let plaintext: string;
  try {
    plaintext = decryptAesSync(content, key, iv);
    const parsed: unknown = JSON.parse(plaintext);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
  } catch (cause) {
    if (cause instanceof CryptoError && (cause.code === 'bad-iv' || cause.code === 'bad-length')) {
      throw new CryptoError('bad-file', 'the passphrase envelope is malformed', { cause });
    }
    throw new CryptoError('wrong-passphrase', 'the .atKeys file did not open: the passphrase may be wrong', { cause });
  }
  return plaintext;
}

function derivationOf(envelope: Record<string, unknown>, passphrase: string): { salt: Bytes; cost: ArgonCost } {
  const version = envelope['v'];
  // Dispatch on `v`, as Dart does: an unknown version must not fall back to the weaker legacy derivation.
  if (version === undefined || version === null) return { salt: legacySalt(passphrase), cost: legacyArgonCost };
  if (version !== 1) throw new CryptoError('unsupported', `passphrase envelope version ${String(version)}`);
  const salt = envelope['salt'];
  const params = envelope['kdfParams'];
  if (typeof salt !== 'string' || salt === '' || typeof params !== 'object' || params === null) {
    throw new CryptoError('bad-file', 'a version 1 envelope needs "salt" and "kdfParams"');
  }
  const field = (name: keyof ArgonCost): number => {
    const value: unknown = (params as Record<string, unknown>)[name];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new CryptoError('bad-file', `a version 1 envelope needs an integer kdfParams.${name}`);
    }
    return value;
  };
  const cost = { memory: field('memory'), iterations: field('iterations'), parallelism: field('parallelism') };
  let saltBytesRead: Bytes;
  try {
    saltBytesRead = base64ToBytes(salt);
  } catch (cause) {
    throw new CryptoError('bad-file', 'the envelope salt is not base64', { cause });
  }
  return { salt: saltBytesRead, cost: checkedCost(cost) };
}

function checkedCost(cost: ArgonCost): ArgonCost {
  const { memory, iterations, parallelism } = cost;
  if (parallelism > maxArgonCost.parallelism || iterations > maxArgonCost.iterations || memory > maxArgonCost.memory) {
    throw new CryptoError('unsupported', `Argon2id costs above the limit: ${JSON.stringify(cost)}`);
  }
  if (parallelism < 1 || iterations < 1 || memory < 8 * parallelism) {
    throw new CryptoError('bad-file', `invalid Argon2id costs: ${JSON.stringify(cost)}`);
  }
  return cost;
}

async function deriveKey(passphrase: string, salt: Uint8Array, cost: ArgonCost): Promise<string> {
  if (salt.length < 8) {
    throw new CryptoError('unsupported', 'Argon2id salts shorter than 8 bytes (legacy passphrases under 8 chars)');
  }
  const key = await argon2idAsync(utf8ToBytes(passphrase), salt, {
    m: cost.memory,
    t: cost.iterations,
    p: cost.parallelism,
    dkLen: 32,
    maxmem: cost.memory * 1024 + (1 << 20),
    // Yield to the event loop often enough that a page stays responsive while a key file opens.
    asyncTick: 25,
  });
  return bytesToBase64(key);
}

function legacySalt(passphrase: string): Bytes {
  const salt = new Uint8Array(passphrase.length);
  for (let i = 0; i < passphrase.length; i++) salt[i] = passphrase.charCodeAt(i) & 0xff;
  return salt;
}

function requirePassphrase(passphrase: string): void {
  if (passphrase === '') throw new CryptoError('passphrase-required', 'a passphrase is required');
}
