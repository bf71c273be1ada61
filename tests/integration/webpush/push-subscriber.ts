/**
 * The browser's side of a push subscription, written from RFC 8291 and RFC 8188 (not with the `web-push`
 * package the atServer uses, so a fault there cannot hide itself): a P-256 key pair and an auth secret, the
 * subscription JSON a browser would register, and decryption of an aes128gcm push body.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';

export class PushSubscriber {
  readonly #ecdh = createECDH('prime256v1');
  readonly publicKey: Buffer;
  readonly auth = randomBytes(16);

  constructor(readonly endpoint: string) {
    this.publicKey = this.#ecdh.generateKeys();
  }

  /** What `PushSubscription.toJSON()` gives, as the app registers it. */
  json(): string {
    return JSON.stringify({
      endpoint: this.endpoint,
      expirationTime: null,
      keys: { p256dh: this.publicKey.toString('base64url'), auth: this.auth.toString('base64url') },
    });
  }

  /**
   * Decrypts a single-record aes128gcm body: `salt(16) | rs(4) | idlen(1) | keyid(65: the sender's public
   * key) | ciphertext+tag`, keys from HKDF as RFC 8291 §3.4 says, padding delimiter 0x02 stripped.
   */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const idLength = body[20]!;
    const senderKey = body.subarray(21, 21 + idLength);
    const record = body.subarray(21 + idLength);
    const shared = this.#ecdh.computeSecret(senderKey);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.publicKey, senderKey]);
    const ikm = Buffer.from(hkdfSync('sha256', shared, this.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    const delimiter = padded.lastIndexOf(2);
    if (delimiter === -1 || padded.subarray(delimiter + 1).some((byte) => byte !== 0)) throw new Error('bad padding');
    return padded.subarray(0, delimiter).toString('utf8');
  }
}

/**
 * Checks a VAPID `Authorization: vapid t=<jwt>, k=<key>` header (RFC 8292): the JWT is ES256-signed by `k`,
 * its audience is the push service's origin. Answers `k` and the claims.
 */
export function verifyVapid(header: string, origin: string): { key: string; claims: Record<string, unknown> } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header);
  if (!match) throw new Error(`not a VAPID header: ${header}`);
  const [jwt, key] = [match[1]!, match[2]!];
  const [head, body, signature] = jwt.split('.') as [string, string, string];
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
  });
  const signed = Buffer.from(`${head}.${body}`);
  const valid = verify(
    'sha256',
    signed,
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (claims.aud !== origin) throw new Error(`VAPID audience ${String(claims.aud)} is not ${origin}`);
  return { key, claims };
}
