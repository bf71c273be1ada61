import { describe, expect, it } from 'vitest';
import type { Scan } from '$lib/at/verbs/scan';
import type { AtSignContext, VerbContext } from '$server/atserver/context';
import { Session } from '$server/atserver/session';
import { scan, visibleKeys } from '$server/atserver/verbs/scan';

const keys = [
  '@bob:phone.wavi@alice',
  '@bob:public:odd@alice',
  '@carol:phone.wavi@alice',
  'phone.wavi@alice',
  'public:location@alice',
  'public:_hidden@alice',
];

describe('visibleKeys', () => {
  it('shows a peer after pol only the keys shared with it, without their @bob: prefix', () => {
    expect(visibleKeys(keys, { kind: 'peer', atSign: '@bob' })).toEqual(['phone.wavi@alice', 'public:odd@alice']);
  });

  it('removes public: wherever it appears, as the reference replaceAll does', () => {
    expect(visibleKeys(['public:a.public:b@alice'], { kind: 'anonymous' })).toEqual(['a.b@alice']);
  });

  it('leaves an APKAM owner keys whose namespace it enrolled, never keys whose last dot follows the atSign', () => {
    expect(
      visibleKeys(['x.wavi@alice', 'y@alice.wavi', 'z.__manage@alice'], {
        kind: 'owner',
        showHidden: false,
        namespaces: { wavi: 'rw', __manage: 'rw' },
      }),
    ).toEqual(['x.wavi@alice']);
  });
});

describe('scan of another atSign', () => {
  /** A context whose only federation is `remote`; scan of another atSign touches nothing else. */
  function ownerContext(remote: AtSignContext['remote']): VerbContext {
    const session = new Session('@alice', 0);
    session.authenticated = true;
    return { server: { atSign: '@alice', remote } as AtSignContext, session };
  }

  it('asks that atSign for scan with the regex and answers its data verbatim', async () => {
    const asked: string[] = [];
    const remote = {
      request: (atSign: string, command: string) => {
        asked.push(`${atSign} ${command}`);
        return Promise.resolve('["phone.wavi@bob"]');
      },
    };
    const command: Scan = { verb: 'scan', showHidden: true, forAtSign: '@bob', regex: '.wavi' };
    expect(await scan(command, ownerContext(remote))).toEqual({
      kind: 'data',
      data: '["phone.wavi@bob"]',
      spaced: false,
    });
    expect(await scan({ verb: 'scan', forAtSign: '@bob' }, ownerContext(remote))).toMatchObject({
      data: '["phone.wavi@bob"]',
    });
    expect(asked).toEqual(['@bob scan .wavi', '@bob scan']);
  });
});
