import { beforeAll, describe, expect, it } from 'vitest';
import { challengeFromResponse } from '$lib/crypto/challenge';
import { pkamCommand } from '$lib/crypto/pkam-command';
import { Keyring, KeyringLockedError } from '$lib/client/keyring';
import { aliceKeys, vectors } from './vector-keys';

describe('Keyring', () => {
  let keyring: Keyring;
  beforeAll(async () => {
    keyring = await Keyring.fromAtKeys(aliceKeys);
  });

  it('takes the atSign, public keys and pubKeyCS checksum from the .atKeys', () => {
    expect(keyring.atSign).toBe(vectors.atKeysFile.atSign);
    expect(keyring.encryptionPublicKey).toBe(aliceKeys.encryptionPublicKey);
    expect(keyring.publicKeyChecksum).toBe(vectors.publicKeyChecksum.cases[0]!.pubKeyCS);
    expect(keyring.pkamSigningAlgo).toBe('rsa2048');
  });

  it('holds the self key as a non-extractable AES-CTR CryptoKey', () => {
    expect(keyring.selfKey).toMatchObject({ extractable: false, algorithm: { name: 'AES-CTR' } });
  });

  it('decrypts and encrypts self values as the vectors do', async () => {
    const { ciphertextBase64, ivNonce, plaintext, ciphertextBase64LegacyZeroIv } = vectors.selfEncryption;
    expect(await keyring.decryptSelf(ciphertextBase64, ivNonce)).toBe(plaintext);
    expect(await keyring.encryptSelf(plaintext)).toBe(ciphertextBase64LegacyZeroIv);
  });

  it('signs public data, and gives the session PKAM keys that sign as Dart does', async () => {
    expect(await keyring.signData(vectors.publicDataSignature.value)).toBe(vectors.publicDataSignature.dataSignature);
    const challenge = challengeFromResponse(vectors.pkamRsa.fromResponseRaw);
    const keys = keyring.pkamKeys();
    expect(keys.pkamPrivateKey).toMatchObject({ extractable: false });
    expect(await pkamCommand(challenge, keys)).toBe(vectors.pkamRsa.commands.legacyNoEnrollment.trimEnd());
  });

  it('opens its own copy of a shared key', async () => {
    expect(await keyring.openSharedKey(vectors.sharing.myCopy.ciphertextBase64)).toBe(
      vectors.sharing.sharedSymmetricKeyBase64,
    );
  });

  it('refuses every secret operation once locked, and keeps its public parts', async () => {
    const locked = await Keyring.fromAtKeys(aliceKeys);
    locked.lock();
    expect(locked.locked).toBe(true);
    expect(() => locked.selfKey).toThrow(KeyringLockedError);
    expect(() => locked.signData('x')).toThrow(KeyringLockedError);
    expect(() => locked.openSharedKey('x')).toThrow(KeyringLockedError);
    expect(() => locked.pkamKeys()).toThrow(KeyringLockedError);
    expect(locked.encryptionPublicKey).toBe(aliceKeys.encryptionPublicKey);
    // Another keyring still works: the shared crypto caches re-import what they lost.
    expect(await keyring.decryptSelf(vectors.selfEncryption.ciphertextBase64, vectors.selfEncryption.ivNonce)).toBe(
      vectors.selfEncryption.plaintext,
    );
  });
});
