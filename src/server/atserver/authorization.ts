/**
 * APKAM namespace authorization (atprotocol.md §7.5, the reference's `AbstractVerbHandler.isAuthorized`):
 * may a connection that authenticated with an enrollment read or write a key? Verbs call it with the key
 * they are about to touch; the rules live here once.
 */
import { AtError } from '$lib/at/errors';
import { keyType } from '$lib/at/key';
import type { VerbContext } from './context';
import { coveringGrant, type Grant } from './enrollment-access';
import { findEnrollment, manageNamespace, type EnrollmentRecord } from './enrollments';

/** `r`: the verb reads (an `r` or `rw` grant will do); `rw`: the verb writes (only `rw` will do). */
export type Access = 'r' | 'rw';

/** The only verbs a `__manage` grant serves. */
const manageVerbs = new Set(['otp', 'enroll', 'monitor']);

/**
 * The key name and namespace as at_commons `AtKey.fromString` splits them: the entity is the text between
 * the visibility prefix and `@owner`; the namespace is what follows its last `.`.
 *
 * @throws AtError `AT0003` `<key> is not well-formed key` for a key without `@` or with a space, as
 *   `AtKey.fromString` does.
 * @example
 * splitNamespace('@bob:phone.buzz.wavi@alice'); // { name: 'phone.buzz', namespace: 'wavi' }
 */
export function splitNamespace(key: string): { name: string; namespace?: string } {
  if (!key.includes('@') || key.includes(' ')) throw new AtError('AT0003', `${key} is not well-formed key`);
  const parts = key.split(':');
  const entity = parts.length === 1 ? parts[0] : parts[0] === 'cached' ? parts[2] : parts[1];
  const name = (entity ?? '').split('@')[0] ?? '';
  const dot = name.lastIndexOf('.');
  return dot === -1 ? { name } : { name: name.slice(0, dot), namespace: name.slice(dot + 1) };
}

/**
 * The enrolled namespace (and its access) that covers a key, as the reference's `isAuthorized` derives it:
 * the key's namespace and `<name>.<namespace>` matched with {@link coveringGrant}. A key without a namespace
 * is matched as the text `null`, as Dart interpolates it, so in practice only `*` covers it.
 *
 * @example keyGrant({ buzz: 'r', wavi: 'rw' }, 'phone.wavi@alice') // { namespace: 'wavi', access: 'rw' }
 * @example keyGrant({ 'at_contact.buzz': 'rw' }, 'x.at_contact.buzz@alice') // { namespace: 'at_contact.buzz', … }
 */
export function keyGrant(namespaces: EnrollmentRecord['namespaces'], key: string): Grant | undefined {
  const { name, namespace = 'null' } = splitNamespace(key);
  return coveringGrant(namespaces, namespace, `${name}.${namespace}`);
}

/**
 * Whether the connection may do `access` on `key` with `verbName`. Connections without an enrollment
 * (legacy PKAM, CRAM) and reserved keys are always authorized; otherwise the enrollment must be approved and
 * grant a namespace covering the key. A `__manage` grant only serves `otp`, `enroll` and `monitor`.
 *
 * @example isAuthorized(ctx, '@bob:phone.wavi@alice', 'rw', 'update')
 */
export function isAuthorized(ctx: VerbContext, key: string, access: Access, verbName: string): boolean {
  const enrollmentId = ctx.session.enrollmentId;
  if (enrollmentId === undefined || keyType(key) === 'reservedKey') return true;
  const { server } = ctx;
  const enrollment = findEnrollment(server.store, server.atSign, enrollmentId, server.clock.now());
  if (enrollment?.state !== 'approved') return false;
  const grant = keyGrant(enrollment.value.namespaces, key.toLowerCase());
  if (grant === undefined || (grant.access !== 'r' && grant.access !== 'rw')) return false;
  if (grant.namespace === manageNamespace && !manageVerbs.has(verbName)) return false;
  return access === 'r' || grant.access === 'rw';
}

/**
 * {@link isAuthorized}, throwing the reference's answer when it is not.
 *
 * @throws AtError `AT0009` `Connection with enrollment ID <id> is not authorized to <verb> key: <key>`.
 * @example authorize(ctx, '@alice:phone.wavi@alice', 'r', 'lookup')  // for `lookup:phone.wavi@alice`
 */
export function authorize(ctx: VerbContext, key: string, access: Access, verbName: string): void {
  if (isAuthorized(ctx, key, access, verbName)) return;
  throw new AtError(
    'AT0009',
    `Connection with enrollment ID ${ctx.session.enrollmentId} is not authorized to ${verbName} key: ${key}`,
  );
}
