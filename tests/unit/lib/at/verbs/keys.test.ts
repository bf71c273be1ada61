import { describe, expect, it } from 'vitest';
import { keys } from '$lib/at/verbs/keys';
import { failure } from '../../../../support/at-error';

const publicKey =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu4mt/9IDjuRQhPgowNJYAbMTSTL6lYSD6diF/LuJF2hOa6d4ex+XYxW4LIuJsTm7IDAQAB';
const encrypted = 'u4mt/9IDjuRQhPgowNJYAbMTSTL6lYSD6diF/LuJF2hOa6d4ex+XYxW4LIuJsTm7';

describe('keys (atprotocol.md §7.6)', () => {
  const invalid = {
    code: 'AT0003',
    message:
      'Invalid syntax. e.g. keys:put:public:keyName:encryptionPublicKey:namespace:__global:keyType:rsa2048:<public_key>',
  };

  it.each([
    [
      `keys:put:public:namespace:__global:keyType:rsa2048:keyName:encryptionPublicKey ${publicKey}`,
      {
        operation: 'put',
        visibility: 'public',
        namespace: '__global',
        keyType: 'rsa2048',
        keyName: 'encryptionPublicKey',
        keyValue: publicKey,
      },
    ],
    [
      'keys:put:private:namespace:__global:appName:wavi:deviceName:pixel:keyType:rsa2048' +
        `:encryptionKeyName:apkamSymmetricKey:keyName:encryptionPrivateKey ${encrypted}`,
      {
        operation: 'put',
        visibility: 'private',
        namespace: '__global',
        appName: 'wavi',
        deviceName: 'pixel',
        keyType: 'rsa2048',
        encryptionKeyName: 'apkamSymmetricKey',
        keyName: 'encryptionPrivateKey',
        keyValue: encrypted,
      },
    ],
    [
      'keys:put:self:namespace:__global:appName:wavi:deviceName:pixel:keyType:aes256' +
        `:encryptionKeyName:apkam-symmetric-key:keyName:selfEncryptionKey ${encrypted}`,
      {
        operation: 'put',
        visibility: 'self',
        namespace: '__global',
        appName: 'wavi',
        deviceName: 'pixel',
        keyType: 'aes256',
        encryptionKeyName: 'apkam-symmetric-key',
        keyName: 'selfEncryptionKey',
        keyValue: encrypted,
      },
    ],
    ['keys:get:public', { operation: 'get', visibility: 'public' }],
    ['keys:get:private', { operation: 'get', visibility: 'private' }],
    ['keys:get:self', { operation: 'get', visibility: 'self' }],
    ['keys:get', { operation: 'get' }],
    [
      'keys:get:keyName:public:encryptionpublickey.__public_keys.__global@alice',
      { operation: 'get', keyName: 'public:encryptionpublickey.__public_keys.__global@alice' },
    ],
    [
      'keys:delete:keyName:wavi.pixel.selfencryptionkey.__self_keys.__global@alice',
      { operation: 'delete', keyName: 'wavi.pixel.selfencryptionkey.__self_keys.__global@alice' },
    ],
  ])('reads %s and writes it back unchanged', (line, fields) => {
    expect(keys.parse(line)).toEqual({ verb: 'keys', ...fields });
    expect(keys.format(keys.parse(line))).toBe(line);
  });

  it('reads the usage text example, keyName first, as one long key name, as the reference regex does', () => {
    const line = 'keys:put:public:keyName:encryptionPublicKey:namespace:__global:keyType:rsa2048:<public_key>';
    expect(keys.parse(line)).toEqual({
      verb: 'keys',
      operation: 'put',
      visibility: 'public',
      keyName: 'encryptionPublicKey:namespace:__global:keyType:rsa2048:<public_key>',
    });
    expect(keys.format(keys.parse(line))).toBe(line);
  });

  it('reads a value written after a colon when there is no key name', () => {
    const line = `keys:put:public:namespace:__global:keyType:rsa2048:${publicKey}`;
    expect(keys.parse(line)).toMatchObject({ keyType: 'rsa2048', keyValue: publicKey });
    expect(keys.parse(line).keyName).toBeUndefined();
    expect(keys.format(keys.parse(line))).toBe(line);
  });

  it('writes back a value the SDK builder puts after a space when there is no key name', () => {
    const line = `keys:put:public:namespace:__global:keyType:rsa2048 ${publicKey}`;
    expect(keys.parse(line)).toMatchObject({ keyType: 'rsa2048', keyValue: ` ${publicKey}` });
    expect(keys.format(keys.parse(line))).toBe(line);
  });

  it('keeps a second space after the key name as part of the value', () => {
    const line = 'keys:put:self:keyName:k  v';
    expect(keys.parse(line)).toMatchObject({ keyName: 'k', keyValue: ' v' });
    expect(keys.format(keys.parse(line))).toBe(line);
  });

  it('lets the colons between parts go missing, as the reference regex does', () => {
    expect(keys.parse('keys:getpublic')).toEqual({ verb: 'keys', operation: 'get', visibility: 'public' });
    expect(keys.parse('keys:getx')).toEqual({ verb: 'keys', operation: 'get', keyValue: 'x' });
  });

  it('reads the words case-insensitively and keeps names as written (§1.3)', () => {
    const command = keys.parse('keys:PUT:PUBLIC:NAMESPACE:__Global:KEYTYPE:RSA2048:KEYNAME:MyKey V');
    expect(command).toEqual({
      verb: 'keys',
      operation: 'put',
      visibility: 'public',
      namespace: '__Global',
      keyType: 'RSA2048',
      keyName: 'MyKey',
      keyValue: 'V',
    });
    expect(keys.format(command)).toBe('keys:put:public:namespace:__Global:keyType:RSA2048:keyName:MyKey V');
  });

  it.each([
    ['an unknown operation', 'keys:list'],
    ['no operation', 'keys:'],
    ['an operation that only starts like one', 'keys:gt:public'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => keys.parse(line))).toMatchObject(invalid);
  });
});
