import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AtError } from '$lib/at/errors';
import type { NotificationEvent } from '$lib/at/notification';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import type { PkamCredentials } from '$lib/crypto/pkam-command';
import { AtConnection, ConnectionClosedError, type AtConnectionOptions } from '$lib/client/connection';
import type { Dialer } from '$lib/client/dialer';
import { AtSession, type SessionState } from '$lib/client/session';
import { FakeTransport, type Script } from './fake-transport';

/** An atServer that accepts any PKAM and answers other lines with `rest` (or never, for undefined). */
const server =
  (rest: (line: string) => string | undefined = (line) => `data:${line}`): Script =>
  (line) => {
    if (line === 'from:@alice') return 'data:_1f2e@alice:3d4c\n@';
    if (line.startsWith('pkam:')) return 'data:success\n@alice@';
    const answer = rest(line);
    return answer === undefined ? undefined : `${answer}\n@alice@`;
  };

/** Dials fake transports, one script per connection in turn (the last one repeats); records them. */
class FakeDialer implements Dialer {
  readonly transports: FakeTransport[] = [];
  readonly #scripts: (Script | Error)[];

  constructor(...scripts: (Script | Error)[]) {
    this.#scripts = scripts;
  }

  async dial(_atSign: string, options?: AtConnectionOptions): Promise<AtConnection> {
    const script = this.#scripts.length > 1 ? this.#scripts.shift()! : this.#scripts[0]!;
    if (script instanceof Error) throw script;
    const transport = new FakeTransport(script);
    this.transports.push(transport);
    return AtConnection.open(transport, options);
  }
}

let keys: PkamCredentials;
beforeAll(async () => {
  const pair = await generateRsaKeyPair();
  keys = { pkamPublicKey: pair.publicKey, pkamPrivateKey: pair.privateKey, enrollmentId: 'e-1' };
});

const fastBackoff = { initialMs: 1, maxMs: 2 };

function sessionWith(dialer: Dialer, keySource: () => PkamCredentials | Promise<PkamCredentials> = () => keys) {
  const session = new AtSession({ atSign: 'alice', dialer, keys: keySource, backoff: fastBackoff });
  const states: SessionState[] = [];
  session.onStateChange((state) => states.push(state));
  return { session, states };
}

describe('AtSession', () => {
  it('connects on the first request, authenticates with PKAM and its enrollment, then sends', async () => {
    const dialer = new FakeDialer(server());
    const { session, states } = sessionWith(dialer);
    expect(session.state).toBe('idle');
    expect(await session.send('llookup:phone@alice')).toEqual({ kind: 'data', data: 'llookup:phone@alice' });
    const [from, pkam, lookup] = dialer.transports[0]!.lines;
    expect(from).toBe('from:@alice');
    expect(pkam).toMatch(/^pkam:signingAlgo:rsa2048:hashingAlgo:sha256:enrollmentId:e-1:[A-Za-z0-9+/=]+$/);
    expect(lookup).toBe('llookup:phone@alice');
    expect(states).toEqual(['connecting', 'online']);
    session.close();
  });

  it('sends requests in order, one at a time, on one connection', async () => {
    const dialer = new FakeDialer(server());
    const { session } = sessionWith(dialer);
    const answers = await Promise.all(['a', 'b', 'c'].map((line) => session.send(line)));
    expect(answers.map((answer) => answer.kind === 'data' && answer.data)).toEqual(['a', 'b', 'c']);
    expect(dialer.transports).toHaveLength(1);
    session.close();
  });

  it('after a drop rejects the written request as retryable, never re-sends it, and sends the waiting ones on a new connection', async () => {
    const hangsOnUpdate = server((line) => (line.startsWith('update:') ? undefined : `data:${line}`));
    const dialer = new FakeDialer(hangsOnUpdate, server());
    const { session, states } = sessionWith(dialer);
    await session.send('noop:0');
    const written = session.send('update:phone@alice 1');
    const waiting = session.send('llookup:phone@alice');
    await vi.waitFor(() => expect(dialer.transports[0]!.lines).toContain('update:phone@alice 1'));
    dialer.transports[0]!.drop(new Error('network gone'));

    const failure = await written.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect((failure as ConnectionClosedError).sent).toBe(true);
    expect((failure as AtError).isRetryable()).toBe(true);
    expect(await waiting).toEqual({ kind: 'data', data: 'llookup:phone@alice' });
    const again = dialer.transports[1]!.lines;
    expect(again.slice(0, 1)).toEqual(['from:@alice']);
    expect(again.slice(2)).toEqual(['llookup:phone@alice']);
    expect(states).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
    session.close();
  });

  it('reconnects by itself after a drop, without a request to trigger it', async () => {
    const dialer = new FakeDialer(server());
    const { session } = sessionWith(dialer);
    await session.send('noop:0');
    dialer.transports[0]!.drop();
    await vi.waitFor(() => {
      expect(dialer.transports).toHaveLength(2);
      expect(session.state).toBe('online');
    });
    session.close();
  });

  it('rejects the waiting requests with the error of a failed attempt, goes offline and retries with back-off', async () => {
    const unreachable = new AtError('AT0021', 'Unable to connect to localhost:1: ECONNREFUSED');
    const dialer = new FakeDialer(unreachable, unreachable, server());
    const { session, states } = sessionWith(dialer);
    await expect(session.send('noop:0')).rejects.toBe(unreachable);
    expect(session.lastError).toBe(unreachable);
    await vi.waitFor(() => expect(session.state).toBe('online'));
    expect(states).toEqual(['connecting', 'offline', 'connecting', 'offline', 'connecting', 'online']);
    expect(await session.send('noop:0')).toEqual({ kind: 'data', data: 'noop:0' });
    session.close();
  });

  it('is auth-failed when the keys cannot be had (a locked keyring), and tries again on the next request', async () => {
    const dialer = new FakeDialer(server());
    let locked = true;
    const { session, states } = sessionWith(dialer, () => {
      if (locked) throw new Error('the keyring is locked');
      return keys;
    });
    await expect(session.send('noop:0')).rejects.toThrow('the keyring is locked');
    expect(session.state).toBe('auth-failed');
    expect(dialer.transports).toHaveLength(0);
    locked = false;
    expect(await session.send('noop:0')).toEqual({ kind: 'data', data: 'noop:0' });
    expect(states).toEqual(['connecting', 'auth-failed', 'connecting', 'online']);
    session.close();
  });

  it('is auth-failed with the server’s error when PKAM is refused, and does not retry by itself', async () => {
    const refusing: Script = (line) =>
      line.startsWith('pkam:') ? 'error:AT0025:enrollment_id: e-1 is denied\n@' : server()(line, undefined as never);
    const dialer = new FakeDialer(refusing);
    const { session } = sessionWith(dialer);
    await expect(session.send('noop:0')).rejects.toMatchObject({ code: 'AT0025' });
    expect(session.state).toBe('auth-failed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(dialer.transports).toHaveLength(1);
    expect(dialer.transports[0]!.isClosed).toBe(true);
    session.close();
  });

  it('rejects waiting and later requests once closed', async () => {
    const dialer = new FakeDialer(server(() => undefined));
    const { session, states } = sessionWith(dialer);
    const waiting = session.send('noop:0');
    session.close();
    await expect(waiting).rejects.toMatchObject({ code: 'AT0004' });
    await expect(session.send('noop:0')).rejects.toThrow('the session is closed');
    expect(states.at(-1)).toBe('closed');
  });
});

describe('AtSession.monitor', () => {
  const event = (id: string, epochMillis: number) =>
    `notification: ${JSON.stringify({ id, from: '@bob', to: '@alice', key: `@alice:${id}@bob`, value: null, operation: 'update', epochMillis, messageType: 'MessageType.key', isEncrypted: true, metadata: null })}\n`;

  it('streams on its own connection and resumes after a drop from the last notification seen', async () => {
    const dialer = new FakeDialer(server((line) => (line === 'noop:0' ? 'data:ok' : undefined)));
    const session = new AtSession({ atSign: '@alice', dialer, keys: () => keys, backoff: fastBackoff });
    const seen: NotificationEvent[] = [];
    const monitor = session.monitor({
      regex: '.wavi',
      selfNotifications: true,
      onNotification: (notification) => seen.push(notification),
    });
    await vi.waitFor(() => expect(monitor.state).toBe('online'));
    const first = dialer.transports[0]!;
    expect(first.lines.slice(2)).toEqual(['monitor:selfNotifications .wavi', 'noop:0']);
    first.write(event('n-1', 1_700_000_000_001) + event('-1', 1_700_000_000_500) + event('n-2', 1_700_000_000_002));
    first.drop();

    await vi.waitFor(() => expect(dialer.transports[1]?.lines).toContain('noop:0'));
    expect(dialer.transports[1]!.lines[2]).toBe('monitor:selfNotifications:1700000000002 .wavi');
    expect(seen.map((notification) => notification.id)).toEqual(['n-1', '-1', 'n-2']);
    expect(monitor.lastEpochMillis).toBe(1_700_000_000_002);
    session.close();
    expect(monitor.state).toBe('closed');
  });

  it('starts from fromEpochMillis when given', async () => {
    const dialer = new FakeDialer(server((line) => (line === 'noop:0' ? 'data:ok' : undefined)));
    const session = new AtSession({ atSign: '@alice', dialer, keys: () => keys });
    const monitor = session.monitor({ fromEpochMillis: 42, onNotification: () => undefined });
    await vi.waitFor(() => expect(monitor.state).toBe('online'));
    expect(dialer.transports[0]!.lines[2]).toBe('monitor:42');
    monitor.close();
    session.close();
  });
});
