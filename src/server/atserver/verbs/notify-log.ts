/**
 * Handlers for the notification log verbs (atprotocol.md §5.19–§5.22): `notify:list`, `notify:status`,
 * `notify:fetch` and `notify:remove`.
 */
import { AtError } from '$lib/at/errors';
import { notificationJson } from '$lib/at/notification';
import { dataReply, type Reply } from '$lib/at/response';
import type { NotifyFetch, NotifyList, NotifyRemove, NotifyStatus } from '$lib/at/verbs/notify';
import { isAuthorized } from '../authorization';
import type { VerbContext } from '../context';
import { fetchJson, storedEvent } from '../notifications/views';
import { notificationLog, type StoredNotification } from '../store/notification-log';
import { lazyMatcher } from '../user-regex';
import { notificationsOf } from './notify';

/** `yyyy-MM-dd` as Dart's `DateTime.parse` reads it here: two-digit month and day, out-of-range values roll over. */
const listDate = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateParts(text: string): [number, number, number] {
  const match = listDate.exec(text);
  if (!match) throw new AtError('AT0022', 'Invalid date format');
  return [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
}

/**
 * The date range of `notify:list` as epoch ms: `fromDate` at local midnight, `toDate` at the reference's
 * `<toDate> 23:59:99Z` (which Dart rolls over to 00:00:39 UTC the next day), else now.
 *
 * @throws AtError `AT0022` `Invalid date format`, or `ToDate cannot be less than FromDate`.
 * @example listRange({ verb: 'notify:list', fromDate: '2024-10-01' }, now) // { from: <local midnight>, to: now }
 */
export function listRange(command: NotifyList, now: number): { from?: number; to: number } {
  const from = command.fromDate === undefined ? undefined : new Date(...dateParts(command.fromDate)).getTime();
  const to = command.toDate === undefined ? now : Date.UTC(...dateParts(command.toDate), 23, 59, 99);
  if (from !== undefined && to < from) throw new AtError('AT0022', 'ToDate cannot be less than FromDate');
  return { from, to };
}

/** Whether the connection's enrollment may read a notification's key; a key it cannot even split is not. */
function mayRead(ctx: VerbContext, record: StoredNotification, verbName: string): boolean {
  try {
    return isAuthorized(ctx, record.key, 'r', verbName);
  } catch {
    return false;
  }
}

/**
 * `notify:list[:<fromDate>[:<toDate>]][:<regex>]`: the owner's received notifications that have not expired,
 * oldest first, within the dates (when `fromDate` is given) and matching the regex on the key or the sender
 * without `@`. `data:null` when none match, and always on an unauthenticated connection.
 *
 * @throws AtError `AT0022` for a bad date; `AT0011` (closing) for a regex that does not compile; `AT0010` on a
 *   `pol` connection, where the reference's handler fails.
 * @example notify:list:phone  →  data:[{"id":"…","from":"@bob","to":"@alice","key":"@alice:phone@bob",…}]
 */
export function notifyList(command: NotifyList, ctx: VerbContext): Reply {
  const { server, session } = ctx;
  const now = server.clock.now();
  const range = listRange(command, now);
  if (!session.authenticated) {
    // The reference asks the peer's atServer with a method its outbound client does not have (§5.19).
    if (session.polAuthenticated) throw new AtError('AT0010', "NoSuchMethodError: method 'notifyList' not found");
    return dataReply(null);
  }
  const matches = command.regex === undefined ? undefined : lazyMatcher(command.regex);
  const listed = notificationLog(server.store)
    .received(now)
    .filter((record) => {
      if (!mayRead(ctx, record, 'notify:list')) return false;
      if (range.from !== undefined && (record.dateTime < range.from || record.dateTime > range.to)) return false;
      return !matches || matches(record.key) || matches(record.fromAtSign.replaceAll('@', ''));
    });
  if (listed.length === 0) return dataReply(null);
  return dataReply(JSON.stringify(listed.map((record) => notificationJson(storedEvent(record)))));
}

/** The reference's refusal of a notification whose key the enrollment may not read (`fetch`/`remove`). */
function refuse(ctx: VerbContext, action: 'fetch' | 'remove', key: string): AtError {
  return new AtError(
    'AT0009',
    `Connection with enrollment ID ${ctx.session.enrollmentId} is not authorized to ${action} notify key: ${key}`,
  );
}

/**
 * `notify:status:<id>`: `queued`, `delivered`, `errored`, or `expired` once its time has passed; `data:null`
 * for an unknown id. Like the reference, it needs no authentication.
 *
 * @throws AtError `AT0009` for an enrollment that may not read the notification's key.
 * @example notify:status:3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60  →  data:delivered
 */
export function notifyStatus(command: NotifyStatus, ctx: VerbContext): Reply {
  const record = notificationLog(ctx.server.store).get(command.notificationId);
  if (!record) return dataReply(null);
  if (!isAuthorized(ctx, record.key, 'r', 'notify:status')) throw refuse(ctx, 'fetch', record.key);
  const expired = record.expiresAt !== undefined && record.expiresAt < ctx.server.clock.now();
  return dataReply(expired ? 'expired' : record.status);
}

/**
 * `notify:fetch:<id>`: the whole notification, every value as a string (§5.21); an unknown id answers
 * `{"id":"<id>","notificationStatus":"NotificationStatus.expired"}`.
 *
 * @throws AtError `AT0009` for an enrollment that may not read the notification's key.
 * @example notify:fetch:3c0f…  →  data:{"id":"3c0f…","fromAtSign":"@alice",…,"ttl":"86400000"}
 */
export function notifyFetch(command: NotifyFetch, ctx: VerbContext): Reply {
  const id = command.notificationId;
  const record = notificationLog(ctx.server.store).get(id);
  if (!record) return dataReply(JSON.stringify({ id, notificationStatus: 'NotificationStatus.expired' }));
  if (!isAuthorized(ctx, record.key, 'r', 'notify:fetch')) throw refuse(ctx, 'fetch', record.key);
  return dataReply(fetchJson(record));
}

/**
 * `notify:remove:<id>` deletes a notification from the log (and the delivery queue); always `success`.
 *
 * @throws AtError `AT0009` for an enrollment that may not write the notification's key.
 * @example notify:remove:3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60  →  data:success
 */
export async function notifyRemove(command: NotifyRemove, ctx: VerbContext): Promise<Reply> {
  const id = command.notificationId;
  const record = notificationLog(ctx.server.store).get(id);
  if (record && !isAuthorized(ctx, record.key, 'rw', 'notify:remove')) throw refuse(ctx, 'remove', record.key);
  await notificationsOf(ctx.server).remove(id);
  return dataReply('success');
}
