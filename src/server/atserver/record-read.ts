/**
 * Reading one stored record the way the reference's read verbs do (atprotocol.md §4.5, §5.7–§5.9): find it
 * or fail with its AT0015 text, then answer it as a value, its metadata or both.
 */
import { AtError } from '$lib/at/errors';
import { normaliseStoredKey } from '$lib/at/key';
import { toJson, toRecordJson } from '$lib/at/metadata-json';
import type { LookupOperation } from '$lib/at/verbs/lookup';
import type { AtSignStore } from './store/atsign-store';
import type { StoredRecord } from './store/keystore';

/**
 * The record stored under `key` (normalised as the keystore does), active or not.
 *
 * @throws AtError `AT0015` `<key lowercased> does not exist in keystore`, the keystore's own text.
 * @example requireRecord(store, 'public:Phone@alice') // finds public:phone@alice
 */
export function requireRecord(store: AtSignStore, key: string): Readonly<StoredRecord> {
  const record = store.keys.peek(normaliseStoredKey(key));
  if (!record) throw new AtError('AT0015', `${key.toLowerCase()} does not exist in keystore`);
  return record;
}

/**
 * A record as a read verb answers it (`SecondaryUtil.prepareResponseData`): the value (null for a record
 * made by `update:meta`), the metadata JSON for `meta`, or `{"key","data","metaData"}` for `all`, nulls
 * removed. `key` replaces the stored key in `all` (lookups say whether the answer came from a cache).
 *
 * @example renderRecord(record, 'meta') // '{"createdBy":"@alice",…,"isEncrypted":false}'
 */
export function renderRecord(record: StoredRecord, operation?: LookupOperation, key = record.key): string | null {
  switch (operation) {
    case 'meta':
      return JSON.stringify(toJson(record.metadata));
    case 'all':
      return JSON.stringify(toRecordJson({ key, data: record.value, metadata: record.metadata }));
    default:
      return record.value;
  }
}
