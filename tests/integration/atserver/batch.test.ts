import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type TestConnection } from './harness';

/** `batch:` with one element per command, ids from 1. */
const batchOf = (...commands: string[]) =>
  `batch:${JSON.stringify(commands.map((command, index) => ({ id: index + 1, command })))}`;

describe('batch', () => {
  let stack: Stack;
  let alice: TestConnection;
  const nextCommitId = () => stack.host.server('@alice')!.context.store.commits.lastCommitId() + 1;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('runs each command in order and answers each with its data or its error code and description', async () => {
    const id = nextCommitId();
    expect(
      await alice.sendExact(
        batchOf('update:phone.wavi@alice +1 555', 'llookup:phone.wavi@alice', 'llookup:nothere.wavi@alice'),
      ),
    ).toBe(
      `data:[{"id":1,"response":{"data":"${id}"}},{"id":2,"response":{"data":"+1 555"}},` +
        '{"id":3,"response":{"error_code":"AT0015","error_message":"key not found"}}]\n@alice@',
    );
  });

  it('answers an invalid command with AT0003 and the bare description', async () => {
    expect(await alice.send(batchOf('update:phone.wavi@alice'))).toBe(
      'data:[{"id":1,"response":{"error_code":"AT0003","error_message":"Invalid syntax"}}]',
    );
  });

  it('leaves out commands no verb accepts, matching them as written (no verb lowercasing)', async () => {
    expect(await alice.send(batchOf('frobnicate:x', 'LLOOKUP:phone.wavi@alice', 'llookup:phone.wavi@alice'))).toBe(
      'data:[{"id":3,"response":{"data":"+1 555"}}]',
    );
  });

  it('answers an empty response for data:null', async () => {
    expect(await alice.send('update:ttl:1000:brief.wavi@alice x')).toMatch(/^data:\d+$/);
    stack.clock.advance(1_001);
    expect(await alice.send(batchOf('llookup:brief.wavi@alice'))).toBe('data:[{"id":1,"response":{}}]');
  });

  it('carries scan and stats answers as their data text', async () => {
    const answer = await alice.send(batchOf('scan phone', 'stats:3'));
    const lastCommit = nextCommitId() - 1;
    expect(answer).toBe(
      `data:[{"id":1,"response":{"data":"[\\"phone.wavi@alice\\"]"}},` +
        `{"id":2,"response":{"data":"[{\\"id\\":\\"3\\",\\"name\\":\\"lastCommitID\\",\\"value\\":\\"${lastCommit}\\"}]"}}]`,
    );
  });

  it('answers a codeless stats error with its message only', async () => {
    expect(await alice.send(batchOf('stats:99'))).toBe(
      'data:[{"id":1,"response":{"error_message":"InvalidSyntaxException"}}]',
    );
  });

  it('leaves out a command failing with an exception that has no code, and keeps the connection', async () => {
    expect(await alice.send(batchOf('scan [', 'llookup:phone.wavi@alice'))).toBe(
      'data:[{"id":2,"response":{"data":"+1 555"}}]',
    );
    expect(await alice.send('llookup:phone.wavi@alice')).toBe('data:+1 555');
  });

  it('keeps an id that is absent as null', async () => {
    expect(await alice.send('batch:[{"command":"llookup:phone.wavi@alice"}]')).toBe(
      'data:[{"id":null,"response":{"data":"+1 555"}}]',
    );
  });

  it('answers [] for an empty batch', async () => {
    expect(await alice.sendExact('batch:[]')).toBe('data:[]\n@alice@');
  });

  it('fails the whole batch with AT0010 on an id that is not an int, after running its command', async () => {
    expect(await alice.send('batch:[{"id":"a","command":"update:email.wavi@alice a@example.com"}]')).toBe(
      "error:AT0010-Internal server error : type 'String' is not a subtype of type 'int?'",
    );
    expect(await alice.send('llookup:email.wavi@alice')).toBe('data:a@example.com');
  });

  it('fails the whole batch with AT0010 when a command raises a Dart error', async () => {
    expect(await alice.send(batchOf('llookup:phone.wavi@alice', 'config:print:noSuchSetting'))).toBe(
      'error:AT0010-Internal server error : Invalid argument (name): No enum value with that name: "noSuchSetting"',
    );
  });

  it('sends no stats notification for the changes it makes', async () => {
    const context = stack.host.server('@alice')!.context;
    const original = context.changed;
    const changes: unknown[] = [];
    context.changed = (operation, commitId) => void changes.push([operation, commitId]);
    try {
      expect(await alice.send(batchOf('update:quiet.wavi@alice 1', 'delete:quiet.wavi@alice'))).toMatch(/^data:\[/);
      expect(changes).toEqual([]);
      const id = nextCommitId();
      expect(await alice.send('update:loud.wavi@alice 1')).toBe(`data:${id}`);
      expect(changes).toEqual([['update', id]]);
    } finally {
      context.changed = original;
    }
  });

  it('closes the connection on a body that is not JSON, with AT0011', async () => {
    const owner = await stack.owner('@alice');
    expect(await owner.send('batch:[{')).toMatch(/^error:AT0011-Internal server exception : FormatException: /);
    await owner.raw.closed;
  });

  it.each([
    ['{"id":1,"command":"noop:0"}', 'a JSON array'],
    ['[{"id":1}]', '{"id":…,"command":"<string>"}'],
    ['[{"id":1,"command":7}]', '{"id":…,"command":"<string>"}'],
  ])('answers batch:%s with AT0010 and keeps the connection', async (body, expected) => {
    expect(await alice.send(`batch:${body}`)).toMatch(
      new RegExp(`^error:AT0010-Internal server error : TypeError: expected ${expected.replace(/[{}"<>…]/g, '.')}`),
    );
    expect(await alice.send('llookup:phone.wavi@alice')).toBe('data:+1 555');
  });

  it('refuses an unauthenticated connection with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.sendExact(batchOf('scan'))).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth\n@',
    );
  });
});

describe('batch answer limit', () => {
  let stack: Stack;
  let carol: TestConnection;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@carol'], limits: { maxBatchAnswerLength: 120 } });
    carol = await stack.owner('@carol');
    await carol.send(`update:big.wavi@carol ${'x'.repeat(100)}`);
  });
  afterAll(() => stack.stop());

  it('stops once the answers reach maxBatchAnswerLength: the commands after are neither run nor answered', async () => {
    const answer = await carol.send(
      batchOf('llookup:big.wavi@carol', 'llookup:big.wavi@carol', 'update:late.wavi@carol 1', 'noop:0'),
    );
    expect(answer).toBe(`data:[{"id":1,"response":{"data":"${'x'.repeat(100)}"}}]`);
    expect(await carol.send('llookup:late.wavi@carol')).toMatch(/^error:AT0015/);
  });

  it('answers every command of a batch whose answers stay under the limit', async () => {
    expect(await carol.send(batchOf('noop:0', 'noop:0'))).toBe(
      'data:[{"id":1,"response":{"data":"ok"}},{"id":2,"response":{"data":"ok"}}]',
    );
  });
});
