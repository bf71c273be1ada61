/**
 * Handler for `notify` (atprotocol.md §5.18): on an owner connection it sends a notification (queued for the
 * recipient's atServer, or straight to this atSign's monitors when it is for this atSign); on a connection a
 * peer atServer authenticated with `pol` it receives one (§6.5) and keeps the `cached:` copy it describes.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import type { Metadata } from '$lib/at/metadata';
import { dataReply, type Reply } from '$lib/at/response';
import type { Notify } from '$lib/at/verbs/notify';
import { authorize } from '../authorization';
import { putCached, putCachedMeta, removeCached } from '../cache';
import type { AtSignContext, VerbContext } from '../context';
import { commandDraft, notificationKey, notificationRecord, notifyMetadata } from '../notifications/build';
import type { Notifications } from '../notifications/service';
import { maxNotificationIdLength } from '../store/notification-log';

/** The reference's longest key, `cached:` included (§4.1). */
const maxCachedKeyLength = 255;

/**
 * The atServer's notifications; every real server has them.
 *
 * @throws AtError `AT0011` in a context built without them (unit tests).
 */
export function notificationsOf(server: AtSignContext): Notifications {
  if (!server.notifications) throw new AtError('AT0011', 'notifications are not available');
  return server.notifications;
}

/**
 * The sender's side: the owner notifies another atSign (or itself) and gets the notification id back.
 * Checks in the reference's order: the recipient and sender atSigns, that the sender is this atSign, the
 * enrollment's `rw` on the key, the recipient (a `public:` notification has none: AT0011, closing), then the
 * metadata.
 */
async function send(command: Notify, ctx: VerbContext, recipient: string | undefined, sender: string) {
  const { server } = ctx;
  const draft = commandDraft(command, server.limits);
  const key = notificationKey(draft.messageType ?? 'key', recipient, command.atKey, sender);
  if (sender !== server.atSign) {
    throw new AtError('AT0009', `${sender} is not authorized to send notification as ${server.atSign}`);
  }
  authorize(ctx, key, 'rw', 'notify');
  const toAtSign = fixAtSign(recipient ?? '');
  const { opType = 'update', messageType = 'key' } = draft;
  const metadata = notifyMetadata(command.metadata, opType, messageType, command.atKey, command.value, server.atSign);
  const now = server.clock.now();
  const record = notificationRecord(
    { ...draft, type: 'sent', status: 'queued', fromAtSign: server.atSign, toAtSign, key, metadata },
    now,
    now,
  );
  if (record.id.length > maxNotificationIdLength) {
    // The reference's keystore refuses the id: a notification to itself answers null, any other fails.
    if (toAtSign === server.atSign) return dataReply(null);
    throw new AtError('AT0002', `key length ${record.id.length} is greater than ${maxNotificationIdLength} chars`);
  }
  await notificationsOf(server).send(record);
  return dataReply(record.id);
}

/**
 * The receiver's side (§6.5): stores the notification as received (its monitors see it), then keeps the
 * `cached:` copy: an update with a ttr writes it (value and metadata, or the metadata alone), a delete
 * removes it when the copy has `ccd:true`. Each change of a copy sends monitors a stats notification.
 */
async function receive(command: Notify, ctx: VerbContext, recipient: string | undefined, sender?: string) {
  const { server, session } = ctx;
  const from = session.fromAtSign;
  if (from === undefined) throw new AtError('AT0011', 'fromAtSign cannot be null or empty');
  const toAtSign = fixAtSign(recipient ?? '');
  const draft = commandDraft(command, server.limits);
  const { opType = 'update', messageType = 'key' } = draft;
  const key = notificationKey(messageType, toAtSign, command.atKey, sender);
  // Only notifications for this atSign are kept: this atServer relays nothing (the reference would store
  // another recipient's as `sent`, to be delivered after its next restart).
  if (toAtSign !== server.atSign) return dataReply('success');
  let metadata = notifyMetadata(command.metadata, opType, messageType, command.atKey, command.value, server.atSign);
  // A text message's metadata only says whether the text is encrypted.
  if (messageType === 'text')
    metadata = { createdBy: server.atSign, isEncrypted: command.metadata.isEncrypted ?? false };
  const now = server.clock.now();
  const record = notificationRecord(
    { ...draft, type: 'received', status: 'queued', fromAtSign: from, toAtSign, key, metadata },
    now,
    now,
  );
  // The reference logs a notification its keystore refuses and goes on.
  if (record.id.length <= maxNotificationIdLength) await notificationsOf(server).store(record);
  if (opType === 'update' && (command.metadata.ttr === undefined || command.metadata.ttr === 0)) {
    return dataReply('success');
  }
  await keepCachedCopy(ctx, `cached:${key}`, opType, command.value, metadata);
  return dataReply('success');
}

async function keepCachedCopy(
  ctx: VerbContext,
  cachedKey: string,
  operation: 'update' | 'delete',
  value: string | undefined,
  metadata: Metadata,
): Promise<void> {
  const { server } = ctx;
  if (cachedKey.length > maxCachedKeyLength) {
    throw new AtError(
      'AT0016',
      `notification key length ${cachedKey.length} is greater than ${maxCachedKeyLength} chars`,
    );
  }
  if (operation === 'delete') {
    const commitId = await removeCached(server, cachedKey, { onlyIfCascading: true });
    if (commitId !== undefined) server.changed('delete', commitId);
    return;
  }
  const written =
    value === undefined
      ? await putCachedMeta(server, cachedKey, metadata)
      : await putCached(server, cachedKey, value, metadata);
  if (written) server.changed('update', written.commitId);
}

/**
 * `notify[:id:…][:update|:delete][:messageType:…][:priority:…][:strategy:…][:latestN:…][:notifier:…][:ttln:…]
 * <metadata>:@bob:<key>[@alice][:<value>]`: answers the notification id to the owner, `success` to a peer.
 *
 * @throws AtError `AT0401` `Notify command cannot be executed without authentication`; `AT0009` when the
 *   sender is another atSign or the enrollment may not write the key; `AT0011` (closing) for a bad atSign or a
 *   `public:` notification; `AT0003` for a negative ttl/ttb or a ttr below -1.
 * @example notify:update:messageType:key:@bob:phone.wavi@alice:+1-555  →  data:3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60
 * @example notify:id:3c0f…:update:messageType:key:notifier:SYSTEM:ttln:86400000:@bob:phone@alice:x  →  data:success (peer)
 */
export async function notify(command: Notify, ctx: VerbContext): Promise<Reply> {
  // The reference normalises both atSigns before it looks at who is asking.
  const recipient = command.forAtSign === undefined ? undefined : fixAtSign(command.forAtSign);
  const sender = command.atSign === undefined ? undefined : fixAtSign(command.atSign);
  if (ctx.session.authenticated) return send(command, ctx, recipient, sender ?? ctx.server.atSign);
  if (ctx.session.polAuthenticated) return receive(command, ctx, recipient, sender);
  throw new AtError('AT0401', 'Notify command cannot be executed without authentication');
}
