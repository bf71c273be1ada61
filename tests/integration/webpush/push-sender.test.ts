import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultWebPushConfig, type WebPushConfig } from '$server/config';
import { silentLogger } from '$server/log';
import { PushEndpointPolicy } from '$server/atserver/webpush/endpoint-policy';
import { PushSender, type PushOutcome } from '$server/atserver/webpush/push-sender';
import { ensureVapidKeys } from '$server/atserver/webpush/vapid-keys';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import { ManualClock } from '../../support/manual-clock';
import { tempDir } from '../../support/temp-dir';
import { PushService } from './push-service';
import { PushSubscriber } from './push-subscriber';

/** The sender's answers to a push service's statuses, its retries on the atServer's clock, and its address check. */
describe('push sender', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let tls: TlsMaterial;
  let pushService: PushService;
  let clock: ManualClock;
  let sender: PushSender;

  beforeAll(async () => {
    dir = await tempDir();
    tls = await ensureLocalCa(dir.path, ['localhost', '127.0.0.1']);
    pushService = await PushService.start(tls);
  });
  afterEach(() => sender.close());
  afterAll(async () => {
    await pushService.close();
    await dir.remove();
  });

  async function senderWith(overrides: Partial<WebPushConfig> = {}): Promise<PushSender> {
    const config: WebPushConfig = {
      ...defaultWebPushConfig,
      subject: 'mailto:ops@example.com',
      pushHosts: ['localhost'],
      allowedAddressClasses: ['loopback'],
      trustedCaPem: tls.caPem,
      retryBaseMs: 1_000,
      ...overrides,
    };
    clock = new ManualClock();
    const vapid = await ensureVapidKeys(dir.path);
    sender = new PushSender({ vapid, config, policy: new PushEndpointPolicy(config), clock, log: silentLogger });
    return sender;
  }

  const send = (path: string): Promise<PushOutcome> =>
    sender.send({
      subscription: JSON.parse(new PushSubscriber(pushService.endpoint(path)).json()),
      payload: '{"type":"notification"}',
      urgency: 'normal',
      logFields: {},
    });

  it('tries again after a 503, after the back-off of the injected clock, and reports the later success', async () => {
    await senderWith();
    pushService.answer('/flaky', 503);
    const first = pushService.next('/flaky');
    const outcome = send('/flaky');
    await first;
    await vi.waitFor(() => expect(clock.sleeping).toBe(1));
    pushService.answer('/flaky', 201);
    const second = pushService.next('/flaky');
    clock.advance(1_000);
    await second;
    expect(await outcome).toBe('delivered');
    expect(pushService.pushesTo('/flaky')).toHaveLength(2);
  });

  it('gives up after maxAttempts of a failing service', async () => {
    await senderWith({ maxAttempts: 2 });
    pushService.answer('/down', 500);
    const outcome = send('/down');
    await vi.waitFor(() => expect(clock.sleeping).toBe(1));
    clock.advance(1_000);
    expect(await outcome).toBe('failed');
    expect(pushService.pushesTo('/down')).toHaveLength(2);
  });

  it('reports 410 as gone and 403 as refused, without trying again', async () => {
    await senderWith();
    pushService.answer('/gone', 410);
    pushService.answer('/forbidden', 403);
    expect(await send('/gone')).toBe('gone');
    expect(await send('/forbidden')).toBe('refused');
    expect(pushService.pushesTo('/gone')).toHaveLength(1);
    expect(pushService.pushesTo('/forbidden')).toHaveLength(1);
  });

  it('refuses an allowed host name that resolves to loopback when loopback is not allowed, and never connects', async () => {
    await senderWith({ allowedAddressClasses: [] });
    expect(await send('/private')).toBe('refused');
    expect(pushService.pushesTo('/private')).toHaveLength(0);
  });

  it('ends a push waiting for its retry as failed when the sender closes', async () => {
    await senderWith();
    pushService.answer('/closing', 503);
    const outcome = send('/closing');
    await vi.waitFor(() => expect(clock.sleeping).toBe(1));
    sender.close();
    expect(await outcome).toBe('failed');
    expect(pushService.pushesTo('/closing')).toHaveLength(1);
  });
});
