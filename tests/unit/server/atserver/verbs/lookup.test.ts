import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDartDate } from '$lib/at/dart-date';
import { AtError } from '$lib/at/errors';
import { formatReply } from '$lib/at/response';
import { lookup as lookupGrammar, plookup as plookupGrammar } from '$lib/at/verbs/lookup';
import { defaultAtServerLimits } from '$server/config';
import { silentLogger } from '$server/log';
import type { AtSignContext, RemoteLookup, VerbContext } from '$server/atserver/context';
import { freshMetadata } from '$server/atserver/records';
import { Session } from '$server/atserver/session';
import { AtSignStore } from '$server/atserver/store/atsign-store';
import { lookup, plookup } from '$server/atserver/verbs/lookup';
import { ManualClock } from '../../../../support/manual-clock';
import { tempDir } from '../../../../support/temp-dir';

/** The paths of lookup that need a peer or another atServer, which the wire tests cannot reach yet. */
describe('lookup for peers and other atServers', () => {
  let dir: { path: string; remove(): Promise<void> };
  let store: AtSignStore;
  const clock = new ManualClock();
  const requests: [string, string, { anonymous?: boolean } | undefined][] = [];

  const context = (remote?: RemoteLookup): AtSignContext => ({
    atSign: '@alice',
    store,
    clock,
    limits: defaultAtServerLimits,
    log: silentLogger,
    startedAt: clock.now(),
    version: 'test',
    inboundCount: () => 0,
    outboundCount: () => 0,
    connections: () => [],
    changed: () => {},
    remote,
  });
  const session = (setup: (session: Session) => void): Session => {
    const result = new Session('@alice', clock.now());
    setup(result);
    return result;
  };
  /** Another atServer answering `lookup:all:` with `answer`. */
  const remoteAnswering = (answer: string | AtError): RemoteLookup => ({
    request: async (atSign, command, options) => {
      requests.push([atSign, command, options]);
      if (answer instanceof AtError) throw answer;
      return answer;
    },
  });
  const put = (key: string, value: string) =>
    store.keys.put({ key, value, metadata: freshMetadata('@alice', clock.now()) }, '*');

  beforeEach(async () => {
    dir = await tempDir();
    store = AtSignStore.open(`${dir.path}/alice.sqlite`);
    requests.length = 0;
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  describe('from a peer atServer after pol', () => {
    const peer = (): VerbContext => ({
      server: context(),
      session: session((s) => {
        s.polAuthenticated = true;
        s.fromAtSign = '@bob';
      }),
    });

    it('reads the key shared with the peer, @bob:<key>@alice', async () => {
      await put('@bob:phone@alice', '+1-555-0100');
      const reply = await lookup(lookupGrammar.parse('lookup:phone@alice'), peer());
      expect(formatReply(reply, '@bob@')).toBe('data:+1-555-0100\n@bob@');
    });

    it('answers all with the stored key, as a Dart requester reads it', async () => {
      await put('@bob:phone@alice', '1');
      const reply = await lookup(lookupGrammar.parse('lookup:all:phone@alice'), peer());
      expect(formatReply(reply, '@bob@')).toMatch(/^data:\{"key":"@bob:phone@alice","data":"1","metaData":\{/);
    });

    it('answers AT0015 for a key not shared with the peer', async () => {
      await put('@carol:phone@alice', '1');
      await expect(lookup(lookupGrammar.parse('lookup:phone@alice'), peer())).rejects.toMatchObject({
        code: 'AT0015',
        message: '@bob:phone@alice does not exist in keystore',
      });
    });

    it('resolves references through keys shared with the peer', async () => {
      await put('@bob:home@alice', 'atsign://town@alice');
      await put('@bob:town@alice', 'x');
      await put('public:town@alice', 'Porto');
      const reply = await lookup(lookupGrammar.parse('lookup:home@alice'), peer());
      expect(formatReply(reply, '@bob@')).toBe('data:Porto\n@bob@');
    });
  });

  describe('of another atSign by the owner', () => {
    const owner = (remote?: RemoteLookup): VerbContext => ({
      server: context(remote),
      session: session((s) => (s.authenticated = true)),
    });
    const remoteRecord =
      '{"key":"@alice:phone@bob","data":"+44","metaData":{"createdBy":"@bob","createdAt":"2024-10-24 10:00:00.123Z","updatedAt":"2024-10-24 10:00:00.123Z","version":2,"ttr":86400,"ccd":false}}';

    it('answers AT0007 while no other atServer can be reached', async () => {
      await expect(lookup(lookupGrammar.parse('lookup:phone@bob'), owner())).rejects.toMatchObject({
        code: 'AT0007',
        message: 'Unable to find secondary address for atSign:bob',
      });
    });

    it('asks the other atServer for lookup:all as this atSign and answers the value', async () => {
      const reply = await lookup(lookupGrammar.parse('lookup:phone@bob'), owner(remoteAnswering(remoteRecord)));
      expect(formatReply(reply, '@alice@')).toBe('data:+44\n@alice@');
      expect(requests).toEqual([['@bob', 'lookup:all:phone@bob', { anonymous: false }]]);
    });

    it('names the record @alice:<key>@bob in an all answer, with the metadata of the copy it cached', async () => {
      const reply = await lookup(lookupGrammar.parse('lookup:all:phone@bob'), owner(remoteAnswering(remoteRecord)));
      const [now, refresh] = [formatDartDate(clock.now()), formatDartDate(clock.now() + 86_400_000)];
      expect(formatReply(reply, '@alice@')).toBe(
        `data:{"key":"@alice:phone@bob","data":"+44","metaData":{"createdBy":"@bob","updatedBy":"@alice","createdAt":"${now}",` +
          `"updatedAt":"${now}","refreshAt":"${refresh}","status":"active","version":0,"ttr":86400,"ccd":false}}\n@alice@`,
      );
    });

    it('answers the fresh cached copy without asking the other atServer again', async () => {
      const remote = remoteAnswering(remoteRecord);
      await lookup(lookupGrammar.parse('lookup:phone@bob'), owner(remote));
      const reply = await lookup(lookupGrammar.parse('lookup:all:phone@bob'), owner(remote));
      expect(formatReply(reply, '@alice@')).toMatch(/^data:\{"key":"cached:@alice:phone@bob","data":"\+44",/);
      expect(requests).toHaveLength(1);
    });

    it('answers AT0015 with the remoteLookUp text when the other atServer answers null', async () => {
      await expect(
        lookup(lookupGrammar.parse('lookup:phone@bob'), owner(remoteAnswering('null'))),
      ).rejects.toMatchObject({
        code: 'AT0015',
        message: "remoteLookUp: remote atServer returned String value 'null' for phone@bob",
      });
    });

    it('passes the other atServer’s error on', async () => {
      const missing = new AtError('AT0015', 'Exception: @alice:phone@bob does not exist in keystore');
      await expect(lookup(lookupGrammar.parse('lookup:phone@bob'), owner(remoteAnswering(missing)))).rejects.toBe(
        missing,
      );
    });

    it('asks for public data over an unauthenticated connection for plookup', async () => {
      const answer = remoteRecord.replace('"@alice:phone@bob"', '"public:phone@bob"');
      const reply = await plookup(plookupGrammar.parse('plookup:all:phone@bob'), owner(remoteAnswering(answer)));
      expect(formatReply(reply, '@alice@')).toMatch(/^data:\{"key":"public:phone@bob","data":"\+44",/);
      expect(requests).toEqual([['@bob', 'lookup:all:phone@bob', { anonymous: true }]]);
    });
  });
});
