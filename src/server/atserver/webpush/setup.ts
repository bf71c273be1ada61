/**
 * Web push for a whole host: its VAPID keys, the endpoint policy and one sender shared by every atSign it
 * serves. `AtServerHost.start` makes it when the host's options ask for web push.
 */
import webpush from 'web-push';
import type { Clock } from '../../clock';
import type { WebPushConfig } from '../../config';
import type { Logger } from '../../log';
import { PushEndpointPolicy } from './endpoint-policy';
import { PushSender } from './push-sender';
import { ensureVapidKeys, type VapidKeys } from './vapid-keys';

export interface WebPushHost {
  readonly config: WebPushConfig;
  readonly vapid: VapidKeys;
  readonly policy: PushEndpointPolicy;
  readonly sender: PushSender;
}

/**
 * Loads (or creates) the host's VAPID keys in `dataDir` and starts the sender.
 *
 * @throws Error when `config.subject` is not a `mailto:` or `https:` URL (checked now, not at the first push).
 * @example const push = await startWebPush(dataDir, { ...defaultWebPushConfig, subject: 'mailto:ops@example.com' }, systemClock, log);
 */
export async function startWebPush(
  dataDir: string,
  config: WebPushConfig,
  clock: Clock,
  log: Logger,
): Promise<WebPushHost> {
  const vapid = await ensureVapidKeys(dataDir);
  webpush.getVapidHeaders('https://push.invalid', config.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm');
  const policy = new PushEndpointPolicy(config);
  const sender = new PushSender({ vapid, config, policy, clock, log: log.child({ service: 'webpush' }) });
  return { config, vapid, policy, sender };
}
