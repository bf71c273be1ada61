/**
 * The `atstack` command. Each command is a small module in `cli/`; this file only finds the command,
 * parses its flags and turns failures into exit codes (2 for usage mistakes, 1 for everything else).
 */
import { atSignCreate, atSignDelete, atSignList } from './cli/atsign';
import { findCommand, parseCommandArgs, UsageError, type Command } from './cli/command';
import { directoryList, directoryRemove, directorySet } from './cli/directory';
import { gateway } from './cli/gateway';
import { repl } from './cli/repl';
import { start } from './cli/start';

const commands: readonly Command[] = [
  start,
  atSignCreate,
  atSignList,
  atSignDelete,
  repl,
  directoryList,
  directorySet,
  directoryRemove,
  gateway,
];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.words.join(' ').length));
  return [
    'Usage: atstack <command> [flags]    (atstack <command> --help for its flags)',
    '',
    ...commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the process exit code. */
export async function runCli(argv: readonly string[], out = (text: string) => console.log(text)): Promise<number> {
  const found = findCommand(commands, argv);
  if (!found) {
    const asked = argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h';
    (asked ? out : (text: string) => console.error(text))(overview());
    return asked ? 0 : 2;
  }
  const { command, rest } = found;
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      out(command.help);
      return 0;
    }
    await command.run({ values, positionals, out });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`atstack ${command.words.join(' ')}: ${error.message}\n\n${command.help}`);
      return 2;
    }
    console.error(`atstack ${command.words.join(' ')}: ${(error as Error).message}`);
    return 1;
  }
}
