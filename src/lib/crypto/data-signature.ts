import { signRsa, verifyRsa } from './rsa-signature';

/**
 * The `dataSignature` of a public value: base64 RSASSA-PKCS1-v1_5 SHA-256 over the UTF-8 of the value, made with
 * the atSign's **encryption** private key (not the PKAM key), over the value as given, before any newline or
 * base64 transform (crypto.md §6.4).
 *
 * @throws {CryptoError} `bad-key` when `encryptionPrivateKey` is not a base64 PKCS#8 RSA key.
 * @example
 * const dataSignature = await signData('Hello from @alice 👋', atKeys.encryptionPrivateKey);
 */
export function signData(value: string, encryptionPrivateKey: string | CryptoKey): Promise<string> {
  return signRsa(value, encryptionPrivateKey, 'sha256');
}

/**
 * Checks a public value's `dataSignature` against the owner's `public:publickey@<atSign>`.
 *
 * @throws {CryptoError} `bad-key` when `encryptionPublicKey` is not a base64 SPKI RSA key.
 * @example
 * await verifyData(value, metadata.dataSignature, publicKeyOfAlice); // true
 */
export function verifyData(value: string, dataSignature: string, encryptionPublicKey: string): Promise<boolean> {
  return verifyRsa(value, dataSignature, encryptionPublicKey, 'sha256');
}
