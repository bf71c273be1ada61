/**
 * autoNotify (atprotocol.md §5.5 step 8, §5.11, §6.6): an `update`, `update:meta` or `delete` of a key shared
 * with another atSign (`@bob:phone@alice`) tells that atSign, with the new value and metadata (so its
 * atServer can keep its `cached:` copy) or the deletion. Fire-and-forget: the owner's command never waits for
 * the other atServer.
 */
import { fixAtSign } from '$lib/at/atsign';
import type { AtServerLimits } from '../../config';
import type { VerbContext } from '../context';
import type { StoredRecord } from '../store/keystore';
import { testingSettingsOf } from '../testing-settings';
import { notificationRecord, shortNotificationTtlMs, type NotificationDraft } from './build';

/**
 * Whether autoNotify is on: the `autoNotify` option, unless a testing-mode `config:set:autoNotify=…` changed it.
 *
 * @example autoNotifyOn(limits) // true by default
 */
export function autoNotifyOn(limits: AtServerLimits): boolean {
  if (limits.testingMode) {
    const setting = testingSettingsOf(limits).print('autoNotify');
    if (setting !== true) return String(setting).toLowerCase() === 'true';
  }
  return limits.autoNotify;
}

function queue(ctx: VerbContext, draft: Omit<NotificationDraft, 'type' | 'status' | 'fromAtSign'>): void {
  const { server } = ctx;
  const notifications = server.notifications;
  if (!notifications || !autoNotifyOn(server.limits)) return;
  const now = server.clock.now();
  const record = notificationRecord(
    { ...draft, type: 'sent', status: 'queued', fromAtSign: server.atSign, notifier: 'system' },
    now,
    now,
  );
  notifications.send(record).catch((error: unknown) => {
    server.log.error('autoNotify failed', { key: record.key, error: String(error) });
  });
}

/**
 * After an update of `@bob:<atKey>@alice`: an update notification to `@bob` with the value (null for
 * `update:meta`) and the stored metadata, living `notificationExpiryMs`. Keys not shared with another atSign
 * notify nobody.
 *
 * @example autoNotifyUpdate(ctx, { atKey: 'phone.wavi', sharedWith: '@bob' }, record)
 */
export function autoNotifyUpdate(
  ctx: VerbContext,
  params: { readonly atKey: string; readonly sharedWith?: string },
  record: StoredRecord,
): void {
  const recipient = params.sharedWith;
  if (recipient === undefined || recipient === '' || recipient === ctx.server.atSign) return;
  queue(ctx, {
    toAtSign: recipient,
    key: `${recipient}:${params.atKey}${ctx.server.atSign}`,
    value: record.value,
    opType: 'update',
    ttl: ctx.server.limits.notificationExpiryMs,
    metadata: record.metadata,
  });
}

/**
 * After a delete of `@bob:<atKey>@alice`: a delete notification to `@bob`, without metadata, living 15
 * minutes, with the delete's priority.
 *
 * @example autoNotifyDelete(ctx, del.parse('delete:@bob:phone.wavi@alice'))
 */
export function autoNotifyDelete(
  ctx: VerbContext,
  command: { readonly forAtSign?: string; readonly atKey: string; readonly priority?: 'low' | 'medium' | 'high' },
): void {
  if (command.forAtSign === undefined) return;
  const recipient = fixAtSign(command.forAtSign);
  if (recipient === ctx.server.atSign) return;
  queue(ctx, {
    toAtSign: recipient,
    key: `${recipient}:${command.atKey}${ctx.server.atSign}`,
    opType: 'delete',
    priority: command.priority ?? 'low',
    ttl: shortNotificationTtlMs,
  });
}
