import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDartDate } from '$lib/at/dart-date';
import { freshMetadata } from '$server/atserver/records';
import { apkamConnection } from './apkam-connection';
import { startStack, type Stack, type TestConnection } from './harness';

const base64 = (bytes: number) => randomBytes(bytes).toString('base64');

/** The metadata JSON of a record `update` created at `at` with no metadata of its own. */
const plainMeta = (at: string, version = 0) =>
  `{"createdBy":"@alice","updatedBy":"@alice","createdAt":"${at}","updatedAt":"${at}","status":"active",` +
  `"version":${version},"isBinary":false,"isEncrypted":false}`;

describe('llookup', () => {
  let stack: Stack;
  let alice: TestConnection;
  const now = () => formatDartDate(stack.clock.now());

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('answers the value, the metadata and both, as the reference transcript shows (§12.1)', async () => {
    const at = now();
    await alice.send('update:public:location@alice New York');
    expect(await alice.sendExact('llookup:public:location@alice')).toBe('data:New York\n@alice@');
    expect(await alice.send('llookup:meta:public:location@alice')).toBe(`data:${plainMeta(at)}`);
    expect(await alice.send('llookup:all:public:location@alice')).toBe(
      `data:{"key":"public:location@alice","data":"New York","metaData":${plainMeta(at)}}`,
    );
  });

  it('answers AT0015 for a missing key, in the legacy and the JSON error form', async () => {
    expect(await alice.send('llookup:nokey@alice')).toBe(
      'error:AT0015-key not found : nokey@alice does not exist in keystore',
    );
    // A later from: with a client version above 3.0.37 switches the authenticated connection to JSON errors.
    const owner = await stack.owner('@alice');
    await owner.send('from:@alice:clientConfig:{"version":"3.0.57"}');
    expect(await owner.send('llookup:NoKey@Alice')).toBe(
      'error:{"errorCode":"AT0015","errorDescription":"key not found : nokey@alice does not exist in keystore"}',
    );
  });

  it('answers data:null once the ttl has passed, until the record is deleted', async () => {
    await alice.send('update:ttl:1000:otp.wavi@alice 4321');
    stack.clock.advance(1_000);
    expect(await alice.send('llookup:otp.wavi@alice')).toBe('data:4321');
    stack.clock.advance(1);
    expect(await alice.send('llookup:otp.wavi@alice')).toBe('data:null');
    expect(await alice.send('llookup:all:otp.wavi@alice')).toBe('data:null');
  });

  it('answers data:null before the ttb has passed, then the value', async () => {
    await alice.send('update:ttb:5000:later.wavi@alice hello');
    expect(await alice.send('llookup:later.wavi@alice')).toBe('data:null');
    stack.clock.advance(5_000);
    expect(await alice.send('llookup:later.wavi@alice')).toBe('data:hello');
  });

  it('shows ttl, ttb and the dates they give in the metadata, expiry counted from birth', async () => {
    const start = stack.clock.now();
    await alice.send('update:ttl:3000:ttb:1000:@alice:offer@alice x');
    stack.clock.advance(1_000); // born, so llookup answers it
    expect(await alice.send('llookup:meta:@alice:offer@alice')).toBe(
      `data:{"createdBy":"@alice","updatedBy":"@alice","createdAt":"${formatDartDate(start)}",` +
        `"updatedAt":"${formatDartDate(start)}","availableAt":"${formatDartDate(start + 1000)}",` +
        `"expiresAt":"${formatDartDate(start + 4000)}","status":"active","version":0,"ttl":3000,"ttb":1000,` +
        `"isBinary":false,"isEncrypted":false}`,
    );
  });

  it('does not resolve atsign:// references', async () => {
    await alice.send('update:public:ref@alice atsign://location@alice');
    expect(await alice.send('llookup:public:ref@alice')).toBe('data:atsign://location@alice');
  });

  it('reads a cached copy with llookup:cached:', async () => {
    const store = stack.host.server('@alice')!.context.store;
    const metadata = freshMetadata('@bob', stack.clock.now(), { ttr: -1 });
    await store.keys.put({ key: 'cached:public:name@bob', value: 'Bob', metadata }, '*');
    expect(await alice.send('llookup:cached:public:name@bob')).toBe('data:Bob');
    expect(await alice.send('llookup:cached:@alice:phone@bob')).toBe(
      'error:AT0015-key not found : cached:@alice:phone@bob does not exist in keystore',
    );
  });

  it('refuses an unauthenticated connection with AT0401 before looking at the syntax', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('llookup:not a key')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth',
    );
  });

  it('answers every llookup line the official SDKs send', async () => {
    const sharedKey = base64(256);
    const ciphertext = base64(48);
    const signature = base64(256);
    expect(await alice.send('llookup:shared_key.bob@alice')).toBe(
      'error:AT0015-key not found : shared_key.bob@alice does not exist in keystore',
    );
    await alice.send(`update:shared_key.bob@alice ${sharedKey}`);
    expect(await alice.send('llookup:shared_key.bob@alice')).toBe(`data:${sharedKey}`);

    const at = now();
    await alice.send(`update:dataSignature:${signature}:isEncrypted:true:interop_self_d3eb96b2@alice ${ciphertext}`);
    expect(await alice.send('llookup:all:interop_self_d3eb96b2@alice')).toBe(
      `data:{"key":"interop_self_d3eb96b2@alice","data":"${ciphertext}","metaData":{"createdBy":"@alice",` +
        `"updatedBy":"@alice","createdAt":"${at}","updatedAt":"${at}","status":"active","version":0,` +
        `"isBinary":false,"isEncrypted":true,"dataSignature":"${signature}"}}`,
    );
    await alice.send(`update:dataSignature:${signature}:public:interop_pub_d3eb96b2@alice public value d3eb96b2`);
    expect(await alice.send('llookup:all:public:interop_pub_d3eb96b2@alice')).toContain(
      '"key":"public:interop_pub_d3eb96b2@alice","data":"public value d3eb96b2"',
    );
    await alice.send(`update:isEncrypted:true:@bob:interop_shared_d3eb96b2@alice ${ciphertext}`);
    expect(await alice.send('llookup:@bob:interop_shared_d3eb96b2@alice')).toBe(`data:${ciphertext}`);

    await alice.send(`update:ivNonce:6hDVIoizpUlgHs2pXQ284w==:c_self_10c36494.interop@alice ${ciphertext}`);
    expect(await alice.send('llookup:all:c_self_10c36494.interop@alice')).toContain(
      '"isBinary":false,"isEncrypted":false,"ivNonce":"6hDVIoizpUlgHs2pXQ284w=="}}',
    );
    await alice.send(`update:ivNonce:V+3E8WUj49PiKJLUs6ynMQ==:@bob:c_shared_10c36494.interop@alice ${ciphertext}`);
    expect(await alice.send('llookup:all:@bob:c_shared_10c36494.interop@alice')).toContain(
      `"key":"@bob:c_shared_10c36494.interop@alice","data":"${ciphertext}"`,
    );
    await alice.send(
      `update:dataSignature:${signature}:isBinary:false:isEncrypted:false:public:j_pub_c1cec266@alice public value c1cec266`,
    );
    expect(await alice.send('llookup:all:public:j_pub_c1cec266@alice')).toContain('"data":"public value c1cec266"');
    await alice.send(`update:isBinary:false:isEncrypted:true:@bob:j_shared_c1cec266@alice ${ciphertext}`);
    expect(await alice.send('llookup:@bob:j_shared_c1cec266@alice')).toBe(`data:${ciphertext}`);
  });
});

describe('llookup and lookup under APKAM', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    const alice = await stack.owner('@alice');
    await alice.send('update:@bob:phone.wavi@alice 1');
    await alice.send('update:@bob:phone.buzz@alice 2');
    await alice.send('update:public:location@alice Lisbon');
    await alice.send('update:@alice:email.wavi@alice a@example.com');
    await alice.send('update:@alice:email.buzz@alice b@example.com');
  });
  afterAll(() => stack.stop());

  it('reads a namespace enrolled r, and refuses another with AT0009', async () => {
    const { connection, enrollmentId } = await apkamConnection(stack, '@alice', { wavi: 'r' });
    expect(await connection.send('llookup:@bob:phone.wavi@alice')).toBe('data:1');
    expect(await connection.send('llookup:@bob:phone.buzz@alice')).toBe(
      `error:AT0009-UnAuthorized client in request : Connection with enrollment ID ${enrollmentId} is not authorized to llookup key: @bob:phone.buzz@alice`,
    );
  });

  it('lets llookup read public keys whatever the namespaces', async () => {
    const { connection } = await apkamConnection(stack, '@alice', { wavi: 'r' });
    expect(await connection.send('llookup:public:location@alice')).toBe('data:Lisbon');
  });

  it('checks lookup against the @alice: key it reads', async () => {
    const { connection, enrollmentId } = await apkamConnection(stack, '@alice', { wavi: 'rw' });
    expect(await connection.send('lookup:email.wavi@alice')).toBe('data:a@example.com');
    expect(await connection.send('lookup:email.buzz@alice')).toBe(
      `error:AT0009-UnAuthorized client in request : Connection with enrollment ID ${enrollmentId} is not authorized to lookup key: @alice:email.buzz@alice`,
    );
  });
});

describe('lookup', () => {
  let stack: Stack;
  let alice: TestConnection;
  let stranger: TestConnection;
  const store = () => stack.host.server('@alice')!.context.store;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'] });
    alice = await stack.owner('@alice');
    stranger = await stack.connect('@alice');
    await alice.send('update:public:location@alice New York');
  });
  afterAll(() => stack.stop());

  it('serves public data to an unauthenticated connection (§12.2)', async () => {
    expect(await stranger.sendExact('lookup:location@alice')).toBe('data:New York\n@');
    expect(await stranger.send('lookup:meta:location@alice')).toMatch(/^data:\{"createdBy":"@alice",/);
    expect(await stranger.send('lookup:all:location@alice')).toMatch(
      /^data:\{"key":"public:location@alice","data":"New York","metaData":\{/,
    );
  });

  it('answers an unauthenticated miss with the Exception: text', async () => {
    expect(await stranger.send('lookup:nokey@alice')).toBe(
      'error:AT0015-Exception: public:nokey@alice does not exist in keystore',
    );
  });

  it('reads another atSign’s key from this store when unauthenticated, never from its atServer', async () => {
    expect(await stranger.send('lookup:location@bob')).toBe(
      'error:AT0015-Exception: public:location@bob does not exist in keystore',
    );
    const metadata = freshMetadata('@bob', stack.clock.now());
    await store().keys.put({ key: 'public:location@bob', value: 'Paris', metadata }, '*');
    expect(await stranger.send('lookup:location@bob')).toBe('data:Paris');
  });

  it('answers data:null to an unauthenticated lookup of an expired record', async () => {
    await alice.send('update:ttl:1000:public:flash@alice now');
    expect(await stranger.send('lookup:flash@alice')).toBe('data:now');
    stack.clock.advance(1_001);
    expect(await stranger.send('lookup:flash@alice')).toBe('data:null');
  });

  it('resolves atsign:// references through public keys, up to three hops', async () => {
    await alice.send('update:public:city@alice Lisbon');
    await alice.send('update:public:hop1@alice atsign://city@alice');
    await alice.send('update:public:hop2@alice atsign://hop1@alice');
    await alice.send('update:public:hop3@alice atsign://hop2@alice');
    await alice.send('update:public:hop4@alice atsign://hop3@alice');
    expect(await stranger.send('lookup:hop1@alice')).toBe('data:Lisbon');
    expect(await stranger.send('lookup:hop3@alice')).toBe('data:Lisbon');
    expect(await stranger.send('lookup:hop4@alice')).toBe('data:null');
  });

  it('answers AT0015 when a reference points to a missing key', async () => {
    await alice.send('update:public:dangling@alice atsign://gone@alice');
    expect(await stranger.send('lookup:dangling@alice')).toBe(
      'error:AT0015-Exception: public:gone@alice does not exist in keystore',
    );
  });

  it('reads @alice:<key> for the owner, without an activity check', async () => {
    await alice.send('update:ttl:1000:@alice:phone@alice +1-555-0100');
    stack.clock.advance(1_001);
    expect(await alice.send('lookup:phone@alice')).toBe('data:+1-555-0100');
    expect(await alice.send('lookup:all:phone@alice')).toMatch(/^data:\{"key":"@alice:phone@alice",/);
    expect(await alice.send('lookup:nokey@alice')).toBe(
      'error:AT0015-key not found : @alice:nokey@alice does not exist in keystore',
    );
  });

  it('resolves an owner reference through both the @alice: and the public: key, answering the public value', async () => {
    await alice.send('update:@alice:home@alice atsign://town@alice');
    await alice.send('update:@alice:town@alice private town');
    expect(await alice.send('lookup:home@alice')).toBe(
      'error:AT0015-key not found : public:town@alice does not exist in keystore',
    );
    await alice.send('update:public:town@alice Porto');
    expect(await alice.send('lookup:home@alice')).toBe('data:Porto');
  });

  it('records lookups for stats, leaving hidden keys out of unauthenticated ones', async () => {
    await alice.send('update:public:_hidden@alice h');
    await alice.send('update:@alice:_secret@alice s');
    await stranger.send('lookup:location@alice');
    await stranger.send('lookup:_hidden@alice');
    await alice.send('lookup:_secret@alice');
    await stack.host.server('@alice')!.context.store.writes.submit(() => undefined);
    const top = store().access.topKeys(100);
    expect(top['location@alice']).toBeGreaterThanOrEqual(2);
    expect(top['_hidden@alice']).toBeUndefined();
    expect(top['_secret@alice']).toBe(1);
  });

  it('answers AT0007 for another atSign’s data when the atDirectory does not know that atSign', async () => {
    const bob = await stack.owner('@bob');
    const unreachable = 'error:AT0007-Secondary server not found : Unable to find secondary address for atSign:nobody';
    // The lookups @bob's SDKs send for what another atSign shared with them.
    expect(await bob.send('lookup:shared_key@nobody')).toBe(unreachable);
    expect(await bob.send('lookup:interop_shared_d3eb96b2@nobody')).toBe(unreachable);
    expect(await bob.send('lookup:all:c_shared_10c36494.interop@nobody')).toBe(unreachable);
    expect(await bob.send('lookup:j_shared_c1cec266@nobody')).toBe(unreachable);
  });
});

describe('plookup', () => {
  let stack: Stack;
  let alice: TestConnection;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('answers this atSign’s public record as its own unauthenticated lookup would', async () => {
    const at = formatDartDate(stack.clock.now());
    await alice.send('update:public:c_pub_10c36494.interop@alice public value 10c36494');
    expect(await alice.send('plookup:c_pub_10c36494.interop@alice')).toBe('data:public value 10c36494');
    expect(await alice.send('plookup:all:c_pub_10c36494.interop@alice')).toBe(
      `data:{"key":"public:c_pub_10c36494.interop@alice","data":"public value 10c36494","metaData":${plainMeta(at)}}`,
    );
    expect(await alice.send('plookup:meta:c_pub_10c36494.interop@alice')).toBe(`data:${plainMeta(at)}`);
  });

  it('carries the remote Exception: text in its AT0015, as the reference example shows (§5.9)', async () => {
    expect(await alice.send('plookup:no-key@alice')).toBe(
      'error:AT0015-key not found : Exception: public:no-key@alice does not exist in keystore',
    );
    const owner = await stack.owner('@alice');
    await owner.send('from:@alice:clientConfig:{"version":"3.0.57"}');
    expect(await owner.send('plookup:no-key@alice')).toBe(
      'error:{"errorCode":"AT0015","errorDescription":"key not found : Exception: public:no-key@alice does not exist in keystore"}',
    );
  });

  it('answers AT0015 with the remoteLookUp text for a record that is not active', async () => {
    await alice.send('update:ttb:60000:public:soon@alice x');
    expect(await alice.send('plookup:soon@alice')).toBe(
      "error:AT0015-key not found : remoteLookUp: remote atServer returned String value 'null' for soon@alice",
    );
  });

  it('answers AT0007 for another atSign when the atDirectory does not know it', async () => {
    expect(await alice.send('plookup:publickey@nobody')).toBe(
      'error:AT0007-Secondary server not found : Unable to find secondary address for atSign:nobody',
    );
    const bob = await stack.owner('@bob');
    for (const line of [
      'plookup:all:interop_pub_d3eb96b2@nobody',
      'plookup:all:c_pub_10c36494.interop@nobody',
      'plookup:all:j_pub_c1cec266@nobody',
    ]) {
      expect(await bob.send(line)).toMatch(/^error:AT0007-/);
    }
  });

  it('refuses an unauthenticated connection with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('plookup:location@alice')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth',
    );
  });
});
