/**
 * `enroll:approve`, `deny`, `revoke`, `unrevoke` and `delete` (atprotocol.md §7.3): a `__manage` client
 * decides on other enrollments. Every refusal names the operation and the enrollment id.
 */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { EnrollParams } from '$lib/at/verbs/enroll';
import type { VerbContext } from '../context';
import { requireReviewer } from '../enrollment-access';
import {
  enrollmentException,
  enrollmentKey,
  enrollmentStatusError,
  findEnrollment,
  saveDefaultKeys,
  saveEnrollment,
  type EnrollmentState,
} from '../enrollments';
import { rewrittenMetadata } from '../records';

/** The state each decision leaves an enrollment in; un-revoking makes it approved again. */
const outcome = { approve: 'approved', deny: 'denied', revoke: 'revoked', unrevoke: 'approved' } as const;
type Decision = keyof typeof outcome;

/** How long a revoked client may keep the connection it revoked itself on (`revoke:force`). */
const selfRevokeCloseMs = 10_000;

/** The state a decision needs (the reference's `_verifyEnrollmentStateBeforeAction`); deny takes any. */
function stateProblem(decision: Decision, state: EnrollmentState): string | undefined {
  switch (decision) {
    case 'approve':
      return state === 'pending'
        ? undefined
        : `Cannot approve a ${state} enrollment. Only pending enrollments can be approved`;
    case 'revoke':
      return state === 'approved'
        ? undefined
        : `Cannot revoke a ${state} enrollment. Only approved enrollments can be revoked`;
    case 'unrevoke':
      return state === 'revoked'
        ? undefined
        : `Cannot un-revoke a ${state} enrollment. Only revoked enrollments can be un-revoked`;
    case 'deny':
      return undefined;
  }
}

/**
 * Applies a decision: the enrollment must be live (else `error:AT0028:…`), in the right state, and within
 * this connection's `__manage` reach. Approving restarts the record's ttl as `apkamKeysExpiryInMillis`
 * (0: never expires), publishes the APKAM public key under `__pkams` and stores the encrypted default
 * keys; other decisions keep the record's ttl, counted again from now.
 */
async function decide(decision: Decision, id: string, params: EnrollParams, ctx: VerbContext): Promise<string> {
  const { store, atSign, clock } = ctx.server;
  const now = clock.now();
  const found = findEnrollment(store, atSign, id, now);
  if (!found || found.state === 'expired') throw enrollmentStatusError(id, 'expired');
  const problem = stateProblem(decision, found.state);
  if (problem) throw enrollmentException(`Failed to ${decision} enrollment id: ${id}. ${problem}`);
  requireReviewer(ctx, found.value.namespaces, decision, id);

  const state = outcome[decision];
  const ttl = decision === 'approve' ? (found.value.apkamKeysExpiryInMillis ?? 0) : found.metadata.ttl;
  // The keys first: a device that passes PKAM the moment it is approved must find them (keys:get).
  if (decision === 'approve') {
    const { appName, deviceName, apkamPublicKey } = found.value;
    const key = `public:${appName}.${deviceName}.pkam.__pkams.__public_keys${atSign}`.toLowerCase().replaceAll(' ', '');
    const existing = store.keys.get(key)?.metadata;
    await store.keys.put(
      {
        key,
        value: JSON.stringify({ apkamPublicKey }),
        metadata: rewrittenMetadata(existing, atSign, now, existing?.ttl),
      },
      '+',
      { skipCommit: true },
    );
    await saveDefaultKeys(store, atSign, id, params, now);
  }
  await saveEnrollment(
    store,
    found.key,
    { ...found.value, approval: { state } },
    rewrittenMetadata(found.metadata, atSign, now, ttl),
  );
  return state;
}

/**
 * `enroll:approve|deny|unrevoke:{"enrollmentId":…}`.
 *
 * @example enroll:deny:{"enrollmentId":"0f3c…"}  →  data:{"status":"denied","enrollmentId":"0f3c…"}
 */
export async function reviewEnrollment(
  decision: 'approve' | 'deny' | 'unrevoke',
  id: string,
  params: EnrollParams,
  ctx: VerbContext,
): Promise<Reply> {
  const status = await decide(decision, id, params, ctx);
  return dataReply(JSON.stringify({ status, enrollmentId: id }));
}

/**
 * Closes every live connection authenticated with enrollment `id`. With `force`, this connection (which
 * revoked its own enrollment) gets 10 s to read the answer first; returns the message that says so.
 */
function closeConnectionsOf(id: string, force: boolean, ctx: VerbContext): string | undefined {
  let message: string | undefined;
  for (const connection of [...ctx.server.connections()]) {
    if (connection.session.enrollmentId !== id) continue;
    if (force && connection.session === ctx.session) {
      message = 'Enrollment is revoked. Closing the connection in 10 seconds';
      void ctx.server.clock.sleep(selfRevokeCloseMs).then(() => connection.drop());
    } else {
      connection.drop();
    }
  }
  return message;
}

/**
 * `enroll:revoke[:force]:{"enrollmentId":…}`: revokes an approved enrollment and closes its connections.
 * A connection may revoke its own enrollment only with `force`.
 *
 * @throws AtError AT0031 `Current client cannot revoke its own enrollment` without `force`.
 * @example enroll:revoke:{"enrollmentId":"0f3c…"}  →  data:{"status":"revoked","enrollmentId":"0f3c…"}
 */
export async function revokeEnrollment(id: string, force: boolean, ctx: VerbContext): Promise<Reply> {
  if (id === ctx.session.enrollmentId && !force) {
    throw new AtError('AT0031', 'Current client cannot revoke its own enrollment');
  }
  const status = await decide('revoke', id, {}, ctx);
  const message = closeConnectionsOf(id, force, ctx);
  return dataReply(
    JSON.stringify(message === undefined ? { status, enrollmentId: id } : { status, enrollmentId: id, message }),
  );
}

/**
 * `enroll:delete:{"enrollmentId":…}`: forgets a denied or revoked enrollment. Unlike the other decisions
 * it needs no `__manage` (reference quirk, §13.22).
 *
 * @throws AtError AT0015 for an unknown id; `error:AT0028:…` for an expired one; AT0011 for other states.
 * @example enroll:delete:{"enrollmentId":"0f3c…"}  →  data:{"enrollmentId":"0f3c…","status":"deleted"}
 */
export async function deleteEnrollment(id: string, ctx: VerbContext): Promise<Reply> {
  const { store, atSign, clock } = ctx.server;
  const found = findEnrollment(store, atSign, id, clock.now());
  if (!found) throw new AtError('AT0015', `${enrollmentKey(id, atSign)} does not exist in keystore`);
  if (found.state === 'expired') throw enrollmentStatusError(id, 'expired');
  if (found.state !== 'denied' && found.state !== 'revoked') {
    throw enrollmentException(
      `Failed to delete enrollment id: ${id} | Cause: Cannot delete ${found.state} enrollments. Only denied and revoked enrollments can be deleted`,
    );
  }
  await store.keys.remove(found.key, { skipCommit: true });
  return dataReply(JSON.stringify({ enrollmentId: id, status: 'deleted' }));
}
