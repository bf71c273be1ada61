/** Handler for `stats` (atprotocol.md §5.12, §8.3): the atServer's 15 statistics. */
import { formatDartDate } from '$lib/at/dart-date';
import { AtError } from '$lib/at/errors';
import { normaliseStoredKey } from '$lib/at/key';
import type { Reply } from '$lib/at/response';
import type { Stats } from '$lib/at/verbs/stats';
import { commitFilter, sessionNamespaces } from '../commit-filter';
import type { VerbContext } from '../context';
import { countNotifications } from '../store/notification-counts';
import { lazyMatcher } from '../user-regex';

/** One statistic: its reference name and how to read it (`regex` only reaches ids 3 and 15). */
interface Metric {
  readonly name: string;
  read(ctx: VerbContext, regex: string | undefined): string | number;
}

/**
 * `stats:9`'s value: `{"size":"1.23","units":"MB"}` — and, as the reference writes it, `{"size":"0","unit":"B"}`
 * for nothing.
 * @example formatDiskSize(1536) // '{"size":"1.50","units":"KB"}'
 */
export function formatDiskSize(bytes: number): string {
  if (bytes <= 0) return JSON.stringify({ size: '0', unit: 'B' });
  const suffixes = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  const power = Math.floor(Math.log(bytes) / Math.log(1024));
  return JSON.stringify({ size: (bytes / 1024 ** power).toFixed(2), units: suffixes[power] });
}

/** What a compaction job last stored about itself (`privatekey:commitLogCompactionStats`…), else `{}`. */
const compactionStats = (name: string) => (ctx: VerbContext) =>
  ctx.server.store.keys.get(normaliseStoredKey(`privatekey:${name}`))?.value ?? '{}';

/** Commit-log filter of ids 3 and 15: `regex` (default all) plus, for id 3, the enrolled namespaces. */
function commitsMatching(regex: string | undefined, enrolled: readonly string[]) {
  return commitFilter(lazyMatcher(regex ?? '.*'), enrolled);
}

/** The statistics by id, in the reference's order (`stats` alone lists them all in this order). */
const metrics: ReadonlyMap<string, Metric> = new Map<string, Metric>([
  ['1', { name: 'activeInboundConnections', read: (ctx) => String(ctx.server.inboundCount()) }],
  ['2', { name: 'activeOutboundConnections', read: (ctx) => String(ctx.server.outboundCount()) }],
  [
    '3',
    {
      name: 'lastCommitID',
      // For APKAM connections only commits in enrolled namespaces count (§8.3).
      read: (ctx, regex) => {
        const enrolled = Object.keys(sessionNamespaces(ctx) ?? {});
        return String(ctx.server.store.commits.lastCommitIdWhere(commitsMatching(regex, enrolled)));
      },
    },
  ],
  ['4', { name: 'secondaryStorageSize', read: (ctx) => ctx.server.store.sizeBytes() }],
  [
    '5',
    {
      name: 'topAtSigns',
      read: (ctx) => JSON.stringify(ctx.server.store.access.topAtSigns(ctx.server.limits.statsTopAtSigns)),
    },
  ],
  [
    '6',
    { name: 'topKeys', read: (ctx) => JSON.stringify(ctx.server.store.access.topKeys(ctx.server.limits.statsTopKeys)) },
  ],
  ['7', { name: 'secondaryServerVersion', read: (ctx) => ctx.server.version }],
  [
    '8',
    {
      name: 'LastLoggedInDatetime',
      read: (ctx) => {
        const at = ctx.server.store.access.lastAt();
        return at === undefined ? 'null' : formatDartDate(at);
      },
    },
  ],
  ['9', { name: 'diskSize', read: (ctx) => formatDiskSize(ctx.server.store.sizeBytes()) }],
  [
    '10',
    {
      // The reference never logs pkam in its access log, so this is always `Not Available` there too.
      name: 'LastPkam',
      read: (ctx) => {
        const at = ctx.server.store.access.lastAt('pkam');
        return at === undefined ? 'Not Available' : formatDartDate(at);
      },
    },
  ],
  [
    '11',
    {
      name: 'NotificationCount',
      read: (ctx) => JSON.stringify({ ...countNotifications(ctx.server.store.db), createdOn: ctx.server.clock.now() }),
    },
  ],
  ['12', { name: 'CommitLogCompactionStats', read: compactionStats('commitLogCompactionStats') }],
  ['13', { name: 'AccessLogCompactionStats', read: compactionStats('accessLogCompactionStats') }],
  ['14', { name: 'NotificationCompactionStats', read: compactionStats('notificationCompactionStats') }],
  [
    '15',
    {
      name: 'LatestCommitEntryOfEachKey',
      read: (ctx, regex) => {
        const latest: Record<string, [number, string]> = {};
        for (const entry of ctx.server.store.commits.entriesAfterWhere(-1, commitsMatching(regex, []))) {
          latest[entry.key] = [entry.id, entry.op];
        }
        return JSON.stringify(latest);
      },
    },
  ],
]);

/** The reference's `Response.isError` answer: `error:<code>:<message>`, here with no code at all. */
function codelessError(message: string, ctx: VerbContext): Reply {
  return { kind: 'raw', text: `error:null:${message}\n${ctx.session.prompt}` };
}

/**
 * `stats` lists all 15 statistics, `stats:1,3` some (each id once, in the order asked), `stats:3:<regex>` the
 * latest commit id among matching keys. The answer is `data: ` and a Dart list of JSON texts joined by `, `.
 * An unknown id fails the whole command with `error:null:InvalidSyntaxException` (the reference throws a
 * type, not an exception); a bad regex with `error:null:FormatException: …`.
 *
 * @example stats:3  →  data: [{"id":"3","name":"lastCommitID","value":"12"}]
 */
export function stats(command: Stats, ctx: VerbContext): Reply {
  const ids = command.statIds === undefined ? [...metrics.keys()] : [...new Set(command.statIds)];
  const parts: string[] = [];
  for (const id of ids) {
    const metric = metrics.get(id);
    if (!metric) return codelessError('InvalidSyntaxException', ctx);
    try {
      parts.push(JSON.stringify({ id, name: metric.name, value: metric.read(ctx, command.regex) }));
    } catch (error) {
      // The reference catches everything here and answers with the exception's text (§5.12).
      if (error instanceof AtError) return codelessError(error.message, ctx);
      ctx.server.log.error('stat failed', { id, error: error instanceof Error ? error.stack : String(error) });
      return codelessError(String(error), ctx);
    }
  }
  return { kind: 'data', data: `[${parts.join(', ')}]`, spaced: true };
}
