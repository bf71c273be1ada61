import { describe, expect, it } from 'vitest';
import { llookup, lookup, plookup } from '$lib/at/verbs/lookup';
import { failure } from '../../../../support/at-error';

const plain = { cached: false, publicScope: false };

describe('llookup (atprotocol.md §5.7)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. e.g llookup:location@bob' };

  it.each([
    // sdk-client-commands.md
    ['llookup:all:interop_self_d3eb96b2@alice', { ...plain, operation: 'all', atKey: 'interop_self_d3eb96b2' }],
    [
      'llookup:all:public:interop_pub_d3eb96b2@alice',
      { cached: false, publicScope: true, operation: 'all', atKey: 'interop_pub_d3eb96b2' },
    ],
    ['llookup:shared_key.bob@alice', { ...plain, atKey: 'shared_key.bob' }],
    ['llookup:@bob:interop_shared_d3eb96b2@alice', { ...plain, forAtSign: 'bob', atKey: 'interop_shared_d3eb96b2' }],
    ['llookup:all:c_self_10c36494.interop@alice', { ...plain, operation: 'all', atKey: 'c_self_10c36494.interop' }],
    [
      'llookup:all:@bob:c_shared_10c36494.interop@alice',
      { ...plain, operation: 'all', forAtSign: 'bob', atKey: 'c_shared_10c36494.interop' },
    ],
    ['llookup:all:j_self_c1cec266@alice', { ...plain, operation: 'all', atKey: 'j_self_c1cec266' }],
    [
      'llookup:all:public:j_pub_c1cec266@alice',
      { cached: false, publicScope: true, operation: 'all', atKey: 'j_pub_c1cec266' },
    ],
    ['llookup:@bob:j_shared_c1cec266@alice', { ...plain, forAtSign: 'bob', atKey: 'j_shared_c1cec266' }],
    // §4.5, §12.1, §12.2
    ['llookup:meta:@alice:offer@alice', { ...plain, operation: 'meta', forAtSign: 'alice', atKey: 'offer' }],
    ['llookup:meta:public:location@alice', { cached: false, publicScope: true, operation: 'meta', atKey: 'location' }],
    ['llookup:nokey@alice', { ...plain, atKey: 'nokey' }],
    ['llookup:location@alice', { ...plain, atKey: 'location' }],
    // §7.2: the APKAM public key record an approval writes
    [
      'llookup:public:wavi.pixel.pkam.__pkams.__public_keys@alice',
      { cached: false, publicScope: true, atKey: 'wavi.pixel.pkam.__pkams.__public_keys' },
    ],
  ])('reads %s and writes it back unchanged', (line, fields) => {
    expect(llookup.parse(line)).toEqual({ verb: 'llookup', ...fields, atSign: 'alice' });
    expect(llookup.format(llookup.parse(line))).toBe(line);
  });

  it.each([
    [
      'llookup:cached:public:name@bob',
      { verb: 'llookup', cached: true, publicScope: true, atKey: 'name', atSign: 'bob' },
    ],
    [
      'llookup:all:cached:@alice:phone.wavi@bob',
      {
        verb: 'llookup',
        operation: 'all',
        cached: true,
        publicScope: false,
        forAtSign: 'alice',
        atKey: 'phone.wavi',
        atSign: 'bob',
      },
    ],
  ])('reads the unnamed (:cached) group of %s', (line, expected) => {
    expect(llookup.parse(line)).toEqual(expected);
    expect(llookup.format(llookup.parse(line))).toBe(line);
  });

  it('does not take a key that merely starts with cached: for a cached lookup', () => {
    expect(llookup.parse('llookup:public:cached:x@bob')).toMatchObject({ cached: false, atKey: 'cached:x' });
  });

  it('does not take a key named cached for a cached lookup', () => {
    expect(llookup.parse('llookup:cached@alice')).toMatchObject({ cached: false, atKey: 'cached' });
  });

  it('keeps single colons inside the key, as the reference regex allows', () => {
    const line = 'llookup:a:b.wavi@alice';
    expect(llookup.parse(line)).toMatchObject({ atKey: 'a:b.wavi' });
    expect(llookup.format(llookup.parse(line))).toBe(line);
  });

  it('parses LLOOKUP:META:… case-insensitively, keeping the key and atSigns as written (§1.3)', () => {
    const command = llookup.parse('LLOOKUP:META:@BOB:PHONE@ALICE');
    expect(command).toEqual({
      verb: 'llookup',
      operation: 'meta',
      cached: false,
      publicScope: false,
      forAtSign: 'BOB',
      atKey: 'PHONE',
      atSign: 'ALICE',
    });
    expect(llookup.format(command)).toBe('llookup:meta:@BOB:PHONE@ALICE');
  });

  it.each([
    ['a privatekey: key, which has no owner', 'llookup:privatekey:at_secret'],
    ['a key without an owner', 'llookup:phone'],
    ['an empty owner', 'llookup:phone@'],
    ['a double colon inside the key', 'llookup:a::b@alice'],
    ['a one-character key, which the reference regex needs two characters for', 'llookup:x@alice'],
    ['two owners', 'llookup:phone@alice@bob'],
    ['a missing key', 'llookup:'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => llookup.parse(line))).toMatchObject(invalid);
  });
});

describe('lookup (§5.8)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. e.g lookup:location@bob' };

  it.each([
    // sdk-client-commands.md
    ['lookup:shared_key@alice', { atKey: 'shared_key' }],
    ['lookup:interop_shared_d3eb96b2@alice', { atKey: 'interop_shared_d3eb96b2' }],
    ['lookup:all:c_shared_10c36494.interop@alice', { operation: 'all', atKey: 'c_shared_10c36494.interop' }],
    ['lookup:j_shared_c1cec266@alice', { atKey: 'j_shared_c1cec266' }],
    // §6.1–§6.2, §12.2–§12.3
    ['lookup:all:publickey@alice', { operation: 'all', atKey: 'publickey' }],
    ['lookup:all:phone@alice', { operation: 'all', atKey: 'phone' }],
    ['lookup:location@alice', { atKey: 'location' }],
    ['lookup:meta:phone.wavi@alice', { operation: 'meta', atKey: 'phone.wavi' }],
    ['lookup:bypassCache:true:all:phone@alice', { bypassCache: true, operation: 'all', atKey: 'phone' }],
    ['lookup:bypassCache:false:phone@alice', { bypassCache: false, atKey: 'phone' }],
  ])('reads %s and writes it back unchanged', (line, fields) => {
    expect(lookup.parse(line)).toEqual({ verb: 'lookup', ...fields, atSign: 'alice' });
    expect(lookup.format(lookup.parse(line))).toBe(line);
  });

  it.each([
    // §6.1: the receiver fetches the signed challenge and the signing key from the requester
    ['lookup:_4af24c03-d732-48f8-a9a2-570e8fb6a01c@bob', '_4af24c03-d732-48f8-a9a2-570e8fb6a01c'],
    ['lookup:signing_publickey@bob', 'signing_publickey'],
    ['lookup:all:publickey@bob', 'publickey'],
  ])('reads the server-to-server lookup %s', (line, atKey) => {
    expect(lookup.parse(line)).toMatchObject({ atKey, atSign: 'bob' });
    expect(lookup.format(lookup.parse(line))).toBe(line);
  });

  it('runs the key to the last @, so a key may contain @ and colons', () => {
    expect(lookup.parse('lookup:a@b:c@alice')).toMatchObject({ atKey: 'a@b:c', atSign: 'alice' });
  });

  it('reads meta: as part of a one-character key rather than refuse it, as the reference regex backtracks', () => {
    expect(lookup.parse('lookup:meta:x@alice')).toEqual({ verb: 'lookup', atKey: 'meta:x', atSign: 'alice' });
  });

  it('reads bypassCache and the operation case-insensitively (§1.3)', () => {
    const command = lookup.parse('lookup:BYPASSCACHE:TRUE:META:phone@alice');
    expect(command).toEqual({ verb: 'lookup', bypassCache: true, operation: 'meta', atKey: 'phone', atSign: 'alice' });
    expect(lookup.format(command)).toBe('lookup:bypassCache:true:meta:phone@alice');
  });

  it.each([
    ['a key without an owner', 'lookup:phone'],
    ['an empty owner', 'lookup:phone@'],
    ['a colon in the owner', 'lookup:phone@alice:x'],
    ['a one-character key', 'lookup:x@alice'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => lookup.parse(line))).toMatchObject(invalid);
  });
});

describe('plookup (§5.9)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. e.g plookup:location@bob' };

  it.each([
    // sdk-client-commands.md
    ['plookup:all:interop_pub_d3eb96b2@alice', { operation: 'all', atKey: 'interop_pub_d3eb96b2', atSign: 'alice' }],
    ['plookup:publickey@bob', { atKey: 'publickey', atSign: 'bob' }],
    [
      'plookup:all:c_pub_10c36494.interop@alice',
      { operation: 'all', atKey: 'c_pub_10c36494.interop', atSign: 'alice' },
    ],
    ['plookup:all:j_pub_c1cec266@alice', { operation: 'all', atKey: 'j_pub_c1cec266', atSign: 'alice' }],
    // §5.9
    ['plookup:no-key@cicd1', { atKey: 'no-key', atSign: 'cicd1' }],
    [
      'plookup:bypassCache:true:meta:phone@bob',
      { bypassCache: true, operation: 'meta', atKey: 'phone', atSign: 'bob' },
    ],
    ['plookup:k@bob', { atKey: 'k', atSign: 'bob' }],
  ])('reads %s and writes it back unchanged', (line, fields) => {
    expect(plookup.parse(line)).toEqual({ verb: 'plookup', ...fields });
    expect(plookup.format(plookup.parse(line))).toBe(line);
  });

  it('reads an unknown bypassCache value as part of the key, as the reference regex does', () => {
    expect(plookup.parse('plookup:bypassCache:yes:phone@bob')).toEqual({
      verb: 'plookup',
      atKey: 'bypassCache:yes:phone',
      atSign: 'bob',
    });
  });

  it.each([
    ['a key without an owner', 'plookup:publickey'],
    ['a space in the key', 'plookup:my key@bob'],
    ['two owners', 'plookup:phone@alice@bob'],
    ['a colon in the owner', 'plookup:phone@alice:x'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => plookup.parse(line))).toMatchObject(invalid);
  });
});
