import { decryptAes, encryptAes } from './aes-ctr';
import { isPassphraseEnvelope, openWithPassphrase, sealWithPassphrase, type ArgonCost } from './atkeys-passphrase';
import { CryptoError } from './crypto-error';

/**
 * The `.atKeys` file (crypto.md §2): flat compact JSON whose four key fields are encrypted with the
 * selfEncryptionKey and the zero IV, optionally wrapped in a passphrase envelope ({@link ./atkeys-passphrase}).
 */

/** The keys of one atSign on one device, in plain form. */
export interface AtKeys {
  /** The atSign with its `@`, taken from (and written as) the legacy duplicate field `"@alice": selfEncryptionKey`. */
  readonly atSign?: string;
  /** PKAM/APKAM public key: base64 SPKI (RSA) or hex `04…` (ECC). */
  readonly pkamPublicKey: string;
  /** PKAM/APKAM private key, base64 PKCS#8. Absent when the key lives in a secure element. */
  readonly pkamPrivateKey?: string;
  /** Encryption public key, base64 SPKI: the same string as `public:publickey@<atSign>`. */
  readonly encryptionPublicKey: string;
  /** Encryption private key, base64 PKCS#8. */
  readonly encryptionPrivateKey: string;
  /** AES-256 key for self data and for this file's encrypted fields, base64. */
  readonly selfEncryptionKey: string;
  /** AES-256 key of this device's enrollment, base64. Absent in pre-APKAM files. */
  readonly apkamSymmetricKey?: string;
  /** This device's enrollment id. Absent in pre-APKAM files. */
  readonly enrollmentId?: string;
}

/** How to read a file. */
export interface AtKeysReadOptions {
  /** Needed only when the file is passphrase-protected. */
  readonly passphrase?: string;
}

/** How to write a file. */
export interface AtKeysWriteOptions {
  /** When given, the file is sealed in a version 1 passphrase envelope. */
  readonly passphrase?: string;
  /** Argon2id costs for the envelope; see {@link ./atkeys-passphrase}. */
  readonly cost?: ArgonCost;
}

/** JSON field names, as at_onboarding_cli and at_auth write them. */
const field = {
  pkamPublicKey: 'aesPkamPublicKey',
  pkamPrivateKey: 'aesPkamPrivateKey',
  encryptionPublicKey: 'aesEncryptPublicKey',
  encryptionPrivateKey: 'aesEncryptPrivateKey',
  selfEncryptionKey: 'selfEncryptionKey',
  apkamSymmetricKey: 'apkamSymmetricKey',
  enrollmentId: 'enrollmentId',
} as const;

/**
 * Reads an `.atKeys` file: plain, or passphrase-protected when `options.passphrase` is given. Field order does
 * not matter (at_c and at_python write other orders); unknown fields are ignored.
 *
 * @throws {CryptoError} `bad-file` for text that is not a JSON object or lacks a required field;
 *   `passphrase-required` for a protected file without a passphrase; `wrong-passphrase`; and `bad-padding`,
 *   `bad-encoding` or `bad-key` when a key field does not decrypt with the file's selfEncryptionKey.
 * @example
 * const keys = await readAtKeysFile(await file.text(), { passphrase });
 * keys.encryptionPrivateKey; // 'MIIEvAIBADANBgkq…'
 */
export async function readAtKeysFile(text: string, options: AtKeysReadOptions = {}): Promise<AtKeys> {
  let json = parseObject(text);
  if (isPassphraseEnvelope(json)) {
    if (options.passphrase === undefined || options.passphrase === '') {
      throw new CryptoError('passphrase-required', 'this .atKeys file is protected with a passphrase');
    }
    json = parseObject(await openWithPassphrase(json, options.passphrase));
  }
  const selfEncryptionKey = requiredString(json, field.selfEncryptionKey);
  const decrypt = async (name: string) => decryptAes(requiredString(json, name), selfEncryptionKey);
  const pkamPrivate = optionalString(json, field.pkamPrivateKey);
  const [pkamPublicKey, encryptionPublicKey, encryptionPrivateKey, pkamPrivateKey] = await Promise.all([
    decrypt(field.pkamPublicKey),
    decrypt(field.encryptionPublicKey),
    decrypt(field.encryptionPrivateKey),
    pkamPrivate === undefined ? undefined : decrypt(field.pkamPrivateKey),
  ]);
  return {
    ...present({
      atSign: Object.keys(json).find((name) => name.startsWith('@')),
      pkamPrivateKey,
      apkamSymmetricKey: optionalString(json, field.apkamSymmetricKey),
      enrollmentId: optionalString(json, field.enrollmentId),
    }),
    pkamPublicKey,
    encryptionPublicKey,
    encryptionPrivateKey,
    selfEncryptionKey,
  };
}

/**
 * Writes an `.atKeys` file exactly as Dart's at_onboarding_cli does: compact JSON in the order `aesPkamPublicKey,
 * aesEncryptPublicKey, aesEncryptPrivateKey, selfEncryptionKey, @<atSign>, apkamSymmetricKey, enrollmentId,
 * aesPkamPrivateKey`, absent optional fields left out, key fields encrypted with the selfEncryptionKey and the zero
 * IV (which Dart readers require). Rewriting a Dart-made file reproduces it byte for byte. With
 * `options.passphrase` the result is sealed in a passphrase envelope.
 *
 * @throws {CryptoError} `bad-key` when `selfEncryptionKey` is not an AES-256 key; `passphrase-required`,
 *   `unsupported` as {@link sealWithPassphrase}.
 * @example
 * const text = await writeAtKeysFile({ atSign: '@alice', ...keys }, { passphrase });
 */
export async function writeAtKeysFile(keys: AtKeys, options: AtKeysWriteOptions = {}): Promise<string> {
  const encrypt = (value: string) => encryptAes(value, keys.selfEncryptionKey);
  const [pkamPublic, encryptionPublic, encryptionPrivate, pkamPrivate] = await Promise.all([
    encrypt(keys.pkamPublicKey),
    encrypt(keys.encryptionPublicKey),
    encrypt(keys.encryptionPrivateKey),
    keys.pkamPrivateKey === undefined ? undefined : encrypt(keys.pkamPrivateKey),
  ]);
  const file: Record<string, string | undefined> = {
    [field.pkamPublicKey]: pkamPublic,
    [field.encryptionPublicKey]: encryptionPublic,
    [field.encryptionPrivateKey]: encryptionPrivate,
    [field.selfEncryptionKey]: keys.selfEncryptionKey,
  };
  if (keys.atSign !== undefined) file[keys.atSign] = keys.selfEncryptionKey;
  file[field.apkamSymmetricKey] = keys.apkamSymmetricKey;
  file[field.enrollmentId] = keys.enrollmentId;
  file[field.pkamPrivateKey] = pkamPrivate;
  // JSON.stringify drops undefined members, and neither it nor Dart's jsonEncode escapes non-ASCII or '/'.
  const text = JSON.stringify(file);
  if (options.passphrase === undefined) return text;
  return sealWithPassphrase(text, options.passphrase, options.cost === undefined ? {} : { cost: options.cost });
}

function parseObject(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CryptoError('bad-file', 'an .atKeys file must be JSON', { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CryptoError('bad-file', 'an .atKeys file must be a JSON object');
  }
  return json as Record<string, unknown>;
}

function requiredString(json: Record<string, unknown>, name: string): string {
  const value = json[name];
  if (typeof value !== 'string' || value === '') {
    throw new CryptoError('bad-file', `the .atKeys file has no "${name}"`);
  }
  return value;
}

// Dart writers have emitted null and "" for an unknown enrollment; both mean absent.
function optionalString(json: Record<string, unknown>, name: string): string | undefined {
  const value = json[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new CryptoError('bad-file', `"${name}" in the .atKeys file is not a string`);
  return value;
}

// Optional fields are left out rather than set to undefined, so a read file compares equal to what was written.
function present(optional: Record<string, string | undefined>): Partial<AtKeys> {
  return Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
}
