/**
 * The whole stack in one process, as `atstack start` (and so `npm start`) runs it: the local CA, the
 * atDirectory over its SQLite backend, and the parts built on them. Tests and the CLI both start it here.
 */
import { mkdir } from 'node:fs/promises';
import { dataPaths } from './data-dir';
import { SqliteDirectoryBackend } from './directory/sqlite-backend';
import { startDirectory, type DirectoryServer } from './directory/server';
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
  log: Logger;
}

/** What a running stack tells its operator (printed by `atstack start`, `--json` for scripts). */
export interface StackFacts {
  dataDir: string;
  caPath: string;
  directory: { host: string; port: number };
}

export interface RunningStack {
  readonly facts: StackFacts;
  readonly tls: TlsMaterial;
  stop(): Promise<void>;
}

/** Starts every part of the stack that exists, with real TLS from the local CA in the data folder. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const names = [...new Set(['localhost', '127.0.0.1', options.publicHost])];
  const tls = await ensureLocalCa(options.dataDir, names);
  const backend = new SqliteDirectoryBackend(dataPaths(options.dataDir).directoryDb);
  let directory: DirectoryServer;
  try {
    directory = await startDirectory({
      host: options.bindHost,
      port: options.directoryPort,
      tls,
      backend,
      log: options.log,
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  return {
    tls,
    facts: {
      dataDir: options.dataDir,
      caPath: tls.caPath,
      directory: { host: options.publicHost, port: directory.port },
    },
    async stop() {
      await directory.close();
      await backend.close();
    },
  };
}
