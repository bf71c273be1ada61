import { stripPrompt } from '$lib/at/response';
import { cramDigest } from '$lib/crypto/cram';
import type { AtServerLimits, WebPushConfig } from '$server/config';
import type { Logger } from '$server/log';
import { AtServerHost, type CreatedAtSign } from '$server/atserver/host';
import type { DirectoryBackend } from '$server/directory/backend';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { startDirectory, type DirectoryServer } from '$server/directory/server';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import { ManualClock } from '../../support/manual-clock';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';

/** A response line and the prompt the server writes with it in the same write (`\n@` or `\n@alice@`). */
const responseAndPrompt = /\n@(?:[^@\s:]*@)?/;

/** A protocol connection for tests: sends one line, returns the response without its prompt. */
export class TestConnection {
  readonly raw: RawClient;

  constructor(raw: RawClient) {
    this.raw = raw;
  }

  /** Sends `line` and resolves with the response line, prompt stripped (`data:…` or `error:…`). */
  async send(line: string): Promise<string> {
    this.raw.write(`${line}\n`);
    return this.read();
  }

  /** Reads the next response and its prompt; resolves with the response line alone. */
  async read(): Promise<string> {
    const text = await this.raw.readUntil(responseAndPrompt);
    return stripPrompt(text.slice(0, text.lastIndexOf('\n')));
  }

  /** Sends `line` and resolves with the exact bytes of the response and the prompt after it. */
  async sendExact(line: string): Promise<string> {
    this.raw.write(`${line}\n`);
    return this.raw.readUntil(responseAndPrompt);
  }

  close(): void {
    this.raw.close();
  }
}

export interface Stack {
  readonly tls: TlsMaterial;
  readonly clock: ManualClock;
  readonly directory: DirectoryServer;
  /** What the directory answers: register atServers that are not on this host (federation tests). */
  readonly directoryBackend: DirectoryBackend;
  readonly host: AtServerHost;
  readonly dataDir: string;
  /** Creates an atSign on the host; its CRAM secret is kept for {@link Stack.owner}. */
  create(atSign: string): Promise<CreatedAtSign>;
  /** A fresh connection to an atSign's atServer, after its `@`. */
  connect(atSign: string): Promise<TestConnection>;
  /** A connection authenticated as the owner with CRAM. */
  owner(atSign: string): Promise<TestConnection>;
  /** The port of an atSign's atServer. */
  port(atSign: string): number;
  stop(): Promise<void>;
}

/** Starts a real atDirectory and atServer host on loopback (port 0, TLS, SQLite in a temp folder). */
export async function startStack(
  options: {
    atSigns?: string[];
    limits?: Partial<AtServerLimits>;
    dataDir?: string;
    /** Turns web push on (off by default, so no atSign gets the VAPID key's commit). */
    webPush?: WebPushConfig;
    log?: Logger;
  } = {},
): Promise<Stack> {
  const dir = options.dataDir ? undefined : await tempDir();
  const dataDir = options.dataDir ?? dir!.path;
  const tls = await ensureLocalCa(dataDir, ['localhost', '127.0.0.1']);
  const clock = new ManualClock();
  const backend = new MemoryDirectoryBackend();
  const directory = await startDirectory({ port: 0, tls, backend });
  const host = await AtServerHost.start({
    dataDir,
    tls,
    bindHost: '127.0.0.1',
    publicHost: 'localhost',
    basePort: 0,
    directory: backend,
    limits: options.limits,
    clock,
    webPush: options.webPush,
    log: options.log,
    // Every atServer finds the others through this directory and talks to them over mutual TLS (§6).
    federation: { directory: { host: '127.0.0.1', port: directory.port, ca: tls.caPem } },
  });
  const secrets = new Map<string, string>();
  const open: TestConnection[] = [];

  const stack: Stack = {
    tls,
    clock,
    directory,
    directoryBackend: backend,
    host,
    dataDir,
    async create(atSign) {
      const created = await host.create(atSign);
      secrets.set(created.atSign, created.cramSecret);
      return created;
    },
    port(atSign) {
      const server = host.server(atSign);
      if (!server) throw new Error(`${atSign} is not hosted`);
      return server.port;
    },
    async connect(atSign) {
      const raw = await RawClient.connect(stack.port(atSign), { ca: tls.caPem });
      await raw.readUntil(/^@/);
      const connection = new TestConnection(raw);
      open.push(connection);
      return connection;
    },
    async owner(atSign) {
      const connection = await stack.connect(atSign);
      const challenge = (await connection.send(`from:${atSign}`)).slice('data:'.length);
      const secret = secrets.get(atSign);
      if (!secret) throw new Error(`no CRAM secret for ${atSign}`);
      const answer = await connection.send(`cram:${await cramDigest(secret, challenge)}`);
      if (answer !== 'data:success') throw new Error(`CRAM failed: ${answer}`);
      return connection;
    },
    async stop() {
      for (const connection of open) connection.close();
      await host.close();
      await directory.close();
      await backend.close();
      await dir?.remove();
    },
  };
  for (const atSign of options.atSigns ?? []) await stack.create(atSign);
  return stack;
}

/**
 * Runs `action` while recording every `changed(operation, commitId)` call of `atSign`'s atServer, then
 * restores the server's own hook.
 */
export async function recordChanges(
  stack: Stack,
  atSign: string,
  action: () => Promise<void>,
): Promise<[string, number | null][]> {
  const context = stack.host.server(atSign)!.context;
  const seen: [string, number | null][] = [];
  const original = context.changed;
  context.changed = (operation, commitId) => seen.push([operation, commitId]);
  try {
    await action();
  } finally {
    context.changed = original;
  }
  return seen;
}
