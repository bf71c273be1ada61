/** Handler for `notify:all` (atprotocol.md §5.23): one notification per distinct recipient. */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { timeFieldMessages, type Metadata } from '$lib/at/metadata';
import { dataReply, type Reply } from '$lib/at/response';
import type { NotifyAll } from '$lib/at/verbs/notify';
import { signRsa } from '$lib/crypto/rsa-signature';
import { isAuthorized } from '../authorization';
import { reservedKeys } from '../bootstrap';
import type { VerbContext } from '../context';
import { notificationRecord, shortNotificationTtlMs } from '../notifications/build';
import { notificationsOf } from './notify';

/** The metadata every `notify:all` notification carries: times, and the key signed with the signing key. */
async function allMetadata(command: NotifyAll, key: string, ctx: VerbContext): Promise<Metadata> {
  const { ttl = 0, ttb = 0, ttr: givenTtr, ccd } = command.metadata;
  if (givenTtr !== undefined && givenTtr <= -2) throw new AtError('AT0003', timeFieldMessages.ttr);
  const ttr = givenTtr === 0 ? undefined : givenTtr;
  const metadata: Metadata = { ttl, ttb, ...(ttr === undefined ? {} : { ttr, ccd: ccd ?? false }) };
  const { store, atSign } = ctx.server;
  const signingKey = store.keys.get(reservedKeys.signingPrivateKey(atSign))?.value;
  if (signingKey) metadata.dataSignature = await signRsa(key, signingKey);
  return metadata;
}

/**
 * `notify:all:[<op>:][messageType:<t>:][ttl:…:][ttb:…:][ttr:…:][ccd:…:]@bob,@carol:<key>[@alice][:<value>]`
 * queues one notification per distinct recipient (each key `<@recipient>:<key>@alice`, 15 minutes to live,
 * signed) and answers `data: {"@bob":"<id>",…}` (with the space). The reference runs it for anyone, sending
 * as whichever atSign the line names; here only the owner may, as itself.
 *
 * @throws AtError `AT0009` for another sender atSign or an enrollment that may not write the key.
 * @example notify:all:@bob,@carol:phone@alice:+1-555  →  data: {"@bob":"6f1e…","@carol":"0a9b…"}
 */
export async function notifyAll(command: NotifyAll, ctx: VerbContext): Promise<Reply> {
  const { server } = ctx;
  const own = server.atSign;
  const sender = command.atSign === undefined ? own : fixAtSign(command.atSign);
  if (sender !== own) throw new AtError('AT0009', `${sender} is not authorized to send notification as ${own}`);
  const signedKey = `${command.atKey}${sender}`;
  if (!isAuthorized(ctx, signedKey, 'rw', 'notify:all')) {
    throw new AtError(
      'AT0009',
      `Connection with enrollment ID ${ctx.session.enrollmentId} is not authorized to notify key: ${signedKey}`,
    );
  }
  const messageType = command.messageType ?? 'key';
  const key = messageType === 'key' ? signedKey : command.atKey;
  const metadata = await allMetadata(command, key, ctx);
  const ids: Record<string, string> = {};
  for (const recipient of new Set(command.recipients)) {
    const toAtSign = fixAtSign(recipient);
    const now = server.clock.now();
    const record = notificationRecord(
      {
        type: 'sent',
        status: 'queued',
        fromAtSign: own,
        toAtSign,
        key: `${toAtSign}:${key}`,
        value: command.value ?? null,
        opType: command.operation ?? 'update',
        messageType,
        ttl: shortNotificationTtlMs,
        metadata,
      },
      now,
      now,
    );
    await notificationsOf(server).send(record);
    ids[recipient] = record.id;
  }
  return dataReply(JSON.stringify(ids), true);
}
