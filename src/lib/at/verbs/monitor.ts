/**
 * `monitor`: turn this connection into a stream of `notification: {…}` lines. Reference §5.17.
 */
import { compact, defineGrammar, flag, intOf, part } from './grammar';

/**
 * `monitor[:strict][:selfNotifications][:multiplexed][:<epochMillis>][ <regex>]`. The reference
 * parses `strict` and `multiplexed` and ignores them; `epochMillis` replays stored notifications
 * newer than it; `regex` (may contain spaces) filters by key or sender.
 */
export interface Monitor {
  readonly verb: 'monitor';
  readonly strict: boolean;
  readonly selfNotifications: boolean;
  readonly multiplexed: boolean;
  readonly epochMillis?: number;
  readonly regex?: string;
}

/**
 * `monitor` (§5.17). The verb table hands it every line starting with `monitor`, so `monitorx` is an
 * AT0003 with the monitor usage (§3.1). A line without `:` is lowercased whole first, regex included
 * (§1.3): `monitor .*Foo` arrives as `monitor .*foo`.
 *
 * @example
 * monitor.parse('monitor:selfNotifications:1730000000000 .wavi');
 * // { verb: 'monitor', strict: false, selfNotifications: true, multiplexed: false, epochMillis: 1730000000000, regex: '.wavi' }
 */
export const monitor = defineGrammar<Monitor>({
  name: 'monitor',
  usage: 'e.g. monitor or monitor .wavi',
  source:
    '^monitor(:(?<strict>strict))?(:(?<selfNotifications>selfNotifications))?(:(?<multiplexed>multiplexed))?' +
    '(:(?<epochMillis>\\d+))?( (?<regex>.+))?$',
  build: (g) =>
    compact<Monitor>({
      verb: 'monitor',
      strict: g.strict !== undefined,
      selfNotifications: g.selfNotifications !== undefined,
      multiplexed: g.multiplexed !== undefined,
      epochMillis: intOf(g.epochMillis),
      regex: g.regex,
    }),
  format: (c) =>
    'monitor' +
    flag(':strict', c.strict) +
    flag(':selfNotifications', c.selfNotifications) +
    flag(':multiplexed', c.multiplexed) +
    part(':', c.epochMillis) +
    part(' ', c.regex),
});
