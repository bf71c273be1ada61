import { describe, expect, it } from 'vitest';
import {
  checkKeyLength,
  checkNotificationKeyLength,
  createKey,
  formatKey,
  keyType,
  maxCachedKeyLength,
  maxKeyLength,
  normaliseStoredKey,
  parseKey,
} from '$lib/at/key';
import { explainInvalidKey } from '$lib/at/key-type';
import { failure } from '../../../support/at-error';

// The reference tests' "long atSign" (49 characters); 55 is the grammar's limit.
const referenceLongAtSign = 'bob0123456789012345678901234567890123456789012345';

describe('keyType (reference RegexUtil.keyType, namespace optional)', () => {
  it.each([
    'public:phone.buzz@bob',
    'public:phone@bob',
    'public:p@bob',
    'public:pho_-ne.b@bob',
    'public:pho_-n________e.b@bob',
    'public:phone😀.buzz@bob💙',
    `public:phone.buzz@${referenceLongAtSign}`,
    'public:phone.buzz@jagann_a-d_h',
    'public:__secretKey@cia',
    'public:_secretKey@test',
    'public:blocklist@☎️_0002',
  ])('classifies %s as a public key', (key) => expect(keyType(key)).toBe('publicKey'));

  it.each([
    'private:@bob:phone.buzz@bob',
    'private:phone@bob',
    'private:pho_-ne.b@bob',
    'private:@bob💙:phone😀@bob💙',
    `private:@${referenceLongAtSign}:phone.buzz@${referenceLongAtSign}`,
  ])('classifies %s as a private key', (key) => expect(keyType(key)).toBe('privateKey'));

  it.each([
    '@bob:phone.buzz@bob',
    'phone@bob',
    'pho_-n________e.b@bob',
    '@bob💙:phone😀.buzz@bob💙',
    'phone@alice🛠',
    '_latestNotificationIdv2@client',
    'configkey@alice123',
    '@alice:signing_publickey@alice',
    '@☎️_0002:signing_publickey@☎️_0002',
  ])('classifies %s as a self key', (key) => expect(keyType(key)).toBe('selfKey'));

  it.each([
    '@alice:phone.buzz@bob',
    '@alice:pho_-ne.b@bob',
    '@alice💙:phone😀.buzz@bob💙',
    '@alice🛠:phone@bob',
    '@sita_ram:phone.buzz@jagann_a-d_h',
    '@bob:phone.wavi@alice',
  ])('classifies %s as a shared key', (key) => expect(keyType(key)).toBe('sharedKey'));

  it('compares sharedWith and owner as written, so @Bob:phone@bob is shared as in Dart', () => {
    expect(keyType('@Bob:phone@bob')).toBe('sharedKey');
  });

  it.each([
    'cached:public:phone.buzz@jagannadh',
    'cached:public:pho_-n________e@jagannadh',
    'cached:public:phone😀@jagannadh💙',
  ])('classifies %s as a cached public key', (key) => expect(keyType(key)).toBe('cachedPublicKey'));

  it.each([
    'cached:@sitaram:phone.buzz@jagannadh',
    `cached:@sitaram0123456789012345678901234567890123456789012345:phone@jagannadh`,
    'cached:@alice💙:phone😀.buzz@bob💙',
    'cached:@alice:phone.wavi@bob',
  ])('classifies %s as a cached shared key', (key) => expect(keyType(key)).toBe('cachedSharedKey'));

  it.each(['local:latestNotification.wavi@bob', 'local:k@alice'])('classifies %s as a local key', (key) =>
    expect(keyType(key)).toBe('localKey'),
  );

  it.each([
    'shared_key.bob@alice',
    '@bob:shared_key@alice',
    'private:blocklist@☎️_0002',
    '@allen:signing_privatekey@allen',
    'public:publickey@owner',
    'public:signing_publickey@alice',
    'public:signing_publickey@☎️_0002',
    'cached:public:publickey@bob',
    'privatekey:at_pkam_publickey',
    'privatekey:at_pkam_privatekey',
    'privatekey:privatekey',
    'privatekey:self_encryption_key',
    'privatekey:at_secret',
    'privatekey:at_secret_deleted',
    'privatekey:signing_keypair_generated',
    'privatekey:commitLogCompactionStats',
    'privatekey:accessLogCompactionStats',
    'privatekey:notificationCompactionStats',
    'configkey',
    '_latestNotificationIdv2',
  ])('classifies %s as a reserved key', (key) => expect(keyType(key)).toBe('reservedKey'));

  it.each([
    'public:publickey',
    'public:signing_publickey',
    'private:blocklist',
    '@bob:shared_key',
    'shared_key.bob',
    'shared_key',
    '@allen:signing_privatekey',
    'signing_privatekey',
    'public:at_pkam_publickey',
    'public:privatekey',
    'privatekey:configkey',
    'privatekey:_latestNotificationIdv2',
    '☎️@owner:publickey@owner',
    'publicc:phone.buzz@bob',
    'public:@bob:phone.buzz@bob',
    ':phone.buzz@bob',
    'public:pho#ne.b@bob',
    'public:pho#n____-____e.b',
    'public:',
    'public:foo.bar',
    'public:foo.bar@',
    'public:@bob',
    'public::@bob',
    ':public:foo.bar@bob',
    `public:phone.buzz@${referenceLongAtSign}extrachars`,
    'public:phone.buzz@bo#b',
    'public:phone.buzz:@jagan',
    'public:phone.buzz@jag:an',
    'privateeee:@bob:phone.buzz@bob',
    `private:@${referenceLongAtSign}extracharshere:phone.buzz@bob`,
    'cached:publicc:phone.buzz@bob',
    'cached:public:@bob:phone.buzz@bob',
    'cached:public:phone.buzz@@jaganna#dh',
    '@jaganna#dh:phone.buzz@bob',
    '@sita#ram:phone.buzz@bob',
    'cached:@sita#ram:phone.buzz@bob',
    'cached:public:cached:public:privateaccount.wavi@dying36dragonfly',
    'public:@public:image.wavi@colin',
    'phone,wavi@alice',
    'phone/wavi@alice',
    'phone#wavi@alice',
    'phone:wavi@alice',
    'phone wavi@alice',
    'phone.wavi',
    'privatekey:unknown',
  ])('classifies %s as invalid', (key) => expect(keyType(key)).toBe('invalidKey'));

  it('allows 55 characters after the @ and no more, an emoji counting as one', () => {
    expect(keyType(`phone@${'a'.repeat(55)}`)).toBe('selfKey');
    expect(keyType(`phone@${'a'.repeat(56)}`)).toBe('invalidKey');
    expect(keyType(`phone@${'🛠'.repeat(55)}`)).toBe('selfKey');
  });

  it('matches case-insensitively', () => {
    expect(keyType('PUBLIC:Phone.Wavi@Alice')).toBe('publicKey');
    expect(keyType('PrivateKey:AT_PKAM_PUBLICKEY')).toBe('reservedKey');
  });
});

describe('parseKey and formatKey', () => {
  it.each([
    'public:phone.wavi@alice',
    'public:__x@alice',
    'phone.wavi@alice',
    '@alice:phone@alice',
    '@bob:phone.wavi@alice',
    '@bob:_x@alice',
    '_latestnotificationidv2@alice',
    'cached:public:phone@bob',
    'cached:@alice:phone.wavi@bob',
    'private:blocklist@alice',
    'private:_4af24c03-d732-48f8-a9a2-570e8fb6a01c@alice',
    'private:@bob:phone.buzz@bob',
    'privatekey:at_pkam_publickey',
    'privatekey:at_secret',
    'local:k@alice',
    'public:signing_publickey@alice',
    '@alice:signing_privatekey@alice',
    '@bob:shared_key@alice',
    'shared_key.bob@alice',
    'public:publickey@alice',
    'cached:public:publickey@bob',
    'configkey',
    '_latestnotificationidv2',
    'public:phone😀.buzz@bob💙',
    '@alice🛠:phone.wavi@bob',
    'phone.wavi@alice🛠',
  ])('formats %s back to the same string', (text) => {
    expect(formatKey(parseKey(text))).toBe(text);
  });

  it('reads a shared key with its parts', () => {
    expect(parseKey('@bob:phone.wavi@alice')).toMatchObject({
      kind: 'shared',
      type: 'sharedKey',
      visibility: 'shared',
      name: 'phone.wavi',
      namespace: 'wavi',
      owner: '@alice',
      sharedWith: '@bob',
      isHidden: false,
      isCached: false,
      isReserved: false,
    });
  });

  it('takes the namespace after the last dot of the name', () => {
    expect(parseKey('public:city.address.my_app@alice').namespace).toBe('my_app');
    expect(parseKey('phone@alice').namespace).toBeUndefined();
  });

  it('keeps @alice:phone@alice a self key that remembers its sharedWith', () => {
    expect(parseKey('@alice:phone@alice')).toMatchObject({ kind: 'self', type: 'selfKey', sharedWith: '@alice' });
  });

  it('marks cached keys and their visibility', () => {
    expect(parseKey('cached:public:phone@bob')).toMatchObject({
      kind: 'cachedPublic',
      visibility: 'public',
      isCached: true,
    });
    expect(parseKey('cached:@alice:phone.wavi@bob')).toMatchObject({
      kind: 'cachedShared',
      visibility: 'shared',
      sharedWith: '@alice',
      owner: '@bob',
      isCached: true,
    });
  });

  it('marks keys whose name starts with _ as hidden', () => {
    expect(parseKey('public:__x@alice')).toMatchObject({ kind: 'public', name: '__x', isHidden: true });
    expect(parseKey('@bob:_x@alice').isHidden).toBe(true);
  });

  it('reads reserved keys in their written form', () => {
    expect(parseKey('@bob:shared_key@alice')).toMatchObject({ kind: 'shared', type: 'reservedKey', isReserved: true });
    expect(parseKey('privatekey:at_pkam_publickey')).toMatchObject({
      kind: 'privatekey',
      name: 'at_pkam_publickey',
      visibility: 'private',
      isReserved: true,
    });
    expect(parseKey('privatekey:at_pkam_publickey').owner).toBeUndefined();
    expect(parseKey('configkey')).toMatchObject({ kind: 'internal', name: 'configkey', isReserved: true });
    expect(parseKey('cached:public:publickey@bob')).toMatchObject({ kind: 'cachedPublic', isReserved: true });
  });

  it('lowercases the key as the keystore stores it', () => {
    expect(formatKey(parseKey('Cached:@Alice:Phone.Wavi@Bob'))).toBe('cached:@alice:phone.wavi@bob');
    expect(formatKey(parseKey('privatekey:commitLogCompactionStats'))).toBe('privatekey:commitlogcompactionstats');
  });

  it.each([
    ['phone,wavi@alice', "',' is not allowed in a key name"],
    ['phone/wavi@alice', "'/' is not allowed in a key name"],
    ['phone#wavi@alice', "'#' is not allowed in a key name"],
    ['public:phone:wavi@alice', "':' is not allowed in a key name"],
    ['phone wavi@alice', 'whitespace is not allowed'],
    ['phone.wavi', "it must end with its owner's atSign"],
    ['public:phone@', "it must end with its owner's atSign"],
    [`phone@${'a'.repeat(56)}`, 'longer than 55 characters'],
  ])('rejects %s with AT0016 saying %s', (text, reason) => {
    const error = failure(() => parseKey(text));
    expect(error.code).toBe('AT0016');
    expect(error.message).toContain(reason);
    expect(error.closesConnection).toBe(false);
  });

  it('rejects a reserved key the reference only matches partially, which has no written form', () => {
    expect(keyType('x:privatekey:at_secret')).toBe('reservedKey');
    expect(failure(() => parseKey('x:privatekey:at_secret')).code).toBe('AT0016');
  });

  it('explains an empty key', () => {
    expect(explainInvalidKey('')).toBe('Key cannot be null or empty');
  });
});

describe('createKey', () => {
  it('normalises atSigns and name as update does', () => {
    const key = createKey({ kind: 'shared', name: 'Phone.Wavi', owner: 'alice', sharedWith: '@Bob' });
    expect(formatKey(key)).toBe('@bob:phone.wavi@alice');
    expect(key.namespace).toBe('wavi');
  });

  it('builds the reserved privatekey keys, which have no owner', () => {
    expect(formatKey(createKey({ kind: 'privatekey', name: 'at_pkam_publickey' }))).toBe(
      'privatekey:at_pkam_publickey',
    );
  });

  it('refuses a shared key shared with its own owner', () => {
    const error = failure(() => createKey({ kind: 'shared', name: 'phone', owner: '@alice', sharedWith: '@alice' }));
    expect(error.code).toBe('AT0016');
  });

  it('refuses a name with a comma with AT0016', () => {
    expect(failure(() => createKey({ kind: 'self', name: 'a,b', owner: '@alice' })).code).toBe('AT0016');
  });

  it('refuses an invalid owner atSign with AT0011, as update does', () => {
    expect(failure(() => createKey({ kind: 'public', name: 'phone', owner: '@a b' })).code).toBe('AT0011');
  });
});

describe('normaliseStoredKey', () => {
  it('trims, lowercases and removes every space', () => {
    expect(normaliseStoredKey('  @Bob:Phone Number.Wavi@Alice \n')).toBe('@bob:phonenumber.wavi@alice');
  });
});

describe('key length limits', () => {
  const keyOfLength = (prefix: string, length: number): string =>
    `${prefix}${'k'.repeat(length - prefix.length - '@alice'.length)}@alice`;

  it('accepts a key of exactly 248 characters', () => {
    expect(() => checkKeyLength(keyOfLength('public:', maxKeyLength))).not.toThrow();
  });

  it('rejects a key of 249 characters with the reference message', () => {
    const error = failure(() => checkKeyLength(keyOfLength('public:', 249)));
    expect(error.code).toBe('AT0016');
    expect(error.message).toBe('key length 249 is greater than max allowed 248 chars');
  });

  it('allows cached keys up to 255 characters', () => {
    expect(() => checkKeyLength(keyOfLength('cached:public:', maxCachedKeyLength))).not.toThrow();
    expect(failure(() => checkKeyLength(keyOfLength('cached:public:', 256))).message).toBe(
      'key length 256 is greater than max allowed 255 chars',
    );
  });

  it('counts UTF-16 units as Dart does, so an emoji counts twice', () => {
    expect(failure(() => checkKeyLength(`${'🛠'.repeat(122)}x@alice`)).message).toContain('key length 251');
  });

  it('rejects a notification cache key over 255 characters', () => {
    expect(failure(() => checkNotificationKeyLength(keyOfLength('cached:@bob:', 256))).message).toBe(
      'notification key length 256 is greater than 255 chars',
    );
  });
});
