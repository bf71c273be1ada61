/**
 * The whole stack in one process, as `atstack start` (and so `npm start`) runs it: the local CA, the
 * atDirectory over its SQLite backend, the atServer host (one TLS port per atSign, registered in that
 * directory), the admin channel the CLI uses to create atSigns while it runs, and the gateway that serves
 * the app and relays its WebSockets to that directory and those atServers.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { claimAdminSocket, startAdminServer, type AdminServer } from './admin/server';
import { AtServerHost, type HostedAtSign } from './atserver/host';
import { trustedCaPem, type Federation } from './atserver/outbound/federation';
import { defaultWebPushConfig, withDefaults, type AtServerLimits, type WebPushConfig } from './config';
import { dataPaths } from './data-dir';
import { SqliteDirectoryBackend } from './directory/sqlite-backend';
import { startDirectory, type DirectoryServer } from './directory/server';
import { startGateway } from './gateway/gateway';
import type { Logger } from './log';
import { ensureLocalCa, type TlsMaterial } from './tls/local-ca';

export interface StackOptions {
  dataDir: string;
  /** Address the services bind to. The embedded default is loopback only. */
  bindHost: string;
  /** Host names and IPs the certificates cover and the directory hands out. */
  publicHost: string;
  /** 0 picks a free port. */
  directoryPort: number;
  /** First port for atServers: a new atSign gets the next one no atSign of the folder uses; 0 picks free ports. */
  atServerPort: number;
  limits?: Partial<AtServerLimits>;
  /**
   * The atDirectory the atServers find other atSigns through (atprotocol.md §6.1), e.g. another host's;
   * default: the embedded one. Its certificate must chain to the local CA or to `trustedCaPem`.
   */
  peerDirectory?: { host: string; port: number };
  /** CA certificates (PEM) trusted besides the local CA: another host's, for its directory and atServers. */
  trustedCaPem?: string;
  /** The gateway's HTTP port (the app and its WebSockets); 0 or unset picks a free port. */
  gatewayPort?: number;
  /** Take a free port when `gatewayPort` is in use (it was a default, not the operator's choice). */
  gatewayPortFallback?: boolean;
  /** The built app the gateway serves. Default: this repository's `build/app` (`npm run build`). */
  appDir?: string;
  /**
   * Web push from the atServers, on by default with the browsers' push services and the subject
   * `mailto:admin@<publicHost>`; `false` turns it off.
   */
  webPush?: Partial<WebPushConfig> | false;
  log: Logger;
}

/** Where `npm run build` writes the app (svelte.config.js). */
const builtAppDir = fileURLToPath(new URL('../../build/app', import.meta.url));

/** What a running stack tells its operator (printed by `atstack start`, `--json` for scripts). */
export interface StackFacts {
  dataDir: string;
  caPath: string;
  directory: { host: string; port: number };
  atServers: { host: string; basePort: number; atSigns: HostedAtSign[] };
  /** The admin channel, or null when the data folder's path is too long for a Unix socket. */
  adminSocket: string | null;
  /** Where the gateway serves the app (e.g. `http://localhost:8064`). */
  gateway: { url: string };
}

export interface RunningStack {
  readonly facts: StackFacts;
  readonly tls: TlsMaterial;
  readonly host: AtServerHost;
  stop(): Promise<void>;
}

/** The stack's web push settings: the defaults, a subject naming the public host, then what the caller set. */
function webPushConfig(publicHost: string, overrides: Partial<WebPushConfig> = {}): WebPushConfig {
  return withDefaults({ ...defaultWebPushConfig, subject: `mailto:admin@${publicHost}` }, overrides);
}

/** Linux and macOS cap a Unix socket path near 104–108 bytes. */
const maxSocketPathBytes = 100;

/** Starts every part of the stack, with real TLS from the local CA in the data folder. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const names = [...new Set(['localhost', '127.0.0.1', options.publicHost])];
  const tls = await ensureLocalCa(options.dataDir, names);
  const paths = dataPaths(options.dataDir);
  const withAdmin = Buffer.byteLength(paths.adminSocket) <= maxSocketPathBytes;
  // Before any listener: a second stack on the same folder would move the first one's atSigns.
  if (withAdmin) await claimAdminSocket(paths.adminSocket);
  const backend = new SqliteDirectoryBackend(paths.directoryDb);
  const stops: (() => Promise<void>)[] = [() => backend.close()];
  const stop = async () => {
    for (const close of stops.splice(0).reverse()) await close();
  };
  try {
    const directory: DirectoryServer = await startDirectory({
      host: options.bindHost,
      port: options.directoryPort,
      tls,
      backend,
      log: options.log,
    });
    stops.push(() => directory.close());
    const federation: Federation = {
      directory: {
        ...(options.peerDirectory ?? { host: options.publicHost, port: directory.port }),
        ca: trustedCaPem(tls, options.trustedCaPem),
      },
      trustedCaPem: options.trustedCaPem,
    };
    const host = await AtServerHost.start({
      dataDir: options.dataDir,
      tls,
      bindHost: options.bindHost,
      publicHost: options.publicHost,
      basePort: options.atServerPort,
      directory: backend,
      limits: options.limits,
      log: options.log,
      federation,
      ...(options.webPush !== false && { webPush: webPushConfig(options.publicHost, options.webPush) }),
    });
    stops.push(() => host.close());
    const directoryAddress = { host: options.publicHost, port: directory.port };
    // The embedded gateway reaches this stack's own services on loopback, which the public default refuses.
    const startOn = (port: number) =>
      startGateway({
        host: options.bindHost,
        port,
        directory: { ...directoryAddress, ca: tls.caPem },
        atServerCa: tls.caPem,
        policy: { atServerHosts: [options.publicHost], allowedAddressClasses: ['loopback'] },
        appDir: options.appDir ?? builtAppDir,
        log: options.log,
      });
    const gateway = await startOn(options.gatewayPort ?? 0).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' || !options.gatewayPortFallback) throw error;
      options.log.warn('gateway port in use; serving on a free port', { port: options.gatewayPort });
      return startOn(0);
    });
    stops.push(() => gateway.close());
    let admin: AdminServer | undefined;
    if (withAdmin) {
      admin = await startAdminServer(
        paths.adminSocket,
        host,
        { running: true, directory: directoryAddress, caPath: tls.caPath, app: gateway.url },
        options.log.child({ service: 'admin' }),
      );
      stops.push(() => admin!.close());
    } else {
      options.log.warn('data folder path too long for the admin socket; atsign commands apply at the next start');
    }
    return {
      tls,
      host,
      facts: {
        dataDir: options.dataDir,
        caPath: tls.caPath,
        directory: directoryAddress,
        atServers: { host: options.publicHost, basePort: options.atServerPort, atSigns: host.list() },
        adminSocket: admin?.path ?? null,
        gateway: { url: gateway.url },
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
