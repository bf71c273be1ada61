/**
 * Handler for `enroll` (atprotocol.md §7.1–§7.3): APKAM enrollment requests and their review. The
 * operations live beside this file: `enroll-request.ts` (request), `enroll-review.ts` (approve, deny,
 * revoke, unrevoke, delete) and `enroll-list.ts` (fetch, list).
 */
import { AtError } from '$lib/at/errors';
import type { Reply } from '$lib/at/response';
import type { Enroll, EnrollWithParams } from '$lib/at/verbs/enroll';
import type { VerbContext } from '../context';
import { enrollmentException } from '../enrollments';
import { fetchEnrollment, listEnrollments } from './enroll-list';
import { requestEnrollment } from './enroll-request';
import { deleteEnrollment, reviewEnrollment, revokeEnrollment } from './enroll-review';

const operationPattern = /^enroll:(request|approve|deny|revoke|list|fetch|unrevoke|delete)/i;

/**
 * The verb table's guard for `enroll` (runs before the JSON body is read): every operation but `request`
 * needs an authenticated connection. The reference compares the operation case-sensitively, so
 * `enroll:REQUEST` is refused too. An unknown operation is left to the grammar (AT0003), whose regex the
 * reference applies first.
 *
 * @throws AtError AT0401 `Cannot <op> enrollment without authentication`.
 * @example enroll:approve:{…} on an unauthenticated connection  →  error:AT0401-Exception: Cannot approve enrollment without authentication
 */
export function requireAuthUnlessRequest(line: string, ctx: VerbContext): void {
  const operation = operationPattern.exec(line)?.[1];
  if (operation === undefined || operation === 'request' || ctx.session.authenticated) return;
  throw new AtError('AT0401', `Cannot ${operation} enrollment without authentication`);
}

const isMissing = (text: string | undefined) => text === undefined || text === '';

/** The reference's `_validateParams`: the fields each operation needs, checked before anything else. */
function validateParams(command: EnrollWithParams): void {
  const { params, operation } = command;
  const require = (present: boolean, message: string) => {
    if (!present) throw enrollmentException(message);
  };
  switch (operation) {
    case 'request':
      require(!isMissing(params.appName), 'appName is mandatory for enroll:request');
      require(!isMissing(params.deviceName), 'deviceName is mandatory for enroll:request');
      require(!isMissing(params.apkamPublicKey), 'apkam public key is mandatory for enroll:request');
      if (params.otp !== undefined) {
        require(!isMissing(
          params.encryptedAPKAMSymmetricKey,
        ), 'encrypted apkam symmetric key is mandatory for new client enroll:request');
        require(Object.keys(params.namespaces ?? {}).length >
          0, 'At least one namespace must be specified for new client enroll:request');
      }
      return;
    case 'approve':
      require(!isMissing(params.enrollmentId), 'enrollmentId is mandatory for enroll:approve');
      require(!isMissing(
        params.encryptedDefaultEncryptionPrivateKey,
      ), 'encryptedDefaultEncryptionPrivateKey is mandatory for enroll:approve');
      require(!isMissing(
        params.encryptedDefaultSelfEncryptionKey,
      ), 'encryptedDefaultSelfEncryptionKey is mandatory for enroll:approve');
      return;
    default:
      require(!isMissing(params.enrollmentId), `enrollmentId is mandatory for enroll:${operation}`);
  }
}

/**
 * `enroll:<op>[:force]:<json>` and `enroll:list[:<json>]`. Validation failures and refused operations are
 * the reference's AtEnrollmentException: AT0011, connection open, `Internal server exception : <msg>` on
 * an authenticated connection; an expired or unknown enrollment is `error:AT0028:…` (status form).
 *
 * @example enroll:approve:{"enrollmentId":"0f3c…","encryptedDefaultEncryptionPrivateKey":"…","encryptedDefaultSelfEncryptionKey":"…"}  →  data:{"status":"approved","enrollmentId":"0f3c…"}
 */
export async function enroll(command: Enroll, ctx: VerbContext): Promise<Reply> {
  if (command.operation === 'list') return listEnrollments(command.params, ctx);
  validateParams(command);
  const { params } = command;
  // Validated above for every operation but request.
  const id = params.enrollmentId ?? '';
  switch (command.operation) {
    case 'request':
      return requestEnrollment(params, ctx);
    case 'approve':
    case 'deny':
    case 'unrevoke':
      return reviewEnrollment(command.operation, id, params, ctx);
    case 'revoke':
      return revokeEnrollment(id, command.force, ctx);
    case 'fetch':
      return fetchEnrollment(id, ctx);
    case 'delete':
      return deleteEnrollment(id, ctx);
  }
}
