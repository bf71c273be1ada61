import { describe, expect, it } from 'vitest';
import { commandBody, fetchJson, storedEvent } from '$server/atserver/notifications/views';
import type { StoredNotification } from '$server/atserver/store/notification-log';

const at = Date.UTC(2024, 9, 24, 10, 0, 0, 123);

const record = (overrides: Partial<StoredNotification>): StoredNotification => ({
  id: '1234',
  type: 'sent',
  status: 'queued',
  fromAtSign: '@alice',
  toAtSign: '@bob',
  dateTime: at,
  expiresAt: at + 900_000,
  key: '@bob:phone@alice',
  value: null,
  opType: 'update',
  messageType: 'key',
  priority: 'low',
  retryCount: 1,
  strategy: 'all',
  notifier: 'system',
  depth: 1,
  ttl: 900_000,
  ...overrides,
});

describe('commandBody (atprotocol.md §6.4)', () => {
  it('writes an autoNotify delete without metadata', () => {
    expect(commandBody(record({ opType: 'delete' }))).toBe(
      'id:1234:delete:messageType:key:notifier:system:ttln:900000:@bob:phone@alice',
    );
  });

  it('writes the metadata that travels in the reference order, then the key and the value', () => {
    const body = commandBody(
      record({
        ttl: 86_400_000,
        key: '@bob:test.test@alice',
        value: 'Hi Bob, Alice here',
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
          dataSignature: 'not-sent',
          encoding: 'base64',
          isBinary: true,
        },
      }),
    );
    expect(body).toBe(
      'id:1234:update:messageType:key:notifier:system:ttln:86400000:ttr:1:ccd:true:isEncrypted:false:' +
        'sharedKeyEnc:abc:pubKeyCS:123:encKeyName:ekn:encAlgo:ea:ivNonce:ivn:skeEncKeyName:ske_ekn:' +
        'skeEncAlgo:ske_ea:@bob:test.test@alice:Hi Bob, Alice here',
    );
  });

  it('writes ttl and ttb when the metadata has them, and isEncrypted false when it is unset', () => {
    expect(commandBody(record({ notifier: 'SYSTEM', metadata: { ttl: 0, ttb: 0 }, value: 'x' }))).toBe(
      'id:1234:update:messageType:key:notifier:SYSTEM:ttln:900000:ttl:0:ttb:0:isEncrypted:false:@bob:phone@alice:x',
    );
  });
});

describe('fetchJson (§5.21)', () => {
  it('stringifies every value as Dart does, absent ones as "null"', () => {
    expect(
      fetchJson(record({ metadata: { createdBy: '@alice', ttl: 0, ttb: 0, ttr: -1, ccd: false, isEncrypted: true } })),
    ).toBe(
      '{"id":"1234","fromAtSign":"@alice","notificationDateTime":"2024-10-24 10:00:00.123Z","toAtSign":"@bob",' +
        '"notification":"@bob:phone@alice","type":"NotificationType.sent","opType":"OperationType.update",' +
        '"messageType":"MessageType.key","priority":"NotificationPriority.low",' +
        '"notificationStatus":"NotificationStatus.queued","retryCount":"1","strategy":"all","depth":"1",' +
        '"notifier":"system","expiresAt":"2024-10-24 10:15:00.123Z","atValue":"null",' +
        '"atMetadata":"{createdBy: @alice, ttl: 0, ttb: 0, ttr: -1, ccd: false, isEncrypted: true}","ttl":"900000"}',
    );
    expect(fetchJson(record({ expiresAt: undefined, ttl: undefined }))).toContain(
      '"expiresAt":"null","atValue":"null","atMetadata":"null","ttl":"null"}',
    );
  });
});

describe('storedEvent (§5.17 replay form)', () => {
  it('falls back to the notification expiry, and keeps availableAt null when there is no metadata', () => {
    expect(storedEvent(record({})).metadata).toEqual({
      encKeyName: null,
      encAlgo: null,
      ivNonce: null,
      skeEncKeyName: null,
      skeEncAlgo: null,
      availableAt: null,
      expiresAt: '2024-10-24 10:15:00.123Z',
    });
    expect(storedEvent(record({ metadata: { isEncrypted: true } })).metadata).toMatchObject({ availableAt: 'null' });
  });
});
