/**
 * A second atServer host beside a test stack, for atSigns whose atServer must go down and come back: it
 * shares the stack's atDirectory, CA and clock, and keeps its data folder across restarts.
 */
import { cramDigest } from '$lib/crypto/cram';
import type { AtServerLimits } from '$server/config';
import { AtServerHost } from '$server/atserver/host';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';
import { TestConnection, type Stack } from '../atserver/harness';

export class PeerHost {
  readonly #stack: Stack;
  readonly #dataDir: string;
  readonly #secrets = new Map<string, string>();
  #host: AtServerHost | undefined;
  readonly #open: TestConnection[] = [];
  readonly #remove: () => Promise<void>;
  readonly #limits: Partial<AtServerLimits>;

  private constructor(stack: Stack, dataDir: string, remove: () => Promise<void>, limits: Partial<AtServerLimits>) {
    this.#stack = stack;
    this.#dataDir = dataDir;
    this.#remove = remove;
    this.#limits = limits;
  }

  /** Starts an empty host with `limits`; `atSigns` are created on it. */
  static async start(stack: Stack, atSigns: string[], limits: Partial<AtServerLimits> = {}): Promise<PeerHost> {
    const dir = await tempDir();
    const peer = new PeerHost(stack, dir.path, () => dir.remove(), limits);
    await peer.restart();
    for (const atSign of atSigns) {
      const created = await peer.host.create(atSign);
      peer.#secrets.set(created.atSign, created.cramSecret);
    }
    return peer;
  }

  get host(): AtServerHost {
    if (!this.#host) throw new Error('the peer host is stopped');
    return this.#host;
  }

  /** Stops every atServer of the host (its atSigns stay in the directory, where nothing answers now). */
  async stop(): Promise<void> {
    for (const connection of this.#open.splice(0)) connection.close();
    await this.#host?.close();
    this.#host = undefined;
  }

  /** Starts the host again on its data folder: its atSigns come back (on new ports, told to the directory). */
  async restart(): Promise<void> {
    const stack = this.#stack;
    this.#host = await AtServerHost.start({
      dataDir: this.#dataDir,
      tls: stack.tls,
      bindHost: '127.0.0.1',
      publicHost: 'localhost',
      basePort: 0,
      directory: stack.directoryBackend,
      clock: stack.clock,
      limits: this.#limits,
      federation: { directory: { host: '127.0.0.1', port: stack.directory.port, ca: stack.tls.caPem } },
    });
  }

  /** A CRAM-authenticated connection to one of this host's atSigns. */
  async owner(atSign: string): Promise<TestConnection> {
    const server = this.host.server(atSign);
    if (!server) throw new Error(`${atSign} is not hosted here`);
    const raw = await RawClient.connect(server.port, { ca: this.#stack.tls.caPem });
    await raw.readUntil(/^@/);
    const connection = new TestConnection(raw);
    this.#open.push(connection);
    const challenge = (await connection.send(`from:${atSign}`)).slice('data:'.length);
    const answer = await connection.send(`cram:${await cramDigest(this.#secrets.get(atSign)!, challenge)}`);
    if (answer !== 'data:success') throw new Error(`CRAM failed: ${answer}`);
    return connection;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#remove();
  }
}
