/**
 * `enroll:request` (atprotocol.md §7.3): a new app or device asks for an APKAM key. On a CRAM connection
 * (first onboarding) it is approved at once with every namespace; otherwise it waits, pending, for a
 * `__manage` client's approval, and unauthenticated clients must present an OTP or the SPP.
 */
import { randomUUID } from 'node:crypto';
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { EnrollParams } from '$lib/at/verbs/enroll';
import { reservedKeys } from '../bootstrap';
import type { AtSignContext, VerbContext } from '../context';
import {
  allNamespaces,
  enrollmentException,
  enrollmentKey,
  liveEnrollmentKeys,
  manageNamespace,
  readEnrollmentKey,
  saveDefaultKeys,
  saveEnrollment,
  type EnrollmentRecord,
} from '../enrollments';
import { invalidPasscodeDelay, isPasscodeValid } from '../passcodes';
import { rewrittenMetadata } from '../records';
import { storeSelfNotification } from '../self-notification';
import type { Session } from '../session';

/**
 * The per-connection throttle (§1.7): at most `enrollRequestsPerWindow` requests in any sliding window of
 * `enrollRequestWindowMs`. The reference's AtThrottleLimitExceeded has no code of its own: AT0011, open.
 */
function admitRequest(session: Session, server: AtSignContext, now: number): void {
  const times = session.enrollRequestTimes;
  const { enrollRequestWindowMs, enrollRequestsPerWindow } = server.limits;
  while (times.length > 0 && now - times[0]! >= enrollRequestWindowMs) times.shift();
  if (times.length >= enrollRequestsPerWindow) {
    throw new AtError('AT0011', 'Enrollment requests have exceeded the limit within the specified time frame', {
      close: false,
    });
  }
  times.push(now);
}

/** Refuses a second live enrollment for the same app and device that is pending or approved. */
function requireNoTwin(params: EnrollParams, server: AtSignContext, now: number): void {
  for (const key of liveEnrollmentKeys(server.store, server.atSign, now)) {
    const twin = readEnrollmentKey(server.store, key, now);
    if (!twin || twin.value.appName !== params.appName || twin.value.deviceName !== params.deviceName) continue;
    if (twin.state !== 'pending' && twin.state !== 'approved') continue;
    const id = key.slice(0, key.indexOf('.'));
    throw enrollmentException(
      `Another enrollment with id ${id} exists with the app name: ${params.appName} and device name: ${params.deviceName} in ${twin.state} state`,
    );
  }
}

/**
 * The first enrollment, on a CRAM connection: approved with `__manage` and `*` added, its default keys
 * stored, its APKAM key made the legacy PKAM key too (so legacy PKAM keeps working), and this connection
 * now acting as that enrollment. No `__pkams` public-key record is written on this path.
 */
async function approveOnCram(id: string, record: EnrollmentRecord, params: EnrollParams, ctx: VerbContext) {
  const { server, session } = ctx;
  const { store, atSign } = server;
  const now = server.clock.now();
  record.namespaces = { ...record.namespaces, [manageNamespace]: 'rw', [allNamespaces]: 'rw' };
  record.approval = { state: 'approved' };
  session.enrollmentId = id;
  await saveDefaultKeys(store, atSign, id, params, now);
  const legacyKey = reservedKeys.legacyPkamPublicKey;
  const existing = store.keys.get(legacyKey)?.metadata;
  await store.keys.put(
    { key: legacyKey, value: record.apkamPublicKey, metadata: rewrittenMetadata(existing, atSign, now, existing?.ttl) },
    '+',
    { skipCommit: true },
  );
  await saveEnrollment(store, enrollmentKey(id, atSign), record, rewrittenMetadata(undefined, atSign, now, undefined));
}

/**
 * Any other request: pending for `enrollmentExpiryMs` (48 h), announced to the owner's `__manage` clients
 * with a self notification whose value carries what an approver needs (§7.2).
 */
async function leavePending(id: string, record: EnrollmentRecord, params: EnrollParams, server: AtSignContext) {
  const key = enrollmentKey(id, server.atSign);
  record.encryptedAPKAMSymmetricKey = params.encryptedAPKAMSymmetricKey ?? null;
  record.approval = { state: 'pending' };
  const news = JSON.stringify({
    // Both spellings, as the reference sends them while clients move to the second.
    encryptedApkamSymmetricKey: params.encryptedAPKAMSymmetricKey ?? null,
    encryptedAPKAMSymmetricKey: params.encryptedAPKAMSymmetricKey ?? null,
    appName: params.appName ?? null,
    deviceName: params.deviceName ?? null,
    namespace: params.namespaces ?? null,
  });
  await storeSelfNotification(server, key, news);
  const now = server.clock.now();
  await saveEnrollment(
    server.store,
    key,
    record,
    rewrittenMetadata(undefined, server.atSign, now, server.limits.enrollmentExpiryMs),
  );
}

/**
 * `enroll:request:{…}` with its parameters already validated. Checks, in the reference's order: the
 * throttle, the passcode (unauthenticated connections only; a wrong one is answered after the growing
 * delay), then that no twin enrollment is pending or approved.
 *
 * @example enroll:request:{"appName":"wavi","deviceName":"pixel","namespaces":{"wavi":"rw"},"otp":"X7K2QD","encryptedAPKAMSymmetricKey":"…","apkamPublicKey":"MIIB…"}  →  data:{"enrollmentId":"0f3c…","status":"pending"}
 */
export async function requestEnrollment(params: EnrollParams, ctx: VerbContext): Promise<Reply> {
  const { server, session } = ctx;
  const now = server.clock.now();
  admitRequest(session, server, now);
  const delay = invalidPasscodeDelay(server);
  if (!session.authenticated && !(await isPasscodeValid(server.store, server.atSign, params.otp, now))) {
    await server.clock.sleep(delay.next(now));
    throw enrollmentException('invalid otp. Cannot process enroll request');
  }
  requireNoTwin(params, server, now);
  delay.settle(now);

  const id = randomUUID();
  const record: EnrollmentRecord = {
    sessionId: session.id,
    appName: params.appName ?? '',
    deviceName: params.deviceName ?? '',
    namespaces: { ...params.namespaces },
    apkamPublicKey: params.apkamPublicKey ?? '',
    requestType: 'newEnrollment',
    approval: { state: 'pending' },
    encryptedAPKAMSymmetricKey: null,
    apkamKeysExpiryInMillis: params.apkamKeysExpiryInMillis ?? 0,
  };
  const cram = session.authType === 'cram';
  if (cram) await approveOnCram(id, record, params, ctx);
  else await leavePending(id, record, params, server);
  return dataReply(JSON.stringify({ enrollmentId: id, status: cram ? 'approved' : 'pending' }));
}
