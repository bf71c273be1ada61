/**
 * Owner authentication over a {@link ProtocolClient}: `from`, then `cram` with the CRAM secret or `pkam`
 * with the keys of an `.atKeys` file (atprotocol.md §5.1–§5.3), exactly as the reference clients send them.
 */
import { AtError } from '$lib/at/errors';
import { errorFromResponse, type Response } from '$lib/at/response';
import { cram, from } from '$lib/at/verbs/auth';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { challengeFromResponse } from '$lib/crypto/challenge';
import { cramDigest } from '$lib/crypto/cram';
import { pkamCommand } from '$lib/crypto/pkam-command';
import type { ProtocolClient } from './protocol-client';

/** The `data:` of a response, or the server's error as an {@link AtError}. */
function expectData(response: Response, step: string): string {
  if (response.kind === 'data') return response.data;
  if (response.kind === 'error') throw errorFromResponse(response);
  throw new AtError('AT0014', `unexpected answer to ${step}`);
}

/** Sends `from:<atSign>` and returns the challenge to sign. */
async function challenge(client: ProtocolClient, atSign: string): Promise<string> {
  return challengeFromResponse(expectData(await client.send(from.format({ verb: 'from', atSign })), 'from'));
}

/** Whatever a successful `cram`/`pkam` answers other than `success` is a failure. */
function expectSuccess(response: Response, step: string): void {
  if (expectData(response, step) !== 'success') throw new AtError('AT0401', `${step} did not succeed`);
}

/**
 * Authenticates as the owner with the CRAM secret (only until the atSign's first activation deletes it).
 *
 * @throws AtError AT0401 when the server refuses the digest; other codes as the server answers.
 * @example await authenticateWithCram(client, '@alice', cramSecret); // from:@alice, then cram:b5f2…
 */
export async function authenticateWithCram(client: ProtocolClient, atSign: string, secret: string): Promise<void> {
  const digest = await cramDigest(secret, await challenge(client, atSign));
  expectSuccess(await client.send(cram.format({ verb: 'cram', digest })), 'cram');
}

/**
 * Authenticates as the owner with PKAM: signs the `from` challenge with the file's PKAM private key and,
 * when the file carries an enrollment id, names it (APKAM). A legacy file sends the bare `pkam:<sig>`
 * the SDKs send; an enrollment or an ECC key spells the algorithms out as Dart's builder does.
 *
 * @throws AtError AT0401 for a wrong signature, AT0025–AT0028 for an enrollment that is not approved;
 *   CryptoError `bad-key` when the file has no usable PKAM private key.
 * @example await authenticateWithKeys(client, '@alice', await readAtKeysFile(text));
 * // from:@alice, then pkam:signingAlgo:rsa2048:hashingAlgo:sha256:enrollmentId:0f3c…:W/Ky…
 */
export async function authenticateWithKeys(client: ProtocolClient, atSign: string, keys: AtKeys): Promise<void> {
  const line = await pkamCommand(await challenge(client, atSign), keys);
  expectSuccess(await client.send(line), 'pkam');
}
