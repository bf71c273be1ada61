import { AtError } from '$lib/at/errors';
import type { Reply } from '$lib/at/response';
import type { VerbContext } from './context';
import { enrollmentIsLive } from './enrollments';
import type { VerbEntry, VerbTable } from './verbs/table';

/**
 * The reference's verb normalisation (`SecondaryUtil.convertCommand`, atprotocol.md §1.3): the part before
 * the first `:` is lowercased and loses its spaces; a line without `:` is lowercased whole.
 *
 * @example normaliseCommand('LLOOKUP:Phone@alice') // 'llookup:Phone@alice'
 */
export function normaliseCommand(line: string): string {
  const colon = line.indexOf(':');
  if (colon === -1) return line.toLowerCase();
  const verb = line.slice(0, colon);
  const normalised = verb.toLowerCase().replaceAll(' ', '');
  // Clients send verbs in lowercase: the line is returned as it came, not copied (values can be megabytes).
  return normalised === verb ? line : normalised + line.slice(colon);
}

/**
 * Thrown to close the connection without writing anything. The reference closes an APKAM connection whose
 * enrollment has expired before it answers (its AT0028 reply meets a closed socket, atprotocol.md §7.7).
 */
export class SilentClose extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SilentClose';
  }
}

/**
 * Runs one command line through every generic check, once (STYLE.md §2.3): find the verb, check the
 * auth level (AT0401 before parsing, as the reference does), check that an APKAM connection's enrollment
 * is still alive (§7.7), run the verb's own guard, parse (AT0003 with the verb's usage), then hand the
 * typed command to the handler. A refusal is thrown; the reply is returned as the handler gives it, at once
 * or as a promise, so a verb that answers synchronously is answered without a microtask hop.
 */
export function dispatch(line: string, table: VerbTable, ctx: VerbContext): Reply | Promise<Reply> {
  const command = normaliseCommand(line);
  const entry = table.match(command);
  if (!entry) throw new AtError('AT0003', 'invalid command');
  return runEntry(entry, command, ctx);
}

/**
 * The checks after the verb is found, then the handler: what the reference's `processInternal` does. `batch`
 * runs its commands through this directly, as the reference does (no normalisation, §5.16).
 *
 * @example runEntry(table.match('llookup:phone@alice')!, 'llookup:phone@alice', ctx)
 */
export function runEntry(entry: VerbEntry, command: string, ctx: VerbContext): Reply | Promise<Reply> {
  if (entry.auth === 'owner' && !ctx.session.authenticated) {
    throw new AtError('AT0401', 'Command cannot be executed without auth');
  }
  if (!enrollmentIsLive(ctx)) {
    throw new SilentClose(`The enrollment id: ${ctx.session.enrollmentId} is expired. Closing the connection`);
  }
  entry.guard?.(command, ctx);
  return entry.handler(entry.grammar.parse(command), ctx);
}
