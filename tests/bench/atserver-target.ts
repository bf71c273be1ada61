/**
 * Our atServer under load: starts `atserver-process.ts` as a child, opens owner connections (CRAM, as an SDK
 * does after `from`) and describes the `update:` and `llookup:` workloads for the load generator.
 */
import { cramDigest } from '$lib/crypto/cram';
import { LockstepConnection, type Completion, type LockstepProtocol } from './load-generator';
import { startServerProcess, type ServerProcess } from './server-process';

/** A running atServer child hosting one atSign. */
export interface AtServerUnderTest {
  readonly process: ServerProcess;
  readonly port: number;
  /** `@alice`. */
  readonly atSign: string;
  /** A new connection, authenticated as the owner with CRAM. */
  owner(): Promise<LockstepConnection>;
}

/** A response and the prompt after it: complete once the buffer ends with `\n<prompt>`. */
export function promptCompletion(prompt: string): Completion {
  const end = `\n${prompt}`;
  return (buffer) => (buffer.endsWith(end) ? buffer.length : -1);
}

const greeting: Completion = (buffer) => (buffer.startsWith('@') ? 1 : -1);

/**
 * Starts the atServer in a child process on a free loopback port; `profileDir` runs it with `--cpu-prof`
 * (the profile is written there when it stops).
 */
export async function startAtServer(dataDir: string, caPem: string, profileDir?: string): Promise<AtServerUnderTest> {
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = await startServerProcess(
    process.execPath,
    [...profile, '--import', 'tsx', 'tests/bench/atserver-process.ts', dataDir],
    { awaitJsonLine: true, timeoutMs: 60_000 },
  );
  const { port, atSign, cramSecret } = child.ready as { port: number; atSign: string; cramSecret: string };
  const owner = async () => {
    const connection = await LockstepConnection.connect(port, caPem);
    try {
      await connection.read(greeting);
      const challenge = await connection.exchange(`from:${atSign}\n`, promptCompletion('@'));
      const answer = await connection.exchange(
        `cram:${await cramDigest(cramSecret, challenge.slice('data:'.length, challenge.indexOf('\n')))}\n`,
        promptCompletion(`${atSign}@`),
      );
      if (!answer.startsWith('data:success')) throw new Error(`CRAM failed: ${answer}`);
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  };
  return { process: child, port, atSign, owner };
}

function atProtocol(atSign: string, request: (connection: number, sequence: number) => string): LockstepProtocol {
  return {
    request,
    complete: promptCompletion(`${atSign}@`),
    failure: (response) => (response.startsWith('data:') ? undefined : response.trim()),
  };
}

/** The key names every target uses, so the data sets match: `u<conn>_<n>` for writes, `l<n>` for reads. */
export const workloadKeys = {
  /** Each connection cycles through 100 keys of its own when writing. */
  write: (connection: number, sequence: number) => `u${connection}_${sequence % 100}`,
  /** Reads go round the 100 keys that {@link seedReadKeys} (or the Redis seed) wrote. */
  read: (connection: number, sequence: number) => `l${(connection * 7 + sequence) % readKeyCount}`,
};
/** How many keys the read workloads look up. */
export const readKeyCount = 100;

/** `update:<key>.bench@alice <value>`: a durable write, answered with its commit id once fsynced. */
export function updateProtocol(atSign: string, value: string): LockstepProtocol {
  return atProtocol(atSign, (c, s) => `update:${workloadKeys.write(c, s)}.bench${atSign} ${value}\n`);
}

/** `llookup:<key>.bench@alice`: an owner read of a self key. */
export function llookupProtocol(atSign: string): LockstepProtocol {
  return atProtocol(atSign, (c, s) => `llookup:${workloadKeys.read(c, s)}.bench${atSign}\n`);
}

/** Writes the keys the read workload looks up, over one owner connection. */
export async function seedReadKeys(connection: LockstepConnection, atSign: string, value: string): Promise<void> {
  const complete = promptCompletion(`${atSign}@`);
  for (let n = 0; n < readKeyCount; n += 1) {
    const answer = await connection.exchange(`update:l${n}.bench${atSign} ${value}\n`, complete);
    if (!answer.startsWith('data:')) throw new Error(`seeding l${n} failed: ${answer.trim()}`);
  }
}
