import { defaultDataDir } from '../data-dir';
import { createLogger } from '../log';
import { startStack } from '../stack';
import { report, UsageError, type Command } from './command';

/** The developer-machine port of the atDirectory (production uses 64, as the reference root server). */
export const defaultDirectoryPort = 6464;

function port(text: string | boolean | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new UsageError(`not a port: ${String(text)}`);
  return value;
}

export const start: Command = {
  words: ['start'],
  summary: 'run the whole stack (directory, atServers, gateway) on the embedded defaults',
  help: `Usage: atstack start [--data DIR] [--host NAME] [--bind ADDR] [--directory-port N] [--json]

  --data DIR            data folder (default: ${defaultDataDir()})
  --host NAME           host name the certificates cover and the directory hands out (default: localhost)
  --bind ADDR           address to listen on (default: 127.0.0.1)
  --directory-port N    atDirectory TLS port, 0 for any free port (default: ${defaultDirectoryPort})
  --log-level LEVEL     debug | info | warn | error | silent (default: info)
  --json                print the listening facts as one JSON line`,
  options: {
    host: { type: 'string' },
    bind: { type: 'string' },
    'directory-port': { type: 'string' },
    'log-level': { type: 'string' },
  },
  async run(input) {
    const level = String(input.values['log-level'] ?? 'info');
    if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level))
      throw new UsageError(`unknown log level ${level}`);
    const stack = await startStack({
      dataDir: String(input.values.data ?? defaultDataDir()),
      bindHost: String(input.values.bind ?? '127.0.0.1'),
      publicHost: String(input.values.host ?? 'localhost'),
      directoryPort: port(input.values['directory-port'], defaultDirectoryPort),
      log: createLogger(level as 'info'),
    });
    const { facts } = stack;
    report(
      input,
      facts,
      [
        'atstack is running',
        `  atDirectory   ${facts.directory.host}:${facts.directory.port} (TLS)`,
        `  data folder   ${facts.dataDir}`,
        `  local CA      ${facts.caPath}`,
        '',
        'Clients must trust the local CA, for example:',
        `  openssl s_client -connect ${facts.directory.host}:${facts.directory.port} -CAfile ${facts.caPath}`,
        `  NODE_EXTRA_CA_CERTS=${facts.caPath} <your node client>`,
        'Stop with Ctrl-C.',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await stack.stop();
  },
};
