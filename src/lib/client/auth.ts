/**
 * Owner authentication over any {@link Requester} (atprotocol.md §5.1–§5.3): `from`, then `cram` with the
 * CRAM secret (first activation only) or `pkam` with the keys of an `.atKeys` file, as the SDKs send them.
 */
import { AtError } from '$lib/at/errors';
import { cram, from } from '$lib/at/verbs/auth';
import { challengeFromResponse } from '$lib/crypto/challenge';
import { cramDigest } from '$lib/crypto/cram';
import { pkamCommand, type PkamCredentials } from '$lib/crypto/pkam-command';
import { request, type Requester } from './requester';

/** Sends `from:<atSign>` and returns the challenge to sign. */
async function challengeFor(requester: Requester, atSign: string): Promise<string> {
  return challengeFromResponse(await request(requester, from.format({ verb: 'from', atSign })));
}

/** Anything a `cram`/`pkam` answers other than `data:success` is a failure. */
async function expectSuccess(requester: Requester, line: string, step: string): Promise<void> {
  if ((await request(requester, line)) !== 'success') throw new AtError('AT0401', `${step} did not succeed`);
}

/**
 * Authenticates as the owner with the CRAM secret, which exists only until the first activation deletes it.
 *
 * @throws AtError AT0401 when the server refuses the digest, AT0015 once the secret has been deleted.
 * @example await authenticateWithCram(connection, '@alice', cramSecret); // from:@alice, then cram:b5f2…
 */
export async function authenticateWithCram(requester: Requester, atSign: string, secret: string): Promise<void> {
  const digest = await cramDigest(secret, await challengeFor(requester, atSign));
  await expectSuccess(requester, cram.format({ verb: 'cram', digest }), 'cram');
}

/**
 * Authenticates as the owner with PKAM: signs the `from` challenge with the PKAM private key (RSA or ECC)
 * and, when the keys carry an enrollment id, names it (APKAM).
 *
 * @throws AtError AT0401 for a wrong signature or no private key; AT0025–AT0029 (status form) for an
 *   enrollment that is denied, pending, revoked or expired; CryptoError `bad-key` for an unusable key.
 * @example await authenticateWithKeys(connection, '@alice', atKeys);
 * // from:@alice, then pkam:signingAlgo:rsa2048:hashingAlgo:sha256:enrollmentId:0f3c…:W/Ky…
 */
export async function authenticateWithKeys(requester: Requester, atSign: string, keys: PkamCredentials): Promise<void> {
  if (!keys.pkamPrivateKey) throw new AtError('AT0401', 'the keys hold no PKAM private key');
  const line = await pkamCommand(await challengeFor(requester, atSign), keys);
  await expectSuccess(requester, line, 'pkam');
}
