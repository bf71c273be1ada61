import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDartDate } from '$lib/at/dart-date';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';

// autoNotify is off: these tests change @alice's records without a notification refreshing @bob's copies,
// to see what the lookups and the refresh job do on their own.
const limits = { autoNotify: false };

describe('cached copies of records shared with the owner (§5.8, §6.3)', () => {
  let stack: Stack;
  let alice: TestConnection;
  let bob: TestConnection;
  const at = (offsetMs = 0) => formatDartDate(stack.clock.now() + offsetMs);

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'], limits });
    alice = await stack.owner('@alice');
    bob = await stack.owner('@bob');
  });
  afterAll(() => stack.stop());

  it('caches a record with a ttr as cached:@bob:<key>@alice, refreshAt its ttr (seconds) away', async () => {
    await alice.send('update:ttr:60:@bob:phone@alice +1');
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1');
    const meta =
      `{"createdBy":"@alice","updatedBy":"@bob","createdAt":"${at()}","updatedAt":"${at()}",` +
      `"refreshAt":"${at(60_000)}","status":"active","version":0,"ttr":60,"ccd":false,"isBinary":false,"isEncrypted":false}`;
    expect(await bob.send('llookup:meta:cached:@bob:phone@alice')).toBe(`data:${meta}`);
    // The lookup reports the metadata of the copy it just wrote, as the reference's keystore does.
    expect(await bob.send('lookup:meta:phone@alice')).toBe(`data:${meta}`);
  });

  it('answers from the fresh copy, naming it in lookup:all, while the owner’s record has changed', async () => {
    await alice.send('update:ttr:60:@bob:phone@alice +2');
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1');
    expect(await bob.send('lookup:all:phone@alice')).toMatch(/^data:\{"key":"cached:@bob:phone@alice","data":"\+1",/);
  });

  it('fetches again with bypassCache:true, naming the record @bob:<key>@alice, and updates the copy', async () => {
    expect(await bob.send('lookup:bypassCache:true:all:phone@alice')).toMatch(
      /^data:\{"key":"@bob:phone@alice","data":"\+2",/,
    );
    expect(await bob.send('llookup:all:cached:@bob:phone@alice')).toMatch(/"data":"\+2".*"version":1,"ttr":60,/);
  });

  it('fetches again once the ttr has passed', async () => {
    await alice.send('update:ttr:60:@bob:phone@alice +3');
    stack.clock.advance(60_001);
    expect(await bob.send('lookup:phone@alice')).toBe('data:+3');
    expect(await bob.send('lookup:phone@alice')).toBe('data:+3');
  });

  it('refreshes copies past their ttr in the refresh job', async () => {
    await alice.send('update:ttr:60:@bob:phone@alice +4');
    stack.clock.advance(60_001);
    const summary = await stack.host.server('@bob')!.refreshCache();
    expect(summary.valueChanged).toBeGreaterThanOrEqual(1);
    expect(await bob.send('llookup:cached:@bob:phone@alice')).toBe('data:+4');
    expect(await bob.send('llookup:meta:cached:@bob:phone@alice')).toContain(`"refreshAt":"${at(60_000)}"`);
  });

  it('deletes the copy when the owner no longer has the record, answering the owner’s AT0015', async () => {
    await alice.send('delete:@bob:phone@alice');
    expect(await bob.send('lookup:bypassCache:true:phone@alice')).toBe(
      'error:AT0015-key not found : Exception: @bob:phone@alice does not exist in keystore',
    );
    expect(await bob.send('llookup:cached:@bob:phone@alice')).toBe(
      'error:AT0015-key not found : cached:@bob:phone@alice does not exist in keystore',
    );
  });

  it('deletes in the refresh job a copy whose record is gone', async () => {
    await alice.send('update:ttr:30:@bob:email@alice bob@example.com');
    expect(await bob.send('lookup:email@alice')).toBe('data:bob@example.com');
    await alice.send('delete:@bob:email@alice');
    stack.clock.advance(30_001);
    expect((await stack.host.server('@bob')!.refreshCache()).deletedByRemote).toBe(1);
    expect(await bob.send('llookup:cached:@bob:email@alice')).toMatch(/^error:AT0015-/);
  });

  it('does not cache a record without a ttr', async () => {
    await alice.send('update:@bob:plain@alice x');
    expect(await bob.send('lookup:plain@alice')).toBe('data:x');
    expect(await bob.send('llookup:cached:@bob:plain@alice')).toMatch(/^error:AT0015-/);
  });

  it('keeps a ttr:-1 copy for good: neither lookups nor the refresh job fetch it again', async () => {
    await alice.send('update:ttr:-1:@bob:forever@alice a');
    expect(await bob.send('lookup:forever@alice')).toBe('data:a');
    await alice.send('update:ttr:-1:@bob:forever@alice b');
    stack.clock.advance(10 * 86_400_000);
    await stack.host.server('@bob')!.refreshCache();
    expect(await bob.send('lookup:forever@alice')).toBe('data:a');
    expect(await bob.send('llookup:meta:cached:@bob:forever@alice')).toMatch(/"ttr":-1,/);
  });

  it('commits cached copies, so the owner’s devices sync them', async () => {
    expect(await bob.send('sync:from:-1:limit:100')).toContain('"atKey":"cached:@bob:forever@alice"');
    expect(await bob.send('scan cached')).toBe('data:["cached:@bob:forever@alice"]');
  });

  it('lets the owner delete a copy but not write one', async () => {
    expect(await bob.send('update:cached:@bob:forever@alice z')).toMatch(/^error:AT0003-/);
    expect(
      await bob.send(
        'update:json:{"atKey":"cached:@bob:forever","value":"z","sharedBy":"@bob","metadata":{"isBinary":false,"isEncrypted":false,"isPublic":false}}',
      ),
    ).toBe('error:AT0016-Invalid key : You may not update keys of type KeyType.cachedSharedKey');
    expect(await bob.send('delete:cached:@bob:forever@alice')).toMatch(/^data:\d+$/);
    expect(await bob.send('llookup:cached:@bob:forever@alice')).toMatch(/^error:AT0015-/);
  });
});

describe('cached copies of public records (§5.9)', () => {
  let stack: Stack;
  let alice: TestConnection;
  let bob: TestConnection;
  const at = (offsetMs = 0) => formatDartDate(stack.clock.now() + offsetMs);

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'], limits });
    alice = await stack.owner('@alice');
    bob = await stack.owner('@bob');
  });
  afterAll(() => stack.stop());

  it('caches public data without a ttr for 24 h, yet fetches it again on every plookup', async () => {
    await alice.send('update:public:town@alice Porto');
    expect(await bob.send('plookup:town@alice')).toBe('data:Porto');
    expect(await bob.send('llookup:meta:cached:public:town@alice')).toBe(
      `data:{"createdBy":"@alice","updatedBy":"@bob","createdAt":"${at()}","updatedAt":"${at()}",` +
        `"expiresAt":"${at(86_400_000)}","status":"active","version":0,"ttl":86400000,"isBinary":false,"isEncrypted":false}`,
    );
    // Without a ttr the copy has no refreshAt, so it never counts as fresh (AtCacheManager.get).
    await alice.send('update:public:town@alice Lisbon');
    expect(await bob.send('plookup:town@alice')).toBe('data:Lisbon');
    expect(await bob.send('plookup:all:town@alice')).toMatch(/^data:\{"key":"public:town@alice","data":"Lisbon",/);
    expect(await bob.send('llookup:meta:cached:public:town@alice')).toContain('"version":2,');
  });

  it('answers a public record with a ttr from its copy until bypassCache:true', async () => {
    await alice.send('update:ttr:3600:public:status@alice busy');
    expect(await bob.send('plookup:status@alice')).toBe('data:busy');
    await alice.send('update:ttr:3600:public:status@alice free');
    expect(await bob.send('plookup:status@alice')).toBe('data:busy');
    expect(await bob.send('plookup:all:status@alice')).toMatch(
      /^data:\{"key":"cached:public:status@alice","data":"busy",/,
    );
    expect(await bob.send('plookup:bypassCache:true:all:status@alice')).toMatch(
      /^data:\{"key":"public:status@alice","data":"free",/,
    );
    expect(await bob.send('plookup:status@alice')).toBe('data:free');
  });

  it('removes the public copy once the record is gone', async () => {
    await alice.send('delete:public:status@alice');
    expect(await bob.send('plookup:bypassCache:true:status@alice')).toBe(
      'error:AT0015-key not found : Exception: public:status@alice does not exist in keystore',
    );
    expect(await bob.send('llookup:cached:public:status@alice')).toMatch(/^error:AT0015-/);
  });

  it('answers AT0015 with the remoteLookUp text for a public record that is not active', async () => {
    await alice.send('update:ttb:60000:public:soon@alice x');
    expect(await bob.send('plookup:soon@alice')).toBe(
      "error:AT0015-key not found : remoteLookUp: remote atServer returned String value 'null' for soon@alice",
    );
  });
});

describe('the cached public key of another atSign (§6.1 step 3, §5.9)', () => {
  let stack: Stack;
  let erin: TestConnection;
  let frank: TestConnection;
  const at = (offsetMs = 0) => formatDartDate(stack.clock.now() + offsetMs);

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@erin', '@frank'], limits });
    erin = await stack.owner('@erin');
    frank = await stack.owner('@frank');
  });
  afterAll(() => stack.stop());

  it('caches cached:public:publickey@erin for good on the first connection to @erin’s atServer', async () => {
    await erin.send('update:public:publickey@erin K1');
    expect(await frank.send('lookup:nothing@erin')).toMatch(/^error:AT0015-/);
    expect(await frank.send('llookup:meta:cached:public:publickey@erin')).toBe(
      `data:{"createdBy":"@erin","updatedBy":"@frank","createdAt":"${at()}","updatedAt":"${at()}",` +
        '"status":"active","version":0,"ttr":-1,"isBinary":false,"isEncrypted":false}',
    );
    expect(await frank.send('plookup:publickey@erin')).toBe('data:K1');
  });

  it('retires shared_key.erin@frank when @erin’s public key changes', async () => {
    await frank.send('update:shared_key.erin@frank SK');
    await erin.send('update:public:publickey@erin K2');
    // The copy is kept forever, so only bypassCache (or a new connection) sees the new key. Here the
    // bypassing plookup opens the first unauthenticated connection, whose public key check finds the change.
    expect(await frank.send('plookup:publickey@erin')).toBe('data:K1');
    stack.clock.advance(1_000);
    expect(await frank.send('plookup:bypassCache:true:publickey@erin')).toBe('data:K2');
    expect(await frank.send('llookup:shared_key.erin@frank')).toMatch(/^error:AT0015-/);
    expect(await frank.send(`llookup:shared_key.erin.until.${stack.clock.now()}@frank`)).toBe('data:SK');
    // Recreated, not updated: a fresh createdAt and version 0.
    expect(await frank.send('llookup:meta:cached:public:publickey@erin')).toBe(
      `data:{"createdBy":"@erin","updatedBy":"@frank","createdAt":"${at()}","updatedAt":"${at()}",` +
        '"status":"active","version":0,"ttr":-1,"isBinary":false,"isEncrypted":false}',
    );
  });

  it('notices a changed public key on a plookup that bypasses the cache over a pooled connection', async () => {
    await frank.send('update:shared_key.erin@frank SK2');
    await erin.send('update:public:publickey@erin K3');
    stack.clock.advance(1_000);
    expect(await frank.send('plookup:bypassCache:true:publickey@erin')).toBe('data:K3');
    expect(await frank.send(`llookup:shared_key.erin.until.${stack.clock.now()}@frank`)).toBe('data:SK2');
    // Public data without a ttr is cached with the 24 h ttl, still forever fresh as a public key.
    expect(await frank.send('llookup:meta:cached:public:publickey@erin')).toBe(
      `data:{"createdBy":"@erin","updatedBy":"@frank","createdAt":"${at()}","updatedAt":"${at()}",` +
        `"expiresAt":"${at(86_400_000)}","status":"active","version":0,"ttl":86400000,"ttr":-1,"isBinary":false,"isEncrypted":false}`,
    );
  });
});

describe('config:set:doCacheRefreshNow=true in testing mode (§5.13)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'], limits: { ...limits, testingMode: true } });
  });
  afterAll(() => stack.stop());

  it('runs the cache refresh job at once', async () => {
    const alice = await stack.owner('@alice');
    const bob = await stack.owner('@bob');
    await alice.send('update:ttr:1:@bob:phone@alice +1');
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1');
    await alice.send('update:ttr:1:@bob:phone@alice +2');
    stack.clock.advance(1_001);
    expect(await bob.send('config:set:doCacheRefreshNow=true')).toBe('data:ok');
    expect(await bob.send('llookup:cached:@bob:phone@alice')).toBe('data:+2');
  });
});
