import { describe, expect, it } from 'vitest';
import { decodeEnrollParams, encodeEnrollParams, enroll, enrollOperations } from '$lib/at/verbs/enroll';
import { failure } from '../../../../support/at-error';

const id = '352b78c8-4b6f-4d07-a9cf-5466512ffa44';
const apkamPublicKey =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu4mt/9IDjuRQhPgowNJYAbMTSTL6lYSD6diF/LuJF2hOa6d4ex+XYxW4LIuJsTm7IDAQAB';
const encryptedPrivateKey = 'u4mt/9IDjuRQhPgowNJYAbMTSTL6lYSD6diF/LuJF2hOa6d4ex+XYxW4LIuJsTm7';
const encryptedSelfKey = '/IGZGXl+5zo2DwNGxcCKlyZflrPd4gG2SZuIoaJda7c=';

describe('enroll (atprotocol.md §7.1)', () => {
  const invalid = {
    code: 'AT0003',
    message:
      'Invalid syntax. enroll:request:{"appName":"wavi","deviceName":"iPhone","namespaces":{"wavi":"rw"},' +
      '"otp":"<otp>":"apkamPublicKey":"<public_key>"}',
  };

  it.each([
    // §7.3 request, with an OTP from an unauthenticated client
    [
      `enroll:request:{"appName":"wavi","deviceName":"pixel","namespaces":{"wavi":"rw","buzz":"r"},"otp":"AB12CD",` +
        `"encryptedAPKAMSymmetricKey":"${encryptedSelfKey}","apkamPublicKey":"${apkamPublicKey}","apkamKeysExpiryInMillis":0}`,
      {
        operation: 'request',
        force: false,
        params: {
          appName: 'wavi',
          deviceName: 'pixel',
          namespaces: { wavi: 'rw', buzz: 'r' },
          otp: 'AB12CD',
          encryptedAPKAMSymmetricKey: encryptedSelfKey,
          apkamPublicKey,
          apkamKeysExpiryInMillis: 0,
        },
      },
    ],
    [
      `enroll:approve:{"enrollmentId":"${id}","encryptedDefaultEncryptionPrivateKey":"${encryptedPrivateKey}",` +
        `"encryptedDefaultSelfEncryptionKey":"${encryptedSelfKey}"}`,
      {
        operation: 'approve',
        force: false,
        params: {
          enrollmentId: id,
          encryptedDefaultEncryptionPrivateKey: encryptedPrivateKey,
          encryptedDefaultSelfEncryptionKey: encryptedSelfKey,
        },
      },
    ],
    [`enroll:deny:{"enrollmentId":"${id}"}`, { operation: 'deny', force: false, params: { enrollmentId: id } }],
    [`enroll:revoke:{"enrollmentId":"${id}"}`, { operation: 'revoke', force: false, params: { enrollmentId: id } }],
    [
      `enroll:revoke:force:{"enrollmentId":"${id}"}`,
      { operation: 'revoke', force: true, params: { enrollmentId: id } },
    ],
    [`enroll:unrevoke:{"enrollmentId":"${id}"}`, { operation: 'unrevoke', force: false, params: { enrollmentId: id } }],
    [`enroll:delete:{"enrollmentId":"${id}"}`, { operation: 'delete', force: false, params: { enrollmentId: id } }],
    [`enroll:fetch:{"enrollmentId":"${id}"}`, { operation: 'fetch', force: false, params: { enrollmentId: id } }],
    ['enroll:list', { operation: 'list', force: false }],
    [
      'enroll:list:{"enrollmentStatusFilter":["pending","approved"]}',
      { operation: 'list', force: false, params: { enrollmentStatusFilter: ['pending', 'approved'] } },
    ],
  ])('reads %s and writes it back unchanged', (line, fields) => {
    expect(enroll.parse(line)).toEqual({ verb: 'enroll', ...fields });
    expect(enroll.format(enroll.parse(line))).toBe(line);
  });

  it('reads every operation the reference regex lists', () => {
    for (const operation of enrollOperations) {
      expect(enroll.parse(`enroll:${operation}:{"enrollmentId":"${id}"}`).operation).toBe(operation);
    }
  });

  it('reads an empty object as parameters that are all absent', () => {
    expect(enroll.parse('enroll:request:{}')).toEqual({
      verb: 'enroll',
      operation: 'request',
      force: false,
      params: {},
    });
  });

  it('ignores keys EnrollParams does not know, as fromJson does', () => {
    const command = enroll.parse(`enroll:deny:{"enrollmentId":"${id}","encPrivateKeyIV":"aXY=","extra":[1,2]}`);
    expect(command.params).toEqual({ enrollmentId: id });
  });

  it('reads a null field as absent, as Dart `as String?` does', () => {
    expect(enroll.parse(`enroll:fetch:{"enrollmentId":"${id}","appName":null}`).params).toEqual({ enrollmentId: id });
  });

  it('accepts the JSON right after the operation, as the optional colon of the regex allows', () => {
    const command = enroll.parse(`enroll:deny{"enrollmentId":"${id}"}`);
    expect(command).toEqual({ verb: 'enroll', operation: 'deny', force: false, params: { enrollmentId: id } });
    expect(enroll.format(command)).toBe(`enroll:deny:{"enrollmentId":"${id}"}`);
  });

  it('writes the JSON keys in at_commons EnrollParams order whatever order they came in', () => {
    const command = enroll.parse(`enroll:request:{"apkamPublicKey":"k","deviceName":"pixel","appName":"wavi"}`);
    expect(enroll.format(command)).toBe('enroll:request:{"appName":"wavi","deviceName":"pixel","apkamPublicKey":"k"}');
  });

  it('reads the operation and force case-insensitively (§1.3)', () => {
    const command = enroll.parse(`enroll:REVOKE:FORCE:{"enrollmentId":"${id}"}`);
    expect(command).toMatchObject({ operation: 'revoke', force: true });
    expect(enroll.format(command)).toBe(`enroll:revoke:force:{"enrollmentId":"${id}"}`);
  });

  it.each(enrollOperations.filter((operation) => operation !== 'list'))(
    'answers enroll:%s without parameters with AT0022 and keeps the connection',
    (operation) => {
      const error = failure(() => enroll.parse(`enroll:${operation}`));
      expect(error).toMatchObject({ code: 'AT0022', message: 'Enroll parameters not provided' });
      expect(error.closesConnection).toBe(false);
    },
  );

  it.each(['enroll:revoke:force', 'enroll:approve:'])('answers %s (no JSON after the colon) with AT0022', (line) => {
    expect(failure(() => enroll.parse(line)).code).toBe('AT0022');
  });

  it.each(['enroll:list:', 'enroll:list:force'])('lets %s go without parameters', (line) => {
    expect(enroll.parse(line).params).toBeUndefined();
  });

  it('answers enroll:request:{bad json with AT0011 and closes the connection (§1.6)', () => {
    const error = failure(() => enroll.parse('enroll:request:{bad json'));
    expect(error.code).toBe('AT0011');
    expect(error.closesConnection).toBe(true);
  });

  it('answers text glued to the operation as bad JSON, as the reference regex reads it as the body', () => {
    expect(failure(() => enroll.parse('enroll:listx')).code).toBe('AT0011');
  });

  it.each([
    ['a JSON array', '["wavi"]'],
    ['JSON null', 'null'],
    ['a number for appName', '{"appName":5}'],
    ['namespaces that are a list', '{"namespaces":["wavi"]}'],
    ['a namespace access other than r or rw', '{"namespaces":{"wavi":"w"}}'],
    ['a namespace access that is not a string', '{"namespaces":{"wavi":true}}'],
    ['an unknown enrollment status', '{"enrollmentStatusFilter":["active"]}'],
    ['a status filter that is not a list', '{"enrollmentStatusFilter":"pending"}'],
    ['a fractional key expiry', '{"apkamKeysExpiryInMillis":1.5}'],
    ['a key expiry as a string', '{"apkamKeysExpiryInMillis":"1000"}'],
  ])('answers %s with AT0010 and keeps the connection, as the reference TypeError does', (_case, json) => {
    const error = failure(() => enroll.parse(`enroll:request:${json}`));
    expect(error.code).toBe('AT0010');
    expect(error.closesConnection).toBe(false);
  });

  it.each([
    ['an unknown operation', `enroll:update:{"enrollmentId":"${id}"}`],
    ['no operation', 'enroll:'],
    ['force before the operation', `enroll:force:revoke:{"enrollmentId":"${id}"}`],
  ])('refuses %s with AT0003 and the reference usage, malformed JSON included', (_case, line) => {
    expect(failure(() => enroll.parse(line))).toMatchObject(invalid);
  });
});

describe('decodeEnrollParams / encodeEnrollParams', () => {
  it('keeps a namespace called __proto__ as a plain key', () => {
    const params = decodeEnrollParams('{"namespaces":{"__proto__":"rw"}}');
    expect(Object.keys(params.namespaces ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(params.namespaces)).toBe(Object.prototype);
  });

  it('writes every field in at_commons order and leaves absent ones out', () => {
    expect(
      encodeEnrollParams({
        apkamKeysExpiryInMillis: 86400000,
        enrollmentStatusFilter: ['revoked'],
        apkamPublicKey: 'k',
        encryptedAPKAMSymmetricKey: 's',
        encryptedDefaultSelfEncryptionKey: 'e2',
        encryptedDefaultEncryptionPrivateKey: 'e1',
        otp: 'AB12CD',
        namespaces: { __manage: 'rw' },
        deviceName: 'pixel',
        appName: 'wavi',
        enrollmentId: id,
      }),
    ).toBe(
      `{"enrollmentId":"${id}","appName":"wavi","deviceName":"pixel","namespaces":{"__manage":"rw"},"otp":"AB12CD",` +
        '"encryptedDefaultEncryptionPrivateKey":"e1","encryptedDefaultSelfEncryptionKey":"e2",' +
        '"encryptedAPKAMSymmetricKey":"s","apkamPublicKey":"k","enrollmentStatusFilter":["revoked"],' +
        '"apkamKeysExpiryInMillis":86400000}',
    );
  });
});
