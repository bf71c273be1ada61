/**
 * `sync:from`: page through the commit log after a commit id. Reference atprotocol.md §5.24, §8.2.
 * The old `sync:<n>` form has a reference regex but no handler, so it is not a verb here either
 * (the verb table answers it with AT0003 `invalid command`).
 */
import { compact, defineGrammar, part, required } from './grammar';

/**
 * `sync:from:<commitId>:limit:<n>[:<regex>]`. `fromCommitId` is the reference's `from_commit_seq`:
 * entries with a commit id greater than it are returned, `-1` meaning from the beginning. `limit` must
 * be written but the reference ignores it (a page holds at most 25 entries). `regex` (may contain `:`)
 * filters keys; some keys are sent whatever it says.
 */
export interface SyncFrom {
  readonly verb: 'sync:from';
  readonly fromCommitId: number;
  readonly limit: number;
  readonly regex?: string;
}

/**
 * `sync:from` (§5.24, §8.2).
 *
 * @throws AtError AT0003 `Invalid syntax. syntax sync:from:1:limit:10:.wavi` without `:limit:<n>`
 * (`sync:from:5`), for a commit id below -1, and for the old `sync:5` form.
 * @example
 * syncFrom.parse('sync:from:12:limit:10:.wavi'); // { verb: 'sync:from', fromCommitId: 12, limit: 10, regex: '.wavi' }
 */
export const syncFrom = defineGrammar<SyncFrom>({
  name: 'sync:from',
  usage: 'syntax sync:from:1:limit:10:.wavi',
  source: '^sync:from:(?<from_commit_seq>[0-9]+|-1)(:limit:(?<limit>\\d+))(:(?<regex>.+))?$',
  build: (g) =>
    compact<SyncFrom>({
      verb: 'sync:from',
      fromCommitId: Number.parseInt(required(g.from_commit_seq), 10),
      limit: Number.parseInt(required(g.limit), 10),
      regex: g.regex,
    }),
  format: (c) => `sync:from:${c.fromCommitId}:limit:${c.limit}${part(':', c.regex)}`,
});
