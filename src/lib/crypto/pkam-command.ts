import { AtError } from '$lib/at/errors';
import { pkam } from '$lib/at/verbs/auth';
import { signPkam, type SigningAlgo } from './pkam';

/**
 * The `pkam:` command an owner sends to prove who it is (atprotocol.md §5.3, crypto.md §4): the `from`
 * challenge signed with the PKAM/APKAM private key, formatted as the reference clients send it. Shared by
 * the atClient and the atServer's own tools so both send the same line.
 */

/** What a `pkam:` command is made from: the PKAM key pair and, for APKAM, the enrollment it belongs to. */
export interface PkamCredentials {
  /** base64 SPKI (RSA) or hex `04‖X‖Y` (ECC P-256). */
  readonly pkamPublicKey: string;
  /** base64 PKCS#8, or an imported signing CryptoKey of the matching algorithm. */
  readonly pkamPrivateKey?: string | CryptoKey;
  readonly enrollmentId?: string;
}

/**
 * The signing algorithm a PKAM public key is for: an ECC APKAM key is stored as a hex EC point `04‖X‖Y`,
 * an RSA key as base64 SPKI.
 *
 * @example pkamSigningAlgoOf('04a1b2…'); // 'ecc_secp256r1'
 */
export function pkamSigningAlgoOf(pkamPublicKey: string): SigningAlgo {
  return /^04[0-9a-f]{128}$/i.test(pkamPublicKey) ? 'ecc_secp256r1' : 'rsa2048';
}

/**
 * Signs `challenge` (see `challengeFromResponse`) and writes the `pkam:` line. Keys without an enrollment
 * send the bare `pkam:<sig>` the Python and Java SDKs send; an enrollment or an ECC key spells the
 * algorithms out as Dart's builder does.
 *
 * @throws AtError AT0401 when there is no PKAM private key; CryptoError `bad-key` when it does not fit.
 * @example
 * await pkamCommand(challenge, atKeys);
 * // 'pkam:signingAlgo:rsa2048:hashingAlgo:sha256:enrollmentId:0f3c…:W/Ky…'
 */
export async function pkamCommand(challenge: string, keys: PkamCredentials): Promise<string> {
  if (!keys.pkamPrivateKey) throw new AtError('AT0401', 'the .atKeys file holds no PKAM private key');
  const signingAlgo = pkamSigningAlgoOf(keys.pkamPublicKey);
  const signed = await signPkam(challenge, keys.pkamPrivateKey, { signingAlgo });
  const spelled = keys.enrollmentId !== undefined || signingAlgo !== 'rsa2048';
  return pkam.format({
    verb: 'pkam',
    ...(spelled ? { signingAlgo: signed.signingAlgo, hashingAlgo: signed.hashingAlgo } : {}),
    ...(keys.enrollmentId === undefined ? {} : { enrollmentId: keys.enrollmentId }),
    signature: signed.signature,
  });
}
