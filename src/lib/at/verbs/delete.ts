/**
 * `delete`: remove one of this atSign's records (or a cached copy). Reference §5.11.
 */
import {
  atSignGroupSource,
  compact,
  defineGrammar,
  flag,
  formatScope,
  oneOf,
  optionalScopeSource,
  part,
  required,
  scopeFromGroups,
  type KeyScope,
} from './grammar';

/** Priorities `delete:priority:` accepts (parsed, not used by the reference). */
export const deletePriorities = ['low', 'medium', 'high'] as const;

/**
 * `delete[:priority:<p>][:cached][:public|:@bob]:<atKey>[@<atSign>]`. Of the `privatekey:` keys only
 * `privatekey:at_secret` is deletable; `delete:privatekey:at_pkam_publickey` is invalid syntax.
 */
export interface Delete extends KeyScope {
  readonly verb: 'delete';
  readonly priority?: (typeof deletePriorities)[number];
  readonly cached: boolean;
  readonly atKey: string;
  /** The owner, without `@`; absent for `privatekey:at_secret`. */
  readonly atSign?: string;
}

const formatDelete = (c: Delete): string =>
  `delete${part(':priority:', c.priority)}${flag(':cached', c.cached)}${formatScope(c)}:${c.atKey}${part('@', c.atSign)}`;

/**
 * `delete` (§5.11). `(:cached)` is unnamed in the reference regex, read as in {@link llookup}.
 *
 * @example
 * del.parse('delete:@bob:interop_shared_d3eb96b2@alice');
 * // { verb: 'delete', cached: false, publicScope: false, forAtSign: 'bob', atKey: 'interop_shared_d3eb96b2', atSign: 'alice' }
 */
export const del = defineGrammar<Delete>({
  name: 'delete',
  usage: 'syntax delete:@<atkey> \n e.g delete:phone@alice',
  source:
    '^delete(:priority:(?<priority>low|medium|high))?(:cached)?' +
    optionalScopeSource +
    `:(?<atKey>(([^:@\\s]+)|(privatekey:at_secret)))(@${atSignGroupSource})?$`,
  build: (g, line) => {
    const uncached = compact<Delete>({
      verb: 'delete',
      priority: oneOf(g.priority, deletePriorities),
      cached: false,
      ...scopeFromGroups(g),
      atKey: required(g.atKey),
      atSign: g.atSign,
    });
    return { ...uncached, cached: formatDelete(uncached).length < line.length };
  },
  format: formatDelete,
});
