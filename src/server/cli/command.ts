import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fixAtSign } from '$lib/at/atsign';
import { defaultDataDir } from '../data-dir';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const commonOptions = {
  data: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

/** One CLI command: its words (`atsign create`), help text, flags and what it does. */
export interface Command {
  readonly words: readonly string[];
  readonly summary: string;
  /** Usage and flag descriptions printed by `--help`. */
  readonly help: string;
  readonly options: Options;
  run(input: CommandInput): Promise<void>;
}

export interface CommandInput {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
  readonly out: (text: string) => void;
}

/** Thrown for a usage mistake: the CLI prints the message and the command's help, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Finds the command whose words are the longest prefix of `argv`. */
export function findCommand(commands: readonly Command[], argv: readonly string[]) {
  let best: Command | undefined;
  for (const command of commands) {
    const matches = command.words.every((word, i) => argv[i] === word);
    if (matches && command.words.length > (best?.words.length ?? 0)) best = command;
  }
  return best && { command: best, rest: argv.slice(best.words.length) };
}

/** Parses a command's flags strictly: an unknown flag is a {@link UsageError}. */
export function parseCommandArgs(command: Command, rest: readonly string[]) {
  try {
    return parseArgs({
      args: [...rest],
      options: { ...commonOptions, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Prints facts for people, or as one JSON object with `--json`. */
export function report(input: CommandInput, facts: unknown, text: string): void {
  input.out(input.values.json ? JSON.stringify(facts) : text);
}

/** The data folder a command works on: `--data`, else the per-user default. */
export function dataDirOf(input: CommandInput): string {
  return String(input.values.data ?? defaultDataDir());
}

/** A port flag: absent gives `fallback`; anything but 0–65535 is a {@link UsageError}. */
export function portOption(text: string | boolean | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || value > 65_535)
    throw new UsageError(`not a port: ${String(text)}`);
  return value;
}

/** The first positional as a normalised atSign; missing or invalid is a {@link UsageError}. */
export function atSignArgument(input: CommandInput, usage: string): string {
  const [text] = input.positionals;
  if (!text) throw new UsageError(usage);
  try {
    return fixAtSign(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
