import { AtError } from '$lib/at/errors';
import type { Reply } from '$lib/at/response';
import type { VerbContext } from './context';
import type { VerbTable } from './verbs/table';

/**
 * The reference's verb normalisation (`SecondaryUtil.convertCommand`, atprotocol.md §1.3): the part before
 * the first `:` is lowercased and loses its spaces; a line without `:` is lowercased whole.
 *
 * @example normaliseCommand('LLOOKUP:Phone@alice') // 'llookup:Phone@alice'
 */
export function normaliseCommand(line: string): string {
  const colon = line.indexOf(':');
  if (colon === -1) return line.toLowerCase();
  return line.slice(0, colon).toLowerCase().replaceAll(' ', '') + line.slice(colon);
}

/**
 * Runs one command line through every generic check, once (STYLE.md §2.3): find the verb, check the
 * auth level (AT0401 before parsing, as the reference does), parse (AT0003 with the verb's usage), then
 * hand the typed command to the handler.
 */
export async function dispatch(line: string, table: VerbTable, ctx: VerbContext): Promise<Reply> {
  const command = normaliseCommand(line);
  const entry = table.match(command);
  if (!entry) throw new AtError('AT0003', 'invalid command');
  if (entry.auth === 'owner' && !ctx.session.authenticated) {
    throw new AtError('AT0401', 'Command cannot be executed without auth');
  }
  return entry.handler(entry.grammar.parse(command), ctx);
}
