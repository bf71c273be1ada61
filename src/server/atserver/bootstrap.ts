import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { bytesToHex } from '$lib/crypto/encoding';
import { freshMetadata } from './records';
import type { AtSignStore } from './store/atsign-store';

/** Reserved keys the atServer itself keeps (atprotocol.md §4.3). */
export const reservedKeys = {
  cramSecret: 'privatekey:at_secret',
  cramSecretDeleted: 'privatekey:at_secret_deleted',
  signingKeyPairGenerated: 'privatekey:signing_keypair_generated',
  legacyPkamPublicKey: 'privatekey:at_pkam_publickey',
  signingPublicKey: (atSign: string) => `public:signing_publickey${atSign}`,
  signingPrivateKey: (atSign: string) => `${atSign}:signing_privatekey${atSign}`,
} as const;

/** A new CRAM secret: 64 random bytes as 128 hex characters. */
export function newCramSecret(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(64)));
}

/**
 * Gives a new atSign's store what the reference creates on its first start: the CRAM secret the owner
 * activates with, and the signing key pair (public key at commit 0, private key at commit 1) used for
 * `pol` proofs and `notify:all` signatures. Idempotent: an existing signing key pair is kept.
 */
export async function initialiseAtSign(store: AtSignStore, atSign: string, cramSecret: string, now: number) {
  const meta = freshMetadata(atSign, now);
  await store.keys.put({ key: reservedKeys.cramSecret, value: cramSecret, metadata: meta }, '+');
  if (store.keys.get(reservedKeys.signingKeyPairGenerated)) return;
  const pair = await generateRsaKeyPair();
  await store.keys.put({ key: reservedKeys.signingPublicKey(atSign), value: pair.publicKey, metadata: meta }, '+');
  await store.keys.put({ key: reservedKeys.signingPrivateKey(atSign), value: pair.privateKey, metadata: meta }, '+');
  await store.keys.put({ key: reservedKeys.signingKeyPairGenerated, value: 'true', metadata: meta }, '+');
}
