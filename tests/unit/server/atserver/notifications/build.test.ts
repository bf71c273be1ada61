import { describe, expect, it } from 'vitest';
import { AtError } from '$lib/at/errors';
import { isEncryptedNotification, notificationKey, notifyMetadata } from '$server/atserver/notifications/build';

describe('notificationKey (§5.18)', () => {
  it.each([
    ['key', '@bob', 'phone.wavi', '@alice', '@bob:phone.wavi@alice'],
    ['text', '@bob', 'hello there', '@alice', '@bob:hello there'],
    ['key', '@bob', 'public:phone', '@alice', 'public:phone@alice'],
  ] as const)('builds a %s notification for %s of %s', (type, recipient, atKey, sender, expected) => {
    expect(notificationKey(type, recipient, atKey, sender)).toBe(expected);
  });
});

describe('isEncryptedNotification', () => {
  it('is true for key messages unless false is given, false for public keys, as given for text', () => {
    expect(isEncryptedNotification('key', 'phone', undefined)).toBe(true);
    expect(isEncryptedNotification('key', 'phone', false)).toBe(false);
    expect(isEncryptedNotification('key', 'public:phone', true)).toBe(false);
    expect(isEncryptedNotification('text', 'hi', undefined)).toBe(false);
    expect(isEncryptedNotification('text', 'hi', true)).toBe(true);
  });
});

describe('notifyMetadata', () => {
  it('carries ttr and ccd for an update with a value and for a delete only', () => {
    expect(notifyMetadata({ ttr: 60 }, 'update', 'key', 'phone', 'v', '@alice')).toEqual({
      createdBy: '@alice',
      ttr: 60,
      ccd: false,
      ttb: 0,
      ttl: 0,
      isEncrypted: true,
    });
    expect(notifyMetadata({ ttr: 60 }, 'update', 'key', 'phone', undefined, '@alice').ttr).toBeUndefined();
    expect(notifyMetadata({ ttr: 60, ccd: true }, 'delete', 'key', 'phone', undefined, '@alice')).toMatchObject({
      ttr: 60,
      ccd: true,
    });
    expect(notifyMetadata({ ttr: 0 }, 'update', 'key', 'phone', 'v', '@alice').ttr).toBeUndefined();
  });

  it('refuses a negative ttl and a ttr below -1 with the reference texts', () => {
    expect(() => notifyMetadata({ ttl: -1 }, 'update', 'key', 'phone', 'v', '@alice')).toThrow(
      new AtError('AT0003', 'Valid value for TTL should be greater than or equal to 0'),
    );
    expect(() => notifyMetadata({ ttr: -5 }, 'update', 'key', 'phone', 'v', '@alice')).toThrow(
      'Valid values for TTR are -1 and greater than or equal to 1',
    );
  });
});
