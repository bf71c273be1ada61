/** Handlers for `info` and `noop` (atprotocol.md §5.14, §5.15). */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { Info, Noop } from '$lib/at/verbs/info';
import type { VerbContext } from '../context';
import { readEnrollment } from '../enrollments';

/** `D days H hours M minutes S seconds`, leading zero units left out, as the reference words uptime. */
export function uptimeAsWords(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const units: [number, string][] = [
    [Math.floor(seconds / 86_400), 'days'],
    [Math.floor(seconds / 3_600) % 24, 'hours'],
    [Math.floor(seconds / 60) % 60, 'minutes'],
    [seconds % 60, 'seconds'],
  ];
  const first = units.findIndex(([value]) => value > 0);
  return units
    .slice(first === -1 ? units.length - 1 : first)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(' ');
}

/**
 * `info` answers the version and uptime in words; `info:brief` the uptime in milliseconds. An APKAM
 * connection also sees its enrollment as `apkam_metadata`.
 *
 * @example info:brief  →  data:{"version":"3.0.52+atstack.0.1.0","uptimeAsMillis":5855295}
 */
export function info(command: Info, ctx: VerbContext): Reply {
  const { server, session } = ctx;
  const uptime = server.clock.now() - server.startedAt;
  const answer: Record<string, unknown> = { version: server.version };
  if (command.brief) answer.uptimeAsMillis = uptime;
  else answer.uptimeAsWords = uptimeAsWords(uptime);
  if (!command.brief && session.enrollmentId) {
    const enrollment = readEnrollment(server.store, server.atSign, session.enrollmentId, server.clock.now());
    if (enrollment) answer.apkam_metadata = enrollment;
  }
  return dataReply(JSON.stringify(answer));
}

/** `noop:<ms>` waits, then answers `ok`; longer than the limit (5 s) is AT0022. */
export async function noop(command: Noop, ctx: VerbContext): Promise<Reply> {
  if (command.delayMillis > ctx.server.limits.maxNoopMs) {
    throw new AtError(
      'AT0022',
      `noop:<durationInMillis> where the duration maximum is ${ctx.server.limits.maxNoopMs} milliseconds`,
    );
  }
  if (command.delayMillis > 0) await ctx.server.clock.sleep(command.delayMillis);
  return dataReply('ok');
}
