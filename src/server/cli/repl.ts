/**
 * `atstack repl @alice`: a protocol shell like the reference `at_repl`. It finds the atSign's atServer in
 * the atDirectory, connects with TLS, authenticates, then sends each line it reads and prints each
 * response, plus `notification:` lines as they arrive. Reading stdin line by line, it works in a pipe too.
 */
import { readFile } from 'node:fs/promises';
import readline from 'node:readline';
import { AtError } from '$lib/at/errors';
import { readAtKeysFile, type AtKeys } from '$lib/crypto/atkeys-file';
import { askAdmin } from '../admin/client';
import type { ListResult } from '../admin/protocol';
import { dataPaths } from '../data-dir';
import { authenticateWithCram, authenticateWithKeys } from '../net/authenticate';
import { lookupAtServer } from '../net/directory-client';
import { ProtocolClient, type ProtocolAnswer } from '../net/protocol-client';
import { atSignArgument, dataDirOf, portOption, UsageError, type Command, type CommandInput } from './command';
import { defaultDirectoryPort, defaultPublicHost } from './start';

/** Verbs the atServer answers with nothing at all (atprotocol.md §1.4): waiting for a reply would hang. */
const silentVerbs = /^(monitor|stream:)/i;

/** Splits `host:port` (the host may be a bracketed IPv6 address). */
function splitAddress(address: string, what: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  if (colon <= 0 || host === '') throw new UsageError(`${what} is not host:port: ${address}`);
  return { host, port: portOption(address.slice(colon + 1), 0) };
}

/** `--directory`, else the directory of the stack running on the data folder, else the local default. */
async function directoryOf(input: CommandInput, dataDir: string): Promise<{ host: string; port: number }> {
  if (typeof input.values.directory === 'string') return splitAddress(input.values.directory, '--directory');
  const running = await askAdmin(dataPaths(dataDir).adminSocket, { op: 'list' }).catch(() => undefined);
  const directory = running?.ok ? (running.result as ListResult).directory : null;
  return directory ?? { host: defaultPublicHost, port: defaultDirectoryPort };
}

async function readCa(input: CommandInput, dataDir: string): Promise<string> {
  const path = typeof input.values.ca === 'string' ? input.values.ca : dataPaths(dataDir).caCert;
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the CA certificate ${path} (pass --ca FILE or --data DIR)`);
  }
}

/** Prints responses and notifications: as the server wrote them, or one JSON object each with `--json`. */
function printer(input: CommandInput) {
  const json = Boolean(input.values.json);
  return {
    answer(command: string, answer: ProtocolAnswer) {
      input.out(json ? JSON.stringify({ command, response: answer.response }) : answer.text);
    },
    notification(text: string) {
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Printed as text: a notification the server could not encode is still worth seeing.
      }
      input.out(json ? JSON.stringify({ notification: parsed }) : `notification: ${text}`);
    },
  };
}

/** Sends every line of stdin in order and prints the answers; resolves when stdin ends or `@exit` is sent. */
async function converse(client: ProtocolClient, input: CommandInput, prompt: string): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY);
  // At a terminal readline shows the prompt and edits lines; in a pipe it only splits stdin into lines.
  const lines = readline.createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
  });
  const print = printer(input);
  let leaving = false;
  void client.closed.then(() => {
    if (!leaving) lines.close();
  });
  const ask = () => {
    if (interactive) {
      lines.setPrompt(prompt);
      lines.prompt();
    }
  };
  try {
    ask();
    for await (const raw of lines) {
      const command = raw.trim();
      if (command === '') {
        ask();
        continue;
      }
      if (command === '@exit') {
        leaving = true;
        await client.sendWithoutReply(command);
        await client.closed;
        return;
      }
      if (silentVerbs.test(command)) await client.sendWithoutReply(command);
      else print.answer(command, await client.exchange(command));
      ask();
    }
  } finally {
    lines.close();
    if (interactive) process.stdin.pause();
  }
  if (client.isClosed) throw new Error('the atServer closed the connection');
}

function authenticate(client: ProtocolClient, atSign: string, atKeys: AtKeys | undefined, cram: unknown) {
  if (atKeys) return authenticateWithKeys(client, atSign, atKeys);
  if (typeof cram === 'string') return authenticateWithCram(client, atSign, cram);
  return Promise.resolve();
}

export const repl: Command = {
  words: ['repl'],
  summary: "talk the atProtocol to an atSign's atServer, line by line",
  help: `Usage: atstack repl @alice [--keys FILE.atKeys | --cram SECRET] [--directory HOST:PORT] [--ca FILE] [--data DIR] [--json]

Looks the atSign up in the atDirectory, connects with TLS, authenticates, then sends each line read from
stdin and prints each response (and notification: lines as they arrive). @exit or end of input quits.

  --keys FILE           authenticate with PKAM using this .atKeys file (its enrollment id too, if any)
  --cram SECRET         authenticate with the CRAM secret printed by atstack atsign create
  --directory H:P       atDirectory to ask (default: the stack running on --data, else ${defaultPublicHost}:${defaultDirectoryPort})
  --ca FILE             CA certificate to trust (default: the local CA of the data folder)
  --data DIR            data folder (default: the per-user data folder, see atstack start --help)
  --json                print each response as {"command":…,"response":{…}}`,
  options: {
    keys: { type: 'string' },
    cram: { type: 'string' },
    directory: { type: 'string' },
    ca: { type: 'string' },
  },
  async run(input) {
    const atSign = atSignArgument(input, repl.help);
    const { keys, cram } = input.values;
    if (keys !== undefined && cram !== undefined) throw new UsageError('--keys and --cram exclude each other');
    const dataDir = dataDirOf(input);
    const ca = await readCa(input, dataDir);
    const directory = await directoryOf(input, dataDir);
    const atKeys = typeof keys === 'string' ? await readAtKeysFile(await readFile(keys, 'utf8')) : undefined;
    if (atKeys?.atSign !== undefined && atKeys.atSign !== atSign) {
      throw new UsageError(`${String(keys)} holds the keys of ${atKeys.atSign}, not ${atSign}`);
    }

    const address = await lookupAtServer({ ...directory, ca }, atSign);
    if (address === null) {
      throw new Error(`the atDirectory at ${directory.host}:${directory.port} does not know ${atSign}`);
    }
    const print = printer(input);
    const client = await ProtocolClient.connect({
      ...splitAddress(address, 'the atServer address'),
      ca,
      onNotification: (json) => print.notification(json),
    });
    try {
      await authenticate(client, atSign, atKeys, cram).catch((error: unknown) => {
        if (!(error instanceof AtError)) throw error;
        throw new Error(`authentication as ${atSign} failed: ${error.code} ${error.message}`);
      });
      if (process.stdin.isTTY) {
        const how = atKeys ? 'PKAM' : cram ? 'CRAM' : 'nothing (unauthenticated)';
        console.error(`connected to ${atSign} at ${address}, authenticated with ${how}; @exit or Ctrl-D quits`);
      }
      await converse(client, input, atKeys || cram ? `${atSign}@ ` : '@ ');
    } finally {
      client.close();
    }
  },
};
