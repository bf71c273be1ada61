/**
 * `atstack gateway`: the WebSocket-to-TLS gateway on its own, for a deployment where browsers reach a
 * directory and atServers that run elsewhere (ours, or the public atSign network).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressClass } from '../config';
import { defaultGatewayPolicy } from '../config';
import { startGateway } from '../gateway/gateway';
import { parseHostPort } from '../gateway/target-policy';
import { createLogger, type Level } from '../log';
import { dataDirOf, portOption, report, UsageError, type Command, type CommandInput } from './command';

/** The gateway's HTTP port on a developer machine (`npm start` serves the app here). */
export const defaultGatewayPort = 8064;
/** The embedded atDirectory `atstack start` runs unless told otherwise. */
const embeddedDirectory = 'localhost:6464';
const builtAppDir = fileURLToPath(new URL('../../../build/app', import.meta.url));
const addressClasses: readonly AddressClass[] = [
  'loopback',
  'private',
  'linkLocal',
  'cgnat',
  'multicast',
  'ipv4Mapped',
  'unspecified',
  'reserved',
];

const text = (input: CommandInput, name: string) => {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
};
const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);

function portRanges(value: string | undefined): [number, number][] | undefined {
  return list(value)?.map((range) => {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(range);
    const low = Number(match?.[1]);
    const high = Number(match?.[2] ?? match?.[1]);
    if (!match || low < 1 || high > 65_535 || low > high) throw new UsageError(`not a port range: ${range}`);
    return [low, high];
  });
}

function classes(value: string | undefined): AddressClass[] | undefined {
  return list(value)?.map((name) => {
    if (!addressClasses.includes(name as AddressClass))
      throw new UsageError(`unknown address class ${name} (one of ${addressClasses.join(', ')})`);
    return name as AddressClass;
  });
}

async function pem(path: string | undefined, hint?: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}${hint ? ` (${hint})` : ''}`);
  }
}

export const gateway: Command = {
  words: ['gateway'],
  summary: 'run only the WebSocket-to-TLS gateway (serves the app, relays to a directory and its atServers)',
  help: `Usage: atstack gateway [--directory HOST:PORT] [--port N] [--allow-host LIST] [flags]

Browsers open ws(s)://<gateway>/ws/directory or /ws/@atsign; the gateway resolves the atSign through the
directory and relays to that atServer only if it passes the allow-list. Lists are comma-separated.

  --directory HOST:PORT   atDirectory to resolve atSigns through (default: ${embeddedDirectory}, the embedded one)
  --directory-ca FILE     CA for the directory (default: the data folder's local CA for the embedded
                          directory, the system store otherwise)
  --atserver-ca FILE      CA for atServers (same default as --directory-ca)
  --allow-host LIST       atServer host names; .suffix matches below it (default: localhost for the
                          embedded directory, ${defaultGatewayPolicy.atServerHosts.join(',')} otherwise)
  --allow-ports LIST      atServer port ranges, e.g. 1024-65535,64 (default: 1024-65535)
  --allow-address LIST    non-public address classes to allow: ${addressClasses.join(', ')}
                          (default: loopback for the embedded directory, none otherwise)
  --origin LIST           page origins allowed to open relays (default: this gateway on localhost)
  --bind ADDR             address to listen on (default: 127.0.0.1)
  --port N                HTTP port, 0 for any free port (default: ${defaultGatewayPort})
  --app DIR               built app to serve (default: build/app)
  --tls-cert FILE, --tls-key FILE   serve https/wss with this certificate
  --trust-proxy           take the client address from X-Forwarded-For (only behind a proxy)
  --data DIR              data folder holding the local CA (default: $ATSTACK_DATA or ~/.local/share/atstack)
  --log-level LEVEL       debug | info | warn | error | silent (default: info)
  --json                  print the listening facts as one JSON line`,
  options: {
    directory: { type: 'string' },
    'directory-ca': { type: 'string' },
    'atserver-ca': { type: 'string' },
    'allow-host': { type: 'string' },
    'allow-ports': { type: 'string' },
    'allow-address': { type: 'string' },
    origin: { type: 'string' },
    bind: { type: 'string' },
    port: { type: 'string' },
    app: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trust-proxy': { type: 'boolean', default: false },
    'log-level': { type: 'string' },
  },
  async run(input) {
    const level = text(input, 'log-level') ?? 'info';
    if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level))
      throw new UsageError(`unknown log level ${level}`);
    const embedded = text(input, 'directory') === undefined;
    const directory = parseHostPort(text(input, 'directory') ?? embeddedDirectory);
    if (!directory) throw new UsageError(`not a HOST:PORT directory address: ${text(input, 'directory')}`);
    const policy = {
      atServerHosts: list(text(input, 'allow-host')) ?? (embedded ? ['localhost'] : undefined),
      atServerPorts: portRanges(text(input, 'allow-ports')),
      allowedAddressClasses: classes(text(input, 'allow-address')) ?? (embedded ? ['loopback' as const] : undefined),
    };
    const port = portOption(input.values.port, defaultGatewayPort);
    const [certPath, keyPath] = [text(input, 'tls-cert'), text(input, 'tls-key')];
    if ((certPath === undefined) !== (keyPath === undefined))
      throw new UsageError('--tls-cert and --tls-key go together');
    const directoryCa = await pem(text(input, 'directory-ca'));
    const atServerCa = await pem(text(input, 'atserver-ca'));
    const localCaPath = join(dataDirOf(input), 'tls', 'ca.crt');
    const localCa =
      embedded && (directoryCa === undefined || atServerCa === undefined)
        ? await pem(localCaPath, 'run `atstack start` once to create it, or pass --directory-ca and --atserver-ca')
        : undefined;
    const stopRequested = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    const running = await startGateway({
      host: text(input, 'bind') ?? '127.0.0.1',
      port,
      directory: { ...directory, ca: directoryCa ?? localCa },
      atServerCa: atServerCa ?? localCa,
      policy,
      origins: list(text(input, 'origin')),
      appDir: text(input, 'app') ?? builtAppDir,
      tls: certPath && keyPath ? { certPem: (await pem(certPath))!, keyPem: (await pem(keyPath))! } : undefined,
      trustProxy: input.values['trust-proxy'] === true,
      log: createLogger(level as Level | 'silent'),
    });
    const facts = {
      url: running.url,
      directory: `${directory.host}:${directory.port}`,
      origins: running.origins,
    };
    report(
      input,
      facts,
      [
        'atstack gateway is running',
        `  app + WebSockets   ${running.url}  (/ws/directory, /ws/@atsign; health at /healthz)`,
        `  atDirectory        ${facts.directory}`,
        `  page origins       ${facts.origins.join(', ')}`,
        'Stop with Ctrl-C.',
      ].join('\n'),
    );
    await stopRequested;
    await running.close();
  },
};
