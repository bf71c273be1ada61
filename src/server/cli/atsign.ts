/**
 * `atstack atsign create|list|delete`: through the running stack's admin channel when one serves the data
 * folder (the change takes effect at once), else on the data folder directly (the next start serves it).
 */
import { mkdir } from 'node:fs/promises';
import QRCode from 'qrcode';
import { formatActivationLink } from '$lib/at/activation-link';
import { askAdmin } from '../admin/client';
import { handleAdminRequest } from '../admin/operations';
import type { AdminRequest, CreateResult, DeleteResult, ListResult, StackAddress } from '../admin/protocol';
import { AtServerHost } from '../atserver/host';
import { dataPaths } from '../data-dir';
import { SqliteDirectoryBackend } from '../directory/sqlite-backend';
import { ensureLocalCa } from '../tls/local-ca';
import { atSignArgument, dataDirOf, portOption, report, UsageError, type Command, type CommandInput } from './command';
import { defaultAtServerPort, defaultPublicHost } from './start';

const placementOptions = {
  host: { type: 'string' },
  'atserver-port': { type: 'string' },
} as const;

const placementHelp = `  --data DIR            data folder (default: the per-user data folder, see atstack start --help)
  --host NAME           when no stack runs: host name the directory hands out (default: ${defaultPublicHost})
  --atserver-port N     when no stack runs: first atServer port to allocate from (default: ${defaultAtServerPort})
  --json                print the result as one JSON object`;

/** Runs a request on the running stack, or on the data folder through a host that listens on nothing. */
async function perform<T>(input: CommandInput, request: AdminRequest): Promise<T> {
  const dataDir = dataDirOf(input);
  const paths = dataPaths(dataDir);
  const response =
    (await askAdmin(paths.adminSocket, request)) ??
    (await withOfflineHost(input, dataDir, (host, address) => handleAdminRequest(host, request, address)));
  if (!response.ok) throw response.usage ? new UsageError(response.error) : new Error(response.error);
  return response.result as T;
}

async function withOfflineHost<T>(
  input: CommandInput,
  dataDir: string,
  use: (host: AtServerHost, address: StackAddress) => Promise<T>,
): Promise<T> {
  const publicHost = String(input.values.host ?? defaultPublicHost);
  const basePort = portOption(input.values['atserver-port'], defaultAtServerPort);
  if (basePort === 0) throw new UsageError('with no stack running, --atserver-port must name a port (not 0)');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // The same names `atstack start` asks for, so the next start keeps these certificates.
  const tls = await ensureLocalCa(dataDir, [...new Set(['localhost', '127.0.0.1', publicHost])]);
  const directory = new SqliteDirectoryBackend(dataPaths(dataDir).directoryDb);
  try {
    const host = await AtServerHost.open({ dataDir, tls, bindHost: '127.0.0.1', publicHost, basePort, directory });
    try {
      return await use(host, { running: false, directory: null, caPath: tls.caPath, app: null });
    } finally {
      await host.close();
    }
  } finally {
    await directory.close();
  }
}

/** The activation link of a new atSign and its QR code for the terminal, when a stack serves the app. */
async function activationOf(created: CreateResult): Promise<{ link: string; qr: string } | undefined> {
  if (!created.app) return undefined;
  const link = formatActivationLink(created.app, { atSign: created.atSign, cramSecret: created.cramSecret });
  return { link, qr: await QRCode.toString(link, { type: 'terminal', small: true }) };
}

function describeCreated(created: CreateResult, dataDir: string, activation?: { link: string; qr: string }): string {
  const where = created.directory
    ? `  atDirectory   ${created.directory.host}:${created.directory.port} (TLS)`
    : `  atDirectory   not running: atstack start --data ${dataDir} serves ${created.atSign}`;
  return [
    `created ${created.atSign}`,
    `  CRAM secret   ${created.cramSecret}`,
    '                (shown only now: it activates the atSign, keep it secret)',
    `  atServer      ${created.address} (TLS)`,
    where,
    `  local CA      ${created.caPath}`,
    '',
    ...(activation
      ? [
          'Activate it in the app: open the link in a browser on this machine, or scan the code:',
          `  ${activation.link}`,
          activation.qr,
        ]
      : []),
    'Talk to it:',
    `  atstack repl ${created.atSign} --data ${dataDir} --cram <CRAM secret>`,
  ].join('\n');
}

export const atSignCreate: Command = {
  words: ['atsign', 'create'],
  summary: 'create an atSign: its atServer, directory entry and CRAM secret',
  help: `Usage: atstack atsign create @alice [--data DIR] [--host NAME] [--atserver-port N] [--json]

Prints the CRAM secret (once), the atServer address, and the atDirectory and CA a client needs. With a
stack running, also the app's activation link (and its QR code), which fills in the atSign and secret.
With a stack running on the data folder it serves the atSign at once; otherwise the next start does.

${placementHelp}`,
  options: placementOptions,
  async run(input) {
    const atSign = atSignArgument(input, atSignCreate.help);
    const created = await perform<CreateResult>(input, { op: 'create', atSign });
    const activation = await activationOf(created);
    const result = activation ? { ...created, activationLink: activation.link } : created;
    report(input, result, describeCreated(created, dataDirOf(input), activation));
  },
};

export const atSignList: Command = {
  words: ['atsign', 'list'],
  summary: 'list the atSigns of the data folder and their atServer addresses',
  help: `Usage: atstack atsign list [--data DIR] [--json]

${placementHelp}`,
  options: placementOptions,
  async run(input) {
    const listed = await perform<ListResult>(input, { op: 'list' });
    const rows = listed.atSigns.map((a) => `${a.atSign}  ${a.address}`);
    const state = listed.running ? '' : '\n(no stack running: atstack start serves these)';
    report(input, listed, (rows.join('\n') || '(no atSigns)') + state);
  },
};

export const atSignDelete: Command = {
  words: ['atsign', 'delete'],
  summary: 'delete an atSign: stop its atServer, remove it from the directory, erase its data',
  help: `Usage: atstack atsign delete @alice [--data DIR] [--json]

${placementHelp}`,
  options: placementOptions,
  async run(input) {
    const atSign = atSignArgument(input, atSignDelete.help);
    const deleted = await perform<DeleteResult>(input, { op: 'delete', atSign });
    report(input, deleted, deleted.removed ? `deleted ${atSign}` : `${atSign} is not hosted in this data folder`);
  },
};
