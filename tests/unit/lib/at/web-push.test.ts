import { describe, expect, it } from 'vitest';
import {
  parsePushPayload,
  parseSubscription,
  subscriptionDevice,
  subscriptionKey,
  vapidPublicKeyKey,
} from '$lib/at/web-push';
import { failure } from '../../../support/at-error';

const p256dh = 'B' + 'A'.repeat(86); // 65 bytes, first byte 0x04
const auth = 'A'.repeat(22); // 16 bytes
const subscription = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
    expirationTime: null,
    keys: { p256dh, auth },
    ...fields,
  });

describe('web push keys', () => {
  it('names the VAPID key and the subscription keys in the __webpush namespace', () => {
    expect(vapidPublicKeyKey('@alice')).toBe('public:vapid_publickey.__webpush@alice');
    expect(subscriptionKey('phone-1', '@alice')).toBe('phone-1.subscription.__webpush@alice');
    expect(subscriptionDevice('phone-1.subscription.__webpush@alice', '@alice')).toBe('phone-1');
  });

  it('recognises only subscription keys of the atSign itself, with a valid device id', () => {
    expect(subscriptionDevice('phone.subscription.__webpush@bob', '@alice')).toBeUndefined();
    expect(subscriptionDevice('@bob:phone.subscription.__webpush@alice', '@alice')).toBeUndefined();
    expect(subscriptionDevice('a.b.subscription.__webpush@alice', '@alice')).toBeUndefined();
    expect(subscriptionDevice('phone.wavi@alice', '@alice')).toBeUndefined();
  });

  it('refuses device ids that would change the key shape', () => {
    for (const deviceId of ['a.b', '', '-a', 'x'.repeat(65)]) {
      expect(failure(() => subscriptionKey(deviceId, '@alice')).code).toBe('AT0003');
    }
  });
});

describe('parseSubscription', () => {
  it('keeps the fields of PushSubscription.toJSON()', () => {
    expect(parseSubscription(subscription({ extra: 1 }))).toEqual({
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      expirationTime: null,
      keys: { p256dh, auth },
    });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['http', subscription({ endpoint: 'http://fcm.googleapis.com/x' }), /must be https/],
    ['credentials', subscription({ endpoint: 'https://u:p@fcm.googleapis.com/x' }), /credentials/],
    ['a short p256dh', subscription({ keys: { p256dh: 'BAAA', auth } }), /p256dh/],
    ['a compressed p256dh', subscription({ keys: { p256dh: 'A'.repeat(87), auth } }), /p256dh/],
    ['a long auth', subscription({ keys: { p256dh, auth: 'A'.repeat(24) } }), /auth/],
    ['a text expirationTime', subscription({ expirationTime: 'soon' }), /expirationTime/],
    ['too many bytes', subscription({ padding: 'x'.repeat(5000) }), /longer than 4096 bytes/],
  ])('refuses %s with AT0003', (_, text, message) => {
    const error = failure(() => parseSubscription(text));
    expect(error.code).toBe('AT0003');
    expect(error.message).toMatch(message);
  });
});

describe('parsePushPayload', () => {
  const payload = {
    type: 'notification',
    id: 'n-1',
    from: '@bob',
    to: '@alice',
    messageType: 'key',
    operation: 'update',
    key: '@alice:phone@bob',
    epochMillis: 1,
  };

  it('reads what the atServer sends', () => {
    expect(parsePushPayload(JSON.stringify(payload))).toEqual(payload);
    const { key: _, ...text } = { ...payload, messageType: 'text' };
    expect(parsePushPayload(JSON.stringify(text))).toEqual(text);
  });

  it('answers null for other pushes', () => {
    expect(parsePushPayload('hello')).toBeNull();
    expect(parsePushPayload(JSON.stringify({ ...payload, type: 'other' }))).toBeNull();
    expect(parsePushPayload(JSON.stringify({ ...payload, from: 1 }))).toBeNull();
  });
});
