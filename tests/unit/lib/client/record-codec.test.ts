import { beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '$lib/at/key';
import { encryptAes } from '$lib/crypto/aes-ctr';
import { generateAesKey } from '$lib/crypto/aes-key';
import { CryptoError } from '$lib/crypto/crypto-error';
import { base64ToBytes, bytesToUtf8 } from '$lib/crypto/encoding';
import { verifyData } from '$lib/crypto/data-signature';
import { rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { Keyring } from '$lib/client/keyring';
import { RecordCodec } from '$lib/client/record-codec';
import { SharedKeys } from '$lib/client/shared-keys';
import { aliceKeys, bobKeys, ScriptedRequester, vectors } from './vector-keys';

const { sharing, selfEncryption, publicDataSignature } = vectors;
const alice = aliceKeys.atSign!;
const sharedRecordKey = sharing.value.atKey; // @bob:phone.wavi@alice🛠
const theirCopyLine = `llookup:@bob:shared_key${alice}`;
const myCopyLine = `llookup:shared_key.bob${alice}`;

let aliceRing: Keyring;
let bobRing: Keyring;
beforeAll(async () => {
  [aliceRing, bobRing] = await Promise.all([Keyring.fromAtKeys(aliceKeys), Keyring.fromAtKeys(bobKeys)]);
});

function codecOf(keyring: Keyring, requester = new ScriptedRequester()) {
  return { requester, codec: new RecordCodec(keyring, new SharedKeys(requester, keyring)) };
}

describe('RecordCodec.decode against the crypto vectors', () => {
  it("decrypts alice's shared value as bob from its sharedKeyEnc, asking no server", async () => {
    const { codec, requester } = codecOf(bobRing);
    const record = await codec.decode({
      key: sharedRecordKey,
      value: sharing.value.ciphertextBase64,
      metadata: sharing.value.metadata,
    });
    expect(record).toMatchObject({
      value: sharing.value.plaintext,
      visibility: 'shared',
      sharedBy: alice,
      sharedWith: '@bob',
    });
    expect(requester.lines).toEqual([]);
  });

  it('reads the legacy zero-IV form without sharedKeyEnc through the cached copy of the shared key', async () => {
    const { codec, requester } = codecOf(
      bobRing,
      new ScriptedRequester([[`llookup:cached:@bob:shared_key${alice}`, `data:${sharing.theirCopy.ciphertextBase64}`]]),
    );
    const record = await codec.decode({
      key: sharedRecordKey,
      value: sharing.value.ciphertextBase64IfLegacyZeroIv,
      metadata: { isEncrypted: true },
    });
    expect(record.value).toBe(sharing.value.plaintext);
    expect(requester.lines).toEqual([`llookup:cached:@bob:shared_key${alice}`]);
  });

  it("falls back to lookup:shared_key@<sharer> when the recipient's atServer has no cached copy", async () => {
    const { codec, requester } = codecOf(
      bobRing,
      new ScriptedRequester([[`lookup:shared_key${alice}`, `data:${sharing.theirCopy.ciphertextBase64}`]]),
    );
    const value = sharing.value.ciphertextBase64IfLegacyZeroIv;
    expect((await codec.decode({ key: sharedRecordKey, value, metadata: {} })).value).toBe(sharing.value.plaintext);
    expect(requester.lines).toEqual([`llookup:cached:@bob:shared_key${alice}`, `lookup:shared_key${alice}`]);
  });

  it('unwraps a sharer’s key once for a whole batch', async () => {
    const { codec, requester } = codecOf(
      bobRing,
      new ScriptedRequester([[`lookup:shared_key${alice}`, `data:${sharing.theirCopy.ciphertextBase64}`]]),
    );
    const value = sharing.value.ciphertextBase64IfLegacyZeroIv;
    const records = await codec.decodeAll(
      Array.from({ length: 20 }, () => ({ key: sharedRecordKey, value, metadata: {} })),
    );
    expect(new Set(records.map((r) => r.value))).toEqual(new Set([sharing.value.plaintext]));
    expect(requester.lines).toHaveLength(2);
  });

  it('refuses a value whose pubKeyCS is not the checksum of its reader’s public key, as Dart does', async () => {
    const { codec } = codecOf(bobRing);
    const metadata = { ...sharing.value.metadata, pubKeyCS: vectors.publicKeyChecksum.cases[0]!.pubKeyCS };
    const failure = await codec
      .decode({ key: sharedRecordKey, value: sharing.value.ciphertextBase64, metadata })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CryptoError);
    expect(failure).toMatchObject({ code: 'decrypt-failed' });
  });

  it('fetches the shared key again, past the caches, when a cached one no longer decrypts (the sharer replaced it)', async () => {
    const staleCopy = await rsaEncrypt(generateAesKey(), bobKeys.encryptionPublicKey);
    const { codec, requester } = codecOf(
      bobRing,
      new ScriptedRequester([
        [`llookup:cached:@bob:shared_key${alice}`, `data:${staleCopy}`],
        [`lookup:bypassCache:true:shared_key${alice}`, `data:${sharing.theirCopy.ciphertextBase64}`],
      ]),
    );
    const value = sharing.value.ciphertextBase64IfLegacyZeroIv;
    expect((await codec.decode({ key: sharedRecordKey, value, metadata: { isEncrypted: true } })).value).toBe(
      sharing.value.plaintext,
    );
    expect(requester.lines).toEqual([
      `llookup:cached:@bob:shared_key${alice}`,
      `lookup:bypassCache:true:shared_key${alice}`,
    ]);
  });

  it("reads alice's own copy of a value she shared with her copy of the shared key", async () => {
    const { codec, requester } = codecOf(
      aliceRing,
      new ScriptedRequester([[myCopyLine, `data:${sharing.myCopy.ciphertextBase64}`]]),
    );
    const record = await codec.decode({
      key: sharedRecordKey,
      value: sharing.value.ciphertextBase64,
      metadata: sharing.value.metadata,
    });
    expect(record.value).toBe(sharing.value.plaintext);
    expect(requester.lines).toEqual([myCopyLine]);
  });

  it('decrypts a self value with its ivNonce and the legacy form with the zero IV', async () => {
    const { codec } = codecOf(aliceRing);
    const key = `diary.wavi${alice}`;
    const withIv = {
      key,
      value: selfEncryption.ciphertextBase64,
      metadata: { isEncrypted: true, ivNonce: selfEncryption.ivNonce },
    };
    const legacy = { key, value: selfEncryption.ciphertextBase64LegacyZeroIv, metadata: { isEncrypted: true } };
    const [a, b] = await codec.decodeAll([withIv, legacy]);
    expect([a!.value, b!.value]).toEqual([selfEncryption.plaintext, selfEncryption.plaintext]);
    expect(a!.visibility).toBe('self');
  });

  it('decrypts a self value an SDK stored without isEncrypted (at_c), and keeps a plain one as stored', async () => {
    const { codec } = codecOf(aliceRing);
    const [encrypted, plain] = await codec.decodeAll([
      { key: `c_self${alice}`, value: selfEncryption.ciphertextBase64, metadata: { ivNonce: selfEncryption.ivNonce } },
      { key: `plain${alice}`, value: 'just text', metadata: { isEncrypted: false } },
    ]);
    expect(encrypted!.value).toBe(selfEncryption.plaintext);
    expect(plain!.value).toBe('just text');
  });

  it('verifies the signature of a public value and reports a tampered one as invalid', async () => {
    const { codec } = codecOf(aliceRing);
    const key = `public:location.wavi${alice}`;
    const metadata = { isEncrypted: false, dataSignature: publicDataSignature.dataSignature };
    const [good, tampered, unsigned] = await codec.decodeAll([
      { key, value: publicDataSignature.value, metadata },
      { key, value: `${publicDataSignature.value}!`, metadata },
      { key, value: 'no signature', metadata: {} },
    ]);
    expect(good).toMatchObject({ value: publicDataSignature.value, visibility: 'public', signatureValid: true });
    expect(tampered!.signatureValid).toBe(false);
    expect(unsigned!.signatureValid).toBeUndefined();
  });

  it('leaves reserved keys as stored', async () => {
    const { codec } = codecOf(aliceRing);
    const value = sharing.myCopy.ciphertextBase64;
    expect((await codec.decode({ key: `shared_key.bob${alice}`, value, metadata: {} })).value).toBe(value);
  });

  it('reports a record that fails in a batch on that record alone', async () => {
    const { codec } = codecOf(aliceRing);
    const [bad, good] = await codec.decodeAll([
      { key: `broken${alice}`, value: 'AAAAAAAAAAAAAAAAAAAAAA==', metadata: { isEncrypted: true } },
      {
        key: `diary${alice}`,
        value: selfEncryption.ciphertextBase64,
        metadata: { isEncrypted: true, ivNonce: selfEncryption.ivNonce },
      },
    ]);
    expect(bad).toMatchObject({ value: null, error: expect.any(CryptoError) });
    expect(good!.value).toBe(selfEncryption.plaintext);
  });
});

describe('RecordCodec.encode', () => {
  it('signs a public value exactly as Dart does and sends it in the clear', async () => {
    const { codec } = codecOf(aliceRing);
    const encoded = await codec.encode(parseKey(`public:location.wavi${alice}`), publicDataSignature.value);
    expect(encoded).toEqual({
      value: publicDataSignature.value,
      metadata: { dataSignature: publicDataSignature.dataSignature, isEncrypted: false },
    });
  });

  it('sends a public value with a line break as base64 with encoding:base64, signed over the original text', async () => {
    const { codec } = codecOf(aliceRing);
    const text = 'line one\nline two';
    const encoded = await codec.encode(parseKey(`public:poem${alice}`), text);
    expect(encoded.metadata.encoding).toBe('base64');
    expect(bytesToUtf8(base64ToBytes(encoded.value))).toBe(text);
    expect(await verifyData(text, encoded.metadata.dataSignature!, aliceKeys.encryptionPublicKey)).toBe(true);
    const decoded = await codec.decode({
      key: `public:poem${alice}`,
      value: encoded.value,
      metadata: encoded.metadata,
    });
    expect(decoded).toMatchObject({ value: text, signatureValid: true });
  });

  it('encrypts a self value under the self key with a fresh random ivNonce each time', async () => {
    const { codec } = codecOf(aliceRing);
    const key = parseKey(`diary.wavi${alice}`);
    const [one, two] = await Promise.all([codec.encode(key, 'secret'), codec.encode(key, 'secret')]);
    expect(one.metadata).toEqual({ isEncrypted: true, ivNonce: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/) });
    expect(one.metadata.ivNonce).not.toBe(two.metadata.ivNonce);
    expect(one.value).toBe(await encryptAes('secret', aliceKeys.selfEncryptionKey, one.metadata.ivNonce));
  });

  it('encrypts a shared value with the existing shared key, sharedKeyEnc and pubKeyCS, readable by the recipient', async () => {
    const { codec, requester } = codecOf(
      aliceRing,
      new ScriptedRequester([
        [myCopyLine, `data:${sharing.myCopy.ciphertextBase64}`],
        [theirCopyLine, `data:${sharing.theirCopy.ciphertextBase64}`],
        ['plookup:publickey@bob', `data:${bobKeys.encryptionPublicKey}`],
      ]),
    );
    const encoded = await codec.encode(parseKey(sharedRecordKey), sharing.value.plaintext);
    expect(encoded.metadata).toEqual({
      isEncrypted: true,
      sharedKeyEnc: sharing.theirCopy.ciphertextBase64,
      pubKeyCS: sharing.value.metadata.pubKeyCS,
      ivNonce: expect.any(String),
    });
    expect(encoded.value).toBe(
      await encryptAes(sharing.value.plaintext, sharing.sharedSymmetricKeyBase64, encoded.metadata.ivNonce),
    );
    expect(requester.lines).toEqual([myCopyLine, theirCopyLine, 'plookup:publickey@bob']);
    const { codec: bobCodec } = codecOf(bobRing);
    const read = await bobCodec.decode({ key: sharedRecordKey, value: encoded.value, metadata: encoded.metadata });
    expect(read.value).toBe(sharing.value.plaintext);
  });

  it('creates a shared key as crypto.md §6.1 orders it when there is none', async () => {
    const { codec, requester } = codecOf(
      aliceRing,
      new ScriptedRequester([
        ['plookup:publickey@bob', `data:${bobKeys.encryptionPublicKey}`],
        [/^(update|delete):/, 'data:1'],
      ]),
    );
    const encoded = await codec.encode(parseKey(sharedRecordKey), 'hello bob');
    expect(requester.lines.map((line) => line.split(' ')[0])).toEqual([
      myCopyLine,
      'plookup:publickey@bob',
      `delete:@bob:shared_key${alice}`,
      `update:shared_key.bob${alice}`,
      `update:ttr:3888000:@bob:shared_key${alice}`,
    ]);
    const theirCopy = requester.lines[4]!.split(' ')[1];
    expect(encoded.metadata.sharedKeyEnc).toBe(theirCopy);
    const myCopy = requester.lines[3]!.split(' ')[1]!;
    expect(await aliceRing.openSharedKey(myCopy)).toBe(await bobRing.openSharedKey(theirCopy!));
  });

  it('refuses keys of another atSign, cached keys and an empty value to encrypt', async () => {
    const { codec } = codecOf(aliceRing);
    await expect(codec.encode(parseKey('phone@bob'), 'x')).rejects.toMatchObject({ code: 'AT0009' });
    await expect(codec.encode(parseKey(`cached:public:x${alice}`), 'x')).rejects.toMatchObject({ code: 'AT0016' });
    await expect(codec.encode(parseKey(`diary${alice}`), '')).rejects.toMatchObject({ code: 'AT0022' });
  });
});
