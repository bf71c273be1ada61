import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDartDate } from '$lib/at/dart-date';
import type { EnrollmentRecord } from '$server/atserver/enrollments';
import { apkamConnection } from './apkam-connection';
import { startStack, type Stack, type TestConnection } from './harness';

interface SyncEntry {
  atKey: string;
  value: string | null;
  metadata: Record<string, string> | null;
  commitId: number;
  operation: string;
}

/** The entries of a `data:[…]` page. */
const page = (answer: string) => JSON.parse(answer.slice('data:'.length)) as SyncEntry[];
const ids = (answer: string) => page(answer).map((entry) => entry.commitId);

/** `llookup:meta`'s answer with every value turned into a string: what sync sends as metadata (§8.2). */
async function syncMetadataOf(owner: TestConnection, key: string): Promise<Record<string, string>> {
  const meta = JSON.parse((await owner.send(`llookup:meta:${key}`)).slice(5)) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(meta).map(([name, value]) => [name, String(value)]));
}

describe('sync:from', () => {
  let stack: Stack;
  let alice: TestConnection;
  const store = () => stack.host.server('@alice')!.context.store;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('answers the signing key pair of a fresh atSign, each with its value and stringified metadata', async () => {
    const date = formatDartDate(stack.clock.now());
    const metadata = `{"createdBy":"@alice","updatedBy":"@alice","createdAt":"${date}","updatedAt":"${date}","status":"active","version":"0"}`;
    const value = (key: string) => JSON.stringify(store().keys.get(key)?.value);
    expect(await alice.sendExact('sync:from:-1:limit:10')).toBe(
      'data:[' +
        `{"atKey":"public:signing_publickey@alice","value":${value('public:signing_publickey@alice')},"metadata":${metadata},"commitId":0,"operation":"+"},` +
        `{"atKey":"@alice:signing_privatekey@alice","value":${value('@alice:signing_privatekey@alice')},"metadata":${metadata},"commitId":1,"operation":"+"}` +
        ']\n@alice@',
    );
  });

  it('answers data:[] when nothing was committed after the given id', async () => {
    expect(await alice.sendExact('sync:from:1:limit:10')).toBe('data:[]\n@alice@');
  });

  it('sends an update with every metadata value as a string, and only the latest change of a key', async () => {
    expect(await alice.send('update:ttl:60000:isEncrypted:true:phone.wavi@alice +1 555')).toBe('data:2');
    expect(await alice.send('update:ttl:60000:isEncrypted:true:phone.wavi@alice +1 556')).toBe('data:3');
    const expected: SyncEntry = {
      atKey: 'phone.wavi@alice',
      value: '+1 556',
      metadata: await syncMetadataOf(alice, 'phone.wavi@alice'),
      commitId: 3,
      operation: '*',
    };
    expect(expected.metadata).toMatchObject({ version: '1', ttl: '60000', isBinary: 'false', isEncrypted: 'true' });
    expect(await alice.send('sync:from:1:limit:10')).toBe(`data:[${JSON.stringify(expected)}]`);
  });

  it('sends a delete without value or metadata, also for a key that never existed', async () => {
    expect(await alice.send('delete:phone.wavi@alice')).toBe('data:4');
    expect(await alice.send('delete:never.wavi@alice')).toBe('data:5');
    expect(await alice.send('sync:from:3:limit:10')).toBe(
      'data:[{"atKey":"phone.wavi@alice","value":null,"metadata":null,"commitId":4,"operation":"-"},' +
        '{"atKey":"never.wavi@alice","value":null,"metadata":null,"commitId":5,"operation":"-"}]',
    );
  });

  it('ignores limit: a page holds up to 25 entries whatever it asks for', async () => {
    for (let i = 0; i < 30; i++) expect(await alice.send(`update:k${i}.buzz@alice ${i}`)).toBe(`data:${6 + i}`);
    expect(ids(await alice.send('sync:from:5:limit:1'))).toEqual(Array.from({ length: 25 }, (_, i) => 6 + i));
    expect(ids(await alice.send('sync:from:30:limit:100'))).toEqual([31, 32, 33, 34, 35]);
  });

  it('filters by regex but always sends the keys every client needs', async () => {
    expect(await alice.send('update:public:publickey@alice MIIB')).toBe('data:36');
    expect(await alice.send('update:@bob:shared_key@alice c2s=')).toBe('data:37');
    expect(await alice.send('update:shared_key.bob@alice c2s=')).toBe('data:38');
    expect(await alice.send('update:public:location@alice Paris')).toBe('data:39');
    expect(await alice.send('update:public:location.wavi@alice Paris')).toBe('data:40');
    expect(await alice.send('update:@bob:phone.wavi@alice 1')).toBe('data:41');
    expect(page(await alice.send('sync:from:-1:limit:10:@bob:phone')).map((entry) => entry.atKey)).toEqual([
      'public:signing_publickey@alice',
      'public:publickey@alice',
      '@bob:shared_key@alice',
      'shared_key.bob@alice',
      'public:location@alice',
      '@bob:phone.wavi@alice',
    ]);
  });

  it('matches the regex case-sensitively and unanchored', async () => {
    expect(ids(await alice.send('sync:from:39:limit:10:WAVI'))).toEqual([]);
    expect(ids(await alice.send('sync:from:39:limit:10:wavi'))).toEqual([40, 41]);
  });

  it('skips a committed key that is no longer stored', async () => {
    expect(await alice.send('update:gone.wavi@alice x')).toBe('data:42');
    expect(await alice.send('update:kept.wavi@alice y')).toBe('data:43');
    await store().keys.remove('gone.wavi@alice', { skipCommit: true });
    expect(ids(await alice.send('sync:from:41:limit:10'))).toEqual([43]);
  });

  it('checks a regex only when a commit reaches it: AT0011 and close then, data:[] when none does', async () => {
    expect(await alice.send('sync:from:999:limit:10:[')).toBe('data:[]');
    const owner = await stack.owner('@alice');
    expect(await owner.sendExact('sync:from:-1:limit:10:[')).toBe(
      'error:AT0011-Internal server exception : FormatException: Invalid regular expression: /[/: Unterminated character class\n@alice@',
    );
    await owner.raw.closed;
  });

  describe('on an APKAM connection', () => {
    it('skips keys of namespaces not enrolled, after taking the 25-commit window', async () => {
      const { connection } = await apkamConnection(stack, '@alice', { wavi: 'rw' });
      // Commits 6–30 are all .buzz keys: the window is full of them, so the page comes back empty although
      // .wavi commits follow; the client compares with stats:3 and goes on.
      expect(await connection.send('sync:from:5:limit:10')).toBe('data:[]');
      expect(ids(await connection.send('sync:from:30:limit:10'))).toEqual([36, 37, 39, 40, 41, 43]);
      expect(await connection.send('stats:3')).toBe('data: [{"id":"3","name":"lastCommitID","value":"43"}]');
    });

    it('sends every namespace to an enrollment holding __manage or *', async () => {
      const enrollments: EnrollmentRecord['namespaces'][] = [{ __manage: 'rw' }, { '*': 'r' }];
      for (const namespaces of enrollments) {
        const { connection } = await apkamConnection(stack, '@alice', namespaces);
        expect(ids(await connection.send('sync:from:30:limit:10'))).toEqual([
          31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 43,
        ]);
      }
    });
  });

  it.each([
    ['sync:from:5', 'error:AT0003-Invalid syntax : Invalid syntax. syntax sync:from:1:limit:10:.wavi'],
    ['sync:from:-2:limit:10', 'error:AT0003-Invalid syntax : Invalid syntax. syntax sync:from:1:limit:10:.wavi'],
    ['sync:5', 'error:AT0003-Invalid syntax : invalid command'],
    ['sync .wavi', 'error:AT0003-Invalid syntax : invalid command'],
  ])('answers %s with %s', async (line, answer) => {
    expect(await alice.send(line)).toBe(answer);
  });

  it('refuses an unauthenticated connection with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.sendExact('sync:from:-1:limit:10')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth\n@',
    );
  });
});

describe('sync:from page limits', () => {
  let stack: Stack;
  let carol: TestConnection;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@carol'], limits: { syncPageLimit: 3 } });
    carol = await stack.owner('@carol');
    for (let i = 0; i < 6; i++) await carol.send(`update:k${i}.wavi@carol ${'x'.repeat(100)}`);
  });
  afterAll(() => stack.stop());

  it('stops a page at syncPageLimit entries', async () => {
    expect(ids(await carol.send('sync:from:-1:limit:10'))).toEqual([0, 1, 2]);
    expect(ids(await carol.send('sync:from:2:limit:10'))).toEqual([3, 4, 5]);
  });

  it('stops before the entry that would pass syncMaxBytes, but always sends one', async () => {
    const entries = page(await carol.send('sync:from:1:limit:10'));
    const size = (entry: SyncEntry) => Buffer.byteLength(JSON.stringify(entry));
    const limits = stack.host.server('@carol')!.context.limits;
    limits.syncMaxBytes = size(entries[0]!) + size(entries[1]!);
    expect(ids(await carol.send('sync:from:1:limit:10'))).toEqual([2, 3]);
    limits.syncMaxBytes = 1;
    expect(ids(await carol.send('sync:from:1:limit:10'))).toEqual([2]);
    expect(ids(await carol.send('sync:from:2:limit:10'))).toEqual([3]);
  });
});
