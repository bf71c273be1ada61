/**
 * Record metadata (reference atprotocol.md §4.5) and its wire fragment, the `:ttl:…:isEncrypted:true:…`
 * run that `update`, `update:meta` and `notify` carry (§5 metadataFragment).
 */

import { AtError } from './errors';

/**
 * The metadata the reference stores with a record. Dates are epoch milliseconds; the JSON form
 * (Dart date strings, nulls dropped) lives in `metadata-json.ts`.
 */
export interface Metadata {
  createdBy?: string;
  updatedBy?: string;
  createdAt?: number;
  updatedAt?: number;
  availableAt?: number;
  expiresAt?: number;
  refreshAt?: number;
  /** Always `active` in the reference. */
  status?: string;
  /** 0 on create, +1 on every update. */
  version?: number;
  /** Time to live, milliseconds. */
  ttl?: number;
  /** Time to birth, milliseconds. */
  ttb?: number;
  /** Time to refresh a cached copy, **seconds**; -1 caches forever. */
  ttr?: number;
  /** Cascade delete: the recipient's cached copy goes when the original does. */
  ccd?: boolean;
  isBinary?: boolean;
  isEncrypted?: boolean;
  dataSignature?: string;
  sharedKeyEnc?: string;
  pubKeyCS?: string;
  encoding?: string;
  encKeyName?: string;
  encAlgo?: string;
  ivNonce?: string;
  skeEncKeyName?: string;
  skeEncAlgo?: string;
}

type FieldKind = 'int' | 'bool' | 'text';

/** The fields of the wire fragment, in the only order the reference accepts them. */
export const wireMetadataFields = [
  ['ttl', 'int'],
  ['ttb', 'int'],
  ['ttr', 'int'],
  ['ccd', 'bool'],
  ['dataSignature', 'text'],
  ['sharedKeyStatus', 'text'],
  ['isBinary', 'bool'],
  ['isEncrypted', 'bool'],
  ['sharedKeyEnc', 'text'],
  ['pubKeyCS', 'text'],
  ['encoding', 'text'],
  ['encKeyName', 'text'],
  ['encAlgo', 'text'],
  ['ivNonce', 'text'],
  ['skeEncKeyName', 'text'],
  ['skeEncAlgo', 'text'],
] as const satisfies readonly (readonly [string, FieldKind])[];

type WireField = (typeof wireMetadataFields)[number];
type ValueOf<K extends FieldKind> = K extends 'int' ? number : K extends 'bool' ? boolean : string;

/**
 * Metadata as a command carries it. Text fields keep their exact text: the literal `null` is how a
 * client clears a field in `update` (§4.5), and the server decides what it means.
 * `sharedKeyStatus` is accepted by the reference and then dropped.
 */
export type WireMetadata = { -readonly [F in WireField as F[0]]?: ValueOf<F[1]> };

const fieldPattern: Record<FieldKind, string> = {
  int: '(-?)\\d+',
  bool: 'true|false',
  text: '[^:@\\s]+',
};

/** The reference metadataFragment regex source (named groups per field), verbatim in meaning. */
export const metadataFragmentSource = wireMetadataFields
  .map(([name, kind]) => `(:${name}:(?<${name}>${fieldPattern[kind]}))?`)
  .join('');

/** Reads the metadata fields out of a verb regex match's named groups. */
export function wireMetadataFromGroups(groups: Readonly<Record<string, string | undefined>>): WireMetadata {
  const metadata: Record<string, number | boolean | string> = {};
  for (const [name, kind] of wireMetadataFields) {
    const text = groups[name];
    if (text === undefined) continue;
    metadata[name] =
      kind === 'int' ? Number.parseInt(text, 10) : kind === 'bool' ? text.toLowerCase() === 'true' : text;
  }
  return metadata as WireMetadata;
}

/**
 * Writes the fragment for the fields present, in wire order, each with its leading colon.
 *
 * @example
 * formatWireMetadata({ isEncrypted: true, ttl: 1000 }); // ':ttl:1000:isEncrypted:true'
 */
export function formatWireMetadata(metadata: WireMetadata): string {
  let fragment = '';
  for (const [name] of wireMetadataFields) {
    const value = metadata[name];
    if (value !== undefined) fragment += `:${name}:${String(value)}`;
  }
  return fragment;
}

/** The reference texts for refused time fields (at_utils `AtMetadataUtil`, §4.5). */
export const timeFieldMessages = {
  ttl: 'Valid value for TTL should be greater than or equal to 0',
  ttb: 'Valid value for TTB should be greater than or equal to 0',
  ttr: 'Valid values for TTR are -1 and greater than or equal to 1',
} as const;

/** The time fields a command sets; `deriveDates` turns them into dates. */
export interface TimeFields {
  ttl?: number;
  ttb?: number;
  ttr?: number;
  ccd?: boolean;
}

/** The time fields as the reference keeps them, with the dates they give at one instant. */
export interface DerivedDates extends TimeFields {
  expiresAt?: number;
  availableAt?: number;
  refreshAt?: number;
}

/**
 * Validates ttl/ttb/ttr and computes the dates they give at `nowMs`, as the reference's update path does
 * (`AtMetadataUtil` validation, then `AtMetadataBuilder`, §4.5):
 * - `expiresAt = now + ttl (+ ttb when ttb is given)`; `ttl: 0` is kept but leaves no expiry;
 * - `availableAt = now + ttb` (also for `ttb: 0`);
 * - `ttr` is in **seconds**: `refreshAt = now + ttr·1000`; `-1` caches forever (no refreshAt); `0` means unset;
 * - `ccd` exists only with a ttr and then defaults to `false`.
 *
 * Every update recomputes these from "now", which is why an update restarts a key's countdown.
 *
 * @throws AtError `AT0003` with the reference text for a negative ttl or ttb, or a ttr of -2 or less.
 * @example
 * deriveDates({ ttl: 3000 }, Date.parse('2024-10-24T10:00:00.123Z'));
 * // { ttl: 3000, expiresAt: 1729764003123 }  (2024-10-24 10:00:03.123Z)
 */
export function deriveDates(fields: TimeFields, nowMs: number): DerivedDates {
  const { ttl, ttb } = fields;
  if (ttl !== undefined && ttl < 0) throw new AtError('AT0003', timeFieldMessages.ttl);
  if (ttb !== undefined && ttb < 0) throw new AtError('AT0003', timeFieldMessages.ttb);
  if (fields.ttr !== undefined && fields.ttr <= -2) throw new AtError('AT0003', timeFieldMessages.ttr);
  const ttr = fields.ttr === 0 ? undefined : fields.ttr;
  const derived: DerivedDates = {};
  if (ttl !== undefined) {
    derived.ttl = ttl;
    if (ttl > 0) derived.expiresAt = nowMs + ttl + (ttb ?? 0);
  }
  if (ttb !== undefined) {
    derived.ttb = ttb;
    derived.availableAt = nowMs + ttb;
  }
  if (ttr !== undefined) {
    derived.ttr = ttr;
    if (ttr > 0) derived.refreshAt = nowMs + ttr * 1000;
    derived.ccd = fields.ccd ?? false;
  }
  return derived;
}

/**
 * Whether a record is visible at `nowMs` (`SecondaryUtil.isActiveKey`, §4.6): not yet born when
 * `availableAt > now`, expired when `expiresAt < now` (so a record is still active at its exact expiry).
 *
 * @example
 * isActive({ expiresAt: 1000 }, 1000); // true
 * isActive({ expiresAt: 1000 }, 1001); // false
 */
export function isActive(metadata: Pick<Metadata, 'availableAt' | 'expiresAt'>, nowMs: number): boolean {
  if (metadata.availableAt !== undefined && metadata.availableAt > nowMs) return false;
  return !(metadata.expiresAt !== undefined && metadata.expiresAt < nowMs);
}
