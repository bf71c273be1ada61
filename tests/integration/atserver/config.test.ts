import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../support/raw-client';
import { startStack, type Stack, type TestConnection } from './harness';

const usage =
  'configure block syntax config:block:<action>:@<atSign> \n e.g config:block:add:@alice \n view syntax ' +
  'config:show:<type> \n e.g config:shoe:allow \n configure set syntax \n e.g. config:set:<configName>=<configValue> ' +
  '\n config:reset(or)print:<configName>';

describe('config:block', () => {
  let stack: Stack;
  let alice: TestConnection;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('shows data:null while nothing is blocked', async () => {
    expect(await alice.sendExact('config:block:show')).toBe('data:null\n@alice@');
  });

  it('answers data:null to a remove while the blocklist is empty', async () => {
    expect(await alice.sendExact('config:block:remove:@bob')).toBe('data:null\n@alice@');
  });

  it('adds atSigns, each once, and shows them in the order added', async () => {
    expect(await alice.sendExact('config:block:add:@bob @carol')).toBe('data:success\n@alice@');
    expect(await alice.send('config:block:add:@dave @bob')).toBe('data:success');
    expect(await alice.send('config:block:show')).toBe('data:["@bob","@carol","@dave"]');
  });

  it('drops the own atSign, answering success even when nothing else was given', async () => {
    expect(await alice.send('config:block:add:@alice')).toBe('data:success');
    expect(await alice.send('config:block:add:@alice @eve')).toBe('data:success');
    expect(await alice.send('config:block:show')).toBe('data:["@bob","@carol","@dave","@eve"]');
  });

  it('removes atSigns, ignoring ones that were not blocked', async () => {
    expect(await alice.send('config:block:remove:@carol @zed')).toBe('data:success');
    expect(await alice.send('config:block:show')).toBe('data:["@bob","@dave","@eve"]');
  });

  it('keeps atSigns as written: a blocked @Frank does not block @frank', async () => {
    expect(await alice.send('config:block:add:@Frank')).toBe('data:success');
    expect(await alice.send('config:block:show')).toBe('data:["@bob","@dave","@eve","@Frank"]');
    expect(await alice.send('config:block:remove:@Frank')).toBe('data:success');
  });

  it('makes from: of a blocked atSign fail with AT0013 and close the connection', async () => {
    const peer = await stack.connect('@alice');
    expect(await peer.send('from:@bob')).toBe('error:AT0013-Exception: Unable to connect');
    await peer.raw.closed;
  });

  it('does not put the blocklist in the commit log', async () => {
    const before = await alice.send('stats:3');
    expect(await alice.send('config:block:add:@gina')).toBe('data:success');
    expect(await alice.send('stats:3')).toBe(before);
  });

  it('answers data:null once the last blocked atSign is removed… and then the list shows empty', async () => {
    expect(await alice.send('config:block:remove:@bob @dave @eve @gina')).toBe('data:success');
    expect(await alice.send('config:block:show')).toBe('data:null');
    expect(await alice.send('config:block:remove:@bob')).toBe('data:null');
  });

  it.each(['config:block:add:', 'config:block:add:@@kevin', 'config:block:list', 'config:block:show:@bob'])(
    'answers %s with invalid syntax',
    async (line) => {
      expect(await alice.send(line)).toBe(`error:AT0003-Invalid syntax : Invalid syntax. ${usage}`);
    },
  );

  it('refuses an unauthenticated connection with AT0401 before looking at the syntax', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.sendExact('config:block:nonsense')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth\n@',
    );
  });
});

describe('config:set, config:reset and config:print', () => {
  let stack: Stack;
  let alice: TestConnection;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it.each(['config:set:autoNotify=false', 'config:reset:autoNotify', 'config:print:inboundMaxLimit'])(
    'answers %s with testing mode disabled, by default',
    async (line) => {
      expect(await alice.sendExact(line)).toBe('data:testing mode disabled by default\n@alice@');
    },
  );

  it('refuses an unknown setting name with AT0010, even outside testing mode', async () => {
    expect(await alice.send('config:print:noSuchSetting')).toBe(
      'error:AT0010-Internal server error : Invalid argument (name): No enum value with that name: "noSuchSetting"',
    );
    expect(await alice.send('config:set:autonotify=true')).toBe(
      'error:AT0010-Internal server error : Invalid argument (name): No enum value with that name: "autonotify"',
    );
  });

  it('refuses config:set without a value with AT0010, as Dart does reading past the end of the split', async () => {
    expect(await alice.send('config:set:autoNotify')).toBe(
      'error:AT0010-Internal server error : RangeError (index): Invalid value: Only valid value is 0: 1',
    );
    expect(await alice.send('config:block:show')).toBe('data:null');
  });
});

describe('config in testing mode', () => {
  let stack: Stack;
  let alice: TestConnection;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'], limits: { testingMode: true, maxInboundConnections: 50 } });
    alice = await stack.owner('@alice');
  });
  afterAll(() => stack.stop());

  it('prints a setting never set as its default', async () => {
    expect(await alice.send('config:print:autoNotify')).toBe('data:true');
    expect(await alice.send('config:print:maxNotificationRetries')).toBe('data:30');
    expect(await alice.send('config:print:inboundMaxLimit')).toBe('data:50');
  });

  it('sets a value (as an int when it reads as one) and prints it back', async () => {
    expect(await alice.sendExact('config:set:maxNotificationRetries=7')).toBe('data:ok\n@alice@');
    expect(await alice.send('config:print:maxNotificationRetries')).toBe('data:7');
    expect(await alice.send('config:set:autoNotify=false')).toBe('data:ok');
    expect(await alice.send('config:print:autoNotify')).toBe('data:false');
  });

  it('resets a setting to its default', async () => {
    expect(await alice.send('config:reset:maxNotificationRetries')).toBe('data:ok');
    expect(await alice.send('config:print:maxNotificationRetries')).toBe('data:30');
  });

  it('applies inboundMaxLimit to the inbound connection limit at once', async () => {
    // This test's own connection plus one more fill a limit of 2; the third is refused with AT0012.
    expect(await alice.send('config:set:inboundMaxLimit=2')).toBe('data:ok');
    const second = await stack.connect('@alice');
    const third = await RawClient.connect(stack.port('@alice'), { ca: stack.tls.caPem });
    expect(await third.readUntil(/\n/)).toBe('error:AT0012-Inbound connection limit exceeded\n');
    second.close();
    expect(await alice.send('config:reset:inboundMaxLimit')).toBe('data:ok');
    expect(await alice.send('config:print:inboundMaxLimit')).toBe('data:50');
  });
});
