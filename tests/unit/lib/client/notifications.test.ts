import { beforeAll, describe, expect, it } from 'vitest';
import { parseNotificationLine } from '$lib/at/notification';
import { encryptAes } from '$lib/crypto/aes-ctr';
import { Keyring } from '$lib/client/keyring';
import { NotificationDecoder, sendNotification } from '$lib/client/notifications';
import { RecordCodec } from '$lib/client/record-codec';
import { SharedKeys } from '$lib/client/shared-keys';
import { aliceKeys, bobKeys, ScriptedRequester, vectors } from './vector-keys';

const { notification, sharing } = vectors;
const alice = aliceKeys.atSign!;
const liveJson = notification.monitorJsonAsReceivedByBob;
const live = parseNotificationLine(`notification: ${JSON.stringify(liveJson)}`);

let aliceRing: Keyring;
let bobRing: Keyring;
beforeAll(async () => {
  [aliceRing, bobRing] = await Promise.all([Keyring.fromAtKeys(aliceKeys), Keyring.fromAtKeys(bobKeys)]);
});

const codecOf = (keyring: Keyring, requester: ScriptedRequester) =>
  new RecordCodec(keyring, new SharedKeys(requester, keyring));

describe('sendNotification', () => {
  it('sends the line Dart sends, with the value encrypted under the shared key', async () => {
    const requester = new ScriptedRequester([
      [`llookup:shared_key.bob${alice}`, `data:${sharing.myCopy.ciphertextBase64}`],
      [`llookup:@bob:shared_key${alice}`, `data:${sharing.theirCopy.ciphertextBase64}`],
      ['plookup:publickey@bob', `data:${bobKeys.encryptionPublicKey}`],
      [/^notify:/, `data:${live.id}`],
    ]);
    const id = await sendNotification(requester, codecOf(aliceRing, requester), {
      to: '@bob',
      key: 'ping.wavi',
      value: notification.recipientDecryptsTo,
      id: live.id,
    });
    expect(id).toBe(live.id);
    const sent = requester.lines.at(-1)!;
    const ivNonce = /:ivNonce:([^:]+):/.exec(sent)![1]!;
    const ciphertext = await encryptAes(notification.recipientDecryptsTo, sharing.sharedSymmetricKeyBase64, ivNonce);
    expect(sent).toBe(
      notification.notifyCommand
        .trimEnd()
        .replace(liveJson.metadata.ivNonce, ivNonce)
        .replace(`:${liveJson.value}`, `:${ciphertext}`),
    );
  });

  it('sends a delete without a value and without encryption metadata', async () => {
    const requester = new ScriptedRequester([[/^notify:/, 'data:n-1']]);
    await sendNotification(requester, codecOf(aliceRing, requester), {
      to: 'bob',
      key: 'ping.wavi',
      operation: 'delete',
      id: 'n-1',
    });
    expect(requester.lines).toEqual([
      `notify:id:n-1:delete:messageType:key:priority:low:strategy:all:latestN:1:notifier:SYSTEM:ttln:86400000:@bob:ping.wavi${alice}`,
    ]);
  });
});

describe('NotificationDecoder', () => {
  it('decrypts a live notification with its sharedKeyEnc, asking no server', async () => {
    const requester = new ScriptedRequester();
    const received = await new NotificationDecoder(codecOf(bobRing, requester)).decode(
      `notification: ${JSON.stringify(liveJson)}`,
    );
    expect(received).toMatchObject({
      id: live.id,
      from: alice,
      to: '@bob',
      name: 'ping.wavi',
      value: notification.recipientDecryptsTo,
      messageType: 'key',
      decrypted: true,
    });
    expect(requester.lines).toEqual([]);
  });

  it('decrypts a replayed notification, which has no sharedKeyEnc, with the cached shared key', async () => {
    const requester = new ScriptedRequester([
      [`llookup:cached:@bob:shared_key${alice}`, `data:${sharing.theirCopy.ciphertextBase64}`],
    ]);
    const { ivNonce } = liveJson.metadata;
    const replayed = {
      ...liveJson,
      metadata: {
        encKeyName: null,
        encAlgo: null,
        ivNonce,
        skeEncKeyName: null,
        skeEncAlgo: null,
        availableAt: 'null',
        expiresAt: 'null',
      },
    };
    const received = await new NotificationDecoder(codecOf(bobRing, requester)).decode(JSON.stringify(replayed));
    expect(received?.value).toBe(notification.recipientDecryptsTo);
    expect(requester.lines).toEqual([`llookup:cached:@bob:shared_key${alice}`]);
  });

  it('answers null for a stats notification and passes unencrypted values and reserved keys through', async () => {
    const decoder = new NotificationDecoder(codecOf(bobRing, new ScriptedRequester()));
    const stats = { ...live, id: '-1', key: 'statsNotification.@bob', value: '12', isEncrypted: false, metadata: null };
    expect(await decoder.decode(stats)).toBeNull();
    const plain = await decoder.decode({ ...live, value: 'hello', isEncrypted: false });
    expect(plain).toMatchObject({ value: 'hello', decrypted: false });
    const reserved = { ...live, key: `@bob:shared_key${alice}`, value: sharing.theirCopy.ciphertextBase64 };
    expect(await decoder.decode(reserved)).toMatchObject({ value: reserved.value, decrypted: false });
  });

  it('reports a value that does not decrypt instead of throwing', async () => {
    const decoder = new NotificationDecoder(codecOf(bobRing, new ScriptedRequester()));
    const received = await decoder.decode({ ...live, value: 'AAAAAAAAAAAAAAAAAAAAAA==' });
    expect(received).toMatchObject({ value: null, decrypted: false, error: expect.any(Error) });
  });

  it('remembers ids it has seen, forgetting the oldest beyond its limit', () => {
    const decoder = new NotificationDecoder(codecOf(bobRing, new ScriptedRequester()), { seenLimit: 2 });
    expect([decoder.seen('a'), decoder.seen('b'), decoder.seen('a')]).toEqual([false, false, true]);
    decoder.seen('c');
    expect(decoder.seen('a')).toBe(false);
    expect(decoder.seen('c')).toBe(true);
  });
});
