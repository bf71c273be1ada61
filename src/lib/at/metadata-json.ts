/**
 * Metadata as JSON, in every shape the reference puts it on the wire (reference atprotocol.md §4.5, §5.17,
 * §5.21, §8.2): `llookup:meta`, the `…:all` record, `sync:from`'s stringified form, monitor and
 * `notify:list` events, and `notify:fetch`'s Dart map text. All shapes come from one field table.
 */

import { formatDartDate, parseDartDate } from './dart-date';
import { AtError } from './errors';
import type { Metadata } from './metadata';

type JsonKind = 'text' | 'date' | 'int' | 'bool';

/** `AtMetaData.toJson()`'s fields in its exact order; `ccd` is stored as `isCascade`. */
export const metadataJsonFields = [
  ['createdBy', 'text'],
  ['updatedBy', 'text'],
  ['createdAt', 'date'],
  ['updatedAt', 'date'],
  ['availableAt', 'date'],
  ['expiresAt', 'date'],
  ['refreshAt', 'date'],
  ['status', 'text'],
  ['version', 'int'],
  ['ttl', 'int'],
  ['ttb', 'int'],
  ['ttr', 'int'],
  ['ccd', 'bool'],
  ['isBinary', 'bool'],
  ['isEncrypted', 'bool'],
  ['dataSignature', 'text'],
  ['sharedKeyEnc', 'text'],
  ['pubKeyCS', 'text'],
  ['encoding', 'text'],
  ['encKeyName', 'text'],
  ['encAlgo', 'text'],
  ['ivNonce', 'text'],
  ['skeEncKeyName', 'text'],
  ['skeEncAlgo', 'text'],
] as const satisfies readonly (readonly [keyof Metadata, JsonKind])[];

type Field = (typeof metadataJsonFields)[number];
type JsonValueOf<K extends JsonKind> = K extends 'int' ? number : K extends 'bool' ? boolean : string;

/** Metadata JSON as `llookup:meta` answers it: dates as Dart strings, absent fields left out. */
export type MetadataJson = { [F in Field as F[0]]?: JsonValueOf<F[1]> };

/** `sync:from`'s metadata: every present field as its Dart `toString()` (§8.2). */
export type SyncMetadataJson = { [F in Field as F[0]]?: string };

/**
 * Serialises metadata as the reference's `removeNulls(toJson())`, in its field order; `JSON.stringify`
 * of the result is the exact text of a `llookup:meta` answer.
 *
 * @example
 * JSON.stringify(toJson({ createdBy: '@alice', createdAt: 1729764000123, version: 0, isEncrypted: false }));
 * // '{"createdBy":"@alice","createdAt":"2024-10-24 10:00:00.123Z","version":0,"isEncrypted":false}'
 */
export function toJson(metadata: Metadata): MetadataJson {
  const json: Record<string, string | number | boolean> = {};
  for (const [name, kind] of metadataJsonFields) {
    const value = metadata[name];
    if (value === undefined || value === null) continue;
    json[name] = kind === 'date' ? formatDartDate(value as number) : value;
  }
  return json as MetadataJson;
}

/**
 * The `sync:from` form: each present field converted to a string (`"version":"0"`, `"ttr":"-1"`,
 * `"isEncrypted":"true"`, dates in Dart form), in the same order.
 *
 * @example
 * toSyncJson({ version: 0, ttr: -1, isEncrypted: true }); // { version: '0', ttr: '-1', isEncrypted: 'true' }
 */
export function toSyncJson(metadata: Metadata): SyncMetadataJson {
  const json: Record<string, string> = {};
  for (const [name, value] of Object.entries(toJson(metadata))) json[name] = String(value);
  return json as SyncMetadataJson;
}

function invalidField(name: string, value: unknown): AtError {
  // A Dart peer fails such JSON with a FormatException or a type error; both end the request (§1.6).
  return new AtError('AT0011', `Invalid metadata JSON: ${name} cannot be ${JSON.stringify(value)}`);
}

function readField(name: string, kind: JsonKind, value: unknown): string | number | boolean | undefined {
  if (value === null || value === undefined) return undefined;
  switch (kind) {
    case 'date':
      // The reference reads "null" as absent for its optional dates (AtMetaData.fromJson).
      if (value === 'null') return undefined;
      if (typeof value === 'string') return parseDartDate(value);
      break;
    case 'int':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      break;
    case 'text':
      if (typeof value === 'string') return value;
      break;
  }
  throw invalidField(name, value);
}

function asObject(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AtError('AT0011', `Invalid ${what} JSON: expected an object`);
  }
  return json as Record<string, unknown>;
}

/**
 * Reads metadata JSON from any reference shape: `llookup:meta`/`lookup:all` (typed values), `sync:from`
 * (every value a string), ints as numbers or numeric strings, booleans as `true` or `"true"`, dates in
 * Dart or ISO-8601 form, `null` and `"null"` dates as absent. Unknown fields are ignored. Unlike the Dart
 * server it does not insist on `createdAt`/`updatedAt` nor default `version` to 0.
 *
 * @throws AtError `AT0011` for a value of the wrong type or an unreadable date.
 * @example
 * fromJson({ version: '3', ttr: '-1', isEncrypted: 'true', createdAt: '2024-10-24 10:00:00.123Z' });
 * // { createdAt: 1729764000123, version: 3, ttr: -1, isEncrypted: true }
 */
export function fromJson(json: unknown): Metadata {
  const source = asObject(json, 'metadata');
  const metadata: Record<string, string | number | boolean> = {};
  for (const [name, kind] of metadataJsonFields) {
    const value = readField(name, kind, source[name]);
    if (value !== undefined) metadata[name] = value;
  }
  return metadata as Metadata;
}

/**
 * {@link fromJson} of a JSON text, such as the payload of `data:{"createdBy":"@alice",…}`.
 *
 * @throws AtError `AT0011` when the text is not JSON or not metadata.
 * @example
 * parseMetadataJson('{"ttl":3000,"isEncrypted":false}'); // { ttl: 3000, isEncrypted: false }
 */
export function parseMetadataJson(text: string): Metadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AtError('AT0011', `Invalid metadata JSON: ${text}`);
  }
  return fromJson(json);
}

/** A stored record as the `…:all` verbs answer it. */
export interface RecordJson {
  key?: string;
  data?: string;
  metaData: MetadataJson;
}

/**
 * The `llookup:all`/`lookup:all`/`plookup:all` answer: `{"key":…,"data":…,"metaData":{…}}` with nulls removed
 * at every level (§4.5). A Dart server reading it requires `metaData.createdAt` and `metaData.updatedAt`.
 *
 * @example
 * JSON.stringify(toRecordJson({ key: 'public:publickey@alice', data: 'MIIB…', metadata: { version: 0 } }));
 * // '{"key":"public:publickey@alice","data":"MIIB…","metaData":{"version":0}}'
 */
export function toRecordJson(record: { key?: string; data?: string | null; metadata: Metadata }): RecordJson {
  return {
    ...(record.key === undefined ? {} : { key: record.key }),
    ...(record.data === undefined || record.data === null ? {} : { data: record.data }),
    metaData: toJson(record.metadata),
  };
}

/**
 * Reads a `…:all` answer back into key, value and metadata.
 *
 * @throws AtError `AT0011` when the shape or a metadata field is wrong.
 * @example
 * fromRecordJson({ key: 'public:location@alice', data: 'New York', metaData: { version: 0 } });
 * // { key: 'public:location@alice', data: 'New York', metadata: { version: 0 } }
 */
export function fromRecordJson(json: unknown): { key?: string; data?: string; metadata: Metadata } {
  const source = asObject(json, 'record');
  const { key, data, metaData } = source;
  if (key !== undefined && key !== null && typeof key !== 'string') throw invalidField('key', key);
  if (data !== undefined && data !== null && typeof data !== 'string') throw invalidField('data', data);
  return {
    ...(typeof key === 'string' ? { key } : {}),
    ...(typeof data === 'string' ? { data } : {}),
    metadata: metaData === undefined || metaData === null ? {} : fromJson(metaData),
  };
}

type EncryptionFields = Record<'encKeyName' | 'encAlgo' | 'ivNonce' | 'skeEncKeyName' | 'skeEncAlgo', string | null>;

/** The `metadata` of a live monitor event (§5.17): nulls kept, `sharedKeyEnc` last. */
export type LiveNotificationMetadata = EncryptionFields & { sharedKeyEnc: string | null };

/** The `metadata` of a replayed monitor event or a `notify:list` entry (§5.17): dates as strings. */
export type StoredNotificationMetadata = EncryptionFields & { availableAt: string | null; expiresAt: string };

function encryptionOf(metadata: Metadata | undefined): EncryptionFields {
  return {
    encKeyName: metadata?.encKeyName ?? null,
    encAlgo: metadata?.encAlgo ?? null,
    ivNonce: metadata?.ivNonce ?? null,
    skeEncKeyName: metadata?.skeEncKeyName ?? null,
    skeEncAlgo: metadata?.skeEncAlgo ?? null,
  };
}

/**
 * The `metadata` object of a live `notification: {…}` line, from the notification's metadata (absent for
 * none): the five encryption fields and `sharedKeyEnc`, JSON `null` when unset.
 *
 * @example
 * JSON.stringify(liveNotificationMetadata(undefined));
 * // '{"encKeyName":null,"encAlgo":null,"ivNonce":null,"skeEncKeyName":null,"skeEncAlgo":null,"sharedKeyEnc":null}'
 */
export function liveNotificationMetadata(metadata: Metadata | undefined): LiveNotificationMetadata {
  return { ...encryptionOf(metadata), sharedKeyEnc: metadata?.sharedKeyEnc ?? null };
}

/**
 * The `metadata` object of a replayed (`monitor:<epochMillis>`) event or a `notify:list` entry. Dart builds
 * it with `toString()`: `availableAt` is JSON `null` when the notification has no metadata at all and the
 * string `"null"` when its metadata has no availableAt; `expiresAt` falls back to the notification's own
 * expiry and is `"null"` when neither exists. Dates are in Dart UTC form.
 *
 * @example
 * storedNotificationMetadata({ isEncrypted: true }, Date.parse('2024-10-25T10:00:00Z')).expiresAt;
 * // '2024-10-25 10:00:00.000Z'
 */
export function storedNotificationMetadata(
  metadata: Metadata | undefined,
  notificationExpiresAt: number | undefined,
): StoredNotificationMetadata {
  const dartString = (time: number | undefined): string => (time === undefined ? 'null' : formatDartDate(time));
  return {
    ...encryptionOf(metadata),
    availableAt: metadata === undefined ? null : dartString(metadata.availableAt),
    expiresAt: dartString(metadata?.expiresAt ?? notificationExpiresAt),
  };
}

/**
 * `notify:fetch`'s `atMetadata` value (§5.21): the Dart `Map.toString()` of the null-stripped metadata JSON,
 * `{key: value, …}` with nothing quoted. Not JSON, and not meant to be parsed back.
 *
 * @example
 * toDartMapString({ createdBy: '@alice', ttl: 0, ttr: -1, ccd: false, isEncrypted: true });
 * // '{createdBy: @alice, ttl: 0, ttr: -1, ccd: false, isEncrypted: true}'
 */
export function toDartMapString(metadata: Metadata): string {
  const entries = Object.entries(toJson(metadata)).map(([name, value]) => `${name}: ${String(value)}`);
  return `{${entries.join(', ')}}`;
}
