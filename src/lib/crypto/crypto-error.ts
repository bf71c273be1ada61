/**
 * Why a crypto operation refused its input. Stable words, so callers branch on `code` and never on message text
 * (STYLE.md §2.6); the message adds the detail a developer needs.
 */
export type CryptoErrorCode =
  /** Text that should be standard padded base64, hex or UTF-8 is not. */
  | 'bad-encoding'
  /** A key string is malformed: wrong length, not DER, or the wrong kind of key. */
  | 'bad-key'
  /** An IV (`ivNonce`) is not 16 bytes of base64. */
  | 'bad-iv'
  /** An AES ciphertext is empty or its length is not a multiple of 16. */
  | 'bad-length'
  /** The PKCS#7 padding after AES decryption is invalid (usually: the wrong key or IV). */
  | 'bad-padding'
  /** RSA decryption failed (usually: the wrong private key). */
  | 'decrypt-failed'
  /** An `.atKeys` file or passphrase envelope is not in a shape this code can read. */
  | 'bad-file'
  /** A passphrase-protected file was given no passphrase. */
  | 'passphrase-required'
  /** A passphrase-protected file did not open with the passphrase given. */
  | 'wrong-passphrase'
  /** Valid input that uses a feature or parameter this implementation does not support. */
  | 'unsupported';

/**
 * A crypto failure with a stable {@link CryptoErrorCode}. Every throw in `$lib/crypto` caused by bad input is one
 * of these; anything else escaping is a bug.
 *
 * @example
 * try {
 *   await decryptAes(ciphertext, key);
 * } catch (error) {
 *   if (error instanceof CryptoError && error.code === 'bad-padding') showWrongKeyNotice();
 *   else throw error;
 * }
 */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CryptoError';
    this.code = code;
  }
}
