import { bytesToHex, utf8ToBytes } from './encoding';

/**
 * The CRAM digest: `hex(sha512(utf8(secret + challenge)))`, 128 lowercase hex characters (crypto.md §3). The
 * secret is opaque text (usually, but not always, hex) and is used as given.
 *
 * @example
 * const digest = await cramDigest(cramSecret, challengeFromResponse(fromResponse)); // 'b5f2ab63…'
 */
export async function cramDigest(secret: string, challenge: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-512', utf8ToBytes(secret + challenge));
  return bytesToHex(new Uint8Array(digest));
}
