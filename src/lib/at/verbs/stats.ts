/**
 * `stats`: server statistics by id (3 = latest commit id, used by sync). Reference §5.12.
 */
import { compact, defineGrammar, part } from './grammar';

/**
 * `stats[:<id>[,<id>…]][:<regex>]` (the regex only after id 3 or 15). `statIds` are the ids as
 * written: `stats:` gives `['']`, which the reference answers with `error:null:InvalidSyntaxException`.
 */
export interface Stats {
  readonly verb: 'stats';
  readonly statIds?: readonly string[];
  readonly regex?: string;
}

/**
 * `stats` (§5.12). `stats:0` and `stats:-1` are invalid syntax.
 *
 * @example
 * stats.parse('stats:3:.wavi'); // { verb: 'stats', statIds: ['3'], regex: '.wavi' }
 */
export const stats = defineGrammar<Stats>({
  name: 'stats',
  usage: 'stats:1,2,3',
  source: '^stats(?<statId>:((?!0)\\d+)?(,(\\d+))*)?(:(?<regex>(?<=:3:|:15:).+))?$',
  build: (g) =>
    compact<Stats>({
      verb: 'stats',
      statIds: g.statId === undefined ? undefined : g.statId.slice(1).split(','),
      regex: g.regex,
    }),
  format: (c) => `stats${part(':', c.statIds?.join(','))}${part(':', c.regex)}`,
});
