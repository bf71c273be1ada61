/**
 * The no-auth housekeeping verbs: `info` (server version and uptime) and `noop` (wait, then `ok`).
 * Reference §5.14, §5.15.
 */
import { defineGrammar, flag, intOf } from './grammar';

/** `info` or `info:brief`. */
export interface Info {
  readonly verb: 'info';
  readonly brief: boolean;
}

/**
 * `info` (§5.14). The verb table only hands it exactly `info` or `info:brief` (§3.1).
 *
 * @example
 * info.parse('info:brief'); // { verb: 'info', brief: true }
 */
export const info = defineGrammar<Info>({
  name: 'info',
  usage: 'info',
  source: '^info(:brief)?$',
  // `(:brief)` is unnamed in the reference regex; the match is anchored, so any extra text is it.
  build: (_g, line) => ({ verb: 'info', brief: line.length > 'info'.length }),
  format: (c) => `info${flag(':brief', c.brief)}`,
});

/** `noop:<delayMillis>`. */
export interface Noop {
  readonly verb: 'noop';
  readonly delayMillis: number;
}

/**
 * `noop` (§5.15); the handler refuses more than 5000 ms with AT0022.
 *
 * @example
 * noop.parse('noop:0'); // { verb: 'noop', delayMillis: 0 }
 */
export const noop = defineGrammar<Noop>({
  name: 'noop',
  usage: 'noop:<durationInMillis>',
  source: '^noop:(?<delayMillis>\\d+)$',
  build: (g) => ({ verb: 'noop', delayMillis: intOf(g.delayMillis) ?? 0 }),
  format: (c) => `noop:${c.delayMillis}`,
});
