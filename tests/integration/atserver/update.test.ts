import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDartDate } from '$lib/at/dart-date';
import { cramDigest } from '$lib/crypto/cram';
import { signPkam } from '$lib/crypto/pkam';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { apkamConnection } from './apkam-connection';
import { recordChanges, startStack, type Stack, type TestConnection } from './harness';
import { tempDir } from '../../support/temp-dir';

/** Real-looking base64 of `bytes` random bytes: ciphertexts, signatures and keys as SDKs send them. */
const base64 = (bytes: number) => randomBytes(bytes).toString('base64');

describe('update', () => {
  let stack: Stack;
  let alice: TestConnection;
  const nextCommitId = () => stack.host.server('@alice')!.context.store.commits.lastCommitId() + 1;
  const now = () => formatDartDate(stack.clock.now());

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('answers the commit id of a new record, after the two commits of the signing key pair', async () => {
    const fresh = await startStack({ atSigns: ['@carol'] });
    try {
      const carol = await fresh.owner('@carol');
      expect(await carol.sendExact('update:phone.wavi@carol +1-555-0100')).toBe('data:2\n@carol@');
      expect(await carol.send('update:email.wavi@carol carol@example.com')).toBe('data:3');
      expect(await carol.send('llookup:phone.wavi@carol')).toBe('data:+1-555-0100');
    } finally {
      await fresh.stop();
    }
  });

  describe('accepts every update line the official SDKs send', () => {
    const signature = base64(256);
    const ciphertext = base64(48);

    it.each([
      [`update:dataSignature:${signature}:isEncrypted:true:interop_self_d3eb96b2@alice ${ciphertext}`],
      [`update:dataSignature:${signature}:public:interop_pub_d3eb96b2@alice public value d3eb96b2`],
      [`update:shared_key.bob@alice ${base64(256)}`],
      [`update:ttr:86400000:@bob:shared_key@alice ${base64(256)}`],
      [`update:isEncrypted:true:@bob:interop_shared_d3eb96b2@alice ${ciphertext}`],
      [`update:ivNonce:6hDVIoizpUlgHs2pXQ284w==:c_self_10c36494.interop@alice ${ciphertext}`],
      ['update:public:c_pub_10c36494.interop@alice public value 10c36494'],
      [`update:ivNonce:V+3E8WUj49PiKJLUs6ynMQ==:@bob:c_shared_10c36494.interop@alice ${ciphertext}`],
      [`update:dataSignature:${signature}:isBinary:false:isEncrypted:true:j_self_c1cec266@alice ${ciphertext}`],
      [
        `update:dataSignature:${signature}:isBinary:false:isEncrypted:false:public:j_pub_c1cec266@alice public value c1cec266`,
      ],
      [`update:isBinary:false:isEncrypted:true:@bob:j_shared_c1cec266@alice ${ciphertext}`],
    ])('%s', async (line) => {
      const id = nextCommitId();
      expect(await alice.send(line)).toBe(`data:${id}`);
    });

    it('stores what the Python SDK sends for a self record, as llookup:all shows it', async () => {
      const at = now();
      await alice.send(`update:dataSignature:${signature}:isEncrypted:true:py_self@alice ${ciphertext}`);
      expect(await alice.send('llookup:all:py_self@alice')).toBe(
        `data:{"key":"py_self@alice","data":"${ciphertext}","metaData":{"createdBy":"@alice","updatedBy":"@alice",` +
          `"createdAt":"${at}","updatedAt":"${at}","status":"active","version":0,"isBinary":false,` +
          `"isEncrypted":true,"dataSignature":"${signature}"}}`,
      );
    });

    it('reads ttr in seconds, so the SDKs’ ttr:86400000 refreshes in 1000 days, with ccd false', async () => {
      const start = stack.clock.now();
      await alice.send(`update:ttr:86400000:@bob:shared_key@alice ${base64(256)}`);
      const meta = JSON.parse((await alice.send('llookup:meta:@bob:shared_key@alice')).slice(5)) as Record<
        string,
        unknown
      >;
      expect(meta).toMatchObject({ ttr: 86400000, ccd: false, refreshAt: formatDartDate(start + 86_400_000_000) });
    });
  });

  it('stores update:json with ttl, ttb and ttr 0, born at once, as Metadata.fromJson leaves them', async () => {
    const at = now();
    const json = {
      atKey: 'phone.wavi',
      value: '+1-555-0100',
      sharedBy: '@alice',
      sharedWith: '@bob',
      metadata: { isBinary: false, isEncrypted: true, isPublic: false, ivNonce: 'qLh2St2PSEeJgBer8q0kkQ==' },
    };
    const id = nextCommitId();
    expect(await alice.send(`update:json:${JSON.stringify(json)}`)).toBe(`data:${id}`);
    expect(await alice.send('llookup:meta:@bob:phone.wavi@alice')).toBe(
      `data:{"createdBy":"@alice","updatedBy":"@alice","createdAt":"${at}","updatedAt":"${at}",` +
        `"availableAt":"${at}","status":"active","version":0,"ttl":0,"ttb":0,"ttr":0,"isBinary":false,` +
        `"isEncrypted":true,"ivNonce":"qLh2St2PSEeJgBer8q0kkQ=="}`,
    );
  });

  it('stores a public update:json under public: when its metadata says isPublic', async () => {
    const json = {
      atKey: 'city',
      value: 'Lisbon',
      sharedBy: '@alice',
      metadata: { isBinary: false, isEncrypted: false, isPublic: true },
    };
    await alice.send(`update:json:${JSON.stringify(json)}`);
    expect(await alice.send('llookup:public:city@alice')).toBe('data:Lisbon');
  });

  it('refuses update:json whose metadata lacks isPublic with AT0010, keeping the connection', async () => {
    const json = { atKey: 'x', value: 'v', sharedBy: '@alice', metadata: { isBinary: false, isEncrypted: false } };
    expect(await alice.send(`update:json:${JSON.stringify(json)}`)).toMatch(/^error:AT0010-Internal server error : /);
    expect(await alice.send('update:json:{"atKey":"","value":"v","metadata":{}}')).toMatch(/^error:AT0010-/);
  });

  it('refuses update:json without an atKey with AT0003', async () => {
    const json = { value: 'v', metadata: { isBinary: false, isEncrypted: false, isPublic: false } };
    expect(await alice.send(`update:json:${JSON.stringify(json)}`)).toBe(
      'error:AT0003-Invalid syntax : atKey.key not supplied',
    );
  });

  it('closes the connection on update:json that is not JSON, with AT0011', async () => {
    const owner = await stack.owner('@alice');
    expect(await owner.send('update:json:{"atKey":')).toMatch(/^error:AT0011-/);
    await owner.raw.closed;
  });

  it('refuses a key of another atSign with AT0016', async () => {
    expect(await alice.send('update:phone@bob 123')).toBe(
      'error:AT0016-Invalid key : Invalid update command - sharedBy atsign @bob should be same as current atsign @alice',
    );
  });

  it.each([
    ['update:phone,wavi@alice x', 'invalidKey'],
    ['update:phone x', 'invalidKey'],
  ])('refuses %s as a key of type %s', async (line, type) => {
    expect(await alice.send(line)).toBe(`error:AT0016-Invalid key : You may not update keys of type KeyType.${type}`);
  });

  it.each([
    ['private:note', 'privateKey'],
    ['cached:public:name', 'cachedPublicKey'],
    ['local:draft', 'localKey'],
  ])('refuses update:json of %s as a key of type %s', async (atKey, type) => {
    const json = {
      atKey,
      value: 'v',
      sharedBy: '@alice',
      metadata: { isBinary: false, isEncrypted: false, isPublic: false },
    };
    expect(await alice.send(`update:json:${JSON.stringify(json)}`)).toBe(
      `error:AT0016-Invalid key : You may not update keys of type KeyType.${type}`,
    );
  });

  it('accepts a key of 248 characters and refuses one of 249 with AT0016', async () => {
    const name = (length: number) => 'k'.repeat(length - '@alice'.length);
    expect(await alice.send(`update:${name(248)}@alice v`)).toMatch(/^data:\d+$/);
    expect(await alice.send(`update:${name(249)}@alice v`)).toBe(
      'error:AT0016-Invalid key : key length 249 is greater than max allowed 248 chars',
    );
  });

  it.each([
    ['update:ttl:-1:x@alice v', 'Valid value for TTL should be greater than or equal to 0'],
    ['update:ttb:-5:x@alice v', 'Valid value for TTB should be greater than or equal to 0'],
    ['update:ttr:-2:x@alice v', 'Valid values for TTR are -1 and greater than or equal to 1'],
  ])('refuses %s with AT0003', async (line, text) => {
    expect(await alice.send(line)).toBe(`error:AT0003-Invalid syntax : ${text}`);
  });

  it('refuses a line without a value with the update usage', async () => {
    expect(await alice.send('update:phone@alice')).toBe(
      'error:AT0003-Invalid syntax : Invalid syntax. e.g. update:@alice:location@bob San Francisco',
    );
  });

  it('lowercases the key and keeps the value as written', async () => {
    await alice.send('update:public:Location.WAVI@Alice New York');
    expect(await alice.send('llookup:all:public:location.wavi@alice')).toMatch(
      /^data:\{"key":"public:location\.wavi@alice","data":"New York",/,
    );
  });

  it('keeps everything after the first space of the line as the value', async () => {
    await alice.send('update:public:spaced@alice  two spaces');
    expect(await alice.send('llookup:public:spaced@alice')).toBe('data: two spaces');
  });

  it('merges metadata with the record it replaces: version +1, createdAt kept, countdown restarted', async () => {
    const created = now();
    await alice.send(`update:ttl:60000:dataSignature:sig1:isEncrypted:true:merge.wavi@alice first`);
    stack.clock.advance(5_000);
    const updated = now();
    const expires = formatDartDate(stack.clock.now() + 60_000);
    await alice.send('update:merge.wavi@alice second');
    // isEncrypted reads false again: an update that does not say true stores the at_commons default.
    expect(await alice.send('llookup:all:merge.wavi@alice')).toBe(
      `data:{"key":"merge.wavi@alice","data":"second","metaData":{"createdBy":"@alice","updatedBy":"@alice",` +
        `"createdAt":"${created}","updatedAt":"${updated}","expiresAt":"${expires}","status":"active",` +
        `"version":1,"ttl":60000,"isBinary":false,"isEncrypted":false,"dataSignature":"sig1"}}`,
    );
  });

  it('clears a text field given as null and removes the expiry with ttl:0', async () => {
    await alice.send('update:ttl:60000:dataSignature:sig1:clear.wavi@alice v');
    await alice.send('update:ttl:0:dataSignature:null:clear.wavi@alice v');
    const meta = await alice.send('llookup:meta:clear.wavi@alice');
    expect(meta).toContain('"version":1,"ttl":0,"isBinary":false');
    expect(meta).not.toContain('expiresAt');
    expect(meta).not.toContain('dataSignature');
  });

  it('answers data:-1 for the legacy PKAM key, which then authenticates pkam', async () => {
    const pair = await generateRsaKeyPair();
    expect(await alice.send(`update:privatekey:at_pkam_publickey ${pair.publicKey}`)).toBe('data:-1');
    const device = await stack.connect('@alice');
    const challenge = (await device.send('from:@alice')).slice(5);
    const { signature } = await signPkam(challenge, pair.privateKey);
    expect(await device.sendExact(`pkam:${signature}`)).toBe('data:success\n@alice@');
  });

  it('refuses an unauthenticated update with AT0401 before looking at the syntax', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('update:not a key')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth',
    );
  });

  it('tells the server of each change with its commit id', async () => {
    const id = nextCommitId();
    const seen = await recordChanges(stack, '@alice', async () => {
      await alice.send('update:changed.wavi@alice 1');
      await alice.send('update:meta:changed.wavi@alice:ttl:1000');
      await alice.send('update:privatekey:at_pkam_publickey x');
    });
    expect(seen).toEqual([
      ['update', id],
      ['update', id + 1],
      ['update', -1],
    ]);
  });
});

describe('update:meta', () => {
  let stack: Stack;
  let alice: TestConnection;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('changes the metadata and keeps the value, with version +1', async () => {
    await alice.send('update:@bob:phone@alice +1-555-0100');
    expect(await alice.send('update:meta:@bob:phone@alice:ttl:600000:isBinary:true')).toMatch(/^data:\d+$/);
    const all = await alice.send('llookup:all:@bob:phone@alice');
    expect(all).toContain('"data":"+1-555-0100"');
    expect(all).toContain('"version":1,"ttl":600000,"isBinary":true,"isEncrypted":false');
  });

  it('creates a record without a value for a key that does not exist', async () => {
    const at = formatDartDate(stack.clock.now());
    expect(await alice.send('update:meta:ghost.wavi@alice:ttr:-1')).toMatch(/^data:\d+$/);
    expect(await alice.send('llookup:ghost.wavi@alice')).toBe('data:null');
    expect(await alice.send('llookup:all:ghost.wavi@alice')).toBe(
      `data:{"key":"ghost.wavi@alice","metaData":{"createdBy":"@alice","updatedBy":"@alice","createdAt":"${at}",` +
        `"updatedAt":"${at}","status":"active","version":0,"ttr":-1,"ccd":false,"isBinary":false,"isEncrypted":false}}`,
    );
  });

  it('refuses another atSign’s key with AT0016', async () => {
    expect(await alice.send('update:meta:phone@bob:ttl:1000')).toBe(
      'error:AT0016-Invalid key : Invalid update command - sharedBy atsign @bob should be same as current atsign @alice',
    );
  });

  it('answers invalid command for update:meta without its colon, which update does not take either (§3.1)', async () => {
    expect(await alice.send('update:metaphone@alice 1')).toBe('error:AT0003-Invalid syntax : invalid command');
  });

  it('refuses metadata before the key with the update:meta usage', async () => {
    expect(await alice.send('update:meta:ttl:1000:phone@alice')).toMatch(
      /^error:AT0003-Invalid syntax : Invalid syntax\./,
    );
  });
});

describe('update under APKAM', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
  });
  afterAll(() => stack.stop());

  it('writes in a namespace enrolled rw', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { wavi: 'rw' });
    expect(await connection.send('update:@bob:phone.wavi@alice 1')).toMatch(/^data:\d+$/);
  });

  it('refuses a namespace enrolled r only, and one not enrolled, with AT0009', async () => {
    const { connection, enrollmentId } = await apkamConnection(stack, '@alice', { wavi: 'r' });
    expect(await connection.send('update:@bob:phone.wavi@alice 1')).toBe(
      `error:AT0009-UnAuthorized client in request : Connection with enrollment ID ${enrollmentId} is not authorized to update key: @bob:phone.wavi@alice`,
    );
    expect(await connection.send('update:public:name.buzz@alice 1')).toMatch(/^error:AT0009-/);
  });

  it('refuses a key without a namespace unless * is enrolled', async () => {
    const narrow = await apkamConnection(stack, '@alice', { wavi: 'rw' });
    expect(await narrow.connection.send('update:public:location@alice x')).toMatch(/^error:AT0009-/);
    const wide = await apkamConnection(stack, '@alice', { '*': 'rw' });
    expect(await wide.connection.send('update:public:location@alice x')).toMatch(/^data:\d+$/);
  });

  it('matches a multi-segment namespace against the end of the key name', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { 'at_contact.buzz': 'rw' });
    expect(await connection.send('update:contact1.at_contact.buzz@alice x')).toMatch(/^data:\d+$/);
  });

  it('lets any enrollment write reserved keys', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { wavi: 'r' });
    expect(await connection.send(`update:@bob:shared_key@alice ${base64(256)}`)).toMatch(/^data:\d+$/);
  });

  it('refuses writes in __manage, which only otp, enroll and monitor may use', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { __manage: 'rw' });
    expect(await connection.send('update:x.__manage@alice 1')).toMatch(/^error:AT0009-/);
  });

  it('refuses an enrollment that is no longer approved', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { '*': 'rw' }, 'revoked');
    expect(await connection.send('update:@bob:phone.wavi@alice 1')).toMatch(/^error:AT0009-/);
  });
});

describe('update durability', () => {
  it('keeps an acknowledged value across a close and a restart on the same data folder', async () => {
    const dir = await tempDir();
    try {
      const first = await startStack({ dataDir: dir.path });
      const { cramSecret } = await first.create('@alice');
      const alice = await first.owner('@alice');
      const id = await alice.send('update:public:durable.wavi@alice kept');
      await first.stop();

      const second = await startStack({ dataDir: dir.path });
      try {
        const again = await second.connect('@alice');
        const challenge = (await again.send('from:@alice')).slice(5);
        expect(await again.send(`cram:${await cramDigest(cramSecret, challenge)}`)).toBe('data:success');
        expect(await again.send('llookup:public:durable.wavi@alice')).toBe('data:kept');
        expect(await again.send('update:public:after.wavi@alice v')).toBe(`data:${Number(id.slice(5)) + 1}`);
      } finally {
        await second.stop();
      }
    } finally {
      await dir.remove();
    }
  });
});
