import { describe, expect, it } from 'vitest';
import { update, updateMeta } from '$lib/at/verbs/update';
import { keyOf, paramsFromCommand, paramsFromJson } from '$server/atserver/update-params';
import { failure } from '../../../support/at-error';

const flags = { isBinary: false, isEncrypted: false, isPublic: false };

describe('paramsFromCommand', () => {
  it('normalises the atSigns of update and keeps the key name as written', () => {
    const command = update.parse('update:ttl:1000:@Bob:Phone.wavi@Alice 1');
    if (command.verb !== 'update') throw new Error('expected update');
    expect(paramsFromCommand(command)).toMatchObject({
      atKey: 'Phone.wavi',
      sharedBy: '@alice',
      sharedWith: '@bob',
      value: '1',
      metadata: { ttl: 1000 },
    });
  });

  it('gives update:meta no value', () => {
    expect(paramsFromCommand(updateMeta.parse('update:meta:phone@alice:ttl:1')).value).toBeNull();
  });

  it('closes the connection for an atSign fixAtSign refuses', () => {
    const command = update.parse('update:phone@al!ce 1');
    if (command.verb !== 'update') throw new Error('expected update');
    expect(failure(() => paramsFromCommand(command))).toMatchObject({ code: 'AT0011', closesConnection: true });
  });
});

describe('paramsFromJson', () => {
  it('reads ttl, ttb and ttr as 0 when absent and numeric strings as numbers', () => {
    const params = paramsFromJson({ atKey: 'k', value: 'v', metadata: { ...flags, ttl: '5' } });
    expect(params.metadata).toMatchObject({ ttl: 5, ttb: 0, ttr: 0 });
  });

  it('uses the atSigns as written', () => {
    const params = paramsFromJson({ atKey: 'k', sharedBy: 'alice', sharedWith: '@Bob', metadata: flags });
    expect(params).toMatchObject({ sharedBy: 'alice', sharedWith: '@Bob' });
  });

  it.each([
    [{ atKey: 'k', metadata: { isBinary: false, isEncrypted: false } }],
    [{ atKey: 'k', metadata: null }],
    [{ atKey: 7, metadata: flags }],
    [{ atKey: 'k', value: 1, metadata: flags }],
    [{ atKey: 'k', metadata: { ...flags, ttl: true } }],
  ])('answers AT0010, as a Dart type error, for %o', (json) => {
    expect(failure(() => paramsFromJson(json as never))).toMatchObject({ code: 'AT0010', closesConnection: false });
  });

  it('closes the connection for a ttl string that is not a number, as int.parse fails', () => {
    expect(failure(() => paramsFromJson({ atKey: 'k', metadata: { ...flags, ttl: 'soon' } })).code).toBe('AT0011');
  });

  it('refuses an empty atKey with AT0003', () => {
    expect(failure(() => paramsFromJson({ atKey: '', metadata: flags }))).toMatchObject({
      code: 'AT0003',
      message: 'atKey.key not supplied',
    });
  });
});

describe('keyOf', () => {
  it.each([
    [{ atKey: 'phone', sharedBy: '@alice', isPublic: true }, 'public:phone@alice'],
    [{ atKey: 'phone', sharedWith: '@bob', sharedBy: '@alice', isPublic: false }, '@bob:phone@alice'],
    [{ atKey: 'privatekey:at_pkam_publickey', isPublic: false }, 'privatekey:at_pkam_publickey'],
  ])('builds %o as %s', (params, key) => {
    expect(keyOf(params)).toBe(key);
  });
});
