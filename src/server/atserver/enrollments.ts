/**
 * APKAM enrollment records (atprotocol.md §7.2): where they live, how they read and write, and the checks
 * the authentication path and the connection lifecycle (§7.7) make on them. The `enroll` verb's
 * operations build on these.
 */
import { AtError } from '$lib/at/errors';
import { isActive, type Metadata } from '$lib/at/metadata';
import type { NamespaceAccess } from '$lib/at/verbs/enroll';
import type { VerbContext } from './context';
import { freshMetadata } from './records';
import type { AtSignStore } from './store/atsign-store';

/** `pending|approved|denied|revoked|expired`; `expired` is never stored, it is what an inactive record reads as. */
export type EnrollmentState = 'pending' | 'approved' | 'denied' | 'revoked' | 'expired';

/** The namespace that lets an enrollment manage others (approve, deny, revoke, `otp:put`). */
export const manageNamespace = '__manage';
/** The namespace that stands for every namespace. */
export const allNamespaces = '*';

/** The stored enrollment (the reference's EnrollDataStoreValue JSON). */
export interface EnrollmentRecord {
  sessionId?: string;
  appName: string;
  deviceName: string;
  namespaces: Record<string, NamespaceAccess>;
  apkamPublicKey: string;
  requestType?: string;
  approval: { state: EnrollmentState };
  encryptedAPKAMSymmetricKey?: string | null;
  apkamKeysExpiryInMillis?: number;
}

/** A stored enrollment as read at one instant. */
export interface StoredEnrollment {
  readonly key: string;
  readonly value: EnrollmentRecord;
  /** The stored state, or `expired` once the record's ttl has passed. */
  readonly state: EnrollmentState;
  readonly metadata: Metadata;
}

const keySuffix = '.new.enrollments.__manage';

/** `<id>.new.enrollments.__manage@alice`, lowercased as the keystore stores every key (§4.1). */
export const enrollmentKey = (id: string, atSign: string) => `${id}${keySuffix}${atSign}`.toLowerCase();

/** Reads the record stored under an enrollment key; undefined when missing or unreadable. */
export function readEnrollmentKey(store: AtSignStore, key: string, now: number): StoredEnrollment | undefined {
  const record = store.keys.get(key);
  if (!record?.value) return undefined;
  let value: EnrollmentRecord;
  try {
    value = JSON.parse(record.value) as EnrollmentRecord;
  } catch {
    return undefined;
  }
  const state: EnrollmentState = isActive(record.metadata, now) ? value.approval.state : 'expired';
  return { key, value, state, metadata: record.metadata };
}

/** Reads enrollment `id` (as the client wrote it; the key is lowercased). */
export function findEnrollment(store: AtSignStore, atSign: string, id: string, now: number) {
  return readEnrollmentKey(store, enrollmentKey(id, atSign), now);
}

/** Reads an enrollment; an inactive (expired) record reads as state `expired`; a missing one as undefined. */
export function readEnrollment(store: AtSignStore, atSign: string, id: string, now: number) {
  const found = findEnrollment(store, atSign, id, now);
  return found && { ...found.value, approval: { state: found.state } };
}

/** The keys of every live (not expired) enrollment, in key order, as the keystore's `getKeys` lists them. */
export function liveEnrollmentKeys(store: AtSignStore, atSign: string, now: number): string[] {
  const suffix = `${keySuffix}${atSign}`.toLowerCase();
  return store.keys.activeKeys(now).filter((key) => key.endsWith(suffix));
}

/**
 * Writes an enrollment record, never committed (enrollments do not sync to clients, §7.2). The JSON has the
 * reference's field order.
 */
export function saveEnrollment(store: AtSignStore, key: string, value: EnrollmentRecord, metadata: Metadata) {
  const json = JSON.stringify({
    sessionId: value.sessionId,
    appName: value.appName,
    deviceName: value.deviceName,
    namespaces: value.namespaces,
    apkamPublicKey: value.apkamPublicKey,
    requestType: value.requestType,
    approval: { state: value.approval.state },
    encryptedAPKAMSymmetricKey: value.encryptedAPKAMSymmetricKey ?? null,
    apkamKeysExpiryInMillis: value.apkamKeysExpiryInMillis ?? 0,
  });
  return store.keys.put({ key, value: json, metadata }, '+', { skipCommit: true });
}

/**
 * Where an enrollment's encrypted default keys live (§7.2): the atSign's encryption private key and
 * self-encryption key, each AES-encrypted with the enrollment's APKAM symmetric key.
 */
export function defaultKeyNames(id: string, atSign: string) {
  return {
    encryptionPrivateKey: `${id}.default_enc_private_key.__manage${atSign}`.toLowerCase(),
    selfEncryptionKey: `${id}.default_self_enc_key.__manage${atSign}`.toLowerCase(),
  };
}

/**
 * Stores an enrollment's encrypted default keys as `{"value":"<ciphertext>"}`, never committed: the server
 * keeps them so an approving client can pass the keys on to a new one it cannot reach directly.
 */
export async function saveDefaultKeys(
  store: AtSignStore,
  atSign: string,
  id: string,
  keys: { encryptedDefaultEncryptionPrivateKey?: string; encryptedDefaultSelfEncryptionKey?: string },
  now: number,
): Promise<void> {
  const names = defaultKeyNames(id, atSign);
  const save = (key: string, value: string | undefined) =>
    store.keys.put(
      { key, value: JSON.stringify({ value: value ?? null }), metadata: freshMetadata(atSign, now) },
      '+',
      { skipCommit: true },
    );
  await save(names.encryptionPrivateKey, keys.encryptedDefaultEncryptionPrivateKey);
  await save(names.selfEncryptionKey, keys.encryptedDefaultSelfEncryptionKey);
}

/**
 * What `enroll:fetch` and each `enroll:list` entry show of an enrollment (§7.3); note the singular
 * `namespace`, and `encryptedAPKAMSymmetricKey` written as `null` when absent.
 */
export function enrollmentSummary(found: StoredEnrollment) {
  return {
    appName: found.value.appName,
    deviceName: found.value.deviceName,
    namespace: found.value.namespaces,
    encryptedAPKAMSymmetricKey: found.value.encryptedAPKAMSymmetricKey ?? null,
    status: found.state,
  };
}

/**
 * The reference's AtEnrollmentException: it has no code of its own, so it is AT0011, but unlike other
 * unmapped exceptions it leaves the connection open (§1.6, §7.1).
 *
 * @example throw enrollmentException('appName is mandatory for enroll:request')
 */
export function enrollmentException(message: string): AtError {
  return new AtError('AT0011', message, { close: false });
}

const statusErrors: Record<
  Exclude<EnrollmentState, 'approved'>,
  ['AT0025' | 'AT0026' | 'AT0027' | 'AT0028', string]
> = {
  denied: ['AT0025', 'denied'],
  pending: ['AT0026', 'pending'],
  revoked: ['AT0027', 'revoked'],
  expired: ['AT0028', 'expired or invalid'],
};

/**
 * The status-form error (`error:AT0026:enrollment_id: <id> is pending`, §1.5 form 3) for an enrollment
 * in `state`; `expired` is also the answer for one that does not exist.
 */
export function enrollmentStatusError(id: string, state: Exclude<EnrollmentState, 'approved'>): AtError {
  const [code, text] = statusErrors[state];
  return new AtError(code, `enrollment_id: ${id} is ${text}`, { form: 'status', close: false });
}

/**
 * The APKAM public key `pkam:…:enrollmentId:<id>:…` is checked against. Anything but an approved, live
 * enrollment is refused first, in the status error form (`error:AT0026:enrollment_id: <id> is pending`).
 */
export function enrollmentForPkam(ctx: VerbContext, id: string): { publicKey: string; record: EnrollmentRecord } {
  const found = findEnrollment(ctx.server.store, ctx.server.atSign, id, ctx.server.clock.now());
  if (!found) throw enrollmentStatusError(id, 'expired');
  if (found.state !== 'approved') throw enrollmentStatusError(id, found.state);
  return { publicKey: found.value.apkamPublicKey, record: found.value };
}

/**
 * Whether a connection may go on (§7.7): one authenticated with an enrollment lives only as long as the
 * enrollment record does. Expired (ttl passed) or deleted → false; any other state, even revoked, → true
 * (revocation closes connections itself).
 */
export function enrollmentIsLive(ctx: VerbContext): boolean {
  const id = ctx.session.enrollmentId;
  if (id === undefined) return true;
  const found = findEnrollment(ctx.server.store, ctx.server.atSign, id, ctx.server.clock.now());
  return found !== undefined && found.state !== 'expired';
}
