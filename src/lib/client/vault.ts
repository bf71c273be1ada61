/**
 * Keys at rest: each atSign's `.atKeys` material sealed in IndexedDB (database `atstack:vault`, one entry per
 * atSign) with AES-256-GCM under a key derived from the user's passphrase by PBKDF2-SHA256 (600,000 iterations,
 * random 16-byte salt), all in WebCrypto. GCM authenticates, so a wrong passphrase is told apart from a damaged
 * entry, and the atSign is bound to the ciphertext as additional data so entries cannot be swapped.
 *
 * The passphrase never has to cross `postMessage`: the page calls {@link deriveVaultKey} (with the salt and
 * iteration count of {@link vaultParams}) and hands the resulting non-extractable CryptoKey — which structured
 * cloning copies without exposing its bytes — to a worker, which calls {@link openKeys}.
 *
 * @example
 * await saveKeys('@alice', keys, passphrase);                  // onboarding, in the page
 * const { salt, iterations } = (await vaultParams('@alice'))!; // unlock: the page derives …
 * const vaultKey = await deriveVaultKey(passphrase, salt, iterations);
 * worker.openKeys('@alice', vaultKey);                         // … and the worker opens
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { bytesToUtf8, utf8ToBytes, type Bytes } from '$lib/crypto/encoding';
import { deleteAtSignDatabase } from './store/database';

/** The vault database's name. */
export const vaultDatabaseName = 'atstack:vault';

/** PBKDF2-SHA256 iterations for new entries: OWASP's figure for PBKDF2-HMAC-SHA256. */
export const defaultIterations = 600_000;

/** The format of {@link VaultEntry}; raise it when the sealed format changes. */
const entryVersion = 1;
const saltBytes = 16;
const ivBytes = 12;

/** What the vault stores for one atSign: no key material in the clear. */
export interface VaultEntry {
  readonly atSign: string;
  readonly version: number;
  readonly kdf: {
    readonly name: 'PBKDF2';
    readonly hash: 'SHA-256';
    readonly salt: Bytes;
    readonly iterations: number;
  };
  readonly cipher: { readonly name: 'AES-GCM'; readonly iv: Bytes };
  /** AES-GCM of the UTF-8 JSON of the {@link AtKeys}, tag included. */
  readonly ciphertext: Bytes;
  readonly savedAt: number;
}

/** The derivation parameters of an entry: what the page needs to derive its key. */
export interface VaultParams {
  readonly salt: Bytes;
  readonly iterations: number;
}

/**
 * Why the vault refused: `not-found` (no entry for the atSign), `wrong-passphrase` (the key does not open the
 * entry — or the entry was tampered with, which GCM cannot tell apart), `bad-entry` (an entry in a format this
 * code cannot read).
 */
export type VaultErrorCode = 'not-found' | 'wrong-passphrase' | 'bad-entry';

export class VaultError extends Error {
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
    this.code = code;
  }
}

interface VaultSchema extends DBSchema {
  entries: { key: string; value: VaultEntry };
}

function openVault(): Promise<IDBPDatabase<VaultSchema>> {
  return openDB<VaultSchema>(vaultDatabaseName, 1, {
    upgrade: (db) => void db.createObjectStore('entries', { keyPath: 'atSign' }),
  });
}

/** Runs `action` on a fresh connection to the vault and closes it: the vault is touched rarely. */
async function withVault<T>(action: (db: IDBPDatabase<VaultSchema>) => Promise<T>): Promise<T> {
  const db = await openVault();
  try {
    return await action(db);
  } finally {
    db.close();
  }
}

/** Fresh parameters for a new entry: a random salt and {@link defaultIterations}. */
export function newVaultParams(iterations = defaultIterations): VaultParams {
  return { salt: crypto.getRandomValues(new Uint8Array(saltBytes)), iterations };
}

/**
 * The AES-256-GCM key of a passphrase: PBKDF2-SHA256 over its UTF-8 bytes. Non-extractable, so code holding it
 * (a worker it was posted to) can seal and open entries but never read the key.
 *
 * @example const vaultKey = await deriveVaultKey('correct horse battery staple', salt, 600_000);
 */
export async function deriveVaultKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', utf8ToBytes(passphrase), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(salt), iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** The additional data bound to an entry's ciphertext: its format and atSign. */
function additionalData(atSign: string, version: number): Bytes {
  return utf8ToBytes(`atstack-vault:v${version}:${atSign}`);
}

/** The derivation parameters of `atSign`'s entry, or undefined when the vault has none. */
export async function vaultParams(atSign: string): Promise<VaultParams | undefined> {
  const entry = await withVault((db) => db.get('entries', atSign));
  return entry && { salt: entry.kdf.salt, iterations: entry.kdf.iterations };
}

/**
 * Seals `keys` under an already derived key and stores them for `atSign`, replacing any entry. `params` must be
 * those `vaultKey` was derived with: they are stored so the page can derive it again. This is the form a worker
 * uses, given the key by the page.
 */
export async function storeKeys(atSign: string, keys: AtKeys, vaultKey: CryptoKey, params: VaultParams): Promise<void> {
  const iv = crypto.getRandomValues(new Uint8Array(ivBytes));
  const plain = utf8ToBytes(JSON.stringify(keys));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: additionalData(atSign, entryVersion) },
    vaultKey,
    plain,
  );
  plain.fill(0);
  const entry: VaultEntry = {
    atSign,
    version: entryVersion,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(params.salt), iterations: params.iterations },
    cipher: { name: 'AES-GCM', iv },
    ciphertext: new Uint8Array(sealed),
    savedAt: Date.now(),
  };
  await withVault((db) => db.put('entries', entry));
}

/**
 * Seals and stores `keys` for `atSign` under `passphrase`, with a fresh salt.
 *
 * @example await saveKeys('@alice', await readAtKeysFile(text), passphrase);
 */
export async function saveKeys(
  atSign: string,
  keys: AtKeys,
  passphrase: string,
  options: { readonly iterations?: number } = {},
): Promise<void> {
  const params = newVaultParams(options.iterations);
  await storeKeys(atSign, keys, await deriveVaultKey(passphrase, params.salt, params.iterations), params);
}

/**
 * Opens `atSign`'s entry with a key from {@link deriveVaultKey}.
 *
 * @throws VaultError `not-found`, `wrong-passphrase` (the key does not open it), `bad-entry`.
 */
export async function openKeys(atSign: string, vaultKey: CryptoKey): Promise<AtKeys> {
  const entry = await withVault((db) => db.get('entries', atSign));
  if (!entry) throw new VaultError('not-found', `no keys are stored for ${atSign} in this browser`);
  if (entry.version !== entryVersion || entry.cipher.name !== 'AES-GCM') {
    throw new VaultError('bad-entry', `the stored keys of ${atSign} are in an unknown format (${entry.version})`);
  }
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: entry.cipher.iv, additionalData: additionalData(atSign, entry.version) },
      vaultKey,
      entry.ciphertext,
    );
  } catch (error) {
    throw new VaultError('wrong-passphrase', `the passphrase does not open the keys of ${atSign}`, { cause: error });
  }
  try {
    return JSON.parse(bytesToUtf8(new Uint8Array(plain))) as AtKeys;
  } catch (error) {
    throw new VaultError('bad-entry', `the stored keys of ${atSign} are not readable`, { cause: error });
  }
}

/**
 * Re-seals `atSign`'s keys under `newPassphrase`, with a fresh salt.
 *
 * @throws VaultError as {@link openKeys} when `oldPassphrase` does not open them.
 */
export async function changePassphrase(
  atSign: string,
  oldPassphrase: string,
  newPassphrase: string,
  options: { readonly iterations?: number } = {},
): Promise<void> {
  const params = await vaultParams(atSign);
  if (!params) throw new VaultError('not-found', `no keys are stored for ${atSign} in this browser`);
  const keys = await openKeys(atSign, await deriveVaultKey(oldPassphrase, params.salt, params.iterations));
  await saveKeys(atSign, keys, newPassphrase, options);
}

/** The atSigns whose keys this browser holds, in order. */
export async function listAtSigns(): Promise<string[]> {
  return withVault((db) => db.getAllKeys('entries'));
}

/**
 * Removes `atSign` from this browser: its vault entry and its data database (records, outbox, notifications,
 * conflicts). Writes still in the outbox are lost, so callers check for them (and for a backup of the keys) first.
 */
export async function wipe(atSign: string): Promise<void> {
  await withVault((db) => db.delete('entries', atSign));
  await deleteAtSignDatabase(atSign);
}
