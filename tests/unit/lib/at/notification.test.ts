import { describe, expect, it } from 'vitest';
import { liveNotificationMetadata, storedNotificationMetadata } from '$lib/at/metadata-json';
import {
  formatNotificationLine,
  isStatsNotification,
  notificationFromJson,
  parseNotificationLine,
  statsNotification,
  type NotificationEvent,
} from '$lib/at/notification';
import { failure } from '../../../support/at-error';

const id = '3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60';
const ciphertext = 'q1Yh8m0d3+Zb/7Nw4lE2pQ9vXk0aR5sT1uVwXyZ0aBc=';

const liveEvent: NotificationEvent = {
  id,
  from: '@bob',
  to: '@alice',
  key: '@alice:phone.wavi@bob',
  value: ciphertext,
  operation: 'update',
  epochMillis: 1603714720965,
  messageType: 'MessageType.key',
  isEncrypted: true,
  metadata: liveNotificationMetadata(undefined),
};

// atprotocol.md §5.17, with a real id and value in place of its placeholders.
const liveLine =
  `notification: {"id":"${id}","from":"@bob","to":"@alice","key":"@alice:phone.wavi@bob","value":"${ciphertext}",` +
  '"operation":"update","epochMillis":1603714720965,"messageType":"MessageType.key","isEncrypted":true,' +
  '"metadata":{"encKeyName":null,"encAlgo":null,"ivNonce":null,"skeEncKeyName":null,"skeEncAlgo":null,"sharedKeyEnc":null}}';

const statsLine =
  'notification: {"id":"-1","from":"@alice","to":"@alice","key":"statsNotification.@alice","value":"12",' +
  '"operation":"update","epochMillis":1729764000123,"messageType":"MessageType.key","isEncrypted":false,"metadata":null}';

describe('formatNotificationLine', () => {
  it('writes a live event exactly as the reference monitor does', () => {
    expect(formatNotificationLine(liveEvent)).toBe(liveLine);
  });

  it('writes the encryption metadata of a live event, sharedKeyEnc last', () => {
    const metadata = liveNotificationMetadata({
      sharedKeyEnc: 'c2tl',
      encKeyName: 'shared_key.bob',
      encAlgo: 'AES/CTR/PKCS7Padding',
      ivNonce: 'qLh2St2PSEeJgBer8q0kkQ==',
    });
    expect(formatNotificationLine({ ...liveEvent, metadata })).toContain(
      '"metadata":{"encKeyName":"shared_key.bob","encAlgo":"AES/CTR/PKCS7Padding","ivNonce":"qLh2St2PSEeJgBer8q0kkQ==",' +
        '"skeEncKeyName":null,"skeEncAlgo":null,"sharedKeyEnc":"c2tl"}}',
    );
  });

  it('writes the stats notification of §5.17', () => {
    expect(formatNotificationLine(statsNotification('@alice', 12, 1729764000123))).toBe(statsLine);
  });

  it('writes a stats notification after a delete with operation delete', () => {
    expect(formatNotificationLine(statsNotification('@alice', 13, 1729764000123, 'delete'))).toContain(
      '"value":"13","operation":"delete"',
    );
  });

  it('writes a replayed event with availableAt and expiresAt as Dart strings and no sharedKeyEnc', () => {
    const metadata = storedNotificationMetadata({ isEncrypted: true }, Date.parse('2024-10-25T10:00:00Z'));
    expect(formatNotificationLine({ ...liveEvent, metadata })).toContain(
      '"metadata":{"encKeyName":null,"encAlgo":null,"ivNonce":null,"skeEncKeyName":null,"skeEncAlgo":null,' +
        '"availableAt":"null","expiresAt":"2024-10-25 10:00:00.000Z"}}',
    );
  });

  it('writes availableAt as JSON null for a replayed event without metadata', () => {
    const metadata = storedNotificationMetadata(undefined, Date.parse('2024-10-25T10:00:00Z'));
    expect(formatNotificationLine({ ...liveEvent, metadata })).toContain('"availableAt":null,');
  });

  it('writes the reference key order whatever order the event object was built in', () => {
    const shuffled = {
      metadata: {
        sharedKeyEnc: null,
        skeEncAlgo: null,
        skeEncKeyName: null,
        ivNonce: null,
        encAlgo: null,
        encKeyName: null,
      },
      isEncrypted: true,
      messageType: 'MessageType.key',
      epochMillis: 1603714720965,
      operation: 'update',
      value: ciphertext,
      key: '@alice:phone.wavi@bob',
      to: '@alice',
      from: '@bob',
      id,
    } as const satisfies NotificationEvent;
    expect(formatNotificationLine(shuffled)).toBe(liveLine);
  });

  it('writes a missing value as JSON null and escapes text as Dart jsonEncode does', () => {
    const text: NotificationEvent = {
      ...liveEvent,
      key: '@alice:say "hi" 😀\n',
      value: null,
      messageType: 'MessageType.text',
      isEncrypted: false,
    };
    expect(formatNotificationLine(text)).toContain('"key":"@alice:say \\"hi\\" 😀\\n","value":null,');
  });
});

describe('parseNotificationLine', () => {
  it.each([
    ['a live event', liveLine],
    ['a stats notification', statsLine],
  ])('reads %s and formats it back unchanged', (_, line) => {
    expect(formatNotificationLine(parseNotificationLine(line))).toBe(line);
  });

  it('reads a live event into its typed fields', () => {
    expect(parseNotificationLine(liveLine)).toEqual(liveEvent);
  });

  it('reads a replayed event with its stored metadata', () => {
    const metadata = storedNotificationMetadata({ ivNonce: 'AAEC' }, Date.parse('2024-10-25T10:00:00Z'));
    const line = formatNotificationLine({ ...liveEvent, metadata });
    expect(parseNotificationLine(line).metadata).toEqual(metadata);
  });

  it('tells a stats notification from news', () => {
    expect(isStatsNotification(parseNotificationLine(statsLine))).toBe(true);
    expect(isStatsNotification(parseNotificationLine(liveLine))).toBe(false);
  });

  it('accepts a line without the space and with its newline, as at_client does', () => {
    expect(parseNotificationLine(`notification:${statsLine.slice('notification: '.length)}\n`).value).toBe('12');
  });

  it('reads a missing value and metadata as null', () => {
    const json = {
      id,
      from: '@bob',
      to: '@alice',
      key: '@alice:hello',
      operation: 'update',
      epochMillis: 1,
      messageType: 'MessageType.text',
      isEncrypted: false,
    };
    expect(notificationFromJson(json)).toMatchObject({ value: null, metadata: null });
  });

  it.each([
    ['a line of another kind', 'data:success'],
    ['text that is not JSON', 'notification: {"id":'],
    ['JSON that is not an object', 'notification: []'],
    ['a missing id', statsLine.replace('"id":"-1",', '')],
    ['epochMillis as a string', statsLine.replace('1729764000123', '"1729764000123"')],
    ['an unknown operation', statsLine.replace('"update"', '"upsert"')],
    ['messageType without its Dart enum prefix', statsLine.replace('"MessageType.key"', '"key"')],
    ['isEncrypted as a string', statsLine.replace('"isEncrypted":false', '"isEncrypted":"false"')],
    ['metadata that is not an object', statsLine.replace('"metadata":null', '"metadata":"none"')],
    ['a metadata field that is not text', liveLine.replace('"ivNonce":null', '"ivNonce":1')],
  ])('refuses %s', (_, line) => {
    expect(failure(() => parseNotificationLine(line)).code).toBe('AT0011');
  });
});
