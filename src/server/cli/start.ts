import { readFile } from 'node:fs/promises';
import { defaultDataDir } from '../data-dir';
import { createLogger } from '../log';
import { startStack, type StackFacts } from '../stack';
import { dataDirOf, portOption, report, UsageError, type Command } from './command';
import { defaultGatewayPort } from './gateway';

/** The developer-machine port of the atDirectory (production uses 64, as the reference root server). */
export const defaultDirectoryPort = 6464;
/** The first atServer port on a developer machine: each new atSign takes the next free one. */
export const defaultAtServerPort = 6465;
/** The host name the certificates cover and the directory hands out unless `--host` says otherwise. */
export const defaultPublicHost = 'localhost';

function describe(facts: StackFacts): string {
  const { directory, atServers } = facts;
  const hosted = atServers.atSigns.map((a) => `  ${a.atSign.padEnd(12)}  ${a.address} (TLS)`);
  const base = atServers.basePort === 0 ? 'free ports' : `ports from ${atServers.basePort}`;
  return [
    'atstack is running',
    `  app           ${facts.gateway.url} (the gateway: serves the app, relays its WebSockets)`,
    `  atDirectory   ${directory.host}:${directory.port} (TLS)`,
    `  atServers     ${atServers.host}, ${base} (TLS, one port per atSign)`,
    ...(hosted.length > 0 ? hosted : ['  (no atSigns yet: atstack atsign create @alice)']),
    `  data folder   ${facts.dataDir}`,
    `  local CA      ${facts.caPath}`,
    '',
    'Clients must trust the local CA, for example:',
    `  openssl s_client -connect ${directory.host}:${directory.port} -CAfile ${facts.caPath}`,
    `  NODE_EXTRA_CA_CERTS=${facts.caPath} <your node client>`,
    'Stop with Ctrl-C.',
  ].join('\n');
}

/** `--directory HOST:PORT`: another atDirectory for federation (atprotocol.md §6.1). */
function directoryOption(text: string | boolean | undefined): { host: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^\[?([^[\]]+?)\]?:(\d{1,5})$/.exec(String(text));
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port > 0 && port < 65_536)) throw new UsageError(`not a HOST:PORT: ${String(text)}`);
  return { host: match[1], port };
}

/** `--ca FILE`: the PEM text of a CA to trust besides the local one. */
async function caOption(path: string | boolean | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(String(path), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the CA file ${String(path)}: ${(error as Error).message}`);
  }
}

/** `--push-subject URL`: the VAPID subject (RFC 8292 §2.1), a `mailto:` or `https:` URL. */
function pushSubjectOption(text: string | boolean | undefined): { subject: string } | undefined {
  if (text === undefined) return undefined;
  const subject = String(text);
  if (!/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/.test(subject)) {
    throw new UsageError(`not a mailto: or https: URL: ${subject}`);
  }
  return { subject };
}

export const start: Command = {
  words: ['start'],
  summary: 'run the whole stack (directory, atServers, gateway) on the embedded defaults',
  help: `Usage: atstack start [--data DIR] [--host NAME] [--bind ADDR] [--directory-port N] [--atserver-port N] [--gateway-port N] [--directory HOST:PORT] [--ca FILE] [--push-subject URL] [--json]

  --data DIR            data folder (default: ${defaultDataDir()})
  --host NAME           host name the certificates cover and the directory hands out (default: ${defaultPublicHost})
  --bind ADDR           address to listen on (default: 127.0.0.1)
  --directory-port N    atDirectory TLS port, 0 for any free port (default: ${defaultDirectoryPort})
  --atserver-port N     first atServer TLS port, one per atSign, 0 for free ports (default: ${defaultAtServerPort})
  --gateway-port N      gateway HTTP port (the app and its WebSockets), 0 for a free port (default: ${defaultGatewayPort})
  --directory HOST:PORT the atDirectory the atServers find other atSigns through, e.g. another host's
                        (default: the embedded one)
  --ca FILE             also trust this CA certificate (PEM) for that directory and other hosts' atServers
  --push-subject URL    the VAPID subject push services may contact: mailto:… or https://…
                        (default: mailto:admin@<host>)
  --log-level LEVEL     debug | info | warn | error | silent (default: info)
  --json                print the listening facts as one JSON line`,
  options: {
    host: { type: 'string' },
    bind: { type: 'string' },
    'directory-port': { type: 'string' },
    'atserver-port': { type: 'string' },
    'gateway-port': { type: 'string' },
    directory: { type: 'string' },
    ca: { type: 'string' },
    'push-subject': { type: 'string' },
    'log-level': { type: 'string' },
  },
  async run(input) {
    const level = String(input.values['log-level'] ?? 'info');
    if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level))
      throw new UsageError(`unknown log level ${level}`);
    // Listen for the stop signal before announcing anything: a supervisor may send it the moment it reads
    // the facts line, and a signal arriving during start-up still stops the stack cleanly once it is up.
    const stopRequested = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    const stack = await startStack({
      dataDir: dataDirOf(input),
      bindHost: String(input.values.bind ?? '127.0.0.1'),
      publicHost: String(input.values.host ?? defaultPublicHost),
      directoryPort: portOption(input.values['directory-port'], defaultDirectoryPort),
      atServerPort: portOption(input.values['atserver-port'], defaultAtServerPort),
      gatewayPort: portOption(input.values['gateway-port'], defaultGatewayPort),
      gatewayPortFallback: input.values['gateway-port'] === undefined,
      peerDirectory: directoryOption(input.values.directory),
      trustedCaPem: await caOption(input.values.ca),
      webPush: pushSubjectOption(input.values['push-subject']),
      log: createLogger(level as 'info'),
    });
    report(input, stack.facts, describe(stack.facts));
    await stopRequested;
    await stack.stop();
  },
};
