import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkamConnection } from './apkam-connection';
import { startStack, type Stack, type TestConnection } from './harness';

describe('scan', () => {
  let stack: Stack;
  let alice: TestConnection;

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
    for (const line of [
      'update:public:location.wavi@alice New York',
      'update:public:name@alice Alice',
      'update:@bob:phone.wavi@alice +1 555',
      'update:email.buzz@alice alice@example.com',
      'update:nonamespace@alice x',
      'update:_hidden.wavi@alice x',
      'update:public:__shown_hidden@alice x',
      'update:public:_always_hidden@alice x',
      'update:privatekey:at_pkam_publickey MIIB',
    ]) {
      expect(await alice.send(line)).toMatch(/^data:-?\d+$/);
    }
  });
  afterAll(() => stack.stop());

  const ownerView = [
    '@alice:signing_privatekey@alice',
    '@bob:phone.wavi@alice',
    'email.buzz@alice',
    'nonamespace@alice',
    'public:location.wavi@alice',
    'public:name@alice',
    'public:signing_publickey@alice',
  ];

  it('lists the owner every key but private and hidden ones, in key order', async () => {
    expect(await alice.sendExact('scan')).toBe(`data:${JSON.stringify(ownerView)}\n@alice@`);
  });

  it('shows _x and public:__x keys with showhidden:true, never public:_x', async () => {
    expect(JSON.parse((await alice.send('scan:showhidden:true')).slice(5))).toEqual([
      ...ownerView.slice(0, 2),
      '_hidden.wavi@alice',
      ...ownerView.slice(2, 4),
      'public:__shown_hidden@alice',
      ...ownerView.slice(4),
    ]);
  });

  it('treats showhidden:false like no flag', async () => {
    expect(await alice.send('scan:showhidden:false')).toBe(`data:${JSON.stringify(ownerView)}`);
  });

  it('filters with an unanchored regex over the stored key', async () => {
    expect(await alice.send('scan wavi')).toBe('data:["@bob:phone.wavi@alice","public:location.wavi@alice"]');
    expect(await alice.send('scan ^public.*key@')).toBe('data:["public:signing_publickey@alice"]');
  });

  it('breaks a regex holding a colon, as the reference does when it lowercases the verb part (§1.3)', async () => {
    // `scan ^public:` loses the space before its first `:` and no longer matches the scan grammar.
    expect(await alice.send('scan ^public:')).toBe('error:AT0003-Invalid syntax : Invalid syntax. scan');
  });

  it('matches the regex case-sensitively where the line keeps its case', async () => {
    // A line with `:` keeps the case after its first `:` (§1.3); the reference regex is case-sensitive.
    expect(await alice.send('scan:showhidden:false .WAVI')).toBe('data:[]');
    // A line without `:` is lowercased whole before it is matched.
    expect(await alice.send('SCAN .WAVI')).toBe('data:["@bob:phone.wavi@alice","public:location.wavi@alice"]');
  });

  it('answers [] when nothing matches', async () => {
    expect(await alice.sendExact('scan nothing-matches-this')).toBe('data:[]\n@alice@');
  });

  it('parses and ignores page', async () => {
    expect(await alice.send('scan:page:3')).toBe(`data:${JSON.stringify(ownerView)}`);
  });

  it('scans the local keys when forAtSign is the owner itself', async () => {
    expect(await alice.send('scan:@alice wavi')).toBe('data:["@bob:phone.wavi@alice","public:location.wavi@alice"]');
  });

  it('shows an unauthenticated connection the public keys without their public: prefix', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.sendExact('scan')).toBe(
      'data:["location.wavi@alice","name@alice","signing_publickey@alice"]\n@',
    );
    expect(await stranger.send('scan:showhidden:true')).toBe(
      'data:["location.wavi@alice","name@alice","signing_publickey@alice"]',
    );
    expect(await stranger.send('scan name')).toBe('data:["name@alice"]');
  });

  it('leaves out keys that are not yet born and keys whose ttl has passed', async () => {
    expect(await alice.send('update:ttb:60000:public:later.wavi@alice soon')).toMatch(/^data:\d+$/);
    expect(await alice.send('update:ttl:1000:public:brief.wavi@alice gone')).toMatch(/^data:\d+$/);
    expect(await alice.send('scan ^public.*wavi')).toBe(
      'data:["public:brief.wavi@alice","public:location.wavi@alice"]',
    );
    stack.clock.advance(60_001);
    expect(await alice.send('scan ^public.*wavi')).toBe(
      'data:["public:later.wavi@alice","public:location.wavi@alice"]',
    );
  });

  it('refuses scan of another atSign without authentication, with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.sendExact('scan:@bob')).toBe(
      'error:AT0401-Exception: Scan to another atSign cannot be performed without auth\n@',
    );
  });

  it('answers AT0007 for another atSign while this host has no route to other atServers', async () => {
    expect(await alice.send('scan:@bob .wavi')).toBe(
      'error:AT0007-Secondary server not found : Unable to find secondary address for atSign:bob',
    );
  });

  it('answers scan@ with invalid syntax and keeps the connection', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('scan@')).toBe('error:AT0003-Exception: Invalid syntax. scan');
    expect(await stranger.send('scan name')).toBe('data:["name@alice"]');
  });

  it('closes the connection on a regex that does not compile, with AT0011', async () => {
    const owner = await stack.owner('@alice');
    expect(await owner.sendExact('scan [')).toBe(
      'error:AT0011-Internal server exception : FormatException: Invalid regular expression: /[/: Unterminated character class\n@alice@',
    );
    await owner.raw.closed;
  });

  it('writes the invalid regex error in the unauthenticated form too', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('scan (')).toBe(
      'error:AT0011-Exception: FormatException: Invalid regular expression: /(/: Unterminated group',
    );
    await stranger.raw.closed;
  });

  describe('on an APKAM connection', () => {
    it('shows public keys and keys of enrolled namespaces, never __manage or namespace-less ones', async () => {
      const { connection } = await apkamConnection(stack, '@alice', { wavi: 'r', __manage: 'rw' });
      expect(await connection.send('scan')).toBe(
        'data:["@bob:phone.wavi@alice","public:later.wavi@alice","public:location.wavi@alice","public:name@alice","public:signing_publickey@alice"]',
      );
      // The enrollment record itself (namespace __manage) stays hidden even with showhidden.
      expect(await connection.send('scan:showhidden:true __manage')).toBe('data:[]');
    });

    it('shows everything the owner sees when the enrollment holds *', async () => {
      const { connection } = await apkamConnection(stack, '@alice', { '*': 'rw' });
      expect(await connection.send('scan nonamespace')).toBe('data:["nonamespace@alice"]');
    });

    it('shows nothing to an enrollment without namespaces', async () => {
      const { connection } = await apkamConnection(stack, '@alice', {});
      expect(await connection.send('scan')).toBe('data:[]');
    });
  });
});
