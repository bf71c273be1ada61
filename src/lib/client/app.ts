/**
 * The client as the app's page uses it ({@link ClientApi}). The engine runs in a worker so the page never
 * stalls on crypto or IndexedDB. Passphrases stay in the page: it derives the non-extractable vault key and
 * posts that. One-off steps that create or reveal keys (activation, import, export) run here in the page and
 * write the vault directly, so no key material is ever posted to the worker.
 */
import { fixAtSign } from '$lib/at/atsign';
import { readAtKeysFile, writeAtKeysFile } from '$lib/crypto/atkeys-file';
import type { ActivationStepName, AtSignEntry, ClientApi, ClientEvent, NetworkSettings } from './api';
import { gatewayDialer } from './dialer';
import { activate } from './onboarding';
import { deriveVaultKey, listAtSigns, openKeys, saveKeys, vaultParams, VaultError, wipe } from './vault';
import { connect, type Endpoint, type RpcClient } from './worker/rpc';
import type { ClientHost } from './worker/client-host';

/** Where the settings live in this browser (they are not secret). */
const settingsKey = 'atstack:settings';

export interface CreateClientOptions {
  /** The worker hosting the engine; by default a new one from `./worker/entry`. */
  readonly worker?: Endpoint;
  /** Settings storage; `localStorage` by default. */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem'>;
  /** The gateway when none is configured: the page's own origin. */
  readonly defaultGateway?: string;
}

function readSettings(storage: CreateClientOptions['storage'], fallback: string): NetworkSettings {
  try {
    const parsed = JSON.parse(storage?.getItem(settingsKey) ?? 'null') as Partial<NetworkSettings> | null;
    if (parsed && typeof parsed.gateway === 'string' && parsed.gateway !== '') return { gateway: parsed.gateway };
  } catch {
    // Unreadable settings are replaced by the defaults.
  }
  return { gateway: fallback };
}

/** The vault key of `atSign`'s entry for `passphrase`. */
async function vaultKeyFor(atSign: string, passphrase: string): Promise<CryptoKey> {
  const params = await vaultParams(atSign);
  if (!params) throw new VaultError('not-found', `no keys are stored for ${atSign} in this browser`);
  return deriveVaultKey(passphrase, params.salt, params.iterations);
}

/**
 * @example
 * const client = createClient();
 * await client.activate({ atSign: '@alice', cramSecret, passphrase, onProgress: (step) => (progress = step) });
 * const backup = await client.exportKeys('@alice', passphrase);
 */
export function createClient(options: CreateClientOptions = {}): ClientApi {
  const storage = options.storage ?? globalThis.localStorage;
  const fallbackGateway = options.defaultGateway ?? globalThis.location?.origin ?? '';
  let settings = readSettings(storage, fallbackGateway);
  const worker =
    options.worker ?? (new Worker(new URL('./worker/entry.ts', import.meta.url), { type: 'module' }) as Endpoint);
  const rpc: RpcClient<ClientHost> = connect<ClientHost>(worker);
  const host = rpc.api;
  const configured = host.configure(settings);

  const unlock = async (atSign: string, passphrase: string) => {
    const vaultKey = await vaultKeyFor(fixAtSign(atSign), passphrase);
    await configured;
    await host.unlock(fixAtSign(atSign), vaultKey);
  };

  globalThis.addEventListener?.('online', () => void host.online());

  return {
    async listAtSigns(): Promise<AtSignEntry[]> {
      const [stored, open] = await Promise.all([listAtSigns(), host.unlocked()]);
      return stored.map((atSign) => ({ atSign, unlocked: open.includes(atSign) }));
    },

    async activate({ atSign, cramSecret, passphrase, onProgress }) {
      const me = fixAtSign(atSign);
      const keys = await activate({
        atSign: me,
        cramSecret: cramSecret.trim(),
        dialer: gatewayDialer({ url: settings.gateway }),
        onProgress: (step) => onProgress?.(step === 'done' ? 'saving-keys' : step),
      });
      await saveKeys(me, { ...keys, atSign: me }, passphrase);
      await unlock(me, passphrase);
      onProgress?.('done' satisfies ActivationStepName);
    },

    async importKeys({ fileText, filePassphrase, passphrase }) {
      const keys = await readAtKeysFile(fileText, filePassphrase ? { passphrase: filePassphrase } : {});
      if (!keys.atSign) throw new VaultError('bad-entry', 'the .atKeys file does not name its atSign');
      const me = fixAtSign(keys.atSign);
      await saveKeys(me, keys, passphrase);
      await unlock(me, passphrase);
      return me;
    },

    async exportKeys(atSign, passphrase, filePassphrase) {
      const me = fixAtSign(atSign);
      const keys = await openKeys(me, await vaultKeyFor(me, passphrase));
      return writeAtKeysFile({ ...keys, atSign: me }, { passphrase: filePassphrase ?? passphrase });
    },

    unlock,
    lock: (atSign) => host.lock(fixAtSign(atSign)),

    async remove(atSign) {
      const me = fixAtSign(atSign);
      await host.lock(me);
      await wipe(me);
    },

    records: (atSign) => host.records(atSign),
    sharedWithMe: (atSign) => host.sharedWithMe(atSign),
    put: (atSign, input) => host.put(atSign, input),
    delete: (atSign, atKey) => host.delete(atSign, atKey),
    share: (atSign, atKey, withAtSign) => host.share(atSign, atKey, withAtSign),
    revoke: (atSign, atKey, fromAtSign) => host.revoke(atSign, atKey, fromAtSign),
    shares: (atSign) => host.shares(atSign),
    inbox: (atSign) => host.inbox(atSign),
    sendMessage: (atSign, to, text) => host.sendMessage(atSign, to, text),
    syncNow: (atSign) => host.syncNow(atSign),
    conflicts: (atSign) => host.conflicts(atSign),
    resolveConflict: (atSign, id, keep) => host.resolveConflict(atSign, id, keep),
    blockList: (atSign) => host.blockList(atSign),
    setBlocked: (atSign, other, blocked) => host.setBlocked(atSign, other, blocked),
    registerPush: (atSign, subscription) => host.registerPush(atSign, subscription),
    unregisterPush: (atSign, endpoint) => host.unregisterPush(atSign, endpoint),
    vapidPublicKey: (atSign) => host.vapidPublicKey(atSign),

    settings: async () => settings,
    async gatewayDirectory() {
      try {
        const health = (await (await fetch(new URL('/healthz', settings.gateway))).json()) as { directory?: unknown };
        return typeof health.directory === 'string' ? health.directory : undefined;
      } catch {
        return undefined;
      }
    },
    async setSettings(next) {
      settings = { gateway: next.gateway.trim() || fallbackGateway };
      storage?.setItem(settingsKey, JSON.stringify(settings));
      await host.configure(settings);
    },

    subscribe(listener) {
      return rpc.on('event', (data) => {
        const { atSign, event } = data as { atSign: string; event: ClientEvent };
        listener(atSign, event);
      });
    },
  };
}
