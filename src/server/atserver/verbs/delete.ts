/**
 * Handler for `delete` (atprotocol.md §5.11): the owner removes one of its records or a cached copy.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { normaliseStoredKey } from '$lib/at/key';
import { dataReply, type Reply } from '$lib/at/response';
import type { Delete } from '$lib/at/verbs/delete';
import { authorize } from '../authorization';
import { reservedKeys } from '../bootstrap';
import type { VerbContext } from '../context';
import { autoNotifyDelete } from '../notifications/auto-notify';
import { freshMetadata } from '../records';
import { vapidPublicKeyKey } from '$lib/at/web-push';

/**
 * Keys `delete` refuses (the reference's `hive.protectedKeys`, §4.3): they are compared with the key before
 * its `public:`/`@bob:` prefix, so `delete:public:publickey@alice` and `delete:@bob:publickey@alice` are both
 * refused. The reference builds this set with the atSign of the first delete it happens to process; here it
 * is always the atServer's own atSign, and the comparison ignores case, so no spelling gets around it.
 *
 * @example protectedKeys('@alice').has('publickey@alice') // true
 */
export function protectedKeys(atSign: string): ReadonlySet<string> {
  return new Set([
    `signing_publickey${atSign}`,
    `signing_privatekey${atSign}`,
    `publickey${atSign}`,
    'at_pkam_publickey',
    // Ours, not the reference's: the web push VAPID key the atServer publishes (`$lib/at/web-push`).
    vapidPublicKeyKey(atSign).slice('public:'.length),
  ]);
}

/**
 * `delete[:priority:…][:cached][:public|:@bob]:<key>@<atSign>` removes a record and answers the commit id of
 * the delete, which is written even when the record did not exist (`data:-1` for uncommitted kinds such as
 * `privatekey:`). Deleting `privatekey:at_secret` also stores `privatekey:at_secret_deleted`: CRAM is then
 * disabled for good.
 *
 * @throws AtError `AT0009` `Cannot delete protected key: '<key>'`, or for an enrollment without `rw` on the
 *   namespace.
 * @example delete:@bob:interop_shared_d3eb96b2@alice  →  data:17
 */
export async function del(command: Delete, ctx: VerbContext): Promise<Reply> {
  const { server } = ctx;
  const atSign = command.atSign === undefined ? '' : fixAtSign(command.atSign);
  let key = command.atKey === reservedKeys.cramSecret ? command.atKey : `${command.atKey}${atSign}`;
  if (!command.cached && protectedKeys(server.atSign).has(key.toLowerCase())) {
    throw new AtError('AT0009', `Cannot delete protected key: '${key}'`);
  }
  if (command.forAtSign !== undefined) key = `${fixAtSign(command.forAtSign)}:${key}`;
  if (command.publicScope) key = `public:${key}`;
  if (command.cached) key = `cached:${key}`;
  key = normaliseStoredKey(key);
  if (key === reservedKeys.cramSecret) {
    const metadata = freshMetadata(server.atSign, server.clock.now());
    await server.store.keys.put({ key: reservedKeys.cramSecretDeleted, value: 'true', metadata }, '+');
  }
  authorize(ctx, key, 'rw', 'delete');
  const commitId = await server.store.keys.remove(key);
  server.changed('delete', commitId);
  // Only a key shared with another atSign tells it (§5.11): not public, cached or self keys.
  if (key.startsWith('@')) autoNotifyDelete(ctx, command);
  return dataReply(String(commitId));
}
