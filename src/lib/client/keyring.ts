/**
 * The unlocked keys of one atSign on this device, built from its `.atKeys` ({@link AtKeys}). The self encryption
 * key, the data-signing key (the encryption private key) and the PKAM key are held as non-extractable CryptoKeys;
 * only the encryption private key stays a string, because RSAES-PKCS1-v1_5 decryption needs its exponent in
 * JavaScript (crypto.md §8.1). {@link Keyring.lock} drops every reference.
 */
import { fixAtSign } from '$lib/at/atsign';
import { decryptAes, encryptAes, importAesKey } from '$lib/crypto/aes-ctr';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { signData } from '$lib/crypto/data-signature';
import { importEccSigningKey } from '$lib/crypto/ecc-p256';
import { clearKeyCaches } from '$lib/crypto/key-cache';
import type { SigningAlgo } from '$lib/crypto/pkam';
import { pkamSigningAlgoOf, type PkamCredentials } from '$lib/crypto/pkam-command';
import { publicKeyChecksum } from '$lib/crypto/public-key-checksum';
import { importRsaSigningKey } from '$lib/crypto/rsa-keys';
import { openSharedKey } from '$lib/crypto/shared-key';

/** Thrown by every secret-using method of a {@link Keyring} after {@link Keyring.lock}. */
export class KeyringLockedError extends Error {
  constructor(atSign: string) {
    super(`the keys of ${atSign} are locked`);
    this.name = 'KeyringLockedError';
  }
}

interface Secrets {
  readonly selfKey: CryptoKey;
  readonly dataSigningKey: CryptoKey;
  readonly pkamKey: CryptoKey | undefined;
  readonly encryptionPrivateKey: string;
  readonly apkamSymmetricKey: string | undefined;
}

/**
 * One atSign's keys, ready for the data layer: self encryption, shared-key unwrapping, data signatures, PKAM.
 *
 * @example
 * const keyring = await Keyring.fromAtKeys(await readAtKeysFile(text));
 * const value = await keyring.encryptSelf('secret diary entry', generateIvNonce());
 * keyring.lock();
 */
export class Keyring {
  /** The atSign, with its `@`. */
  readonly atSign: string;
  /** The encryption public key (base64 SPKI), the value of `public:publickey@<atSign>`. */
  readonly encryptionPublicKey: string;
  /** `md5_hex` of the trimmed encryption public key: what a `pubKeyCS` addressed to this atSign must equal. */
  readonly publicKeyChecksum: string;
  /** The PKAM/APKAM public key (base64 SPKI or hex `04…`). */
  readonly pkamPublicKey: string;
  readonly pkamSigningAlgo: SigningAlgo;
  /** This device's enrollment id; absent for a legacy (pre-APKAM) key set. */
  readonly enrollmentId: string | undefined;
  #secrets: Secrets | undefined;

  private constructor(atSign: string, keys: AtKeys, secrets: Secrets) {
    this.atSign = atSign;
    this.encryptionPublicKey = keys.encryptionPublicKey;
    this.publicKeyChecksum = publicKeyChecksum(keys.encryptionPublicKey.trim());
    this.pkamPublicKey = keys.pkamPublicKey;
    this.pkamSigningAlgo = pkamSigningAlgoOf(keys.pkamPublicKey);
    this.enrollmentId = keys.enrollmentId;
    this.#secrets = secrets;
  }

  /**
   * Imports the keys of an `.atKeys` file. `atSign` defaults to the file's own (`"@alice"` field).
   *
   * @throws {CryptoError} `bad-key` when a key does not import; AtError `AT0011` for a bad atSign.
   * @example const keyring = await Keyring.fromAtKeys(keys, '@alice');
   */
  static async fromAtKeys(keys: AtKeys, atSign = keys.atSign): Promise<Keyring> {
    if (atSign === undefined) throw new TypeError('the keys name no atSign: pass it explicitly');
    const pkamAlgo = pkamSigningAlgoOf(keys.pkamPublicKey);
    const pkamPrivate = keys.pkamPrivateKey;
    const [selfKey, dataSigningKey, pkamKey] = await Promise.all([
      importAesKey(keys.selfEncryptionKey),
      importRsaSigningKey(keys.encryptionPrivateKey),
      pkamPrivate === undefined
        ? undefined
        : pkamAlgo === 'rsa2048'
          ? importRsaSigningKey(pkamPrivate)
          : importEccSigningKey(pkamPrivate),
    ]);
    return new Keyring(fixAtSign(atSign), keys, {
      selfKey,
      dataSigningKey,
      pkamKey,
      encryptionPrivateKey: keys.encryptionPrivateKey,
      apkamSymmetricKey: keys.apkamSymmetricKey,
    });
  }

  /** Whether {@link lock} has been called. */
  get locked(): boolean {
    return this.#secrets === undefined;
  }

  /** The self encryption key as a non-extractable AES-CTR CryptoKey (for batch decryption). */
  get selfKey(): CryptoKey {
    return this.#unlocked().selfKey;
  }

  /** The APKAM symmetric key of this enrollment (base64), for approving other enrollments; absent for legacy keys. */
  get apkamSymmetricKey(): string | undefined {
    return this.#unlocked().apkamSymmetricKey;
  }

  /** Encrypts a self value (crypto.md §6.3): AES-256-CTR+PKCS#7 under the self key, IV from `ivNonce` or zero. */
  encryptSelf(plaintext: string, ivNonce?: string | null): Promise<string> {
    return encryptAes(plaintext, this.#unlocked().selfKey, ivNonce);
  }

  /** Decrypts a self value. Throws CryptoError `bad-padding`/`bad-length`/`bad-encoding` for a wrong key or IV. */
  decryptSelf(ciphertext: string, ivNonce?: string | null): Promise<string> {
    return decryptAes(ciphertext, this.#unlocked().selfKey, ivNonce);
  }

  /**
   * Unwraps a shared key copy made for this atSign (`shared_key.bob@alice`, `@alice:shared_key@bob`, a
   * `sharedKeyEnc`) with the encryption private key. Slow (RSA in JavaScript): cache what it returns.
   *
   * @throws {CryptoError} `decrypt-failed` for a copy made for another key.
   */
  openSharedKey(encryptedCopy: string): Promise<string> {
    return openSharedKey(encryptedCopy, this.#unlocked().encryptionPrivateKey);
  }

  /** The `dataSignature` of a public value: SHA256withRSA by the encryption private key (crypto.md §6.4). */
  signData(value: string): Promise<string> {
    return signData(value, this.#unlocked().dataSigningKey);
  }

  /**
   * What `pkam:` needs, for the session's (re)authentication: the PKAM public key, the private key as a
   * non-extractable CryptoKey (absent for a secure-element key) and the enrollment id.
   *
   * @throws {KeyringLockedError}
   * @example new AtSession({ atSign, dialer, keys: () => keyring.pkamKeys() });
   */
  pkamKeys(): PkamCredentials {
    const { pkamKey } = this.#unlocked();
    return {
      pkamPublicKey: this.pkamPublicKey,
      ...(pkamKey === undefined ? {} : { pkamPrivateKey: pkamKey }),
      ...(this.enrollmentId === undefined ? {} : { enrollmentId: this.enrollmentId }),
    };
  }

  /**
   * Drops every secret this keyring holds and every imported key cached by `$lib/crypto` (those caches are
   * shared, so other keyrings re-import on their next use). Idempotent.
   */
  lock(): void {
    this.#secrets = undefined;
    clearKeyCaches();
  }

  #unlocked(): Secrets {
    if (this.#secrets === undefined) throw new KeyringLockedError(this.atSign);
    return this.#secrets;
  }
}
