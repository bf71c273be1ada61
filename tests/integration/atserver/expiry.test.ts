import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expireRecords } from '$server/atserver/expiry';
import { startStack, type Stack, type TestConnection } from './harness';

describe('record expiry', () => {
  let stack: Stack;
  let alice: TestConnection;
  const context = () => stack.host.server('@alice')!.context;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('deletes a record once its ttl has passed, with a - commit so devices sync it', async () => {
    await alice.send('update:ttl:1000:otp.wavi@alice 4321');
    stack.clock.advance(1_001);
    const id = context().store.commits.lastCommitId() + 1;
    expect(await expireRecords(context(), stack.clock.now())).toBe(1);
    expect(await alice.send('llookup:otp.wavi@alice')).toBe(
      'error:AT0015-key not found : otp.wavi@alice does not exist in keystore',
    );
    expect(context().store.commits.entriesAfter(id - 1, 10)).toEqual([{ id, key: 'otp.wavi@alice', op: '-' }]);
  });

  it('keeps a record at its exact expiry time and records without a ttl', async () => {
    await alice.send('update:ttl:1000:edge.wavi@alice e');
    await alice.send('update:forever.wavi@alice f');
    stack.clock.advance(1_000);
    expect(await expireRecords(context(), stack.clock.now())).toBe(0);
    expect(await alice.send('llookup:edge.wavi@alice')).toBe('data:e');
    stack.clock.advance(1);
    expect(await expireRecords(context(), stack.clock.now())).toBe(1);
    expect(await alice.send('llookup:forever.wavi@alice')).toBe('data:f');
  });

  it('never expires a record whose ttl was set to 0', async () => {
    await alice.send('update:ttl:1000:kept.wavi@alice k');
    await alice.send('update:ttl:0:kept.wavi@alice k');
    stack.clock.advance(10_000);
    expect(await expireRecords(context(), stack.clock.now())).toBe(0);
    expect(await alice.send('llookup:kept.wavi@alice')).toBe('data:k');
  });

  it('restarts the countdown on every update of the record', async () => {
    await alice.send('update:ttl:1000:renewed.wavi@alice 1');
    stack.clock.advance(800);
    await alice.send('update:renewed.wavi@alice 2');
    stack.clock.advance(800);
    expect(await expireRecords(context(), stack.clock.now())).toBe(0);
    expect(await alice.send('llookup:renewed.wavi@alice')).toBe('data:2');
  });

  it('expires public and shared records alike, and hidden ones without a commit', async () => {
    stack.clock.advance(60_000);
    await expireRecords(context(), stack.clock.now()); // what earlier tests left behind
    await alice.send('update:ttl:500:public:news@alice n');
    await alice.send('update:ttl:500:@bob:note@alice b');
    await alice.send('update:ttl:500:public:_session@alice s');
    const before = context().store.commits.lastCommitId();
    stack.clock.advance(501);
    expect(await expireRecords(context(), stack.clock.now())).toBe(3);
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('lookup:news@alice')).toBe(
      'error:AT0015-Exception: public:news@alice does not exist in keystore',
    );
    expect(context().store.commits.lastCommitId()).toBe(before + 2);
  });
});

describe('the expiry timer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'], limits: { expirySweepMs: 10 } });
  });
  afterAll(() => stack.stop());

  it('deletes expired records in the background on the configured interval', async () => {
    const alice = await stack.owner('@alice');
    await alice.send('update:ttl:1000:flash.wavi@alice f');
    stack.clock.advance(1_001);
    await vi.waitFor(async () => {
      expect(await alice.send('llookup:flash.wavi@alice')).toMatch(/^error:AT0015-/);
    });
  });
});
