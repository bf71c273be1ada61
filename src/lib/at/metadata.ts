/**
 * Record metadata (reference atprotocol.md §4.5) and its wire fragment, the `:ttl:…:isEncrypted:true:…`
 * run that `update`, `update:meta` and `notify` carry (§5 metadataFragment).
 */

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
