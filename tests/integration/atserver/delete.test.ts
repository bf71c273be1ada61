import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cramDigest } from '$lib/crypto/cram';
import { freshMetadata } from '$server/atserver/records';
import { apkamConnection } from './apkam-connection';
import { recordChanges, startStack, type Stack, type TestConnection } from './harness';

const base64 = (bytes: number) => randomBytes(bytes).toString('base64');

describe('delete', () => {
  let stack: Stack;
  let alice: TestConnection;
  const store = () => stack.host.server('@alice')!.context.store;
  const nextCommitId = () => store().commits.lastCommitId() + 1;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('removes a record and answers the commit id of a - entry', async () => {
    await alice.send('update:phone.wavi@alice 1');
    const id = nextCommitId();
    expect(await alice.sendExact('delete:phone.wavi@alice')).toBe(`data:${id}\n@alice@`);
    expect(await alice.send('llookup:phone.wavi@alice')).toBe(
      'error:AT0015-key not found : phone.wavi@alice does not exist in keystore',
    );
    expect(store().commits.entriesAfter(id - 1, 10)).toEqual([{ id, key: 'phone.wavi@alice', op: '-' }]);
  });

  it('answers a fresh commit id for a key that never existed (§13.7)', async () => {
    const id = nextCommitId();
    expect(await alice.send('delete:never.wavi@alice')).toBe(`data:${id}`);
  });

  it('answers data:-1 for keys that are not committed', async () => {
    await alice.send('update:public:_hidden@alice h');
    expect(await alice.send('delete:public:_hidden@alice')).toBe('data:-1');
  });

  it('accepts every delete line the official SDKs send', async () => {
    const ciphertext = base64(48);
    const records: [string, string][] = [
      ['interop_self_d3eb96b2@alice', 'delete:interop_self_d3eb96b2@alice'],
      ['public:interop_pub_d3eb96b2@alice', 'delete:public:interop_pub_d3eb96b2@alice'],
      ['@bob:interop_shared_d3eb96b2@alice', 'delete:@bob:interop_shared_d3eb96b2@alice'],
      ['c_self_10c36494.interop@alice', 'delete:c_self_10c36494.interop@alice'],
      ['public:c_pub_10c36494.interop@alice', 'delete:public:c_pub_10c36494.interop@alice'],
      ['@bob:c_shared_10c36494.interop@alice', 'delete:@bob:c_shared_10c36494.interop@alice'],
      ['j_self_c1cec266@alice', 'delete:j_self_c1cec266@alice'],
      ['public:j_pub_c1cec266@alice', 'delete:public:j_pub_c1cec266@alice'],
      ['@bob:j_shared_c1cec266@alice', 'delete:@bob:j_shared_c1cec266@alice'],
    ];
    for (const [key, line] of records) {
      await alice.send(`update:${key} ${ciphertext}`);
      const id = nextCommitId();
      expect(await alice.send(line)).toBe(`data:${id}`);
      expect(await alice.send(`llookup:${key}`)).toMatch(/^error:AT0015-/);
    }
  });

  it.each([
    ['delete:public:signing_publickey@alice', 'signing_publickey@alice'],
    ['delete:@alice:signing_privatekey@alice', 'signing_privatekey@alice'],
    ['delete:public:publickey@alice', 'publickey@alice'],
    ['delete:@bob:publickey@alice', 'publickey@alice'],
    ['delete:public:PublicKey@alice', 'PublicKey@alice'],
    ['delete:at_pkam_publickey', 'at_pkam_publickey'],
  ])('refuses the protected key in %s with AT0009', async (line, key) => {
    expect(await alice.send(line)).toBe(
      `error:AT0009-UnAuthorized client in request : Cannot delete protected key: '${key}'`,
    );
  });

  it('keeps the signing public key after refusing to delete it', async () => {
    await alice.send('delete:public:signing_publickey@alice');
    expect(await alice.send('llookup:public:signing_publickey@alice')).toMatch(/^data:MII/);
  });

  it('deletes a cached copy, which is never protected', async () => {
    const metadata = freshMetadata('@bob', stack.clock.now(), { ttr: -1 });
    await store().keys.put({ key: 'cached:public:publickey@bob', value: base64(294), metadata }, '*');
    expect(await alice.send('delete:cached:public:publickey@bob')).toMatch(/^data:\d+$/);
    expect(store().keys.get('cached:public:publickey@bob')).toBeUndefined();
  });

  it('refuses delete:privatekey:at_pkam_publickey as invalid syntax', async () => {
    expect(await alice.send('delete:privatekey:at_pkam_publickey')).toMatch(
      /^error:AT0003-Invalid syntax : Invalid syntax\. syntax delete:/,
    );
  });

  it('refuses an unauthenticated delete with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('delete:phone@alice')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth',
    );
  });

  it('tells the server of the change with its commit id', async () => {
    const id = nextCommitId();
    const seen = await recordChanges(stack, '@alice', async () => {
      await alice.send('delete:whatever.wavi@alice');
    });
    expect(seen).toEqual([['delete', id]]);
  });
});

describe('delete of the CRAM secret', () => {
  let stack: Stack;
  let secret: string;
  beforeAll(async () => {
    stack = await startStack();
    secret = (await stack.create('@alice')).cramSecret;
  });
  afterAll(() => stack.stop());

  it('answers data:-1, marks CRAM deleted and refuses cram from then on with AT0015', async () => {
    const alice = await stack.owner('@alice');
    expect(await alice.send('delete:privatekey:at_secret')).toBe('data:-1');
    const store = stack.host.server('@alice')!.context.store;
    expect(store.keys.get('privatekey:at_secret_deleted')?.value).toBe('true');
    // The connection that deleted it stays authenticated.
    expect(await alice.send('update:public:still@alice here')).toMatch(/^data:\d+$/);

    const later = await stack.connect('@alice');
    const challenge = (await later.send('from:@alice')).slice(5);
    expect(await later.send(`cram:${await cramDigest(secret, challenge)}`)).toBe(
      'error:AT0015-Exception: privatekey:at_secret does not exist in keystore',
    );
  });
});

describe('delete under APKAM', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    const alice = await stack.owner('@alice');
    await alice.send('update:@bob:phone.wavi@alice 1');
  });
  afterAll(() => stack.stop());

  it('refuses a namespace enrolled r only with AT0009, and deletes with rw', async () => {
    const reader = await apkamConnection(stack, '@alice', { wavi: 'r' });
    expect(await reader.connection.send('delete:@bob:phone.wavi@alice')).toBe(
      `error:AT0009-UnAuthorized client in request : Connection with enrollment ID ${reader.enrollmentId} is not authorized to delete key: @bob:phone.wavi@alice`,
    );
    const writer = await apkamConnection(stack, '@alice', { wavi: 'rw' });
    expect(await writer.connection.send('delete:@bob:phone.wavi@alice')).toMatch(/^data:\d+$/);
  });
});
