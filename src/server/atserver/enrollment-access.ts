/**
 * Namespace authorization of APKAM connections (atprotocol.md §7.5, the reference's
 * `AbstractVerbHandler.isAuthorized`): which enrolled namespace covers a namespace, and whether a
 * connection may act on another enrollment or hold the SPP. Connections without an enrollment (CRAM, legacy
 * PKAM) may do everything.
 */
import type { NamespaceAccess } from '$lib/at/verbs/enroll';
import type { VerbContext } from './context';
import {
  allNamespaces,
  enrollmentException,
  findEnrollment,
  manageNamespace,
  type StoredEnrollment,
} from './enrollments';

/** An enrolled namespace and the access it grants. */
export interface Grant {
  readonly namespace: string;
  readonly access: NamespaceAccess;
}

/**
 * The enrolled namespace that covers `namespace`: the first whose dotted suffix it is (`wavi` covers
 * `wavi` and `profile.wavi`), else the first that `keyWithNamespace` (`phone.at_contact.buzz`) ends with
 * (so multi-segment namespaces such as `at_contact.buzz` work), else `*`. First match in enrollment order.
 *
 * @example coveringGrant({ buzz: 'r', '*': 'rw' }, 'buzz') // { namespace: 'buzz', access: 'r' }
 */
export function coveringGrant(
  granted: Readonly<Record<string, NamespaceAccess>>,
  namespace: string,
  keyWithNamespace = '',
): Grant | undefined {
  const names = Object.keys(granted);
  const name =
    names.find((enrolled) => `.${namespace}`.endsWith(`.${enrolled}`)) ??
    (keyWithNamespace === '' ? undefined : names.find((enrolled) => keyWithNamespace.endsWith(`.${enrolled}`))) ??
    (allNamespaces in granted ? allNamespaces : undefined);
  const access = name === undefined ? undefined : granted[name];
  return name === undefined || access === undefined ? undefined : { namespace: name, access };
}

/** The approved enrollment a connection authenticated with, or undefined (missing or not approved). */
function approvedEnrollment(ctx: VerbContext, id: string): StoredEnrollment | undefined {
  const found = findEnrollment(ctx.server.store, ctx.server.atSign, id, ctx.server.clock.now());
  return found?.state === 'approved' ? found : undefined;
}

/**
 * Checks that this connection may approve, deny, revoke or un-revoke an enrollment asking for `requested`
 * (§7.3, §7.5): its own enrollment must be approved and hold `__manage`, and cover every requested
 * namespace with `rw` (or `r` for a namespace requested read-only); `__manage` itself is enough.
 *
 * @throws AtError AT0011 `Failed to <op> enrollment id: <id>. …` (an AtEnrollmentException, connection open).
 */
export function requireReviewer(
  ctx: VerbContext,
  requested: Readonly<Record<string, NamespaceAccess>>,
  operation: string,
  id: string,
): void {
  const reviewerId = ctx.session.enrollmentId;
  const fail = (reason: string) => enrollmentException(`Failed to ${operation} enrollment id: ${id}. ${reason}`);
  const entries = Object.entries(requested);
  if (reviewerId === undefined || entries.length === 0) return;
  const reviewer = approvedEnrollment(ctx, reviewerId);
  if (reviewer && !(manageNamespace in reviewer.value.namespaces)) {
    throw fail('The approving enrollment does not have access to "__manage" namespace');
  }
  for (const [namespace, access] of entries) {
    const grant = reviewer && coveringGrant(reviewer.value.namespaces, namespace);
    const allowed =
      grant !== undefined &&
      (grant.namespace === manageNamespace || grant.access === 'rw' || (grant.access === 'r' && access === 'r'));
    if (!allowed) throw fail('Client is not authorized for namespaces in the enrollment request');
  }
}

/**
 * Whether this connection may store the SPP (`otp:put`, §7.4): no enrollment, or an approved one whose
 * grant covering `__manage` is `__manage` itself (a `*` grant does not count).
 */
export function mayManage(ctx: VerbContext): boolean {
  const id = ctx.session.enrollmentId;
  if (id === undefined) return true;
  const enrollment = approvedEnrollment(ctx, id);
  return (
    enrollment !== undefined &&
    coveringGrant(enrollment.value.namespaces, manageNamespace)?.namespace === manageNamespace
  );
}
