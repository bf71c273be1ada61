import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatKey } from '$lib/at/key';
import { encryptAes } from '$lib/crypto/aes-ctr';
import { generateAesKey, generateIvNonce } from '$lib/crypto/aes-key';
import { signData } from '$lib/crypto/data-signature';
import { rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { request } from '$lib/client/requester';
import type { Stack } from '../atserver/harness';
import { startClientStack, type ClientAtSign, type ClientStack } from './client-atsigns';

const b64 = '[A-Za-z0-9+/]+={0,2}';
const ivNonce = '[A-Za-z0-9+/]{22}==';

describe('data operations against two atServers', () => {
  let rig: ClientStack;
  let stack: Stack;
  let alice: ClientAtSign;
  let bob: ClientAtSign;
  const fresh = (atSign: string) => rig.client(atSign);
  const keysOf = (atSign: string) => rig.keysOf(atSign);

  beforeAll(async () => {
    rig = await startClientStack(['@alice', '@bob', '@carol', '@dave']);
    stack = rig.stack;
    [alice, bob] = await Promise.all([fresh('@alice'), fresh('@bob')]);
  });
  afterAll(() => rig.stop());

  it('puts a self value encrypted with a random ivNonce, stores only ciphertext, and reads it back', async () => {
    const sent = await alice.requester.during(() => alice.data.put('self.test@alice', 'secret diary'));
    expect(sent).toEqual([
      expect.stringMatching(new RegExp(`^update:isEncrypted:true:ivNonce:${ivNonce}:self\\.test@alice ${b64}$`)),
    ]);
    const stored = await request(alice.requester, 'llookup:self.test@alice');
    expect(stored).not.toContain('secret');
    const read = await alice.requester.during(async () => {
      expect(await alice.data.get('self.test@alice')).toMatchObject({
        value: 'secret diary',
        visibility: 'self',
        sharedBy: '@alice',
        metadata: { isEncrypted: true },
      });
    });
    expect(read).toEqual(['llookup:all:self.test@alice']);
  });

  it('puts a signed public value that bob reads through his atServer with a valid signature', async () => {
    const sent = await alice.requester.during(() => alice.data.put('public:pub.test@alice', 'hello world'));
    expect(sent).toEqual([
      expect.stringMatching(
        new RegExp(`^update:dataSignature:${b64}:isEncrypted:false:public:pub\\.test@alice hello world$`),
      ),
    ]);
    const read = await bob.requester.during(async () => {
      expect(await bob.data.get('public:pub.test@alice')).toMatchObject({
        value: 'hello world',
        visibility: 'public',
        signatureValid: true,
      });
    });
    expect(read).toEqual(['plookup:all:pub.test@alice', 'plookup:publickey@alice']);
  });

  it('creates the shared key on the first shared put, in the order and forms of crypto.md §6.1', async () => {
    const sent = await alice.requester.during(() => alice.data.put('@bob:shared.test@alice', '+1 555 0100'));
    expect(sent).toEqual([
      'llookup:shared_key.bob@alice',
      'plookup:publickey@bob',
      'delete:@bob:shared_key@alice',
      expect.stringMatching(new RegExp(`^update:shared_key\\.bob@alice ${b64}$`)),
      expect.stringMatching(new RegExp(`^update:ttr:3888000:@bob:shared_key@alice ${b64}$`)),
      expect.stringMatching(
        new RegExp(
          `^update:isEncrypted:true:sharedKeyEnc:${b64}:pubKeyCS:[0-9a-f]{32}:ivNonce:${ivNonce}:@bob:shared\\.test@alice ${b64}$`,
        ),
      ),
    ]);
    const again = await alice.requester.during(() => alice.data.put('@bob:again.test@alice', 'second'));
    expect(again).toEqual([expect.stringMatching(/^update:isEncrypted:true:sharedKeyEnc:/)]);
  });

  it('lets bob read the shared value with one lookup, its key coming from sharedKeyEnc', async () => {
    const read = await bob.requester.during(async () => {
      expect(await bob.data.get('shared.test@alice')).toMatchObject({
        value: '+1 555 0100',
        visibility: 'shared',
        sharedBy: '@alice',
        sharedWith: '@bob',
      });
    });
    expect(read).toEqual(['lookup:all:shared.test@alice']);
    expect((await bob.data.get('@bob:again.test@alice', { bypassCache: true })).value).toBe('second');
  });

  it('lets alice read back what she shared with her own copy of the shared key', async () => {
    const other = await fresh('@alice');
    const read = await other.requester.during(async () => {
      expect((await other.data.get('@bob:shared.test@alice')).value).toBe('+1 555 0100');
    });
    expect(read).toEqual(['llookup:all:@bob:shared.test@alice', 'llookup:shared_key.bob@alice']);
  });

  it('reads values written in the SDKs’ legacy forms: zero IV, no ivNonce, no isEncrypted, ttr:86400000', async () => {
    const own = keysOf('@alice');
    const carolKeys = keysOf('@carol');
    const sharedKey = generateAesKey();
    const iv = generateIvNonce();
    const lines = [
      // Python / Java self value: zero IV.
      `update:isEncrypted:true:legacy_self@alice ${await encryptAes('old self', own.selfEncryptionKey)}`,
      // at_c self value: an ivNonce, and no isEncrypted at all.
      `update:ivNonce:${iv}:c_self@alice ${await encryptAes('c self', own.selfEncryptionKey, iv)}`,
      // Python's shared key creation and a shared value without ivNonce, sharedKeyEnc or pubKeyCS.
      `update:shared_key.carol@alice ${await rsaEncrypt(sharedKey, own.encryptionPublicKey)}`,
      `update:ttr:86400000:@carol:shared_key@alice ${await rsaEncrypt(sharedKey, carolKeys.encryptionPublicKey)}`,
      `update:isEncrypted:true:@carol:legacy_shared@alice ${await encryptAes('old shared', sharedKey)}`,
      // Python's public value: signature first, no isEncrypted.
      `update:dataSignature:${await signData('old public', own.encryptionPrivateKey)}:public:legacy_pub@alice old public`,
    ];
    for (const line of lines) await request(alice.requester, line);

    const owner = await fresh('@alice');
    expect((await owner.data.get('legacy_self@alice')).value).toBe('old self');
    expect((await owner.data.get('c_self@alice')).value).toBe('c self');
    expect((await owner.data.get('@carol:legacy_shared@alice')).value).toBe('old shared');
    const carol = await fresh('@carol');
    const read = await carol.requester.during(async () => {
      expect((await carol.data.get('legacy_shared@alice')).value).toBe('old shared');
    });
    expect(read[0]).toBe('lookup:all:legacy_shared@alice');
    expect(read.slice(1)).toContain('llookup:cached:@carol:shared_key@alice');
    expect(await bob.data.get('public:legacy_pub@alice')).toMatchObject({ value: 'old public', signatureValid: true });
  });

  it('reports a public value whose signature does not match as invalid, without failing the read', async () => {
    const signature = await signData('what alice wrote', keysOf('@alice').encryptionPrivateKey);
    await request(
      alice.requester,
      `update:dataSignature:${signature}:isEncrypted:false:public:tampered@alice what mallory wrote`,
    );
    expect(await bob.data.get('public:tampered@alice')).toMatchObject({
      value: 'what mallory wrote',
      signatureValid: false,
    });
  });

  it('shares a self value, lists who has it, and revokes it so that bob can no longer read it', async () => {
    await alice.data.put('phone.test@alice', '+1 555 0199');
    const shared = await alice.data.share('phone.test@alice', '@bob', { ttr: 600 });
    expect(formatKey(shared)).toBe('@bob:phone.test@alice');
    expect(await alice.data.sharedWith('phone.test@alice')).toEqual(['@bob']);
    expect((await bob.data.get('phone.test@alice')).value).toBe('+1 555 0199');

    const sent = await alice.requester.during(async () =>
      expect(await alice.data.revoke('phone.test@alice', '@bob')).toBe(true),
    );
    // share gave the copy ccd:true with its ttr, so the delete alone cascades to bob's cached copy.
    expect(sent).toEqual(['llookup:all:@bob:phone.test@alice', 'delete:@bob:phone.test@alice']);
    await vi.waitFor(() => expect(bob.data.get('phone.test@alice')).rejects.toMatchObject({ code: 'AT0015' }));
    expect(await alice.data.sharedWith('phone.test@alice')).toEqual([]);
    expect(await alice.data.revoke('phone.test@alice', '@bob')).toBe(false);
  });

  it('revokes a copy cached without ccd by writing it again with ccd:true before deleting it', async () => {
    await alice.data.put('@bob:nocascade.test@alice', 'kept?', { ttr: 600, ccd: false });
    expect((await bob.data.get('nocascade.test@alice')).value).toBe('kept?');
    const sent = await alice.requester.during(() => alice.data.revoke('nocascade.test@alice', '@bob'));
    expect(sent).toEqual([
      'llookup:all:@bob:nocascade.test@alice',
      expect.stringMatching(
        new RegExp(
          `^update:ttr:600:ccd:true:isEncrypted:true:sharedKeyEnc:${b64}:pubKeyCS:[0-9a-f]{32}:ivNonce:${ivNonce}:@bob:nocascade\\.test@alice ${b64}$`,
        ),
      ),
      'delete:@bob:nocascade.test@alice',
    ]);
    await vi.waitFor(() => expect(bob.data.get('nocascade.test@alice')).rejects.toMatchObject({ code: 'AT0015' }));
  });

  it('replaces the key shared with an atSign, re-encrypting what is still shared with it', async () => {
    await alice.data.put('@dave:a.rotate@alice', 'first');
    await alice.data.put('@dave:b.rotate@alice', 'second');
    const before = await request(alice.requester, 'llookup:shared_key.dave@alice');
    const rewritten = await alice.data.revokeSharedKey('@dave');
    expect(rewritten.map(formatKey).sort()).toEqual(['@dave:a.rotate@alice', '@dave:b.rotate@alice']);
    expect(await request(alice.requester, 'llookup:shared_key.dave@alice')).not.toBe(before);
    const owner = await fresh('@alice');
    const dave = await fresh('@dave');
    for (const [name, value] of [
      ['a.rotate', 'first'],
      ['b.rotate', 'second'],
    ] as const) {
      expect((await owner.data.get(`@dave:${name}@alice`)).value).toBe(value);
      expect((await dave.data.get(`${name}@alice`, { bypassCache: true })).value).toBe(value);
    }
  });

  it('scans own keys as parsed keys, and the keys another atSign shares in their shared form', async () => {
    const own = (await alice.data.scan({ regex: '\\.test@alice' })).map(formatKey);
    expect(own).toEqual(expect.arrayContaining(['self.test@alice', 'public:pub.test@alice', '@bob:shared.test@alice']));
    const fromAlice = (await bob.data.scan({ forAtSign: '@alice' })).map(formatKey);
    expect(fromAlice).toEqual(expect.arrayContaining(['@bob:shared.test@alice', '@bob:again.test@alice']));
  });

  it('deletes a key, after which reading it fails with AT0015', async () => {
    await alice.data.put('gone.test@alice', 'soon gone');
    expect(await alice.requester.during(() => alice.data.delete('gone.test@alice'))).toEqual([
      'delete:gone.test@alice',
    ]);
    await expect(alice.data.get('gone.test@alice')).rejects.toMatchObject({ code: 'AT0015' });
  });

  it('answers AT0015 for a value that has expired', async () => {
    await alice.data.put('short.test@alice', 'brief', { ttl: 1_000 });
    stack.clock.advance(1_001);
    await expect(alice.data.get('short.test@alice')).rejects.toMatchObject({ code: 'AT0015' });
  });
});
