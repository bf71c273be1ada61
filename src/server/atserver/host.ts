import Database from 'better-sqlite3';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fixAtSign } from '$lib/at/atsign';
import { systemClock, type Clock } from '../clock';
import type { AtServerLimits } from '../config';
import { directoryName, type DirectoryBackend } from '../directory/backend';
import { silentLogger, type Logger } from '../log';
import type { TlsMaterial } from '../tls/local-ca';
import { startAtSignServer, type AtSignServer } from './atsign-server';
import { initialiseAtSign, newCramSecret } from './bootstrap';
import { AtSignStore } from './store/atsign-store';

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

  private constructor(options: HostOptions, registry: Database.Database) {
    this.#options = options;
    this.#registry = registry;
    this.#log = (options.log ?? silentLogger).child({ service: 'atserver' });
  }

  /** Opens the host's registry and starts every atSign already hosted. */
  static async start(options: HostOptions): Promise<AtServerHost> {
    await mkdir(join(options.dataDir, 'atsigns'), { recursive: true, mode: 0o700 });
    const registry = new Database(join(options.dataDir, 'host.sqlite'));
    registry.pragma('journal_mode = WAL');
    registry.pragma('synchronous = FULL');
    registry.exec(
      'CREATE TABLE IF NOT EXISTS atsigns (atsign TEXT PRIMARY KEY, port INTEGER NOT NULL, created_at INTEGER NOT NULL)',
    );
    const host = new AtServerHost(options, registry);
    const rows = registry.prepare('SELECT atsign, port FROM atsigns ORDER BY atsign').all() as {
      atsign: string;
      port: number;
    }[];
    for (const row of rows) await host.#serve(row.atsign, row.port);
    return host;
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
    if (this.#servers.has(atSign)) throw new Error(`${atSign} already exists on this host`);
    const cramSecret = newCramSecret();
    const store = AtSignStore.open(this.#storePath(atSign));
    try {
      await initialiseAtSign(store, atSign, cramSecret, this.#clock.now());
    } finally {
      await store.close();
    }
    const server = await this.#serve(atSign, await this.#freePort());
    this.#registry
      .prepare('INSERT INTO atsigns (atsign, port, created_at) VALUES (?, ?, ?)')
      .run(atSign, server.port, this.#clock.now());
    this.#log.info('atSign created', { atSign, port: server.port });
    return { atSign, cramSecret, address: this.#address(server.port) };
  }

  /** Stops an atSign, removes it from the directory and deletes its data. */
  async remove(atSignText: string): Promise<boolean> {
    const atSign = fixAtSign(atSignText);
    const server = this.#servers.get(atSign);
    if (!server) return false;
    this.#servers.delete(atSign);
    await server.close();
    await server.context.store.close();
    await this.#options.directory.remove(directoryName(atSign));
    this.#registry.prepare('DELETE FROM atsigns WHERE atsign = ?').run(atSign);
    const path = this.#storePath(atSign);
    await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(path + suffix, { force: true })));
    this.#log.info('atSign removed', { atSign });
    return true;
  }

  list(): HostedAtSign[] {
    return [...this.#servers.values()]
      .map((server) => ({ atSign: server.atSign, address: this.#address(server.port) }))
      .sort((a, b) => a.atSign.localeCompare(b.atSign));
  }

  /** The running atServer of a hosted atSign. */
  server(atSign: string): AtSignServer | undefined {
    return this.#servers.get(atSign);
  }

  async close(): Promise<void> {
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

  /** The next port at or above `basePort` that no hosted atSign uses (0: let the system pick). */
  async #freePort(): Promise<number> {
    const base = this.#options.basePort;
    if (base === 0) return 0;
    const used = new Set([...this.#servers.values()].map((server) => server.port));
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
