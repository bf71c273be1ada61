import Database from 'better-sqlite3';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fixAtSign } from '$lib/at/atsign';
import { systemClock, type Clock } from '../clock';
import type { AtServerLimits, WebPushConfig } from '../config';
import { directoryName, type DirectoryBackend } from '../directory/backend';
import { silentLogger, type Logger } from '../log';
import type { TlsMaterial } from '../tls/local-ca';
import { startAtSignServer, type AtSignServer } from './atsign-server';
import { initialiseAtSign, newCramSecret } from './bootstrap';
import type { Federation } from './outbound/federation';
import { AtSignStore } from './store/atsign-store';
import { startWebPush, type WebPushHost } from './webpush/setup';

export interface HostOptions {
  /** Holds `host.sqlite` (which atSigns live here, on which port) and `atsigns/<name>.sqlite`. */
  dataDir: string;
  tls: TlsMaterial;
  /** Address the atServers listen on. */
  bindHost: string;
  /** Host name the directory hands out for these atServers. */
  publicHost: string;
  /** First port tried for a new atSign; 0 lets the system pick (tests). */
  basePort: number;
  directory: DirectoryBackend;
  limits?: Partial<AtServerLimits>;
  log?: Logger;
  clock?: Clock;
  /** How the atServers reach other atSigns' atServers (their atDirectory, trusted CAs); see `outbound/federation.ts`. */
  federation?: Federation;
  /**
   * Web push to the owners' devices (`webpush/`): the VAPID keys are created in `dataDir/webpush` on first
   * start and each atSign publishes the public one. Off when absent.
   */
  webPush?: WebPushConfig;
}

/** What `atstack atsign create` reports. The CRAM secret is shown once and never logged. */
export interface CreatedAtSign {
  atSign: string;
  cramSecret: string;
  address: string;
}

export interface HostedAtSign {
  atSign: string;
  address: string;
}

/**
 * One process hosting many atSigns, each with its own TLS port and SQLite file, and each registered with
 * the atDirectory as `host:port`. The list of hosted atSigns and their ports survives restarts.
 */
export class AtServerHost {
  readonly #options: HostOptions;
  readonly #registry: Database.Database;
  readonly #servers = new Map<string, AtSignServer>();
  readonly #log: Logger;
  /** False for a host opened by {@link AtServerHost.open}: it changes the data folder but listens on nothing. */
  readonly #serving: boolean;
  readonly #webPush: WebPushHost | undefined;

  private constructor(options: HostOptions, registry: Database.Database, serving: boolean, webPush?: WebPushHost) {
    this.#options = options;
    this.#registry = registry;
    this.#serving = serving;
    this.#webPush = webPush;
    this.#log = (options.log ?? silentLogger).child({ service: 'atserver' });
  }

  /** Opens the host's registry and starts every atSign already hosted. */
  static async start(options: HostOptions): Promise<AtServerHost> {
    const log = options.log ?? silentLogger;
    const webPush =
      options.webPush && (await startWebPush(options.dataDir, options.webPush, options.clock ?? systemClock, log));
    const host = new AtServerHost(options, await openRegistry(options.dataDir), true, webPush);
    try {
      for (const row of host.#rows()) await host.#serve(row.atsign, row.port);
    } catch (error) {
      await host.close();
      throw error;
    }
    return host;
  }

  /**
   * Opens the data folder without listening (`atstack atsign create` while no stack runs): atSigns created
   * here get their store, a port at or above `basePort` and their directory entry, and the next
   * {@link AtServerHost.start} serves them. `basePort` must be a real port, since the directory needs one.
   */
  static async open(options: HostOptions): Promise<AtServerHost> {
    if (options.basePort === 0) throw new Error('a host that does not listen needs a base port other than 0');
    return new AtServerHost(options, await openRegistry(options.dataDir), false);
  }

  get #clock(): Clock {
    return this.#options.clock ?? systemClock;
  }

  /**
   * Creates an atSign: its store with the CRAM secret and signing keys, its TLS listener and its
   * directory entry. Fails if the atSign is already hosted here.
   */
  async create(atSignText: string): Promise<CreatedAtSign> {
    const atSign = fixAtSign(atSignText);
    let port = this.#reserve(atSign);
    const cramSecret = newCramSecret();
    try {
      const store = AtSignStore.open(this.#storePath(atSign));
      try {
        await initialiseAtSign(store, atSign, cramSecret, this.#clock.now());
      } finally {
        await store.close();
      }
      if (this.#serving) {
        port = (await this.#serve(atSign, port)).port;
      } else {
        await this.#options.directory.register(directoryName(atSign), this.#address(port));
      }
    } catch (error) {
      this.#registry.prepare('DELETE FROM atsigns WHERE atsign = ?').run(atSign);
      await this.#removeStore(atSign);
      throw error;
    }
    // The CRAM secret is returned to the operator only; logs carry facts, never secrets.
    this.#log.info('atSign created', { atSign, port });
    return { atSign, cramSecret, address: this.#address(port) };
  }

  /**
   * Claims the atSign's row in the registry, with the next free port, in one synchronous step: two
   * creations of the same atSign (say, from two CLI calls at once) cannot both pass, so one cannot
   * overwrite the other's CRAM secret, and two new atSigns never get the same port.
   */
  #reserve(atSign: string): number {
    const port = this.#freePort();
    const inserted = this.#registry
      .prepare('INSERT INTO atsigns (atsign, port, created_at) VALUES (?, ?, ?) ON CONFLICT(atsign) DO NOTHING')
      .run(atSign, port, this.#clock.now());
    if (inserted.changes === 0) throw new Error(`${atSign} already exists on this host`);
    return port;
  }

  async #removeStore(atSign: string): Promise<void> {
    const path = this.#storePath(atSign);
    await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(path + suffix, { force: true })));
  }

  /** Stops an atSign, removes it from the directory and deletes its data. */
  async remove(atSignText: string): Promise<boolean> {
    const atSign = fixAtSign(atSignText);
    if (this.#portOf(atSign) === undefined) return false;
    const server = this.#servers.get(atSign);
    if (server) {
      this.#servers.delete(atSign);
      await server.close();
      await server.context.store.close();
    }
    await this.#options.directory.remove(directoryName(atSign));
    this.#registry.prepare('DELETE FROM atsigns WHERE atsign = ?').run(atSign);
    await this.#removeStore(atSign);
    this.#log.info('atSign removed', { atSign });
    return true;
  }

  /** Every atSign of this data folder and its address, served or not (sorted). */
  list(): HostedAtSign[] {
    return this.#rows().map((row) => ({ atSign: row.atsign, address: this.#address(row.port) }));
  }

  /** The running atServer of a hosted atSign. */
  server(atSign: string): AtSignServer | undefined {
    return this.#servers.get(atSign);
  }

  async close(): Promise<void> {
    // First: pushes waiting for a retry end now instead of holding the servers' close.
    this.#webPush?.sender.close();
    for (const server of this.#servers.values()) {
      await server.close();
      await server.context.store.close();
    }
    this.#servers.clear();
    this.#registry.close();
  }

  #storePath(atSign: string): string {
    return join(this.#options.dataDir, 'atsigns', `${encodeURIComponent(atSign)}.sqlite`);
  }

  #address(port: number): string {
    return `${this.#options.publicHost}:${port}`;
  }

  #rows(): { atsign: string; port: number }[] {
    return this.#registry.prepare('SELECT atsign, port FROM atsigns ORDER BY atsign').all() as {
      atsign: string;
      port: number;
    }[];
  }

  #portOf(atSign: string): number | undefined {
    const row = this.#registry.prepare('SELECT port FROM atsigns WHERE atsign = ?').get(atSign) as
      { port: number } | undefined;
    return row?.port;
  }

  /** The next port at or above `basePort` that no atSign of this folder uses (0: let the system pick). */
  #freePort(): number {
    const base = this.#options.basePort;
    if (base === 0) return 0;
    const used = new Set(this.#rows().map((row) => row.port));
    let port = base;
    while (used.has(port)) port += 1;
    return port;
  }

  /** Starts an atSign's listener on `port`, falling back to another port if it is taken, and registers it. */
  async #serve(atSign: string, port: number): Promise<AtSignServer> {
    const store = AtSignStore.open(this.#storePath(atSign));
    const start = (listenPort: number) =>
      startAtSignServer({
        atSign,
        store,
        tls: this.#options.tls,
        host: this.#options.bindHost,
        port: listenPort,
        limits: this.#options.limits,
        log: this.#options.log,
        clock: this.#options.clock,
        federation: this.#options.federation,
        webPush: this.#webPush,
      });
    let server: AtSignServer;
    try {
      server = await start(port).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EADDRINUSE' || port === 0) throw error;
        this.#log.warn('port taken, moving atSign', { atSign, port });
        return start(0);
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    if (server.port !== port) {
      this.#registry.prepare('UPDATE atsigns SET port = ? WHERE atsign = ?').run(server.port, atSign);
    }
    this.#servers.set(atSign, server);
    await this.#options.directory.register(directoryName(atSign), this.#address(server.port));
    return server;
  }
}

/** The host's registry: which atSigns live in this data folder and on which port. */
async function openRegistry(dataDir: string): Promise<Database.Database> {
  await mkdir(join(dataDir, 'atsigns'), { recursive: true, mode: 0o700 });
  const registry = new Database(join(dataDir, 'host.sqlite'));
  registry.pragma('journal_mode = WAL');
  registry.pragma('synchronous = FULL');
  // The CLI may change the registry while a stack has it open (and the other way round).
  registry.pragma('busy_timeout = 5000');
  registry.exec(
    'CREATE TABLE IF NOT EXISTS atsigns (atsign TEXT PRIMARY KEY, port INTEGER NOT NULL, created_at INTEGER NOT NULL)',
  );
  return registry;
}
