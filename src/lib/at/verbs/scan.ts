/**
 * `scan`: list key names, optionally those another atSign shared with you. Reference §5.10.
 */
import { boolOf, compact, defineGrammar, intOf, part } from './grammar';

/**
 * `scan[:showhidden:<b>][:@bob][:page:<n>][ <regex>]`. `forAtSign` keeps its `@` (the reference group
 * does); `page` is parsed and ignored by the reference; `regex` is one token with no spaces.
 */
export interface Scan {
  readonly verb: 'scan';
  readonly showHidden?: boolean;
  readonly forAtSign?: string;
  readonly page?: number;
  readonly regex?: string;
}

/**
 * `scan` (§5.10). The second alternative of the reference regex is not anchored at the start; the
 * verb table only hands it lines starting with `scan`, so `scanfoo` is an AT0003 `Invalid syntax. scan`.
 * A line without `:` is lowercased whole before it gets here (§1.3), regex included.
 *
 * @example
 * scan.parse('scan:showhidden:true:@bob .wavi'); // { verb: 'scan', showHidden: true, forAtSign: '@bob', regex: '.wavi' }
 */
export const scan = defineGrammar<Scan>({
  name: 'scan',
  usage: 'scan',
  source:
    '^scan$|scan(:showhidden:(?<showhidden>true|false))?(:(?<forAtSign>@[^:@\\s]+))?(:page:(?<page>\\d+))?' +
    '( (?<regex>\\S+))?$',
  build: (g) =>
    compact<Scan>({
      verb: 'scan',
      showHidden: boolOf(g.showhidden),
      forAtSign: g.forAtSign,
      page: intOf(g.page),
      regex: g.regex,
    }),
  format: (c) =>
    `scan${part(':showhidden:', c.showHidden)}${part(':', c.forAtSign)}${part(':page:', c.page)}${part(' ', c.regex)}`,
});
