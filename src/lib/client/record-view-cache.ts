/**
 * Decoded records kept in memory (in the worker): RSA unwrapping and AES decryption run once per version of a
 * record, not on every listing. Plaintext lives only here, never in IndexedDB.
 */
import { formatKey, parseKey } from '$lib/at/key';
import { fromJson, type SyncMetadataJson } from '$lib/at/metadata-json';
import type { RecordView } from './api';
import type { AtRecord, RecordCodec } from './record-codec';
import { isUserData, rawRecordOf, viewOf } from './record-views';
import type { StoredRecord } from './store/schema';

interface Entry {
  /** The stored value the view was decoded from: a new version of the record has another string. */
  readonly value: string | null;
  readonly pending: boolean;
  readonly view: RecordView | undefined;
}

/**
 * @example
 * const views = new RecordViews(() => codec);
 * const shown = await views.refresh(await listRecords(db)); // decodes only what changed since the last call
 */
export class RecordViews {
  readonly #codec: () => RecordCodec;
  readonly #cache = new Map<string, Entry>();

  constructor(codec: () => RecordCodec) {
    this.#codec = codec;
  }

  /**
   * The views of `records` that are user data, in the same order, decoding in one batch those whose stored
   * value changed since they were last seen.
   */
  async refresh(records: readonly StoredRecord[]): Promise<RecordView[]> {
    const stale = records.filter((record) => {
      const cached = this.#cache.get(record.atKey);
      return !cached || cached.value !== record.value || cached.pending !== (record.pendingSeq !== undefined);
    });
    const raws = stale.map((record) => ({ record, raw: rawRecordOf(record) }));
    const decodable = raws.filter((entry) => entry.raw !== undefined && isUserData(entry.raw.key));
    const decoded = await this.#codec().decodeAll(decodable.map((entry) => entry.raw!));
    const byKey = new Map(decodable.map((entry, index) => [entry.record.atKey, decoded[index]]));
    for (const { record } of raws) {
      const pending = record.pendingSeq !== undefined;
      const result = byKey.get(record.atKey);
      const view = result ? viewOf(result, record.atKey, pending) : undefined;
      this.#cache.set(record.atKey, { value: record.value, pending, view });
    }
    return records.flatMap((record) => {
      const view = this.#cache.get(record.atKey)?.view;
      return view && !record.deleted ? [view] : [];
    });
  }

  /** Views of records read from the atServer (not kept: they are not in the local store). */
  viewsOfRecords(records: readonly AtRecord[]): RecordView[] {
    return records
      .filter((record) => isUserData(record.key))
      .map((record) => viewOf(record, formatKey(record.key), false));
  }

  /** The plaintext of one version of a record (a conflict's two sides); undefined when it does not decode. */
  async valueOf(atKey: string, value: string | null, metadata: SyncMetadataJson | null): Promise<string | undefined> {
    const [record] = await this.#codec().decodeAll([
      { key: parseKey(atKey), value, metadata: metadata ? fromJson(metadata) : {} },
    ]);
    return record?.value ?? undefined;
  }

  forget(atKey: string): void {
    this.#cache.delete(atKey);
  }

  clear(): void {
    this.#cache.clear();
  }
}
