/**
 * The client-sync workload, bundled into a Chromium page by `client-sync.ts`, which calls it in a SharedWorker
 * started from the same bundle (and once on the page itself): an initial sync of an atSign's records through the
 * gateway into IndexedDB, decrypted as they land, and IndexedDB writes alone for comparison. Everything here is
 * available in a worker (IndexedDB, WebSocket, WebCrypto).
 */
import { fromJson } from '$lib/at/metadata-json';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { authenticateWithCram } from '$lib/client/auth';
import { gatewayDialer } from '$lib/client/dialer';
import { Keyring } from '$lib/client/keyring';
import { pullChanges } from '$lib/client/pull';
import { RecordCodec } from '$lib/client/record-codec';
import { SharedKeys } from '$lib/client/shared-keys';
import { deleteAtSignDatabase, openAtSignDatabase } from '$lib/client/store/database';
import { applyPulled, type AppliedBatch, type PulledEntry } from '$lib/client/store/pulled';

/** Where and as whom to sync. */
export interface SyncInput {
  /** The gateway's origin, `http://127.0.0.1:<port>`. */
  readonly gateway: string;
  readonly atSign: string;
  readonly cramSecret: string;
  readonly keys: AtKeys;
  /** The plaintext length every seeded record has: a decrypted value of another length counts as a failure. */
  readonly plaintextLength: number;
}

/** One timed sync. */
export interface SyncFigures {
  readonly seconds: number;
  readonly records: number;
  /** Records whose value decrypted to the seeded length (0 without decoding). */
  readonly decrypted: number;
  readonly decryptFailures: number;
  /** IndexedDB transactions the pull wrote. */
  readonly transactions: number;
}

/**
 * Deletes `atSign`'s local database, connects through the gateway (CRAM), and times a pull of every record into
 * a fresh store — decrypting each batch with the self key when `decrypt` is set. Connecting is not timed.
 */
export async function measureInitialSync(input: SyncInput, decrypt: boolean): Promise<SyncFigures> {
  await deleteAtSignDatabase(input.atSign);
  const db = await openAtSignDatabase(input.atSign);
  const connection = await gatewayDialer({ url: input.gateway }).dial(input.atSign);
  try {
    await authenticateWithCram(connection, input.atSign, input.cramSecret);
    const keyring = await Keyring.fromAtKeys(input.keys, input.atSign);
    const codec = new RecordCodec(keyring, new SharedKeys(connection, keyring));
    let decrypted = 0;
    let decryptFailures = 0;
    let transactions = 0;
    const decode = async (batch: AppliedBatch) => {
      transactions += 1;
      if (!decrypt) return;
      const raw = batch.updated.map((r) => ({ key: r.atKey, value: r.value, metadata: fromJson(r.metadata ?? {}) }));
      for (const record of await codec.decodeAll(raw)) {
        if (record.value?.length === input.plaintextLength) decrypted += 1;
        else if (record.metadata.isEncrypted) decryptFailures += 1;
      }
    };
    const started = performance.now();
    const result = await pullChanges(db, connection, { decode });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, records: result.updated, decrypted, decryptFailures, transactions };
  } finally {
    connection.close();
    db.close();
  }
}

/**
 * Times writing `count` records shaped like the synced ones (`valueLength` characters of value) into a fresh
 * database, `perTransaction` to a transaction, through the same {@link applyPulled} the sync uses.
 */
export async function measureIdbWrites(count: number, valueLength: number, perTransaction: number): Promise<number> {
  const atSign = '@idb-only';
  await deleteAtSignDatabase(atSign);
  const db = await openAtSignDatabase(atSign);
  const value = 'x'.repeat(valueLength);
  const entries: PulledEntry[] = Array.from({ length: count }, (_, i) => ({
    atKey: `r${i}.bench${atSign}`,
    value,
    metadata: { isEncrypted: 'true', ivNonce: 'AAAAAAAAAAAAAAAAAAAAAA==', version: '0' },
    commitId: i,
    operation: '*',
  }));
  const started = performance.now();
  for (let i = 0; i < count; i += perTransaction) {
    await applyPulled(db, entries.slice(i, i + perTransaction), Math.min(i + perTransaction, count) - 1, 0);
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  await deleteAtSignDatabase(atSign);
  return count / seconds;
}

/** Times fetching and parsing every `sync:from` page one at a time (lock-step), storing nothing: records/s. */
export async function measurePagesOnly(input: SyncInput): Promise<number> {
  const connection = await gatewayDialer({ url: input.gateway }).dial(input.atSign);
  try {
    await authenticateWithCram(connection, input.atSign, input.cramSecret);
    const started = performance.now();
    let records = 0;
    for (let from = -1; ;) {
      const response = await connection.send(`sync:from:${from}:limit:25`);
      if (response.kind !== 'data') throw new Error(`sync:from failed: ${JSON.stringify(response)}`);
      const page = JSON.parse(response.data) as PulledEntry[];
      const last = page.at(-1);
      if (!last) break;
      records += page.length;
      from = last.commitId;
    }
    return records / ((performance.now() - started) / 1000);
  } finally {
    connection.close();
  }
}
