/**
 * Handler for `keys` (atprotocol.md §7.6): the encryption keys an APKAM client keeps on its atServer —
 * public, private and self keys per namespace (and app and device), plus the encrypted default keys its
 * enrollment brought.
 */
import { AtError } from '$lib/at/errors';
import { normaliseStoredKey } from '$lib/at/key';
import { dataReply, type Reply } from '$lib/at/response';
import type { Keys } from '$lib/at/verbs/keys';
import type { VerbContext } from '../context';
import { defaultKeyNames, enrollmentException, findEnrollment, manageNamespace } from '../enrollments';
import { rewrittenMetadata } from '../records';

/** The stored name `keys:put` gives a key (the reference writes a missing part as `null`). */
function storedName(command: Keys, atSign: string): string | undefined {
  const { visibility, namespace, appName, deviceName, keyName } = command;
  const text = (part: string | undefined) => part ?? 'null';
  switch (visibility) {
    case 'public':
      return `public:${text(keyName)}.__public_keys.${text(namespace)}${atSign}`;
    case 'private':
      return `private:${text(appName)}.${text(deviceName)}.${text(keyName)}.__private_keys.${text(namespace)}${atSign}`;
    case 'self':
      return `${text(appName)}.${text(deviceName)}.${text(keyName)}.__self_keys.${text(namespace)}${atSign}`;
    case undefined:
      return undefined;
  }
}

/**
 * Whether a stored key is APKAM key material that `keys:get|delete:keyName:` may reach: what `keys:put`
 * writes, the `__pkams` public keys and the encrypted default keys. The reference reaches any key this
 * way (§7.6 quirk), which would let a read-only enrollment read `privatekey:at_secret` or the signing
 * private key; this server answers as if other keys did not exist.
 */
function isKeyMaterial(key: string): boolean {
  return (
    /\.__(public|private|self)_keys[.@]/.test(key) || /\.default_(enc_private_key|self_enc_key)\.__manage@/.test(key)
  );
}

/** The JSON `enrollmentId` of a stored value, if it is JSON with one. */
function ownerEnrollment(value: string | null): unknown {
  if (value === null) return undefined;
  try {
    return (JSON.parse(value) as { enrollmentId?: unknown }).enrollmentId;
  } catch {
    return undefined;
  }
}

/**
 * The keys `keys:get:<visibility>` lists: those of this enrollment in `__global` (and, with `__manage` rw,
 * in `__manage`), then its encrypted default key of that visibility (private: the encryption private key,
 * self: the self-encryption key).
 */
function listKeys(command: Keys, id: string, manage: boolean, ctx: VerbContext): string[] {
  const { store, atSign, clock } = ctx.server;
  const visibility = command.visibility;
  if (visibility === undefined) return [];
  const owner = atSign.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = manage
    ? new RegExp(`.*${visibility}.*__global${owner}$|.*${visibility}.*__manage${owner}$`)
    : new RegExp(`.*__${visibility}_keys.__global${owner}$`);
  const listed = store.keys
    .activeKeys(clock.now())
    .filter((key) => pattern.test(key) && ownerEnrollment(store.keys.get(key)?.value ?? null) === id);
  const names = defaultKeyNames(id, atSign);
  const defaultKey = { private: names.encryptionPrivateKey, self: names.selfEncryptionKey, public: undefined }[
    visibility
  ];
  if (defaultKey !== undefined && store.keys.get(defaultKey)?.value != null) listed.push(defaultKey);
  return listed;
}

/**
 * `keys:put|get|delete…` on a connection authenticated with an approved enrollment.
 * - `keys:put:<visibility>:namespace:<ns>[:appName:<a>:deviceName:<d>]:keyType:<t>[:encryptionKeyName:<e>]:keyName:<n> <value>`
 *   stores `{"value","keyType","enrollmentId","encryptionKeyName"}` uncommitted and answers `data:-1`
 *   (`data:null` without a visibility);
 * - `keys:get:keyName:<stored key>` answers the stored JSON; `keys:get:<visibility>` the list of keys;
 * - `keys:delete:keyName:<stored key>` removes it uncommitted and answers `data:-1`.
 *
 * @throws AtError AT0011 (open) without an enrollment or with one not approved; AT0015 `key <name> not found
 *   in keystore`.
 * @example keys:get:keyName:0f3c….default_enc_private_key.__manage@alice  →  data:{"value":"…"}
 */
export async function keys(command: Keys, ctx: VerbContext): Promise<Reply> {
  const { store, atSign, clock } = ctx.server;
  const id = ctx.session.enrollmentId;
  if (id === undefined) throw enrollmentException('Keys verb cannot be accessed without an enrollmentId');
  const enrollment = findEnrollment(store, atSign, id, clock.now());
  if (enrollment && enrollment.state !== 'approved') {
    throw enrollmentException(`Enrollment Id ${id} is not approved. current state: ${enrollment.state}`);
  }
  const manage = enrollment?.value.namespaces[manageNamespace] === 'rw';

  switch (command.operation) {
    case 'put': {
      const name = storedName(command, atSign);
      if (name === undefined) return dataReply(null);
      const key = normaliseStoredKey(name);
      const value = JSON.stringify({
        value: command.keyValue ?? null,
        keyType: command.keyType ?? null,
        enrollmentId: id,
        encryptionKeyName: command.encryptionKeyName ?? null,
      });
      const existing = store.keys.get(key)?.metadata;
      const metadata = rewrittenMetadata(existing, atSign, clock.now(), existing?.ttl);
      return dataReply(String(await store.keys.put({ key, value, metadata }, '+', { skipCommit: true })));
    }
    case 'get': {
      const name = command.keyName;
      if (name === undefined || name === '') return dataReply(JSON.stringify(listKeys(command, id, manage, ctx)));
      const key = normaliseStoredKey(name);
      const record = isKeyMaterial(key) ? store.keys.get(key) : undefined;
      if (!record) throw new AtError('AT0015', `key ${name} not found in keystore`);
      return dataReply(record.value);
    }
    case 'delete': {
      // The reference calls toLowerCase on the missing name: a Dart Error, so AT0010 (open).
      if (command.keyName === undefined) throw new AtError('AT0010', 'keys:delete needs keyName:<stored key>');
      const key = normaliseStoredKey(command.keyName);
      if (!isKeyMaterial(key)) return dataReply('-1');
      return dataReply(String(await store.keys.remove(key, { skipCommit: true })));
    }
  }
}
