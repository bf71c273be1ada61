/** Handler for `monitor` (atprotocol.md §5.17): the connection becomes a stream of notifications. */
import type { Reply } from '$lib/at/response';
import type { Monitor } from '$lib/at/verbs/monitor';
import type { VerbContext } from '../context';
import { notificationsOf } from './notify';

/**
 * `monitor[:strict][:selfNotifications][:multiplexed][:<epochMillis>][ <regex>]` answers nothing: the
 * connection now receives `notification: {…}` lines, first the stored ones newer than `epochMillis` (if
 * given), then live ones (§5.17). `strict` and `multiplexed` are ignored, as in the reference.
 *
 * @throws AtError `AT0003` `Invalid regular expression. <regex> is not a valid regex`.
 * @example monitor:selfNotifications:1729764000123 .wavi  →  (nothing; then notification: {…} lines)
 */
export async function monitor(command: Monitor, ctx: VerbContext): Promise<Reply> {
  const connection = [...ctx.server.connections()].find((open) => open.session === ctx.session);
  if (connection) {
    await notificationsOf(ctx.server).monitors.subscribe(ctx, connection, {
      regex: command.regex,
      selfNotifications: command.selfNotifications,
      epochMillis: command.epochMillis,
    });
  }
  return { kind: 'silent' };
}
