/**
 * The metadata an `update` or `update:meta` stores (atprotocol.md §4.5, §5.5, §5.6): what the command
 * supplies, merged with the record it replaces exactly as the reference's update path does
 * (`getUpdateParams` → `validateCacheMetadata` → `_unsetOrRetainMetadata` → `AtMetadataBuilder`).
 */
import { AtError } from '$lib/at/errors';
import { timeFieldMessages, type Metadata, type WireMetadata } from '$lib/at/metadata';

/** The free-text fields a command may set; the literal `null` clears one on an existing record. */
export const textFields = [
  'dataSignature',
  'sharedKeyEnc',
  'pubKeyCS',
  'encoding',
  'encKeyName',
  'encAlgo',
  'ivNonce',
  'skeEncKeyName',
  'skeEncAlgo',
] as const;

type TextField = (typeof textFields)[number];

/**
 * The metadata a command supplies, as the reference holds it after reading the command: absent fields are
 * undefined, except `isBinary`/`isEncrypted`, which the at_commons `Metadata` defaults to `false`. So an
 * update that does not say `isEncrypted:true` stores `false`, whatever the record held before.
 */
export type IncomingMetadata = Pick<Metadata, 'ttl' | 'ttb' | 'ttr' | 'ccd' | TextField> & {
  isBinary: boolean;
  isEncrypted: boolean;
};

/**
 * Reads the metadata fragment of `update`/`update:meta` (at_utils `AtMetadataUtil`): a negative ttl or ttb,
 * or a ttr of -2 or less, is refused; `ttr:0` means no ttr; `sharedKeyStatus` is dropped.
 *
 * @throws AtError `AT0003` with the reference text (`Valid value for TTL should be greater than or equal to 0`).
 * @example incomingFromWire({ ttr: 86400000 }) // { ttr: 86400000, isBinary: false, isEncrypted: false }
 */
export function incomingFromWire(wire: WireMetadata): IncomingMetadata {
  if (wire.ttl !== undefined && wire.ttl < 0) throw new AtError('AT0003', timeFieldMessages.ttl);
  if (wire.ttb !== undefined && wire.ttb < 0) throw new AtError('AT0003', timeFieldMessages.ttb);
  if (wire.ttr !== undefined && wire.ttr <= -2) throw new AtError('AT0003', timeFieldMessages.ttr);
  const incoming: IncomingMetadata = {
    ttl: wire.ttl,
    ttb: wire.ttb,
    ttr: wire.ttr === 0 ? undefined : wire.ttr,
    ccd: wire.ccd,
    isBinary: wire.isBinary ?? false,
    isEncrypted: wire.isEncrypted ?? false,
  };
  for (const field of textFields) incoming[field] = wire[field];
  return incoming;
}

/** `AtMetadataUtil.validateCascadeDelete`: a ccd only exists with a ttr, and then defaults to false. */
const cascade = (ttr: number | undefined, ccd: boolean | undefined) =>
  ttr === undefined || ttr === 0 ? undefined : (ccd ?? false);

/** `AtMetadataUtil.validateTTR`: 0 means no ttr; -2 and below are refused. */
function validTtr(ttr: number): number | undefined {
  if (ttr <= -2) throw new AtError('AT0003', timeFieldMessages.ttr);
  return ttr === 0 ? undefined : ttr;
}

/**
 * The reference's `validateCacheMetadata`, step for step: the ttr and ccd to store given the record being
 * replaced. A new record keeps a ccd only with a ttr; an existing record lends its ttr to a lone ccd and its
 * ccd to a lone ttr.
 *
 * @throws AtError `AT0003` for a ttr of -2 or less reaching the last step (only `update:json` can send one).
 * @example cacheFields({ ttr: 60, ccd: true }, 120, undefined) // { ttr: 120, ccd: true }
 */
export function cacheFields(
  existing: Metadata | undefined,
  ttr: number | undefined,
  ccd: boolean | undefined,
): Pick<Metadata, 'ttr' | 'ccd'> {
  if (existing === undefined) return { ttr, ccd: cascade(ttr, ccd) };
  let [nextTtr, nextCcd] = [ttr, ccd];
  if (nextTtr !== undefined && nextCcd !== undefined) nextCcd = cascade(nextTtr, nextCcd);
  if (nextTtr === undefined && nextCcd !== undefined && existing.ttr !== undefined) {
    nextTtr = existing.ttr;
    nextCcd = cascade(nextTtr, nextCcd);
  }
  if (nextCcd === undefined && nextTtr !== undefined) {
    nextCcd = existing.ccd ?? false;
    nextTtr = validTtr(nextTtr);
  }
  return { ttr: nextTtr, ccd: nextCcd };
}

/**
 * The metadata stored by an update of `existing` (undefined for a new record) at `now`:
 * - fields the command leaves out keep their existing values; a text field given as the literal `null`
 *   clears it (on a new record the text `null` is stored as it is, as the reference does);
 * - `createdAt`/`createdBy` are kept, `updatedAt` is now, `updatedBy` the atSign, `version` goes up by one;
 * - `expiresAt`, `availableAt` and `refreshAt` are recomputed from now with the (kept) ttl, ttb and ttr, so
 *   every update restarts a record's countdown; `ttl:0` removes the expiry and `ttr:-1` the refresh time.
 *
 * @example
 * mergeMetadata(undefined, incomingFromWire({ ttl: 3000 }), '@alice', now)
 * // { createdBy: '@alice', updatedBy: '@alice', createdAt: now, updatedAt: now, expiresAt: now + 3000,
 * //   status: 'active', version: 0, ttl: 3000, isBinary: false, isEncrypted: false }
 */
export function mergeMetadata(
  existing: Metadata | undefined,
  incoming: IncomingMetadata,
  atSign: string,
  now: number,
): Metadata {
  const { ttr, ccd } = cacheFields(existing, incoming.ttr, incoming.ccd);
  const ttl = incoming.ttl ?? existing?.ttl;
  const ttb = incoming.ttb ?? existing?.ttb;
  const keptTtr = ttr ?? existing?.ttr;
  const merged: Metadata = {
    createdBy: existing?.createdBy ?? atSign,
    updatedBy: atSign,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    availableAt: ttb !== undefined && ttb >= 0 ? now + ttb : existing?.availableAt,
    expiresAt: ttl !== undefined && ttl >= 0 ? (ttl === 0 ? undefined : now + ttl + (ttb ?? 0)) : existing?.expiresAt,
    refreshAt:
      keptTtr === -1 ? undefined : keptTtr !== undefined && keptTtr > 0 ? now + keptTtr * 1000 : existing?.refreshAt,
    status: 'active',
    version: existing?.version === undefined ? 0 : existing.version + 1,
    ttl,
    ttb,
    ttr: keptTtr,
    ccd: ccd ?? existing?.ccd,
    isBinary: incoming.isBinary,
    isEncrypted: incoming.isEncrypted,
  };
  for (const field of textFields) {
    const value = incoming[field];
    merged[field] = existing !== undefined && value === 'null' ? undefined : (value ?? existing?.[field]);
  }
  return withoutUndefined(merged);
}

/** A plain loop: this runs on every update, and entries/filter/fromEntries cost several allocations each. */
function withoutUndefined(metadata: Metadata): Metadata {
  const defined: Record<string, unknown> = {};
  for (const field in metadata) {
    const value = metadata[field as keyof Metadata];
    if (value !== undefined) defined[field] = value;
  }
  return defined as unknown as Metadata;
}
