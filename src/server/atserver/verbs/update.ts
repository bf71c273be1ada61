/**
 * Handlers for `update` (with `update:json:`) and `update:meta`: the owner writes a record or its metadata
 * (atprotocol.md §5.5, §5.6). Both answer the commit id, or -1 for keys that are not committed.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { checkKeyLength, keyType, normaliseStoredKey, type KeyType } from '$lib/at/key';
import { dataReply, type Reply } from '$lib/at/response';
import type { Update, UpdateJson, UpdateMeta } from '$lib/at/verbs/update';
import { authorize } from '../authorization';
import type { VerbContext } from '../context';
import { autoNotifyUpdate } from '../notifications/auto-notify';
import { mergeMetadata } from '../record-write';
import type { StoredRecord } from '../store/keystore';
import { keyOf, paramsFromCommand, paramsFromJson, type UpdateParams } from '../update-params';
import { checkWebPushUpdate } from '../webpush/atsign-push';

const updatableTypes = new Set<KeyType>(['selfKey', 'sharedKey', 'publicKey', 'reservedKey']);

/**
 * The steps `update` and `update:meta` share (the reference's `preProcessAndNotify`), in its order: the
 * owner check, APKAM authorization, the key type, the key length, then the metadata merged with the record
 * being replaced.
 */
function prepare(params: UpdateParams, ctx: VerbContext): { record: StoredRecord; existing?: Readonly<StoredRecord> } {
  const { server } = ctx;
  const { sharedBy } = params;
  if (sharedBy !== undefined && sharedBy !== server.atSign) {
    throw new AtError(
      'AT0016',
      `Invalid update command - sharedBy atsign ${fixAtSign(sharedBy)} should be same as current atsign ${server.atSign}`,
    );
  }
  const key = keyOf(params);
  authorize(ctx, key, 'rw', 'update');
  const type = keyType(key);
  if (!updatableTypes.has(type)) throw new AtError('AT0016', `You may not update keys of type KeyType.${type}`);
  checkKeyLength(key);
  const storedKey = normaliseStoredKey(key);
  const existing = server.store.keys.peek(storedKey);
  const metadata = mergeMetadata(existing?.metadata, params.metadata, server.atSign, server.clock.now());
  return { record: { key: storedKey, value: params.value, metadata }, existing };
}

/**
 * `update[<metadata>][:public|:@bob]:<key>@<atSign> <value>` and `update:json:{…}` store a record. An
 * `update` always replaces the whole record (`*` in the commit log) and increments its version.
 *
 * @throws AtError `AT0016` for another atSign's key, a key type that may not be written
 *   (`You may not update keys of type KeyType.invalidKey`) or a key longer than 248 characters;
 *   `AT0003` for a negative ttl/ttb or a ttr below -1; `AT0009` for an enrollment without `rw` on the namespace.
 *   Web push keys are checked by `checkWebPushUpdate` (`AT0003` for a refused subscription, `AT0009` for the
 *   VAPID key).
 * @example update:ttr:86400000:@bob:shared_key@alice <base64>  →  data:12
 * @example update:privatekey:at_pkam_publickey MIIBIjAN…  →  data:-1
 */
export async function update(command: Update | UpdateJson, ctx: VerbContext): Promise<Reply> {
  const params = command.verb === 'update:json' ? paramsFromJson(command.json) : paramsFromCommand(command);
  const { record } = prepare(params, ctx);
  checkWebPushUpdate(ctx.server, record.key, record.value);
  let commitId: number;
  try {
    commitId = await ctx.server.store.keys.put(record, '*');
  } catch (error) {
    // The reference logs a failed store write and answers data:null (§5.5 step 9).
    ctx.server.log.error('update failed', { key: record.key, error: String(error) });
    return dataReply(null);
  }
  ctx.server.changed('update', commitId);
  autoNotifyUpdate(ctx, params, record);
  return dataReply(String(commitId));
}

/**
 * `update:meta[:public|:@bob]:<key>@<atSign><metadata>` changes only the metadata (`#` in the commit log);
 * a record that does not exist is created without a value.
 *
 * @throws AtError as {@link update}.
 * @example update:meta:@bob:phone@alice:ttl:600000:isBinary:true  →  data:13
 */
export async function updateMeta(command: UpdateMeta, ctx: VerbContext): Promise<Reply> {
  const params = paramsFromCommand(command);
  const { record, existing } = prepare(params, ctx);
  checkWebPushUpdate(ctx.server, record.key, existing?.value ?? null);
  const commitId = await ctx.server.store.keys.put({ ...record, value: existing?.value ?? null }, '#');
  ctx.server.changed('update', commitId);
  autoNotifyUpdate(ctx, params, record);
  return dataReply(String(commitId));
}
