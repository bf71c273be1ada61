import { describe, expect, it } from 'vitest';
import type { Grammar } from '$lib/at/verbs/grammar';
import {
  notify,
  notifyAll,
  notifyFetch,
  notifyList,
  notifyRemove,
  notifyStatus,
  type Notify,
} from '$lib/at/verbs/notify';
import { failure } from '../../../../support/at-error';

// Stand-ins for the `<base64>` of sdk-client-commands.md and the `<ciphertext>` of atprotocol.md §12.4.
const ciphertext = 'q1Yh8m0d3+Zb/7Nw4lE2pQ9vXk0aR5sT1uVwXyZ0aBc=';
const longCiphertext = 'Vm9sdW1lIG9uZSwgY2hhcHRlciBvbmU6IGFuIGF0U2lnbiBpcyBib3JuLg+/AAECAwQFBgcICQ==';

// atprotocol.md §5, copied from its fenced blocks.
const referenceMetadataFragment =
  String.raw`(:ttl:(?<ttl>(-?)\d+))?(:ttb:(?<ttb>(-?)\d+))?(:ttr:(?<ttr>(-?)\d+))?(:ccd:(?<ccd>true|false))?` +
  String.raw`(:dataSignature:(?<dataSignature>[^:@\s]+))?(:sharedKeyStatus:(?<sharedKeyStatus>[^:@\s]+))?` +
  String.raw`(:isBinary:(?<isBinary>true|false))?(:isEncrypted:(?<isEncrypted>true|false))?` +
  String.raw`(:sharedKeyEnc:(?<sharedKeyEnc>[^:@\s]+))?(:pubKeyCS:(?<pubKeyCS>[^:@\s]+))?` +
  String.raw`(:encoding:(?<encoding>[^:@\s]+))?(:encKeyName:(?<encKeyName>[^:@\s]+))?` +
  String.raw`(:encAlgo:(?<encAlgo>[^:@\s]+))?(:ivNonce:(?<ivNonce>[^:@\s]+))?` +
  String.raw`(:skeEncKeyName:(?<skeEncKeyName>[^:@\s]+))?(:skeEncAlgo:(?<skeEncAlgo>[^:@\s]+))?`;

describe('notify family regexes', () => {
  it.each([
    [
      notify.name,
      notify,
      String.raw`^notify(:id:(?<id>[\w\d\-\_]+))?(:(?<operation>update|delete))?(:messageType:(?<messageType>key|text))?(:priority:(?<priority>low|medium|high))?(:strategy:(?<strategy>all|latest))?(:latestN:(?<latestN>\d+))?(:notifier:(?<notifier>[^\s:]+))?(:ttln:(?<ttln>\d+))?` +
        referenceMetadataFragment +
        String.raw`:((?<publicScope>public)|(@(?<forAtSign>[^:@\s]+))):(?<atKey>[^:@]((?!:{2})[^@])+)(@(?<atSign>[^:@\s]+))?(:(?<value>.+))?$`,
    ],
    [
      notifyList.name,
      notifyList,
      String.raw`^notify:list(:(?<fromDate>\d{4}-[01]?\d?-[0123]?\d?))?(:(?<toDate>\d{4}-[01]?\d?-[0123]?\d?))?(:(?<regex>[^:]+))?`,
    ],
    [notifyStatus.name, notifyStatus, String.raw`^notify:status:(?<notificationId>\S+)$`],
    [notifyFetch.name, notifyFetch, String.raw`^notify:fetch:(?<notificationId>\S+)$`],
    [notifyRemove.name, notifyRemove, String.raw`notify:remove:(?<id>[\w\d\-\_]+)`],
    [
      notifyAll.name,
      notifyAll,
      String.raw`^notify:all:((?<operation>update|delete):)?(messageType:((?<messageType>key|text):))?(?:ttl:(?<ttl>\d+):)?(?:ttb:(?<ttb>\d+):)?(?:ttr:(?<ttr>-?\d+):)?(?:ccd:(?<ccd>true|false+):)?(?<forAtSign>(([^:\s])+)?(,([^:\s]+))*)(:(?<atKey>[^@:\s]+))(@(?<atSign>[^@:\s]+))?(:(?<value>.+))?$`,
    ],
  ])('uses the reference regex of %s verbatim', (_, grammar, reference) => {
    expect(grammar.source).toBe(reference);
  });
});

describe('notify', () => {
  const sdkLines = [
    `notify:id:a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8:update:isEncrypted:true:ivNonce:qLh2St2PSEeJgBer8q0kkQ==:@bob:interop_note_d3eb96b2@alice:${longCiphertext}`,
    `notify:update:ivNonce:vlWunPFJJd1+33HO2QFDLA==:@bob:c_note_10c36494.interop@alice:${ciphertext}`,
    `notify:update:messageType:key:@bob:j_note_c1cec266@alice:${ciphertext}`,
  ];
  const serverBodies = [
    'notify:id:1234:messageType:key:notifier:system:ttln:900000:@bob:phone@alice',
    'notify:id:1234:delete:messageType:key:notifier:system:ttln:900000:@bob:phone@alice',
    'notify:id:1234:messageType:text:notifier:wavi:ttln:900000:@bob:phone@alice',
    'notify:id:1234:update:messageType:key:notifier:system:ttln:86400000:ttr:1:ccd:true:isEncrypted:false:sharedKeyEnc:abc:pubKeyCS:123:encKeyName:ekn:encAlgo:ea:ivNonce:ivn:skeEncKeyName:ske_ekn:skeEncAlgo:ske_ea:@bob:test.test@alice:Hi Bob, Alice here',
    'notify:id:5d8b2c0e-1f3a-4b6c-9d7e-8f9a0b1c2d3e:update:messageType:key:notifier:SYSTEM:ttln:86400000:ttl:0:ttb:0:ttr:60000:ccd:false:isEncrypted:true:sharedKeyEnc:abc:pubKeyCS:3c55f1a2:@bob:phone.wavi@alice:Some ciphertext',
    `notify:id:3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60:update:messageType:key:notifier:SYSTEM:ttln:86400000:ttl:0:ttb:0:ttr:-1:ccd:false:isEncrypted:true:@bob:phone@alice:${ciphertext}`,
  ];

  it.each([...sdkLines, ...serverBodies])('formats %s back unchanged', (line) => {
    expect(notify.format(notify.parse(line))).toBe(line);
  });

  it('keeps the id, isEncrypted and ivNonce of an SDK notify line', () => {
    expect(notify.parse(sdkLines[0] ?? '')).toEqual<Notify>({
      verb: 'notify',
      id: 'a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8',
      operation: 'update',
      metadata: { isEncrypted: true, ivNonce: 'qLh2St2PSEeJgBer8q0kkQ==' },
      publicScope: false,
      forAtSign: 'bob',
      atKey: 'interop_note_d3eb96b2',
      atSign: 'alice',
      value: longCiphertext,
    });
  });

  it('keeps an ivNonce containing + in the C SDK line', () => {
    const command = notify.parse(sdkLines[1] ?? '');
    expect(command.metadata).toEqual({ ivNonce: 'vlWunPFJJd1+33HO2QFDLA==' });
    expect(command.atKey).toBe('c_note_10c36494.interop');
    expect(command.value).toBe(ciphertext);
  });

  it('reads the Java SDK line with an explicit messageType and no metadata', () => {
    expect(notify.parse('notify:update:messageType:key:@bob:j_note_c1cec266@alice:AAAA')).toEqual<Notify>({
      verb: 'notify',
      operation: 'update',
      messageType: 'key',
      metadata: {},
      publicScope: false,
      forAtSign: 'bob',
      atKey: 'j_note_c1cec266',
      atSign: 'alice',
      value: 'AAAA',
    });
  });

  it('reads every part of a server-to-server delivery body (atprotocol.md §6.4)', () => {
    expect(notify.parse(serverBodies[3] ?? '')).toEqual<Notify>({
      verb: 'notify',
      id: '1234',
      operation: 'update',
      messageType: 'key',
      notifier: 'system',
      ttln: 86400000,
      metadata: {
        ttr: 1,
        ccd: true,
        isEncrypted: false,
        sharedKeyEnc: 'abc',
        pubKeyCS: '123',
        encKeyName: 'ekn',
        encAlgo: 'ea',
        ivNonce: 'ivn',
        skeEncKeyName: 'ske_ekn',
        skeEncAlgo: 'ske_ea',
      },
      publicScope: false,
      forAtSign: 'bob',
      atKey: 'test.test',
      atSign: 'alice',
      value: 'Hi Bob, Alice here',
    });
  });

  it('reads a negative ttr and the zero ttl/ttb a delivery always carries (§12.4)', () => {
    expect(notify.parse(serverBodies[5] ?? '').metadata).toEqual({
      ttl: 0,
      ttb: 0,
      ttr: -1,
      ccd: false,
      isEncrypted: true,
    });
  });

  it('reads priority, strategy latest, latestN and notifier in the reference order', () => {
    const line =
      'notify:id:42:update:priority:high:strategy:latest:latestN:3:notifier:wavi:ttln:60000:@bob:phone.wavi@alice:v';
    expect(notify.parse(line)).toMatchObject({
      id: '42',
      priority: 'high',
      strategy: 'latest',
      latestN: 3,
      notifier: 'wavi',
      ttln: 60000,
    });
    expect(notify.format(notify.parse(line))).toBe(line);
  });

  it('takes a text message from the key position (the spec form `notify:messageType:text:@you:msg`)', () => {
    const command = notify.parse('notify:messageType:text:@bob:hello there');
    expect(command).toMatchObject({ messageType: 'text', forAtSign: 'bob', atKey: 'hello there' });
    expect(command.atSign).toBeUndefined();
    expect(command.value).toBeUndefined();
  });

  it('eats the part of a text message after @ as the sender atSign (§6.5 quirk)', () => {
    expect(notify.parse('notify:messageType:text:@bob:mail me@home')).toMatchObject({
      atKey: 'mail me',
      atSign: 'home',
    });
  });

  it('accepts a notify without sender (the connection atSign is the sender)', () => {
    const command = notify.parse('notify:@bob:phone');
    expect(command).toMatchObject({ forAtSign: 'bob', atKey: 'phone', metadata: {} });
    expect(command.atSign).toBeUndefined();
  });

  it('reads a forwarded public key as public scope without recipient (§6.5 quirk)', () => {
    const line =
      'notify:id:7:update:messageType:key:notifier:SYSTEM:ttln:900000:ttl:0:ttb:0:isEncrypted:false:public:phone@alice:+1 555';
    const command = notify.parse(line);
    expect(command).toMatchObject({ publicScope: true, atKey: 'phone', atSign: 'alice', value: '+1 555' });
    expect(command.forAtSign).toBeUndefined();
    expect(notify.format(command)).toBe(line);
  });

  it('keeps public: inside the key when a client notifies a public key to @bob', () => {
    expect(notify.parse('notify:update:@bob:public:phone@alice:v')).toMatchObject({
      forAtSign: 'bob',
      atKey: 'public:phone',
      atSign: 'alice',
      value: 'v',
    });
  });

  it('keeps every colon of a value', () => {
    const line = 'notify:@bob:phone@alice:a:b::c';
    expect(notify.parse(line).value).toBe('a:b::c');
    expect(notify.format(notify.parse(line))).toBe(line);
  });

  it('reads options case-insensitively and formats them lowercase', () => {
    const command = notify.parse('notify:UPDATE:messageType:KEY:strategy:ALL:@bob:phone@alice');
    expect(command).toMatchObject({ operation: 'update', messageType: 'key', strategy: 'all' });
    expect(notify.format(command)).toBe('notify:update:messageType:key:strategy:all:@bob:phone@alice');
  });

  it('writes metadata in wire order whatever order the command object lists it in', () => {
    const command: Notify = {
      verb: 'notify',
      operation: 'update',
      metadata: { ivNonce: 'AAECAwQFBgcICQoLDA0ODw==', isEncrypted: true },
      publicScope: false,
      forAtSign: 'bob',
      atKey: 'note',
      atSign: 'alice',
      value: ciphertext,
    };
    expect(notify.format(command)).toBe(
      `notify:update:isEncrypted:true:ivNonce:AAECAwQFBgcICQoLDA0ODw==:@bob:note@alice:${ciphertext}`,
    );
  });

  it.each([
    ['a key without public: or @recipient:', 'notify:phone@alice'],
    ['latestN after notifier', 'notify:update:strategy:latest:notifier:x:latestN:3:@bob:phone@alice'],
    ['ttln after the metadata', 'notify:ttl:1000:ttln:5000:@bob:phone@alice'],
    ['messageType before the operation', 'notify:messageType:key:update:@bob:phone@alice'],
    ['isEncrypted before isBinary', 'notify:isEncrypted:true:isBinary:false:@bob:phone@alice'],
    ['ccd:null after a ttr (§6.4)', 'notify:ttr:10:ccd:null:@bob:phone@alice'],
    ['an unknown metadata field', 'notify:hash:abc:algo:sha256:@bob:phone@alice'],
    ['no key after the recipient', 'notify:@bob'],
    ['a space in the id', 'notify:id:a b:@bob:phone@alice'],
    ['nothing after notify:', 'notify:'],
  ])('rejects %s as invalid syntax', (_, line) => {
    const error = failure(() => notify.parse(line));
    expect(error.code).toBe('AT0003');
    expect(error.message).toBe('Invalid syntax. e.g notify:@colin:key@kevin');
  });

  it.each(['notify:strategy:latest:@bob:phone@alice', 'notify:strategy:LATEST:latestN:2:@bob:phone@alice'])(
    'refuses strategy latest without a notifier in %s',
    (line) => {
      const error = failure(() => notify.parse(line));
      expect(error.code).toBe('AT0003');
      expect(error.message).toBe('For Strategy latest, notifier cannot be null');
    },
  );
});

describe('notify:list', () => {
  it.each([
    ['notify:list', {}],
    ['notify:list:.*wavi', { regex: '.*wavi' }],
    ['notify:list:2024-10-01', { fromDate: '2024-10-01' }],
    ['notify:list:2024-10-01:2024-10-24', { fromDate: '2024-10-01', toDate: '2024-10-24' }],
    ['notify:list:2024-10-01:2024-10-24:.*wavi', { fromDate: '2024-10-01', toDate: '2024-10-24', regex: '.*wavi' }],
    ['notify:list:2024-1-5:phone', { fromDate: '2024-1-5', regex: 'phone' }],
  ])('reads %s and formats it back unchanged', (line, parts) => {
    const command = notifyList.parse(line);
    expect(command).toEqual({ verb: 'notify:list', ...parts });
    expect(notifyList.format(command)).toBe(line);
  });

  it('ignores what follows the last part it reads, as the unanchored reference regex does', () => {
    expect(notifyList.parse('notify:list:phone:wavi')).toEqual({ verb: 'notify:list', regex: 'phone' });
    expect(notifyList.parse('notify:list:2024-10-24x')).toEqual({ verb: 'notify:list', fromDate: '2024-10-24' });
  });

  it('lists everything for notify:listen, which the verb table routes here', () => {
    expect(notifyList.parse('notify:listen:phone')).toEqual({ verb: 'notify:list' });
  });

  it('reads a regex that looks like a date as the fromDate', () => {
    expect(notifyList.parse('notify:list:2024-10-24')).toEqual({ verb: 'notify:list', fromDate: '2024-10-24' });
  });

  it('rejects a line that is not notify:list', () => {
    const error = failure(() => notifyList.parse('notify:lst:phone'));
    expect(error.code).toBe('AT0003');
    expect(error.message).toBe('Invalid syntax. e.g notify:list [regular expression]');
  });
});

function describeIdLookup<C extends { readonly verb: string; readonly notificationId: string }>(
  grammar: Grammar<C>,
  usage: string,
): void {
  describe(grammar.name, () => {
    it('reads the notification id and formats it back unchanged', () => {
      const line = `${grammar.name}:a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8`;
      const command = grammar.parse(line);
      expect(command).toEqual({ verb: grammar.name, notificationId: 'a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8' });
      expect(grammar.format(command)).toBe(line);
    });

    it('takes any run of non-space characters as the id', () => {
      expect(grammar.parse(`${grammar.name}:weird:id@x`).notificationId).toBe('weird:id@x');
    });

    it.each(['', ' ', 'two words'])('rejects the id %j', (id) => {
      const error = failure(() => grammar.parse(`${grammar.name}:${id}`));
      expect(error.code).toBe('AT0003');
      expect(error.message).toBe(`Invalid syntax. ${usage}`);
    });
  });
}

describeIdLookup(notifyStatus, 'e.g notify:status:<notification-id>');
describeIdLookup(notifyFetch, 'e.g notify:fetch:<notification-id>');

describe('notify:remove', () => {
  it('reads the notification id and formats it back unchanged', () => {
    const line = 'notify:remove:a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8';
    const command = notifyRemove.parse(line);
    expect(command).toEqual({ verb: 'notify:remove', notificationId: 'a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8' });
    expect(notifyRemove.format(command)).toBe(line);
  });

  it('stops the id at the first character outside [\\w-], as the unanchored reference regex does', () => {
    expect(notifyRemove.parse('notify:remove:abc def').notificationId).toBe('abc');
    expect(notifyRemove.parse('notify:remove:abc.def').notificationId).toBe('abc');
  });

  it.each(['notify:remove:', 'notify:remove:!abc', 'notify:remove: abc'])('rejects %j', (line) => {
    const error = failure(() => notifyRemove.parse(line));
    expect(error.code).toBe('AT0003');
    expect(error.message).toBe('Invalid syntax. e.g notify:remove:<notificationId>');
  });
});

describe('notify:all', () => {
  it('reads the usage example into a list of recipients', () => {
    expect(notifyAll.parse('notify:all:@alice,@bob:key1@colin')).toEqual({
      verb: 'notify:all',
      metadata: {},
      recipients: ['@alice', '@bob'],
      atKey: 'key1',
      atSign: 'colin',
    });
  });

  it('reads every option, the time metadata and a value', () => {
    const line =
      'notify:all:update:messageType:key:ttl:60000:ttb:0:ttr:-1:ccd:true:@bob,@carol:phone.wavi@alice:+1 555';
    const command = notifyAll.parse(line);
    expect(command).toEqual({
      verb: 'notify:all',
      operation: 'update',
      messageType: 'key',
      metadata: { ttl: 60000, ttb: 0, ttr: -1, ccd: true },
      recipients: ['@bob', '@carol'],
      atKey: 'phone.wavi',
      atSign: 'alice',
      value: '+1 555',
    });
    expect(notifyAll.format(command)).toBe(line);
  });

  it.each([
    'notify:all:@alice,@bob:key1@colin',
    'notify:all:delete:@bob:phone@alice',
    'notify:all:messageType:text:@bob,@carol:hello',
    'notify:all:ttr:3600:ccd:false:@bob:phone@alice',
    'notify:all:@bob,@bob:phone@alice:v',
  ])('formats %s back unchanged', (line) => {
    expect(notifyAll.format(notifyAll.parse(line))).toBe(line);
  });

  it('keeps duplicates and the missing @ as written (the handler dedupes)', () => {
    expect(notifyAll.parse('notify:all:bob,@bob,bob:phone@alice').recipients).toEqual(['bob', '@bob', 'bob']);
  });

  it('reads an empty recipient list as no recipients', () => {
    const command = notifyAll.parse('notify:all::phone@alice');
    expect(command.recipients).toEqual([]);
    expect(notifyAll.format(command)).toBe('notify:all::phone@alice');
  });

  it("reads the reference's ccd:false+ typo (ccd:falsee) as false", () => {
    expect(notifyAll.parse('notify:all:ttr:10:ccd:falsee:@bob:phone@alice').metadata).toEqual({ ttr: 10, ccd: false });
  });

  it.each([
    ['no key after the recipients', 'notify:all:@bob'],
    ['a space in the recipients', 'notify:all:@bob, @carol:phone@alice'],
    ['a space in the key', 'notify:all:@bob:my phone@alice'],
    ['nothing after notify:all:', 'notify:all:'],
  ])('rejects %s as invalid syntax', (_, line) => {
    const error = failure(() => notifyAll.parse(line));
    expect(error.code).toBe('AT0003');
    expect(error.message).toBe('Invalid syntax. e.g notify:all:@alice,@bob:key1@colin');
  });
});
