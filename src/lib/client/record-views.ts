/**
 * From the store's server-form records to what the app shows: which records are the user's data (not the keys
 * the protocol keeps for itself), and each decoded record as a plain {@link RecordView}.
 */
import { parseKey, type AtKey } from '$lib/at/key';
import { fromJson } from '$lib/at/metadata-json';
import type { Metadata } from '$lib/at/metadata';
import type { RecordView } from './api';
import type { AtRecord, RawRecord } from './record-codec';
import type { StoredRecord } from './store/schema';

/** Namespaces the protocol and this app keep their own keys in (`__manage`, `__webpush`, `__public_keys`…). */
const isInternalNamespace = (namespace: string | undefined) => namespace?.startsWith('__') === true;

/**
 * Names of the protocol's own keys. The reference classifies most of their forms as reserved, but not every one
 * (a cached `cached:@alice:shared_key@bob` is a plain cached shared key to it).
 */
const protocolNames = new Set(['shared_key', 'publickey', 'signing_publickey', 'signing_privatekey']);

/**
 * Whether a key is the user's data: a public, self or shared key (or a cached copy of one shared with us) that is
 * not one of the protocol's own (`publickey`, `shared_key`, signing keys), not hidden (`_x`) and not in an internal
 * `__` namespace.
 */
export function isUserData(key: AtKey): boolean {
  return (
    (key.kind === 'public' || key.kind === 'self' || key.kind === 'shared' || key.kind === 'cachedShared') &&
    !key.isReserved &&
    !protocolNames.has(key.name) &&
    !key.isHidden &&
    !isInternalNamespace(key.namespace)
  );
}

/** A stored record as the codec reads it, or undefined when its key does not parse (never the user's data). */
export function rawRecordOf(record: StoredRecord): (RawRecord & { key: AtKey }) | undefined {
  let key: AtKey;
  try {
    key = parseKey(record.atKey);
  } catch {
    return undefined;
  }
  return { key, value: record.value, metadata: record.metadata ? fromJson(record.metadata) : {} };
}

const isoOf = (millis: number | undefined) => (millis === undefined ? undefined : new Date(millis).toISOString());

/** The name without its namespace: `phone` of `phone.wavi`. */
function baseName(key: AtKey): string {
  return key.namespace === undefined ? key.name : key.name.slice(0, -(key.namespace.length + 1));
}

function timesOf(metadata: Metadata): RecordView['times'] {
  const { ttl, ttb, ttr, ccd } = metadata;
  return {
    ...(ttl ? { ttl } : {}),
    ...(ttb ? { ttb } : {}),
    ...(ttr ? { ttr } : {}),
    ...(ccd !== undefined ? { ccd } : {}),
  };
}

/**
 * The view of a decoded record. `atKey` is the key as stored, which identifies the record to every later call.
 *
 * @example viewOf(record, '@bob:phone.wavi@alice', false).sharedWith; // '@bob'
 */
export function viewOf(record: AtRecord, atKey: string, pending: boolean): RecordView {
  const { key, metadata } = record;
  const visibility = key.visibility === 'public' ? 'public' : key.visibility === 'shared' ? 'shared' : 'self';
  return {
    atKey,
    name: baseName(key),
    namespace: key.namespace ?? '',
    visibility,
    owner: key.owner ?? '',
    ...(key.sharedWith !== undefined && visibility === 'shared' ? { sharedWith: key.sharedWith } : {}),
    ...(record.value !== null ? { value: record.value } : {}),
    ...(record.error ? { problem: record.error.message } : {}),
    ...(record.signatureValid !== undefined ? { signatureValid: record.signatureValid } : {}),
    times: timesOf(metadata),
    ...(metadata.createdAt !== undefined ? { createdAt: isoOf(metadata.createdAt) } : {}),
    ...(metadata.updatedAt !== undefined ? { updatedAt: isoOf(metadata.updatedAt) } : {}),
    ...(metadata.expiresAt !== undefined ? { expiresAt: isoOf(metadata.expiresAt) } : {}),
    pending,
  };
}
