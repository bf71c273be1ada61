/**
 * What an `update`, `update:json:` or `update:meta` asks for, read as the reference's `getUpdateParams`
 * reads it (atprotocol.md §5.5 step 1, §5.6), and the key it names (§5.5 step 3).
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import type { JsonObject, JsonValue } from '$lib/at/verbs/json';
import type { Update, UpdateMeta } from '$lib/at/verbs/update';
import { incomingFromWire, textFields, type IncomingMetadata } from './record-write';

/** The reference's `UpdateParams`. */
export interface UpdateParams {
  readonly atKey: string;
  /** Null for `update:meta`, and for an `update:json:` without a value. */
  readonly value: string | null;
  /** The owner (`@alice`); absent for `update:privatekey:at_pkam_publickey <key>`. */
  readonly sharedBy?: string;
  /** `@bob` of a shared key. */
  readonly sharedWith?: string;
  readonly isPublic: boolean;
  readonly metadata: IncomingMetadata;
}

/**
 * Reads `update:…` or `update:meta:…`: atSigns normalised (a bad one is AT0011 and closes, as `fixAtSign`
 * fails in the reference), then the metadata fragment validated.
 *
 * @example paramsFromCommand(update.parse('update:ttl:1000:@bob:phone@alice 123'))
 */
export function paramsFromCommand(command: Update | UpdateMeta): UpdateParams {
  const sharedBy = command.atSign === undefined ? undefined : fixAtSign(command.atSign);
  const sharedWith = command.forAtSign === undefined ? undefined : fixAtSign(command.forAtSign);
  return {
    atKey: command.atKey,
    value: command.verb === 'update' ? command.value : null,
    sharedBy,
    sharedWith,
    isPublic: command.publicScope,
    metadata: incomingFromWire(command.metadata),
  };
}

/** A Dart `TypeError` on a JSON field of the wrong type becomes AT0010 and keeps the connection (§1.6). */
function typeError(field: string, value: JsonValue | undefined, type: string): AtError {
  const found = value === null || value === undefined ? 'Null' : Array.isArray(value) ? 'List' : typeof value;
  return new AtError('AT0010', `type '${found}' is not a subtype of type '${type}' of '${field}'`);
}

function optionalText(json: JsonObject, field: string): string | undefined {
  const value = json[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw typeError(field, value, 'String?');
  return value;
}

function requiredBool(json: JsonObject, field: string): boolean {
  const value = json[field];
  if (typeof value !== 'boolean') throw typeError(field, value, 'bool');
  return value;
}

/** at_commons `Metadata.fromJson` reads ttl/ttb/ttr as ints or numeric strings, and absent ones as 0. */
function timeField(json: JsonObject, field: string): number {
  const value = json[field];
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string') {
    // Dart's int.parse throws a FormatException: unmapped, so AT0011 and the connection closes.
    if (!/^[+-]?\d+$/.test(value.trim())) throw new AtError('AT0011', `FormatException: Invalid radix-10 number`);
    return Number.parseInt(value, 10);
  }
  throw typeError(field, value, 'int?');
}

/**
 * Reads `update:json:{"atKey":…,"value":…,"sharedBy":…,"sharedWith":…,"metadata":{…}}` as
 * `UpdateParams.fromJson` does: atSigns used as written, `metadata` required with boolean `isBinary`,
 * `isEncrypted` and `isPublic`, and ttl/ttb/ttr defaulting to 0 (so such a record shows `"ttl":0` and is
 * born at once). Fields of the wrong type are AT0010, as the Dart type errors are.
 *
 * @throws AtError `AT0003` `atKey.key not supplied`; `AT0010` for a field of the wrong type.
 * @example paramsFromJson({ atKey: 'phone', value: '123', sharedBy: '@alice', metadata: { isBinary: false, … } })
 */
export function paramsFromJson(json: JsonObject): UpdateParams {
  const atKey = optionalText(json, 'atKey');
  const value = optionalText(json, 'value') ?? null;
  const sharedBy = optionalText(json, 'sharedBy');
  const sharedWith = optionalText(json, 'sharedWith');
  const metadataJson = json.metadata;
  if (typeof metadataJson !== 'object' || metadataJson === null || Array.isArray(metadataJson)) {
    throw typeError('metadata', metadataJson, 'Map<dynamic, dynamic>');
  }
  const ccd = metadataJson.ccd;
  if (ccd !== undefined && ccd !== null && typeof ccd !== 'boolean') throw typeError('ccd', ccd, 'bool?');
  const metadata: IncomingMetadata = {
    ttl: timeField(metadataJson, 'ttl'),
    ttb: timeField(metadataJson, 'ttb'),
    ttr: timeField(metadataJson, 'ttr'),
    ccd: typeof ccd === 'boolean' ? ccd : undefined,
    isBinary: requiredBool(metadataJson, 'isBinary'),
    isEncrypted: requiredBool(metadataJson, 'isEncrypted'),
  };
  const isPublic = requiredBool(metadataJson, 'isPublic');
  for (const field of textFields) metadata[field] = optionalText(metadataJson, field);
  if (atKey === undefined || atKey === '') throw new AtError('AT0003', 'atKey.key not supplied');
  return { atKey, value, sharedBy: sharedBy || undefined, sharedWith: sharedWith || undefined, isPublic, metadata };
}

/**
 * The key an update names: `[public:][<sharedWith>:]<atKey>[<sharedBy>]`, not yet lowercased.
 *
 * @example keyOf({ atKey: 'phone.wavi', sharedWith: '@bob', sharedBy: '@alice', isPublic: false, … }) // '@bob:phone.wavi@alice'
 */
export function keyOf(params: Pick<UpdateParams, 'atKey' | 'sharedBy' | 'sharedWith' | 'isPublic'>): string {
  const key = `${params.sharedWith === undefined ? '' : `${params.sharedWith}:`}${params.atKey}${params.sharedBy ?? ''}`;
  return params.isPublic ? `public:${key}` : key;
}
