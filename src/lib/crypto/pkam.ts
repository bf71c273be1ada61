import { signEcc, verifyEcc } from './ecc-p256';
import type { HashingAlgo } from './rsa-keys';
import { signRsa, verifyRsa } from './rsa-signature';

/**
 * The PKAM signature (crypto.md §4): the challenge (see {@link ./challenge}) signed with the PKAM/APKAM private
 * key. Formatting the `pkam:` command is the verb grammar's job (`$lib/at/verbs`), not this module's.
 */

/** The `signingAlgo` of a PKAM command. A command without one means `rsa2048`. */
export type SigningAlgo = 'rsa2048' | 'ecc_secp256r1';

/** How to sign a PKAM challenge. */
export interface PkamSigningOptions {
  /** Defaults to `rsa2048`. */
  readonly signingAlgo?: SigningAlgo;
  /** Defaults to `sha256`. Ignored for `ecc_secp256r1`, which always hashes with SHA-256. */
  readonly hashingAlgo?: HashingAlgo;
}

/** A PKAM signature with the algorithms that made it, ready for the verb grammar to format. */
export interface PkamSignature {
  readonly signature: string;
  readonly signingAlgo: SigningAlgo;
  readonly hashingAlgo: HashingAlgo;
}

/** What the server knows when it checks a `pkam:` command. */
export interface PkamVerification {
  readonly challenge: string;
  readonly signature: string;
  /** The stored PKAM/APKAM public key: base64 SPKI for RSA, hex `04‖X‖Y` for ECC. */
  readonly publicKey: string;
  /** From the command; absent means `rsa2048`. */
  readonly signingAlgo?: SigningAlgo;
  /** From the command; absent means `sha256`. */
  readonly hashingAlgo?: HashingAlgo;
}

/**
 * Signs a PKAM challenge. `privateKey` is the base64 PKCS#8 PKAM/APKAM private key or an imported signing
 * CryptoKey of the matching algorithm.
 *
 * @throws {CryptoError} `bad-key` when the key string does not fit `signingAlgo`.
 * @example
 * const challenge = challengeFromResponse(fromResponse);
 * const { signature } = await signPkam(challenge, atKeys.pkamPrivateKey); // SHA256withRSA
 * const ecc = await signPkam(challenge, apkamKey, { signingAlgo: 'ecc_secp256r1' });
 */
export async function signPkam(
  challenge: string,
  privateKey: string | CryptoKey,
  options: PkamSigningOptions = {},
): Promise<PkamSignature> {
  const signingAlgo = options.signingAlgo ?? 'rsa2048';
  if (signingAlgo === 'ecc_secp256r1') {
    return { signature: await signEcc(challenge, privateKey), signingAlgo, hashingAlgo: 'sha256' };
  }
  const hashingAlgo = options.hashingAlgo ?? 'sha256';
  return { signature: await signRsa(challenge, privateKey, hashingAlgo), signingAlgo, hashingAlgo };
}

/**
 * Checks a PKAM signature as the atServer does, over the challenge it issued and the public key it stored.
 * Answers `false` for a signature that does not verify or is not in the expected encoding.
 *
 * @throws {CryptoError} `bad-key` when `publicKey` does not fit `signingAlgo` (a server-side data problem, not
 *   the client's).
 * @example
 * const ok = await verifyPkam({ challenge, signature, publicKey, signingAlgo: 'rsa2048', hashingAlgo: 'sha512' });
 */
export function verifyPkam(check: PkamVerification): Promise<boolean> {
  if (check.signingAlgo === 'ecc_secp256r1') return verifyEcc(check.challenge, check.signature, check.publicKey);
  return verifyRsa(check.challenge, check.signature, check.publicKey, check.hashingAlgo ?? 'sha256');
}
