import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NotificationEvent } from '$lib/at/notification';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { ConnectionClosedError } from '$lib/client/connection';
import { activate } from '$lib/client/onboarding';
import { request } from '$lib/client/requester';
import { AtSession, type SessionState } from '$lib/client/session';
import { DialGate, startClientRig, tapDialer, ways, type ClientRig } from './harness';

const backoff = { initialMs: 5, maxMs: 20 };

describe.each(ways)('AtSession over %s', (way) => {
  let rig: ClientRig;
  let keys: AtKeys;
  const sessions: AtSession[] = [];
  const sessionOf = (dialer = rig.dialer(way)) => {
    const session = new AtSession({ atSign: '@alice', dialer, keys: () => keys, backoff });
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    rig = await startClientRig();
    const cramSecret = await rig.create('@alice');
    keys = await activate({ atSign: '@alice', cramSecret, dialer: rig.dialer(way) });
  });
  afterAll(async () => {
    for (const session of sessions) session.close();
    await rig.stop();
  });

  it('authenticates with PKAM on its first request and keeps the connection for the next', async () => {
    const lines: string[] = [];
    const session = sessionOf(tapDialer(rig.dialer(way), { onLine: (line) => lines.push(line) }));
    expect(await request(session, 'update:phone.wavi@alice +1-555-0100')).toMatch(/^\d+$/);
    expect(await request(session, 'llookup:phone.wavi@alice')).toBe('+1-555-0100');
    expect(lines.map((line) => line.split(':')[0])).toEqual(['from', 'pkam', 'update', 'llookup']);
  });

  it('reconnects and authenticates again after the server drops the connection; the next request succeeds', async () => {
    const session = sessionOf();
    const states: SessionState[] = [];
    session.onStateChange((state) => states.push(state));
    await request(session, 'update:city.wavi@alice Lisbon');
    rig.dropConnections('@alice');
    const reconnected = ['connecting', 'online', 'offline', 'connecting', 'online'];
    await vi.waitFor(() => expect(states).toEqual(reconnected), { timeout: 5_000 });
    expect(await request(session, 'llookup:city.wavi@alice')).toBe('Lisbon');
  });

  it('rejects a write in flight during a drop as retryable, does not send it again, and carries on', async () => {
    const lines: string[] = [];
    const dialer = tapDialer(rig.dialer(way), {
      onLine: (line) => {
        lines.push(line);
        if (line.startsWith('update:')) rig.dropConnections('@alice');
      },
    });
    const session = sessionOf(dialer);
    const write = request(session, 'update:pin.wavi@alice 4321');
    const next = request(session, 'llookup:public:publickey@alice');
    const failure = await write.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(failure).toMatchObject({ code: 'AT0004', sent: true });
    expect((failure as ConnectionClosedError).isRetryable()).toBe(true);
    // The request queued behind it had not been written: it goes out on the new connection.
    expect(await next).toBe(keys.encryptionPublicKey);
    expect(lines.filter((line) => line.startsWith('update:'))).toEqual(['update:pin.wavi@alice 4321']);
    expect(lines.filter((line) => line.startsWith('pkam:'))).toHaveLength(2);
  });

  it('resumes a monitor after a drop from the last notification it saw, without missing one sent meanwhile', async () => {
    const sender = sessionOf();
    const gate = new DialGate();
    const monitorLines: string[] = [];
    const watcher = sessionOf(
      tapDialer(rig.dialer(way), { beforeDial: gate.wait, onLine: (l) => monitorLines.push(l) }),
    );
    const seen: NotificationEvent[] = [];
    const monitor = watcher.monitor({
      selfNotifications: true,
      regex: 'news',
      onNotification: (event) => seen.push(event),
    });
    await vi.waitFor(() => expect(monitor.state).toBe('online'));
    const ids = () => seen.map((event) => event.id).filter((id) => id !== '-1');

    await request(sender, 'notify:id:news-1:update:messageType:key:@alice:news.wavi@alice:first');
    await vi.waitFor(() => expect(ids()).toEqual(['news-1']));
    const firstEpoch = monitor.lastEpochMillis!;

    gate.close();
    rig.dropConnections('@alice');
    await vi.waitFor(() => expect(monitor.state).not.toBe('online'));
    // Sent while the monitor is down: only the resumed monitor's replay can bring it.
    await request(sender, 'notify:id:news-2:update:messageType:key:@alice:news.wavi@alice:second');
    gate.open();

    await vi.waitFor(() => expect(ids()).toEqual(['news-1', 'news-2']), { timeout: 5_000 });
    expect(monitorLines.filter((line) => line.startsWith('monitor'))).toEqual([
      'monitor:selfNotifications news',
      `monitor:selfNotifications:${firstEpoch} news`,
    ]);
    expect(monitor.lastEpochMillis).toBeGreaterThan(firstEpoch);
  });
});
