import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from './encoding';

/**
 * The `pubKeyCS` metadata value: lowercase hex MD5 of the UTF-8 of the recipient's base64 public key string,
 * exactly as `plookup:publickey@bob` returned it (not of the DER). A Dart receiver compares it with the checksum
 * of its own trimmed public key and refuses the value on a mismatch (crypto.md §6.1, §10.8). MD5 is fine here: it
 * detects a changed key, it does not authenticate one.
 *
 * @example
 * publicKeyChecksum(publicKeyOfBob); // 'c750160e4242bd19e305eec4ca989b9c'
 */
export function publicKeyChecksum(publicKey: string): string {
  return bytesToHex(md5(utf8ToBytes(publicKey)));
}
