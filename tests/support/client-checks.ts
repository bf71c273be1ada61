/**
 * The whole client in a Chromium page, as the app uses it (`tests/e2e/client.test.ts` bundles this module and the
 * worker entry and serves them from the real gateway): `createClient` with its engine in a real Worker, real
 * IndexedDB and WebCrypto, and the atProtocol through the gateway to a real atServer. Returns plain data.
 */
import type { RecordView } from '$lib/client/api';
import { createClient } from '$lib/client/app';
import { vaultDatabaseName, vaultParams } from '$lib/client/vault';
import { readAtKeysFile } from '$lib/crypto/atkeys-file';

/** Every raw value of a store, as text, for searching. */
export async function rawText(database: string, store: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(database);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const values = await new Promise<unknown[]>((resolve, reject) => {
    const request = db.transaction(store).objectStore(store).getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  // Bytes as one character per byte, and as their base64: a key stored in the clear shows in one of them.
  const binary = (bytes: Uint8Array) => String.fromCharCode(...bytes);
  return JSON.stringify(values, (_, value: unknown) =>
    value instanceof Uint8Array ? binary(value) + btoa(binary(value)) : value,
  );
}

/** What the journey saw. */
export interface JourneyOutcome {
  readonly steps: string[];
  readonly iterations: number | undefined;
  readonly afterPut: RecordView | undefined;
  readonly backupIsSealed: boolean;
  readonly backupAtSign: string | undefined;
  readonly keyMaterialInVault: boolean;
  readonly whileLocked: string;
  readonly wrongPassphrase: { name: string; code: unknown } | undefined;
  readonly afterUnlock: RecordView | undefined;
  readonly atSignsBeforeRemove: { atSign: string; unlocked: boolean }[];
  readonly atSignsAfterRemove: { atSign: string; unlocked: boolean }[];
  readonly imported: string;
  readonly afterImport: RecordView | undefined;
}

const errorShape = (error: { name: string; code?: unknown }) => ({ name: error.name, code: error.code });

/**
 * Activates `atSign` through the gateway, writes a record, exports a backup, locks, fails to unlock with a wrong
 * passphrase, unlocks, reads the record from the local store, removes the atSign from the browser, and imports it
 * again from the backup.
 */
export async function clientJourney(atSign: string, cramSecret: string, passphrase: string): Promise<JourneyOutcome> {
  const client = createClient({ worker: new Worker('/worker.js') as never, storage: sessionStorage });
  const steps: string[] = [];
  await client.activate({ atSign, cramSecret, passphrase, onProgress: (step) => steps.push(step) });
  const iterations = (await vaultParams(atSign))?.iterations;
  const put = await client.put(atSign, { name: 'note', namespace: 'e2e', visibility: 'self', value: 'in the browser' });
  await client.syncNow(atSign);
  const afterPut = (await client.records(atSign)).find((record) => record.atKey === put.atKey);

  const backup = await client.exportKeys(atSign, passphrase);
  const keys = await readAtKeysFile(backup, { passphrase });
  const vault = await rawText(vaultDatabaseName, 'entries');
  const secrets = [keys.pkamPrivateKey ?? '', keys.encryptionPrivateKey, keys.selfEncryptionKey];

  await client.lock(atSign);
  const whileLocked = await client.records(atSign).then(
    () => 'read',
    (error: Error) => error.message,
  );
  const wrongPassphrase = await client.unlock(atSign, `${passphrase}!`).then(() => undefined, errorShape);
  await client.unlock(atSign, passphrase);
  const afterUnlock = (await client.records(atSign)).find((record) => record.atKey === put.atKey);
  const atSignsBeforeRemove = await client.listAtSigns();
  await client.remove(atSign);
  const atSignsAfterRemove = await client.listAtSigns();

  // A fresh start from the backup: the records come back from the atServer.
  const imported = await client.importKeys({ fileText: backup, filePassphrase: passphrase, passphrase: 'another' });
  await client.syncNow(imported);
  const afterImport = (await client.records(imported)).find((record) => record.atKey === put.atKey);
  await client.remove(imported);
  return {
    steps,
    iterations,
    afterPut,
    backupIsSealed: !backup.includes(keys.selfEncryptionKey),
    backupAtSign: keys.atSign,
    keyMaterialInVault: secrets.some((secret) => vault.includes(secret.slice(0, 24))),
    whileLocked,
    wrongPassphrase,
    afterUnlock,
    atSignsBeforeRemove,
    atSignsAfterRemove,
    imported,
    afterImport,
  };
}
