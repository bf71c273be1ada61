/**
 * A record's value on the wire and in plaintext, by the visibility of its key (crypto.md §6): self values under
 * the self encryption key, shared values under the per-pair shared key (with `sharedKeyEnc` and `pubKeyCS`),
 * public values in the clear with a `dataSignature`. Every encrypted value gets a random `ivNonce`; values other
 * SDKs wrote without one are read with the zero IV.
 */
import { AtError } from '$lib/at/errors';
import { parseKey, type AtKey, type Visibility } from '$lib/at/key';
import type { Metadata, WireMetadata } from '$lib/at/metadata';
import { decryptAes, encryptAes } from '$lib/crypto/aes-ctr';
import { generateIvNonce } from '$lib/crypto/aes-key';
import { CryptoError } from '$lib/crypto/crypto-error';
import { verifyData } from '$lib/crypto/data-signature';
import { base64ToBytes, bytesToBase64, bytesToUtf8, utf8ToBytes } from '$lib/crypto/encoding';
import type { Keyring } from './keyring';
import type { SharedKeys } from './shared-keys';

/** A record as the server answers it (`llookup:all`, `lookup:all`, a `sync:from` entry with its metadata parsed). */
export interface RawRecord {
  /** The key as stored (`@bob:phone.wavi@alice`), or already parsed. */
  readonly key: string | AtKey;
  /** The stored value: ciphertext for self and shared keys; absent for a record made by `update:meta`. */
  readonly value: string | null | undefined;
  readonly metadata: Metadata;
}

/** A record with its value in plaintext. */
export interface AtRecord {
  readonly key: AtKey;
  /** The plaintext; null when the record has none, or when decoding it failed (see {@link error}). */
  readonly value: string | null;
  readonly metadata: Metadata;
  readonly visibility: Visibility;
  /** The owner of the key (who shared it), with `@`. */
  readonly sharedBy: string | undefined;
  /** Whom the key is for (`@bob` of `@bob:phone@alice`), with `@`. */
  readonly sharedWith: string | undefined;
  /**
   * For a public value with a `dataSignature`: whether it verifies against the owner's public key. Absent when the
   * value is unsigned or the owner's public key could not be fetched.
   */
  readonly signatureValid?: boolean;
  /** Only from {@link RecordCodec.decodeAll}: why this record could not be decoded. */
  readonly error?: Error;
}

/** A value ready for `update`: the text to send and the metadata the encryption adds. */
export interface EncodedValue {
  readonly value: string;
  readonly metadata: WireMetadata;
}

/** A key the parser refuses, kept so that a batch can report it instead of failing whole. */
function unparsedKey(text: string): AtKey {
  return {
    kind: 'internal',
    name: text,
    type: 'invalidKey',
    visibility: 'private',
    namespace: undefined,
    isHidden: false,
    isCached: false,
    isReserved: false,
  };
}

const decodeBase64Text = (value: string) => bytesToUtf8(base64ToBytes(value));

/** The value as stored, decoded from base64 when its metadata says `encoding:base64`. */
const decodeStored = (record: AtRecord, value: string): AtRecord =>
  record.metadata.encoding === 'base64' ? { ...record, value: decodeBase64Text(value) } : record;

/** Whether text could be an AES ciphertext at all: base64 of a non-empty whole number of 16-byte blocks. */
function mayBeCiphertext(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  try {
    const length = base64ToBytes(text).length;
    return length > 0 && length % 16 === 0;
  } catch {
    return false;
  }
}

/** Errors that mean "wrong key or IV" rather than a malformed ciphertext. */
const wrongKey = (error: unknown) =>
  error instanceof CryptoError && (error.code === 'bad-padding' || error.code === 'bad-encoding');

/**
 * Encodes values for `update` and decodes records read back, for one keyring.
 *
 * @example
 * const codec = new RecordCodec(keyring, sharedKeys);
 * const { value, metadata } = await codec.encode(parseKey('@bob:phone.wavi@alice'), '+1 555 0100');
 * // metadata: { isEncrypted: true, sharedKeyEnc: 'QYZ+…', pubKeyCS: 'c750…', ivNonce: 'ABEi…' }
 * const record = await codec.decode({ key: '@bob:phone.wavi@alice', value, metadata });
 */
export class RecordCodec {
  readonly #keyring: Keyring;
  readonly #sharedKeys: SharedKeys;

  constructor(keyring: Keyring, sharedKeys: SharedKeys) {
    this.#keyring = keyring;
    this.#sharedKeys = sharedKeys;
  }

  /** The atSign whose keys this codec uses. */
  get atSign(): string {
    return this.#keyring.atSign;
  }

  /**
   * Encodes a value of one of this atSign's keys: public (signed; base64 with `encoding:base64` when it holds a
   * line break, crypto.md §6.4), self or shared (encrypted, `isEncrypted:true`, random `ivNonce`).
   *
   * @throws AtError `AT0009` for another atSign's key; `AT0016` for a key kind that is not put (cached, local,
   *   private, reserved); `AT0022` for an empty value to encrypt (Dart cannot encrypt one, crypto.md §10.10).
   */
  async encode(key: AtKey, value: string): Promise<EncodedValue> {
    const me = this.#keyring.atSign;
    if (key.owner !== me) throw new AtError('AT0009', `${me} cannot write a key of ${key.owner ?? 'nobody'}`);
    if (key.isReserved || (key.kind !== 'public' && key.kind !== 'self' && key.kind !== 'shared')) {
      throw new AtError('AT0016', `a ${key.isReserved ? 'reserved' : key.kind} key is not written with a value`);
    }
    if (key.kind === 'public') {
      const dataSignature = await this.#keyring.signData(value);
      // The signature covers the value as given; a line break would end the command, so it travels as base64.
      if (/[\r\n]/.test(value)) {
        return {
          value: bytesToBase64(utf8ToBytes(value)),
          metadata: { dataSignature, isEncrypted: false, encoding: 'base64' },
        };
      }
      return { value, metadata: { dataSignature, isEncrypted: false } };
    }
    if (value === '') throw new AtError('AT0022', 'an encrypted value cannot be empty');
    const ivNonce = generateIvNonce();
    if (key.kind === 'shared') {
      const { key: sharedKey, sharedKeyEnc, pubKeyCS } = await this.#sharedKeys.outgoing(key.sharedWith);
      const ciphertext = await encryptAes(value, sharedKey, ivNonce);
      return { value: ciphertext, metadata: { isEncrypted: true, sharedKeyEnc, pubKeyCS, ivNonce } };
    }
    return { value: await this.#keyring.encryptSelf(value, ivNonce), metadata: { isEncrypted: true, ivNonce } };
  }

  /**
   * Decodes one record: decrypts self and shared values (`ivNonce` or the zero IV), decodes `encoding:base64`,
   * verifies a public value's signature (reported, never thrown). A value not marked `isEncrypted` is tried
   * like an encrypted one and kept as stored when that fails, as Dart reads data of older clients.
   *
   * @throws CryptoError when an `isEncrypted` value does not decrypt (`bad-padding`, `decrypt-failed` for a
   *   pubKeyCS mismatch, …); AtError when a needed shared key cannot be fetched, or `AT0016` for a bad key.
   */
  async decode(record: RawRecord): Promise<AtRecord> {
    const key = typeof record.key === 'string' ? parseKey(record.key) : record.key;
    const base = {
      key,
      value: record.value ?? null,
      metadata: record.metadata,
      visibility: key.visibility,
      sharedBy: key.owner,
      sharedWith: key.sharedWith,
    };
    const { value } = base;
    if (value === null) return base;
    if (key.visibility === 'public') return this.#decodePublic(base, value);
    if (key.isReserved || (key.visibility !== 'self' && key.visibility !== 'shared')) return base;
    if (record.metadata.isEncrypted === true)
      return { ...base, value: await this.#decryptRecord(key, value, record.metadata) };
    if (!mayBeCiphertext(value)) return decodeStored(base, value);
    try {
      return { ...base, value: await this.#decryptRecord(key, value, record.metadata) };
    } catch {
      return decodeStored(base, value);
    }
  }

  /**
   * Decodes many records at once (a `sync:from` page, a scan's values): every decryption is started together,
   * each shared key is fetched and unwrapped once, and a record that fails carries its `error` (value null)
   * instead of failing the batch. The result has the order of `records`.
   *
   * @example
   * const records = await codec.decodeAll(page.map((e) => ({ key: e.atKey, value: e.value, metadata: fromJson(e.metadata) })));
   */
  decodeAll(records: readonly RawRecord[]): Promise<AtRecord[]> {
    return Promise.all(
      records.map((record) =>
        this.decode(record).catch((error: unknown): AtRecord => {
          let key: AtKey;
          try {
            key = typeof record.key === 'string' ? parseKey(record.key) : record.key;
          } catch {
            key = unparsedKey(String(record.key));
          }
          return {
            key,
            value: null,
            metadata: record.metadata,
            visibility: key.visibility,
            sharedBy: key.owner,
            sharedWith: key.sharedWith,
            error: error instanceof Error ? error : new Error(String(error)),
          };
        }),
      ),
    );
  }

  #decryptRecord(key: AtKey, ciphertext: string, metadata: Metadata): Promise<string> {
    if (key.owner === undefined) throw new AtError('AT0016', `${key.name} has no owner to decrypt for`);
    return this.decryptValue(key.owner, key.sharedWith, ciphertext, metadata);
  }

  async #decodePublic(base: AtRecord, stored: string): Promise<AtRecord> {
    const value = base.metadata.encoding === 'base64' ? decodeBase64Text(stored) : stored;
    const signature = base.metadata.dataSignature;
    if (!signature || base.sharedBy === undefined) return { ...base, value };
    let publicKey: string;
    try {
      publicKey = await this.#sharedKeys.publicKey(base.sharedBy);
    } catch {
      return { ...base, value };
    }
    return { ...base, value, signatureValid: await verifyData(value, signature, publicKey) };
  }

  /**
   * Decrypts a value `sharedBy` encrypted for `sharedWith` (absent or this atSign for self data): this atSign's
   * own values with the self key or its copy of the pair's shared key; another atSign's with the key it shared
   * (from `metadata.sharedKeyEnc`, else fetched), fetched again once when it no longer fits (it was replaced).
   * Used for records and notifications alike.
   *
   * @throws CryptoError `bad-padding`/`bad-encoding`/`bad-length` for a wrong key or a damaged value,
   *   `decrypt-failed` for a pubKeyCS mismatch; AtError when a shared key cannot be fetched.
   */
  async decryptValue(
    sharedBy: string,
    sharedWith: string | undefined,
    ciphertext: string,
    metadata: Pick<Metadata, 'ivNonce' | 'sharedKeyEnc' | 'pubKeyCS'>,
  ): Promise<string> {
    const me = this.#keyring.atSign;
    if (sharedBy === me) {
      const aesKey =
        sharedWith === undefined || sharedWith === me ? this.#keyring.selfKey : await this.#sharedKeys.mine(sharedWith);
      return decryptAes(ciphertext, aesKey, metadata.ivNonce);
    }
    const hint = { sharedKeyEnc: metadata.sharedKeyEnc, pubKeyCS: metadata.pubKeyCS };
    const first = await this.#sharedKeys.incoming(sharedBy, hint);
    try {
      return await decryptAes(ciphertext, first, metadata.ivNonce);
    } catch (error) {
      if (!wrongKey(error)) throw error;
      const again = await this.#sharedKeys.incoming(sharedBy, { ...hint, failed: first });
      if (again === first) throw error;
      return decryptAes(ciphertext, again, metadata.ivNonce);
    }
  }
}
