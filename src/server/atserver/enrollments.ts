/**
 * APKAM enrollment records (atprotocol.md §7.2): where they live, how they read, and the checks the
 * authentication path makes on them. The `enroll` verb's operations build on these.
 */
import { AtError } from '$lib/at/errors';
import { isActive } from '$lib/at/metadata';
import type { VerbContext } from './context';
import type { AtSignStore } from './store/atsign-store';

/** `pending|approved|denied|revoked|expired`; `expired` is never stored, it is what an inactive record reads as. */
export type EnrollmentState = 'pending' | 'approved' | 'denied' | 'revoked' | 'expired';

/** The stored enrollment (the reference's EnrollDataStoreValue JSON). */
export interface EnrollmentRecord {
  sessionId?: string;
  appName: string;
  deviceName: string;
  namespaces: Record<string, 'r' | 'rw'>;
  apkamPublicKey: string;
  requestType?: string;
  approval: { state: EnrollmentState };
  encryptedAPKAMSymmetricKey?: string;
  apkamKeysExpiryInMillis?: number;
}

/** `<id>.new.enrollments.__manage@alice`. */
export const enrollmentKey = (id: string, atSign: string) => `${id}.new.enrollments.__manage${atSign}`;

/** Reads an enrollment; an inactive (expired) record reads as state `expired`; a missing one as undefined. */
export function readEnrollment(store: AtSignStore, atSign: string, id: string, now: number) {
  const record = store.keys.get(enrollmentKey(id, atSign.toLowerCase()));
  if (!record?.value) return undefined;
  let value: EnrollmentRecord;
  try {
    value = JSON.parse(record.value) as EnrollmentRecord;
  } catch {
    return undefined;
  }
  const state: EnrollmentState = isActive(record.metadata, now) ? value.approval.state : 'expired';
  return { ...value, approval: { state } };
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
 * The APKAM public key `pkam:…:enrollmentId:<id>:…` is checked against. Anything but an approved, live
 * enrollment is refused first, in the status error form (`error:AT0026:enrollment_id: <id> is pending`).
 */
export function enrollmentForPkam(ctx: VerbContext, id: string): { publicKey: string; record: EnrollmentRecord } {
  const record = readEnrollment(ctx.server.store, ctx.server.atSign, id, ctx.server.clock.now());
  const state = record?.approval.state ?? 'expired';
  if (!record || state !== 'approved') {
    const [code, text] = statusErrors[state === 'approved' ? 'expired' : state];
    throw new AtError(code, `enrollment_id: ${id} is ${text}`, { form: 'status', close: false });
  }
  return { publicKey: record.apkamPublicKey, record };
}
