import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { generateAesKey } from '$lib/crypto/aes-key';
import { bytesToBase64, bytesToUtf8 } from '$lib/crypto/encoding';
import { openAtSignDatabase } from '$lib/client/store/database';
import { applyPulled } from '$lib/client/store/pulled';
import { listRecords } from '$lib/client/store/records';
import {
  changePassphrase,
  defaultIterations,
  deriveVaultKey,
  listAtSigns,
  openKeys,
  saveKeys,
  vaultDatabaseName,
  vaultParams,
  VaultError,
  wipe,
  type VaultEntry,
} from '$lib/client/vault';
import { freshIndexedDb } from '../../../support/fake-indexeddb';

/** Test runs use fewer PBKDF2 iterations except where the default itself is checked. */
const fast = { iterations: 1_000 };

/** Keys as an `.atKeys` file holds them; random base64 stands in for each key (the vault seals any text). */
const keys: AtKeys = {
  atSign: '@alice',
  pkamPublicKey: generateAesKey(),
  pkamPrivateKey: generateAesKey(),
  encryptionPublicKey: generateAesKey(),
  encryptionPrivateKey: generateAesKey(),
  selfEncryptionKey: generateAesKey(),
  apkamSymmetricKey: generateAesKey(),
  enrollmentId: '0f3c6a52-0000-4000-8000-000000000001',
};

async function unlock(atSign: string, passphrase: string): Promise<AtKeys> {
  const params = await vaultParams(atSign);
  if (!params) throw new Error(`no entry for ${atSign}`);
  return openKeys(atSign, await deriveVaultKey(passphrase, params.salt, params.iterations));
}

async function rawEntry(atSign: string): Promise<VaultEntry> {
  const db = await openDB(vaultDatabaseName);
  const entry = (await db.get('entries', atSign)) as VaultEntry;
  db.close();
  return entry;
}

const refusal = (code: VaultError['code']) => expect.objectContaining({ name: 'VaultError', code });

describe('the key vault', () => {
  beforeEach(() => freshIndexedDb());

  it('opens the keys it sealed, with PBKDF2-SHA256 at 600,000 iterations by default', async () => {
    await saveKeys('@alice', keys, 'correct horse battery staple');
    expect(await unlock('@alice', 'correct horse battery staple')).toEqual(keys);
    const entry = await rawEntry('@alice');
    expect(entry.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: defaultIterations });
    expect(defaultIterations).toBe(600_000);
    expect(entry.kdf.salt).toHaveLength(16);
    expect(entry.cipher.iv).toHaveLength(12);
  });

  it('refuses a wrong passphrase with a VaultError wrong-passphrase', async () => {
    await saveKeys('@alice', keys, 'right', fast);
    await expect(unlock('@alice', 'wrong')).rejects.toThrow(VaultError);
    await expect(unlock('@alice', 'wrong')).rejects.toEqual(refusal('wrong-passphrase'));
  });

  it('stores no key material in the clear', async () => {
    await saveKeys('@alice', keys, 'passphrase', fast);
    const entry = await rawEntry('@alice');
    const bytes = [entry.kdf.salt, entry.cipher.iv, entry.ciphertext];
    // Every way the stored bytes could spell a key: as text, and as the base64 of the bytes themselves.
    const views = [
      JSON.stringify(entry),
      ...bytes.map((b) => bytesToUtf8(b.filter((c) => c < 128))),
      ...bytes.map(bytesToBase64),
    ];
    const secrets = [keys.pkamPrivateKey!, keys.encryptionPrivateKey, keys.selfEncryptionKey, keys.apkamSymmetricKey!];
    for (const secret of secrets) {
      for (const view of views) expect(view.includes(secret.slice(0, 24))).toBe(false);
    }
    expect(Object.keys(entry).sort()).toEqual(['atSign', 'cipher', 'ciphertext', 'kdf', 'savedAt', 'version']);
  });

  it('derives a key that cannot be exported', async () => {
    const key = await deriveVaultKey('passphrase', new Uint8Array(16), 1_000);
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('does not open one atSign’s sealed keys moved under another atSign', async () => {
    await saveKeys('@alice', keys, 'passphrase', fast);
    const db = await openDB(vaultDatabaseName);
    await db.put('entries', { ...(await db.get('entries', '@alice')), atSign: '@mallory' });
    db.close();
    await expect(unlock('@mallory', 'passphrase')).rejects.toEqual(refusal('wrong-passphrase'));
  });

  it('answers not-found for an atSign it holds no keys of', async () => {
    await expect(openKeys('@nobody', await deriveVaultKey('x', new Uint8Array(16), 1_000))).rejects.toEqual(
      refusal('not-found'),
    );
  });

  it('changes the passphrase: the old one stops working, the keys stay the same', async () => {
    await saveKeys('@alice', keys, 'old', fast);
    const saltBefore = (await vaultParams('@alice'))!.salt;
    await changePassphrase('@alice', 'old', 'new', fast);
    expect(await unlock('@alice', 'new')).toEqual(keys);
    await expect(unlock('@alice', 'old')).rejects.toEqual(refusal('wrong-passphrase'));
    expect((await vaultParams('@alice'))!.salt).not.toEqual(saltBefore);
  });

  it('does not change the passphrase given a wrong old one', async () => {
    await saveKeys('@alice', keys, 'old', fast);
    await expect(changePassphrase('@alice', 'guess', 'new', fast)).rejects.toEqual(refusal('wrong-passphrase'));
    expect(await unlock('@alice', 'old')).toEqual(keys);
  });

  it('lists the atSigns it holds and wipes one with its data database', async () => {
    await saveKeys('@bob', { ...keys, atSign: '@bob' }, 'b', fast);
    await saveKeys('@alice', keys, 'a', fast);
    expect(await listAtSigns()).toEqual(['@alice', '@bob']);
    const data = await openAtSignDatabase('@alice');
    await applyPulled(data, [{ atKey: 'x@alice', value: '1', metadata: null, commitId: 0, operation: '+' }], 0, 0);
    await wipe('@alice');
    expect(await listAtSigns()).toEqual(['@bob']);
    expect((await indexedDB.databases()).map((db) => db.name)).not.toContain('atstack:@alice');
    const reopened = await openAtSignDatabase('@alice');
    expect(await listRecords(reopened)).toEqual([]);
    reopened.close();
  });
});
