import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireNotifications } from '$server/atserver/notifications/service';
import { apkamConnection } from '../atserver/apkam-connection';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';

/** Dart's `DateTime.toString()` of a UTC time: `2026-11-25 12:00:00.000Z`. */
const dartDate = (ms: number) => new Date(ms).toISOString().replace('T', ' ');

describe('notify:list, notify:status, notify:fetch and notify:remove', () => {
  let stack: Stack;
  let alice: TestConnection;
  let sentAt: number;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    alice = await stack.owner('@alice');
    sentAt = stack.clock.now();
    await alice.send('notify:id:n-1:update:messageType:key:@alice:phone.wavi@alice:+1-555');
    await alice.send('notify:id:n-2:ttr:-1:ccd:false:@alice:city.buzz@alice:Copenhagen');
  });
  afterAll(() => stack.stop());

  it('fetches a notification with every value as Dart prints it', async () => {
    expect(await alice.send('notify:fetch:n-1')).toBe(
      `data:{"id":"n-1","fromAtSign":"@alice","notificationDateTime":"${dartDate(sentAt)}","toAtSign":"@alice",` +
        '"notification":"@alice:phone.wavi@alice","type":"NotificationType.received","opType":"OperationType.update",' +
        '"messageType":"MessageType.key","priority":"NotificationPriority.low",' +
        '"notificationStatus":"NotificationStatus.delivered","retryCount":"1","strategy":"all","depth":"1",' +
        `"notifier":"SYSTEM","expiresAt":"${dartDate(sentAt + 86_400_000)}","atValue":"+1-555",` +
        '"atMetadata":"{createdBy: @alice, ttl: 0, ttb: 0, isEncrypted: true}","ttl":"86400000"}',
    );
    expect(await alice.send('notify:fetch:n-2')).toContain(
      '"atMetadata":"{createdBy: @alice, ttl: 0, ttb: 0, ttr: -1, ccd: false, isEncrypted: true}"',
    );
  });

  it('answers an unknown id with the expired shape', async () => {
    expect(await alice.send('notify:fetch:nope')).toBe(
      'data:{"id":"nope","notificationStatus":"NotificationStatus.expired"}',
    );
  });

  it('lists received notifications oldest first, in the replay form, filtered by a regex on key or sender', async () => {
    const list = await alice.send('notify:list');
    const events = JSON.parse(list.slice('data:'.length)) as { id: string; metadata: Record<string, unknown> }[];
    expect(events.map((event) => event.id)).toEqual(['n-1', 'n-2']);
    expect(list).toContain(
      `{"id":"n-1","from":"@alice","to":"@alice","key":"@alice:phone.wavi@alice","value":"+1-555","operation":"update",` +
        `"epochMillis":${sentAt},"messageType":"MessageType.key","isEncrypted":true,"metadata":{"encKeyName":null,` +
        `"encAlgo":null,"ivNonce":null,"skeEncKeyName":null,"skeEncAlgo":null,"availableAt":"null",` +
        `"expiresAt":"${dartDate(sentAt + 86_400_000)}"}}`,
    );
    expect(await alice.send('notify:list:buzz')).toMatch(/^data:\[\{"id":"n-2",[^[]*\}\]$/);
    expect(await alice.send('notify:list:^alice$')).toMatch(/^data:\[\{"id":"n-1".*"id":"n-2"/);
    expect(await alice.send('notify:list:nothing-like-this')).toBe('data:null');
  });

  it('filters by date and refuses dates it cannot read', async () => {
    expect(await alice.send('notify:list:2026-11-25:2026-11-25')).toMatch(/^data:\[\{"id":"n-1"/);
    expect(await alice.send('notify:list:2026-11-24:2026-11-24')).toBe('data:null');
    expect(await alice.send('notify:list:2026-11-24')).toMatch(/^data:\[\{"id":"n-1"/);
    // Without a toDate the range ends now, so a fromDate after today is the reference's AT0022.
    expect(await alice.send('notify:list:2026-11-26')).toBe(
      'error:AT0022-Illegal arguments : ToDate cannot be less than FromDate',
    );
    expect(await alice.send('notify:list:2026-11-26:2026-11-24')).toBe(
      'error:AT0022-Illegal arguments : ToDate cannot be less than FromDate',
    );
    expect(await alice.send('notify:list:2026-1-5')).toBe('error:AT0022-Illegal arguments : Invalid date format');
  });

  it('lists nothing to an unauthenticated connection, which may still ask a status', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('notify:list')).toBe('data:null');
    expect(await stranger.send('notify:status:n-1')).toBe('data:delivered');
    expect(await stranger.send('notify:fetch:n-1')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth',
    );
  });

  it('shows an APKAM connection only the notifications of its namespaces', async () => {
    const { connection, enrollmentId } = await apkamConnection(stack, '@alice', { wavi: 'rw' });
    expect(await connection.send('notify:list')).toMatch(/^data:\[\{"id":"n-1"[^[]*\}\]$/);
    expect(await connection.send('notify:fetch:n-2')).toBe(
      `error:AT0009-UnAuthorized client in request : Connection with enrollment ID ${enrollmentId} is not authorized ` +
        'to fetch notify key: @alice:city.buzz@alice',
    );
    expect(await connection.send('notify:remove:n-2')).toMatch(/is not authorized to remove notify key: @alice:city/);
  });

  it('reports a notification expired once its ttln has passed, and deletes it in the compaction job', async () => {
    await alice.send('notify:id:short:ttln:1000:@alice:otp.wavi@alice:1');
    expect(await alice.send('notify:status:short')).toBe('data:delivered');
    stack.clock.advance(1_001);
    expect(await alice.send('notify:status:short')).toBe('data:expired');
    expect(await alice.send('notify:list:otp')).toBe('data:null');
    const server = stack.host.server('@alice')!.context;
    expect(await expireNotifications(server, stack.clock.now())).toBe(1);
    expect(await alice.send('notify:status:short')).toBe('data:null');
  });

  it('removes a notification: always success, then unknown', async () => {
    expect(await alice.send('notify:remove:n-2')).toBe('data:success');
    expect(await alice.send('notify:remove:n-2')).toBe('data:success');
    expect(await alice.send('notify:status:n-2')).toBe('data:null');
    expect(await alice.send('notify:list')).not.toContain('"n-2"');
  });

  it('routes notify:remove without an id, and other unknown notify: words, to invalid command', async () => {
    expect(await alice.send('notify:remove')).toBe('error:AT0003-Invalid syntax : invalid command');
    expect(await alice.send('notify:status:')).toMatch(/^error:AT0003-/);
  });
});
