import { defaultDataDir, dataPaths } from '../data-dir';
import { directoryName } from '../directory/backend';
import { SqliteDirectoryBackend } from '../directory/sqlite-backend';
import { atSignArgument, report, UsageError, type Command, type CommandInput } from './command';
import { mkdir } from 'node:fs/promises';

/** Opens the data folder's directory database for one command, closing it afterwards. */
async function withBackend<T>(input: CommandInput, use: (backend: SqliteDirectoryBackend) => Promise<T>) {
  const dataDir = String(input.values.data ?? defaultDataDir());
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const backend = new SqliteDirectoryBackend(dataPaths(dataDir).directoryDb);
  try {
    return await use(backend);
  } finally {
    await backend.close();
  }
}

export const directoryList: Command = {
  words: ['directory', 'list'],
  summary: 'list the atSigns the embedded atDirectory answers',
  help: 'Usage: atstack directory list [--data DIR] [--json]',
  options: {},
  run: (input) =>
    withBackend(input, async (backend) => {
      const entries = await backend.list();
      const text = entries.map((e) => `@${e.name}  ${e.address}`).join('\n') || '(no atSigns registered)';
      report(input, entries, text);
    }),
};

export const directorySet: Command = {
  words: ['directory', 'set'],
  summary: 'point an atSign at an atServer host:port',
  help: 'Usage: atstack directory set @alice HOST:PORT [--data DIR] [--json]',
  options: {},
  run: (input) =>
    withBackend(input, async (backend) => {
      const atSign = atSignArgument(input, directorySet.help);
      const address = input.positionals[1];
      if (!address) throw new UsageError(directorySet.help);
      try {
        await backend.register(directoryName(atSign), address);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      report(input, { atSign, address }, `${atSign} → ${address}`);
    }),
};

export const directoryRemove: Command = {
  words: ['directory', 'remove'],
  summary: 'remove an atSign from the embedded atDirectory',
  help: 'Usage: atstack directory remove @alice [--data DIR] [--json]',
  options: {},
  run: (input) =>
    withBackend(input, async (backend) => {
      const atSign = atSignArgument(input, directoryRemove.help);
      const removed = await backend.remove(directoryName(atSign));
      report(input, { atSign, removed }, removed ? `removed ${atSign}` : `${atSign} was not registered`);
    }),
};
