import { describe, expect, it } from 'vitest';
import { update, updateMeta } from '$lib/at/verbs/update';
import { failure } from '../../../../support/at-error';

// Stand-ins for sdk-client-commands.md's <base64>: a data signature and an AES-CTR ciphertext.
const signature =
  'd2XFwnOCaamx8qcnBEOjg3pewes25rvxTQ8j/JJMv1dgU8b0TFbyaB2mhlniYaCpLfck+QsSsI/tpgYG5DM7PKFvQfm2KCFvxsVO5gEPPZZpMjfVvbG29VFq' +
  'NvUYO0Bv/nzqWBIfyXRgTlKNs2Rt8zoy2PPd6RAJVhZolJNXAg7OpYWtwqxLtxt5N1J02cycIDeQyTPkxZ1+/QFh6cNNL6bLncy4FSDWZuY1mHwe2bO8S0MN' +
  'VdFpgPrkkn83tz78z66h2qKs0CEgtxfNnt/+3Qz3tdKe7UuwmvcutvOu/fm1wFZ634ceT4xSRqF6cLtMyPL/g/1wAkGHL5uHFFOnbQ==';
const cipher = 'u4mt/9IDjuRQhPgowNJYAbMTSTL6lYSD6diF/LuJF2hOa6d4ex+XYxW4LIuJsTm7';

const noScope = { publicScope: false };
const publicScope = { publicScope: true };
const forBob = { publicScope: false, forAtSign: 'bob' };

describe('update (atprotocol.md §5.5)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. e.g. update:@alice:location@bob San Francisco' };

  describe('every update line the SDKs send (sdk-client-commands.md)', () => {
    it.each([
      [
        `update:dataSignature:${signature}:isEncrypted:true:interop_self_d3eb96b2@alice ${cipher}`,
        { metadata: { dataSignature: signature, isEncrypted: true }, ...noScope, atKey: 'interop_self_d3eb96b2' },
        cipher,
      ],
      [
        `update:dataSignature:${signature}:public:interop_pub_d3eb96b2@alice public value d3eb96b2`,
        { metadata: { dataSignature: signature }, ...publicScope, atKey: 'interop_pub_d3eb96b2' },
        'public value d3eb96b2',
      ],
      [`update:shared_key.bob@alice ${cipher}`, { metadata: {}, ...noScope, atKey: 'shared_key.bob' }, cipher],
      [
        `update:ttr:86400000:@bob:shared_key@alice ${cipher}`,
        { metadata: { ttr: 86400000 }, ...forBob, atKey: 'shared_key' },
        cipher,
      ],
      [
        `update:isEncrypted:true:@bob:interop_shared_d3eb96b2@alice ${cipher}`,
        { metadata: { isEncrypted: true }, ...forBob, atKey: 'interop_shared_d3eb96b2' },
        cipher,
      ],
      [
        `update:ivNonce:6hDVIoizpUlgHs2pXQ284w==:c_self_10c36494.interop@alice ${cipher}`,
        { metadata: { ivNonce: '6hDVIoizpUlgHs2pXQ284w==' }, ...noScope, atKey: 'c_self_10c36494.interop' },
        cipher,
      ],
      [
        'update:public:c_pub_10c36494.interop@alice public value 10c36494',
        { metadata: {}, ...publicScope, atKey: 'c_pub_10c36494.interop' },
        'public value 10c36494',
      ],
      [
        `update:ivNonce:V+3E8WUj49PiKJLUs6ynMQ==:@bob:c_shared_10c36494.interop@alice ${cipher}`,
        { metadata: { ivNonce: 'V+3E8WUj49PiKJLUs6ynMQ==' }, ...forBob, atKey: 'c_shared_10c36494.interop' },
        cipher,
      ],
      [
        `update:dataSignature:${signature}:isBinary:false:isEncrypted:true:j_self_c1cec266@alice ${cipher}`,
        {
          metadata: { dataSignature: signature, isBinary: false, isEncrypted: true },
          ...noScope,
          atKey: 'j_self_c1cec266',
        },
        cipher,
      ],
      [
        `update:dataSignature:${signature}:isBinary:false:isEncrypted:false:public:j_pub_c1cec266@alice public value c1cec266`,
        {
          metadata: { dataSignature: signature, isBinary: false, isEncrypted: false },
          ...publicScope,
          atKey: 'j_pub_c1cec266',
        },
        'public value c1cec266',
      ],
      [
        `update:isBinary:false:isEncrypted:true:@bob:j_shared_c1cec266@alice ${cipher}`,
        { metadata: { isBinary: false, isEncrypted: true }, ...forBob, atKey: 'j_shared_c1cec266' },
        cipher,
      ],
    ])('reads %s and writes it back unchanged', (line, fields, value) => {
      expect(update.parse(line)).toEqual({ verb: 'update', ...fields, atSign: 'alice', value });
      expect(update.format(update.parse(line))).toBe(line);
    });
  });

  it.each([
    // §12.1
    ['update:public:location@alice New York', { metadata: {}, ...publicScope, atKey: 'location', atSign: 'alice' }],
    // §4.5: a self key written with its owner as sharedWith
    ['update:ttl:3000:@alice:offer@alice x', { metadata: { ttl: 3000 }, publicScope: false, forAtSign: 'alice' }],
    // the usage text's own example
    ['update:@alice:location@bob San Francisco', { metadata: {}, forAtSign: 'alice', atKey: 'location' }],
  ])('reads the reference example %s and writes it back unchanged', (line, fields) => {
    expect(update.parse(line)).toMatchObject({ verb: 'update', ...fields });
    expect(update.format(update.parse(line))).toBe(line);
  });

  it('reads ttr:86400000 as the SDKs send it, leaving its unit (seconds) to the handler', () => {
    expect(update.parse(`update:ttr:86400000:@bob:shared_key@alice ${cipher}`)).toMatchObject({
      metadata: { ttr: 86400000 },
    });
  });

  it('reads privatekey:at_pkam_publickey as a key with no owner (§5.5 step 9)', () => {
    const line = `update:privatekey:at_pkam_publickey ${cipher}`;
    expect(update.parse(line)).toEqual({
      verb: 'update',
      metadata: {},
      publicScope: false,
      atKey: 'privatekey:at_pkam_publickey',
      value: cipher,
    });
    expect(update.format(update.parse(line))).toBe(line);
  });

  it('keeps every byte after the first space as the value, a second space included (§4.4)', () => {
    const line = 'update:public:k@alice  x';
    expect(update.parse(line)).toMatchObject({ atKey: 'k', value: ' x' });
    expect(update.format(update.parse(line))).toBe(line);
  });

  it('reads all sixteen metadata fields in the fragment order and writes them back in it', () => {
    const line =
      'update:ttl:1000:ttb:2000:ttr:-1:ccd:true:dataSignature:c2ln:sharedKeyStatus:SHARED_WITH_NOTIFIED:isBinary:true' +
      ':isEncrypted:true:sharedKeyEnc:a2V5:pubKeyCS:9f2c:encoding:base64:encKeyName:shared_key.bob:encAlgo:AES/CTR/PKCS7Padding' +
      ':ivNonce:aXY=:skeEncKeyName:publickey:skeEncAlgo:RSA-2048:@bob:phone@alice +1 555';
    expect(update.parse(line)).toMatchObject({
      metadata: {
        ttl: 1000,
        ttb: 2000,
        ttr: -1,
        ccd: true,
        dataSignature: 'c2ln',
        sharedKeyStatus: 'SHARED_WITH_NOTIFIED',
        isBinary: true,
        isEncrypted: true,
        sharedKeyEnc: 'a2V5',
        pubKeyCS: '9f2c',
        encoding: 'base64',
        encKeyName: 'shared_key.bob',
        encAlgo: 'AES/CTR/PKCS7Padding',
        ivNonce: 'aXY=',
        skeEncKeyName: 'publickey',
        skeEncAlgo: 'RSA-2048',
      },
      forAtSign: 'bob',
      value: '+1 555',
    });
    expect(update.format(update.parse(line))).toBe(line);
  });

  it('passes a negative ttl through for the handler to refuse (§4.5)', () => {
    expect(update.parse('update:ttl:-5:k@alice v')).toMatchObject({ metadata: { ttl: -5 } });
  });

  it('keeps the literal null that clears a text field (§4.5)', () => {
    expect(update.parse('update:encoding:null:k@alice v')).toMatchObject({ metadata: { encoding: 'null' } });
  });

  it('reads metadata names and values case-insensitively, and the key as written (§1.3)', () => {
    const command = update.parse('update:TTL:10:ISENCRYPTED:TRUE:PUBLIC:Phone@Alice V');
    expect(command).toEqual({
      verb: 'update',
      metadata: { ttl: 10, isEncrypted: true },
      publicScope: true,
      atKey: 'Phone',
      atSign: 'Alice',
      value: 'V',
    });
    expect(update.format(command)).toBe('update:ttl:10:isEncrypted:true:public:Phone@Alice V');
  });

  describe('update:json', () => {
    it('decodes the JSON object and writes it back unchanged', () => {
      const line =
        'update:json:{"atKey":"phone","value":"+1 555","sharedBy":"@alice","sharedWith":"@bob",' +
        '"metadata":{"ttl":1000,"isBinary":false,"isEncrypted":false,"isPublic":false}}';
      expect(update.parse(line)).toEqual({
        verb: 'update:json',
        json: {
          atKey: 'phone',
          value: '+1 555',
          sharedBy: '@alice',
          sharedWith: '@bob',
          metadata: { ttl: 1000, isBinary: false, isEncrypted: false, isPublic: false },
        },
      });
      expect(update.format(update.parse(line))).toBe(line);
    });

    it('answers JSON that does not parse with AT0011 and closes the connection', () => {
      const error = failure(() => update.parse('update:json:{"atKey":'));
      expect(error.code).toBe('AT0011');
      expect(error.closesConnection).toBe(true);
    });

    it('answers JSON that is not an object with AT0010 and keeps the connection', () => {
      const error = failure(() => update.parse('update:json:["phone"]'));
      expect(error.code).toBe('AT0010');
      expect(error.closesConnection).toBe(false);
    });
  });

  it.each([
    ['isBinary after isEncrypted (the fragment order is fixed)', 'update:isEncrypted:true:isBinary:true:k@alice v'],
    ['public: together with @bob:', 'update:public:@bob:k@alice v'],
    ['metadata after the scope', 'update:@bob:ttl:1000:k@alice v'],
    ['a missing value', 'update:public:k@alice'],
    ['a missing key', 'update:public: v'],
    ['@@ in the owner', 'update:k@@alice v'],
    ['a colon inside the key', 'update:a:b@alice v'],
    [
      'a :hash: group, which the client library emits and the server regex lacks',
      `update:isEncrypted:true:hash:9f2c:algo:sha256:@bob:phone@alice ${cipher}`,
    ],
    ['a boolean other than true or false', 'update:isBinary:yes:k@alice v'],
    ['a privatekey: key other than at_pkam_publickey', `update:privatekey:at_secret ${cipher}`],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => update.parse(line))).toMatchObject(invalid);
  });
});

describe('update:meta (§5.6)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. update:meta:ttl:20000:ttb:20000:ttr:20000' };

  it.each([
    [
      'update:meta:@bob:phone@alice:ttl:600000:isBinary:true',
      { ...forBob, atKey: 'phone', atSign: 'alice', metadata: { ttl: 600000, isBinary: true } },
    ],
    [
      'update:meta:public:location@alice:ttr:-1:ccd:true',
      { ...publicScope, atKey: 'location', atSign: 'alice', metadata: { ttr: -1, ccd: true } },
    ],
    [
      'update:meta:phone.wavi@alice:ttb:5000',
      { ...noScope, atKey: 'phone.wavi', atSign: 'alice', metadata: { ttb: 5000 } },
    ],
  ])('reads %s (metadata after the key) and writes it back unchanged', (line, fields) => {
    expect(updateMeta.parse(line)).toEqual({ verb: 'update:meta', ...fields });
    expect(updateMeta.format(updateMeta.parse(line))).toBe(line);
  });

  it.each([
    ['metadata before the key, as update takes it', 'update:meta:ttl:600000:@bob:phone@alice'],
    ['a key without its owner', 'update:meta:phone:ttl:1000'],
    ['a one-character key, which the reference regex needs two characters for', 'update:meta:k@alice:ttl:1000'],
    ['isBinary after isEncrypted', 'update:meta:phone@alice:isEncrypted:true:isBinary:true'],
  ])('refuses %s with AT0003', (_case, line) => {
    expect(failure(() => updateMeta.parse(line))).toMatchObject(invalid);
  });
});
