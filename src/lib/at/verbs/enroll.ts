/**
 * `enroll`: APKAM enrollment (request a new app/device key, then approve, deny, revoke, un-revoke,
 * delete, fetch or list enrollments). Reference atprotocol.md §7.1–§7.3.
 */
import { AtError } from '../errors';
import { decodeJsonObject, isJsonObject, wrongShape, type JsonObject, type JsonValue } from './json';
import { compact, defineGrammar, flag, oneOf, part } from './grammar';

/** The operations `enroll:` takes, in the reference regex's order. */
export const enrollOperations = [
  'request',
  'approve',
  'deny',
  'revoke',
  'list',
  'fetch',
  'unrevoke',
  'delete',
] as const;
/** One of {@link enrollOperations}. */
export type EnrollOperation = (typeof enrollOperations)[number];

/** The states an enrollment can be in, as `enrollmentStatusFilter` names them (§7.2). */
export const enrollmentStatuses = ['pending', 'approved', 'denied', 'revoked', 'expired'] as const;
/** One of {@link enrollmentStatuses}. */
export type EnrollmentStatus = (typeof enrollmentStatuses)[number];

/** The access an enrollment asks for in a namespace: read, or read and write (§7.5). */
export type NamespaceAccess = 'r' | 'rw';

/**
 * The JSON body of an `enroll` command (at_commons `EnrollParams`). Every field is optional here;
 * which ones an operation needs is the handler's business (`appName is mandatory for enroll:request`…).
 */
export interface EnrollParams {
  readonly enrollmentId?: string;
  readonly appName?: string;
  readonly deviceName?: string;
  /** Namespace → access, e.g. `{ wavi: 'rw', buzz: 'r' }`. */
  readonly namespaces?: Readonly<Record<string, NamespaceAccess>>;
  /** The OTP or SPP an unauthenticated `enroll:request` presents (§7.4). */
  readonly otp?: string;
  readonly encryptedDefaultEncryptionPrivateKey?: string;
  readonly encryptedDefaultSelfEncryptionKey?: string;
  readonly encryptedAPKAMSymmetricKey?: string;
  /** The new client's PKAM public key (base64 SPKI DER for RSA). */
  readonly apkamPublicKey?: string;
  /** `enroll:list` only: the states to list (default all). */
  readonly enrollmentStatusFilter?: readonly EnrollmentStatus[];
  /** How long the approved keys live; 0 means forever. */
  readonly apkamKeysExpiryInMillis?: number;
}

type FieldKind = 'text' | 'namespaces' | 'statuses' | 'int';

/** The fields of {@link EnrollParams} in at_commons `EnrollParams.toJson` order, which `format` writes. */
const enrollParamFields = [
  ['enrollmentId', 'text'],
  ['appName', 'text'],
  ['deviceName', 'text'],
  ['namespaces', 'namespaces'],
  ['otp', 'text'],
  ['encryptedDefaultEncryptionPrivateKey', 'text'],
  ['encryptedDefaultSelfEncryptionKey', 'text'],
  ['encryptedAPKAMSymmetricKey', 'text'],
  ['apkamPublicKey', 'text'],
  ['enrollmentStatusFilter', 'statuses'],
  ['apkamKeysExpiryInMillis', 'int'],
] as const satisfies readonly (readonly [keyof EnrollParams, FieldKind])[];

function isNamespaceAccess(value: JsonValue): value is NamespaceAccess {
  return value === 'r' || value === 'rw';
}

function isEnrollmentStatus(value: JsonValue): value is EnrollmentStatus {
  return enrollmentStatuses.some((status) => status === value);
}

/** Reads one field; `undefined` for absent or `null` (Dart's `as String?` accepts both). */
function readField(name: string, kind: FieldKind, value: JsonValue | undefined): EnrollParams[keyof EnrollParams] {
  if (value === undefined || value === null) return undefined;
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') throw wrongShape(`a string at "${name}"`, value);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongShape(`an integer at "${name}"`, value);
      return value;
    case 'statuses':
      // `$enumDecode` throws an ArgumentError for an unknown state: a Dart Error, so AT0010.
      if (!Array.isArray(value) || !value.every(isEnrollmentStatus)) {
        throw wrongShape(`a list of ${enrollmentStatuses.join('|')} at "${name}"`, value);
      }
      return value;
    case 'namespaces': {
      if (!isJsonObject(value)) throw wrongShape(`an object at "${name}"`, value);
      const entries = Object.entries(value);
      const bad = entries.find(([, access]) => !isNamespaceAccess(access));
      if (bad) throw wrongShape(`"r" or "rw" at "${name}.${bad[0]}"`, bad[1]);
      // fromEntries defines own properties, so a namespace called `__proto__` stays a plain key.
      return Object.fromEntries(entries) as Record<string, NamespaceAccess>;
    }
  }
}

/**
 * Decodes the JSON body of an `enroll` command. Unknown keys are ignored and `null` reads as absent,
 * as at_commons `EnrollParams.fromJson` does.
 * @throws AtError AT0011 (closes the connection) when the text is not JSON; AT0010 (stays open)
 * when it is not an object or a known key has the wrong type, as the reference's Dart `TypeError` is.
 * @example
 * decodeEnrollParams('{"enrollmentId":"352b78c8-4b6f-4d07-a9cf-5466512ffa44"}');
 * // { enrollmentId: '352b78c8-4b6f-4d07-a9cf-5466512ffa44' }
 */
export function decodeEnrollParams(text: string): EnrollParams {
  const json: JsonObject = decodeJsonObject(text);
  const params: Record<string, unknown> = {};
  for (const [name, kind] of enrollParamFields) {
    const value = readField(name, kind, json[name]);
    if (value !== undefined) params[name] = value;
  }
  return params as EnrollParams;
}

/**
 * Writes the JSON body in at_commons field order, absent fields left out.
 * @example
 * encodeEnrollParams({ appName: 'wavi', deviceName: 'pixel' }); // '{"appName":"wavi","deviceName":"pixel"}'
 */
export function encodeEnrollParams(params: EnrollParams): string {
  const ordered = Object.fromEntries(enrollParamFields.map(([name]) => [name, params[name]]));
  return JSON.stringify(compact(ordered));
}

interface EnrollBase {
  readonly verb: 'enroll';
  /** `enroll:revoke:force:…`: revoke even the connection's own enrollment (closed after 10 s). */
  readonly force: boolean;
}

/** `enroll:list[:<json>]`: the only operation whose JSON body may be left out. */
export interface EnrollList extends EnrollBase {
  readonly operation: 'list';
  readonly params?: EnrollParams;
}

/** `enroll:<op>[:force]:<json>` for every operation but `list`. */
export interface EnrollWithParams extends EnrollBase {
  readonly operation: Exclude<EnrollOperation, 'list'>;
  readonly params: EnrollParams;
}

/** Any `enroll` command, discriminated on `operation`. */
export type Enroll = EnrollList | EnrollWithParams;

/**
 * `enroll` (§7.1). Forms: `enroll:<op>:<json>`, `enroll:revoke:force:<json>`, `enroll:list`,
 * `enroll:list:<json>`. The reference regex makes the colon before the JSON optional
 * (`enroll:request{…}` parses); `format` always writes it, with the JSON keys in at_commons order.
 * The usage text is the reference's, malformed JSON (`"<otp>":"apkamPublicKey"`) included.
 *
 * Order matters: the reference checks authentication (AT0401 `Cannot <op> enrollment without
 * authentication` for every op but `request`) before it reads the body. Here the body is read at
 * parse time, so a caller that wants the reference's answer to an unauthenticated `enroll:approve`
 * without JSON must make that check before calling `parse`.
 *
 * @throws AtError AT0003 `Invalid syntax. <usage>` for an unknown operation; AT0022 `Enroll
 * parameters not provided` when an operation other than `list` has no JSON; AT0011 (closes) for bad
 * JSON; AT0010 for JSON of the wrong shape.
 * @example
 * enroll.parse('enroll:approve:{"enrollmentId":"352b78c8-4b6f-4d07-a9cf-5466512ffa44","encryptedDefaultEncryptionPrivateKey":"…","encryptedDefaultSelfEncryptionKey":"…"}');
 * // { verb: 'enroll', operation: 'approve', force: false, params: { enrollmentId: '352b…', … } }
 */
export const enroll = defineGrammar<Enroll>({
  name: 'enroll',
  usage:
    'enroll:request:{"appName":"wavi","deviceName":"iPhone","namespaces":{"wavi":"rw"},"otp":"<otp>":"apkamPublicKey":"<public_key>"}',
  source:
    '^enroll:(?<operation>(?:(request|approve|deny|revoke|list|fetch|unrevoke|delete)))(:(?<force>force))?(?::)?' +
    '((?<enrollParams>.+)|(<=list:)<enrollParams>.?)?$',
  build: (g): Enroll => {
    const operation = oneOf(g.operation, enrollOperations) ?? 'list';
    const force = g.force !== undefined;
    const params = g.enrollParams === undefined ? undefined : decodeEnrollParams(g.enrollParams);
    if (operation === 'list') return compact<EnrollList>({ verb: 'enroll', operation, force, params });
    if (params === undefined) throw new AtError('AT0022', 'Enroll parameters not provided');
    return { verb: 'enroll', operation, force, params };
  },
  format: (c) =>
    `enroll:${c.operation}${flag(':force', c.force)}${part(':', c.params && encodeEnrollParams(c.params))}`,
});
