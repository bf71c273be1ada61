/**
 * `enroll:fetch` and `enroll:list` (atprotocol.md §7.3): what an authenticated client may see of the
 * enrollments.
 */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import { enrollmentStatuses, type EnrollParams } from '$lib/at/verbs/enroll';
import type { VerbContext } from '../context';
import {
  enrollmentKey,
  enrollmentSummary,
  findEnrollment,
  liveEnrollmentKeys,
  manageNamespace,
  readEnrollmentKey,
} from '../enrollments';

/**
 * `enroll:fetch:{"enrollmentId":…}`: one enrollment, in any state (an expired one reads `expired`). Any
 * authenticated connection may fetch any enrollment, as in the reference.
 *
 * @throws AtError AT0015 `<id>.new.enrollments.__manage@alice does not exist in keystore`.
 * @example enroll:fetch:{"enrollmentId":"0f3c…"}  →  data:{"appName":"wavi","deviceName":"pixel","namespace":{"wavi":"rw"},"encryptedAPKAMSymmetricKey":"…","status":"pending"}
 */
export function fetchEnrollment(id: string, ctx: VerbContext): Reply {
  const { store, atSign, clock } = ctx.server;
  const found = findEnrollment(store, atSign, id, clock.now());
  if (!found) throw new AtError('AT0015', `${enrollmentKey(id, atSign)} does not exist in keystore`);
  return dataReply(JSON.stringify(enrollmentSummary(found)));
}

/**
 * `enroll:list[:{"enrollmentStatusFilter":[…]}]`: every live enrollment in the filtered states (default all)
 * for connections without an enrollment (CRAM, legacy PKAM) or whose enrollment holds `__manage`; other
 * APKAM connections see only their own, unless it has expired, and the filter does not apply to it.
 * Keyed by enrollment key, in key order; `data:{}` when there is none.
 *
 * @example enroll:list:{"enrollmentStatusFilter":["pending"]}  →  data:{"0f3c….new.enrollments.__manage@alice":{"appName":"wavi",…,"status":"pending"}}
 */
export function listEnrollments(params: EnrollParams | undefined, ctx: VerbContext): Reply {
  const { store, atSign, clock } = ctx.server;
  const now = clock.now();
  const own = ctx.session.enrollmentId;
  const listing: Record<string, ReturnType<typeof enrollmentSummary>> = {};
  const mine = own ? findEnrollment(store, atSign, own, now) : undefined;
  if (own && !mine) throw new AtError('AT0015', `${enrollmentKey(own, atSign)} does not exist in keystore`);
  if (mine && !(manageNamespace in mine.value.namespaces)) {
    if (mine.state !== 'expired') listing[mine.key] = enrollmentSummary(mine);
    return dataReply(JSON.stringify(listing));
  }
  const wanted = new Set<string>(params?.enrollmentStatusFilter ?? enrollmentStatuses);
  for (const key of liveEnrollmentKeys(store, atSign, now)) {
    const found = readEnrollmentKey(store, key, now);
    if (found && wanted.has(found.state)) listing[key] = enrollmentSummary(found);
  }
  return dataReply(JSON.stringify(listing));
}
