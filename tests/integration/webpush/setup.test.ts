import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPush } from '$server/atserver/webpush/setup';
import { systemClock } from '$server/clock';
import { defaultWebPushConfig } from '$server/config';
import { silentLogger } from '$server/log';
import { startStack } from '../atserver/harness';
import { tempDir } from '../../support/temp-dir';
import { PushSubscriber } from './push-subscriber';

const webPush = { ...defaultWebPushConfig, subject: 'mailto:ops@example.com' };

/** The host's VAPID keys across restarts, the subscription limit, and an atServer without web push. */
describe('web push set-up', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('keeps the VAPID key pair across restarts and publishes it without a new commit', async () => {
    const first = await startStack({ dataDir: dir.path, atSigns: ['@alice'], webPush });
    const file = await readFile(join(dir.path, 'webpush', 'vapid.json'), 'utf8');
    const commits = (stack: typeof first) => stack.host.server('@alice')!.context.store.commits.entriesAfter(-1, 100);
    const before = commits(first);
    await first.stop();
    const second = await startStack({ dataDir: dir.path, webPush });
    try {
      expect(await readFile(join(dir.path, 'webpush', 'vapid.json'), 'utf8')).toBe(file);
      expect(commits(second)).toEqual(before);
      expect(before.map((entry) => entry.key)).toContain('public:vapid_publickey.__webpush@alice');
    } finally {
      await second.stop();
    }
  });

  it('refuses to start with a VAPID subject that is not a mailto: or https: URL', async () => {
    const subject = 'ops@example.com';
    await expect(startWebPush(dir.path, { ...webPush, subject }, systemClock, silentLogger)).rejects.toThrow(/subject/);
  });

  it('refuses subscriptions past the per-atSign limit', async () => {
    const stack = await startStack({ atSigns: ['@alice'], webPush: { ...webPush, maxSubscriptionsPerAtSign: 2 } });
    try {
      const alice = await stack.owner('@alice');
      const register = (device: string) =>
        alice.send(
          `update:${device}.subscription.__webpush@alice ${new PushSubscriber(`https://fcm.googleapis.com/fcm/send/${device}`).json()}`,
        );
      expect(await register('one')).toMatch(/^data:\d+$/);
      expect(await register('two')).toMatch(/^data:\d+$/);
      expect(await register('three')).toBe(
        'error:AT0003-Invalid syntax : an atSign may register at most 2 push subscriptions',
      );
      // Replacing a registered device's subscription is not a new one; a deleted one frees its place.
      expect(await register('two')).toMatch(/^data:\d+$/);
      await alice.send('delete:one.subscription.__webpush@alice');
      expect(await register('three')).toMatch(/^data:\d+$/);
    } finally {
      await stack.stop();
    }
  });

  it('refuses subscriptions and keeps the VAPID key name protected on an atServer without web push', async () => {
    const stack = await startStack({ atSigns: ['@alice'] });
    try {
      const alice = await stack.owner('@alice');
      const subscription = new PushSubscriber('https://fcm.googleapis.com/fcm/send/x').json();
      expect(await alice.send(`update:phone.subscription.__webpush@alice ${subscription}`)).toBe(
        'error:AT0003-Invalid syntax : web push is not enabled on this atServer',
      );
      expect(await alice.send('llookup:public:vapid_publickey.__webpush@alice')).toMatch(/^error:AT0015-/);
      expect(await alice.send('update:public:vapid_publickey.__webpush@alice BAAA')).toMatch(/^error:AT0009-/);
    } finally {
      await stack.stop();
    }
  });
});
