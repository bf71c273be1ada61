import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user data folder used when no `--data` is given: `$ATSTACK_DATA`, else
 * `$XDG_DATA_HOME/atstack`, else `~/.local/share/atstack`. It holds the local CA, the directory
 * database and one SQLite file per atSign.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATSTACK_DATA) return env.ATSTACK_DATA;
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'atstack');
}

/** Where each part of the stack keeps its files inside a data folder. */
export function dataPaths(dataDir: string) {
  return {
    directoryDb: join(dataDir, 'directory.sqlite'),
    atSignsDir: join(dataDir, 'atsigns'),
    /** The local CA's certificate, which clients of the stack trust (written by `ensureLocalCa`). */
    caCert: join(dataDir, 'tls', 'ca.crt'),
    /** The running stack's admin channel (a Unix socket, owner only): `atstack atsign …` talks to it. */
    adminSocket: join(dataDir, 'admin.sock'),
  };
}
