import { describe, expect, it } from 'vitest';
import { del } from '$lib/at/verbs/delete';
import { failure } from '../../../../support/at-error';

const plain = { verb: 'delete', cached: false, publicScope: false };
const publicKey = { verb: 'delete', cached: false, publicScope: true };
const forBob = { ...plain, forAtSign: 'bob' };

describe('delete (atprotocol.md §5.11)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. syntax delete:@<atkey> \n e.g delete:phone@alice' };

  it.each([
    // sdk-client-commands.md
    ['delete:interop_self_d3eb96b2@alice', { ...plain, atKey: 'interop_self_d3eb96b2' }],
    ['delete:public:interop_pub_d3eb96b2@alice', { ...publicKey, atKey: 'interop_pub_d3eb96b2' }],
    ['delete:@bob:interop_shared_d3eb96b2@alice', { ...forBob, atKey: 'interop_shared_d3eb96b2' }],
    ['delete:c_self_10c36494.interop@alice', { ...plain, atKey: 'c_self_10c36494.interop' }],
    ['delete:public:c_pub_10c36494.interop@alice', { ...publicKey, atKey: 'c_pub_10c36494.interop' }],
    ['delete:@bob:c_shared_10c36494.interop@alice', { ...forBob, atKey: 'c_shared_10c36494.interop' }],
    ['delete:j_self_c1cec266@alice', { ...plain, atKey: 'j_self_c1cec266' }],
    ['delete:public:j_pub_c1cec266@alice', { ...publicKey, atKey: 'j_pub_c1cec266' }],
    ['delete:@bob:j_shared_c1cec266@alice', { ...forBob, atKey: 'j_shared_c1cec266' }],
    // §5.11: protected keys are refused by the handler, not by the grammar
    ['delete:public:signing_publickey@alice', { ...publicKey, atKey: 'signing_publickey' }],
    ['delete:@alice:signing_privatekey@alice', { ...plain, forAtSign: 'alice', atKey: 'signing_privatekey' }],
    ['delete:public:publickey@alice', { ...publicKey, atKey: 'publickey' }],
    ['delete:phone@alice', { ...plain, atKey: 'phone' }],
    ['delete:priority:high:phone@alice', { ...plain, priority: 'high', atKey: 'phone' }],
  ])('reads %s and writes it back unchanged', (line, fields) => {
    expect(del.parse(line)).toEqual({ ...fields, atSign: 'alice' });
    expect(del.format(del.parse(line))).toBe(line);
  });

  it('reads privatekey:at_secret as a key with no owner', () => {
    expect(del.parse('delete:privatekey:at_secret')).toEqual({ ...plain, atKey: 'privatekey:at_secret' });
    expect(del.format(del.parse('delete:privatekey:at_secret'))).toBe('delete:privatekey:at_secret');
  });

  it.each([
    [
      'delete:cached:@alice:phone@bob',
      { verb: 'delete', cached: true, publicScope: false, forAtSign: 'alice', atKey: 'phone', atSign: 'bob' },
    ],
    [
      'delete:priority:low:cached:public:phone@bob',
      { verb: 'delete', priority: 'low', cached: true, publicScope: true, atKey: 'phone', atSign: 'bob' },
    ],
  ])('reads the unnamed (:cached) group of %s (§6.3)', (line, expected) => {
    expect(del.parse(line)).toEqual(expected);
    expect(del.format(del.parse(line))).toBe(line);
  });

  it('does not take a key named cached for a cached copy', () => {
    expect(del.parse('delete:cached@alice')).toMatchObject({ cached: false, atKey: 'cached' });
  });

  it('reads the priority and scope words case-insensitively (§1.3)', () => {
    const command = del.parse('delete:PRIORITY:MEDIUM:PUBLIC:phone@alice');
    expect(command).toEqual({ ...publicKey, priority: 'medium', atKey: 'phone', atSign: 'alice' });
    expect(del.format(command)).toBe('delete:priority:medium:public:phone@alice');
  });

  it.each([
    ['privatekey:at_pkam_publickey, the one privatekey: key update may write', 'delete:privatekey:at_pkam_publickey'],
    ['public: together with @bob:', 'delete:public:@bob:phone@alice'],
    ['a missing key', 'delete:'],
    ['two owners', 'delete:phone@alice@bob'],
    ['a colon inside the key', 'delete:a:b@alice'],
    ['an unknown priority', 'delete:priority:urgent:phone@alice'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => del.parse(line))).toMatchObject(invalid);
  });
});
