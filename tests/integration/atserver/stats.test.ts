import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDartDate } from '$lib/at/dart-date';
import { atServerVersion } from '$server/atserver/atsign-server';
import { apkamConnection } from './apkam-connection';
import { startStack, type Stack, type TestConnection } from './harness';

/** The stats of a `data: [...]` answer, parsed. */
function statsOf(answer: string): { id: string; name: string; value: unknown }[] {
  expect(answer.startsWith('data: [')).toBe(true);
  return JSON.parse(answer.slice('data: '.length)) as { id: string; name: string; value: unknown }[];
}

describe('stats', () => {
  let stack: Stack;
  let alice: TestConnection;
  let loggedInAt: number;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    loggedInAt = stack.clock.now();
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('answers stats:3 with the latest commit id, after data: and a space', async () => {
    // A fresh atSign has committed its signing key pair: ids 0 and 1.
    expect(await alice.sendExact('stats:3')).toBe('data: [{"id":"3","name":"lastCommitID","value":"1"}]\n@alice@');
  });

  it('counts only keys matching stats:3:<regex>, plus the keys every sync carries', async () => {
    // public:signing_publickey@alice (commit 0) has no namespace, so it counts whatever the regex says.
    expect(await alice.send('stats:3:.wavi')).toBe('data: [{"id":"3","name":"lastCommitID","value":"0"}]');
    expect(await alice.send('update:phone.wavi@alice +1 555')).toBe('data:2');
    expect(await alice.send('update:email.buzz@alice a@example.com')).toBe('data:3');
    expect(await alice.send('stats:3:.wavi')).toBe('data: [{"id":"3","name":"lastCommitID","value":"2"}]');
    expect(await alice.send('stats:3')).toBe('data: [{"id":"3","name":"lastCommitID","value":"3"}]');
  });

  it('lists the stats asked for, each once, in the order asked, separated by a comma and a space', async () => {
    expect(await alice.sendExact('stats:7,2,7')).toBe(
      `data: [{"id":"7","name":"secondaryServerVersion","value":"${atServerVersion}"}, ` +
        '{"id":"2","name":"activeOutboundConnections","value":"0"}]\n@alice@',
    );
  });

  it('lists all 15 stats, with their reference names and value types, for a bare stats', async () => {
    const stats = statsOf(await alice.send('stats'));
    expect(stats.map((stat) => [stat.id, stat.name])).toEqual([
      ['1', 'activeInboundConnections'],
      ['2', 'activeOutboundConnections'],
      ['3', 'lastCommitID'],
      ['4', 'secondaryStorageSize'],
      ['5', 'topAtSigns'],
      ['6', 'topKeys'],
      ['7', 'secondaryServerVersion'],
      ['8', 'LastLoggedInDatetime'],
      ['9', 'diskSize'],
      ['10', 'LastPkam'],
      ['11', 'NotificationCount'],
      ['12', 'CommitLogCompactionStats'],
      ['13', 'AccessLogCompactionStats'],
      ['14', 'NotificationCompactionStats'],
      ['15', 'LatestCommitEntryOfEachKey'],
    ]);
    const value = (id: string) => stats.find((stat) => stat.id === id)?.value;
    expect(value('1')).toBe('1');
    expect(value('3')).toBe('3');
    // The storage size is the one number; every other value is a string, some of them JSON texts.
    expect(typeof value('4')).toBe('number');
    expect(value('4')).toBeGreaterThan(0);
    expect(value('5')).toBe('{}');
    expect(value('8')).toBe(formatDartDate(loggedInAt));
    expect(JSON.parse(value('9') as string)).toEqual({ size: expect.stringMatching(/^\d+\.\d\d$/), units: 'KB' });
    expect(value('10')).toBe('Not Available');
    expect(value('12')).toBe('{}');
    expect(value('13')).toBe('{}');
    expect(value('14')).toBe('{}');
  });

  it('reports the open inbound connections in stats:1', async () => {
    const other = await stack.connect('@alice');
    expect(await alice.send('stats:1')).toBe('data: [{"id":"1","name":"activeInboundConnections","value":"2"}]');
    other.close();
  });

  it('counts lookups per key in topKeys (stats:6)', async () => {
    expect(await alice.send('update:public:location@alice Paris')).toMatch(/^data:\d+$/);
    const stranger = await stack.connect('@alice');
    for (let i = 0; i < 2; i++) expect(await stranger.send('lookup:location@alice')).toBe('data:Paris');
    expect(await alice.send('stats:6')).toBe('data: [{"id":"6","name":"topKeys","value":"{\\"location@alice\\":2}"}]');
  });

  it('answers NotificationCount (stats:11) with every counter, zero on an empty log', async () => {
    expect(await alice.send('stats:11')).toBe(
      'data: [{"id":"11","name":"NotificationCount","value":"{\\"total\\":0,\\"type\\":{\\"sent\\":0,\\"received\\":0},' +
        '\\"status\\":{\\"delivered\\":0,\\"failed\\":0,\\"queued\\":0},\\"operations\\":{\\"update\\":0,\\"delete\\":0},' +
        `\\"messageType\\":{\\"key\\":0,\\"text\\":0},\\"createdOn\\":${stack.clock.now()}}"}]`,
    );
  });

  it('maps each key to its latest commit id and operation in stats:15', async () => {
    const fresh = await startStack({ atSigns: ['@carol'] });
    try {
      const carol = await fresh.owner('@carol');
      expect(await carol.send('update:phone.wavi@carol 1')).toBe('data:2');
      expect(await carol.send('delete:phone.wavi@carol')).toBe('data:3');
      expect(await carol.send('update:email.buzz@carol x')).toBe('data:4');
      const latest = JSON.parse(statsOf(await carol.send('stats:15'))[0]?.value as string) as unknown;
      expect(JSON.stringify(latest)).toBe(
        '{"public:signing_publickey@carol":[0,"+"],"@carol:signing_privatekey@carol":[1,"+"],' +
          '"phone.wavi@carol":[3,"-"],"email.buzz@carol":[4,"*"]}',
      );
      // With a regex, only matching keys and the keys every sync carries.
      expect(await carol.send('stats:15:.buzz')).toBe(
        'data: [{"id":"15","name":"LatestCommitEntryOfEachKey","value":' +
          '"{\\"public:signing_publickey@carol\\":[0,\\"+\\"],\\"email.buzz@carol\\":[4,\\"*\\"]}"}]',
      );
    } finally {
      await fresh.stop();
    }
  });

  it('counts only enrolled namespaces in stats:3 on an APKAM connection', async () => {
    const wavi = (await alice.send('update:news.wavi@alice x')).slice(5);
    const buzz = (await alice.send('update:chat.buzz@alice y')).slice(5);
    const { connection } = await apkamConnection(stack, '@alice', { wavi: 'rw' });
    expect(await connection.send('stats:3')).toBe(`data: [{"id":"3","name":"lastCommitID","value":"${wavi}"}]`);
    expect(await alice.send('stats:3')).toBe(`data: [{"id":"3","name":"lastCommitID","value":"${buzz}"}]`);
    const everything = await apkamConnection(stack, '@alice', { '*': 'rw' });
    expect(await everything.connection.send('stats:3')).toBe(
      `data: [{"id":"3","name":"lastCommitID","value":"${buzz}"}]`,
    );
  });

  it('answers an unknown id with error:null:InvalidSyntaxException and keeps the connection', async () => {
    expect(await alice.sendExact('stats:99')).toBe('error:null:InvalidSyntaxException\n@alice@');
    expect(await alice.sendExact('stats:3,99')).toBe('error:null:InvalidSyntaxException\n@alice@');
    expect(await alice.sendExact('stats:')).toBe('error:null:InvalidSyntaxException\n@alice@');
    expect(await alice.send('stats:7')).toMatch(/^data: \[\{"id":"7"/);
  });

  it('answers a regex that does not compile with error:null:FormatException', async () => {
    expect(await alice.sendExact('stats:3:[')).toBe(
      'error:null:FormatException: Invalid regular expression: /[/: Unterminated character class\n@alice@',
    );
    expect(await alice.send('stats:7')).toMatch(/^data: \[\{"id":"7"/);
  });

  it.each(['stats:0', 'stats:-1', 'stats:1:x', 'statsx'])('answers %s with invalid syntax', async (line) => {
    expect(await alice.send(line)).toBe('error:AT0003-Invalid syntax : Invalid syntax. stats:1,2,3');
  });

  it('refuses an unauthenticated connection with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.sendExact('stats:3')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth\n@',
    );
  });
});
