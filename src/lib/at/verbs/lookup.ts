/**
 * The read verbs: `llookup` (own records, owner only), `lookup` (another atSign's data shared with
 * you, or public data) and `plookup` (public data through your own server). Reference §5.7–§5.9.
 */
import {
  atSignGroupSource,
  boolOf,
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

/** What a lookup returns: the value (default), the metadata (`meta`) or both as JSON (`all`). */
export const lookupOperations = ['meta', 'all'] as const;
/** `meta` or `all`. */
export type LookupOperation = (typeof lookupOperations)[number];

/**
 * `llookup[:meta|:all][:cached][:public|:@bob]:<atKey>@<atSign>`.
 * `atKey` may itself contain single colons (the regex allows them; `::` is refused).
 */
export interface Llookup extends KeyScope {
  readonly verb: 'llookup';
  readonly operation?: LookupOperation;
  /** `cached:`: read the local copy of another atSign's record. */
  readonly cached: boolean;
  readonly atKey: string;
  /** The owner, without `@`. */
  readonly atSign: string;
}

const formatLlookup = (c: Llookup): string =>
  `llookup${part(':', c.operation)}${flag(':cached', c.cached)}${formatScope(c)}:${c.atKey}@${c.atSign}`;

/**
 * `llookup` (§5.7). The reference regex leaves `(:cached)` unnamed (its handler tests
 * `command.contains('cached:')`); here it counts as present exactly when the anchored match is
 * longer than the named groups account for, so a key that merely contains `cached:` is not mistaken.
 *
 * @example
 * llookup.parse('llookup:cached:public:name@bob');
 * // { verb: 'llookup', cached: true, publicScope: true, atKey: 'name', atSign: 'bob' }
 */
export const llookup = defineGrammar<Llookup>({
  name: 'llookup',
  usage: 'e.g llookup:location@bob',
  source:
    '^llookup(:(?<operation>meta|all))?(:cached)?' +
    optionalScopeSource +
    `:(?<atKey>[^:]((?!:{2})[^@])+)@${atSignGroupSource}$`,
  build: (g, line) => {
    const uncached = compact<Llookup>({
      verb: 'llookup',
      operation: oneOf(g.operation, lookupOperations),
      cached: false,
      ...scopeFromGroups(g),
      atKey: required(g.atKey),
      atSign: required(g.atSign),
    });
    return { ...uncached, cached: formatLlookup(uncached).length < line.length };
  },
  format: formatLlookup,
});

/** The options `lookup` and `plookup` share: `bypassCache:true|false:` then `meta:`/`all:`. */
const lookupOptionsSource = '(bypassCache:(?<bypassCache>true|false):)?((?<operation>meta|all):)?';

interface RemoteLookup {
  /** `bypassCache:true` skips the cached copy; kept as written (`false` is explicit, absent is absent). */
  readonly bypassCache?: boolean;
  readonly operation?: LookupOperation;
  readonly atKey: string;
  /** The owner, without `@`. */
  readonly atSign: string;
}

/** `lookup[:bypassCache:<b>][:meta|:all]:<atKey>@<atSign>`; `atKey` runs to the last `@`. */
export interface Lookup extends RemoteLookup {
  readonly verb: 'lookup';
}

/** `plookup[:bypassCache:<b>][:meta|:all]:<atKey>@<atSign>`. */
export interface Plookup extends RemoteLookup {
  readonly verb: 'plookup';
}

function remoteLookup<V extends 'lookup' | 'plookup'>(verb: V, atKeySource: string, usage: string) {
  return defineGrammar<RemoteLookup & { readonly verb: V }>({
    name: verb,
    usage,
    source: `^${verb}:${lookupOptionsSource}(?<atKey>${atKeySource})@${atSignGroupSource}$`,
    build: (g) =>
      compact({
        verb,
        bypassCache: boolOf(g.bypassCache),
        operation: oneOf(g.operation, lookupOperations),
        atKey: required(g.atKey),
        atSign: required(g.atSign),
      }),
    format: (c) =>
      `${verb}:${part('bypassCache:', c.bypassCache, ':')}${part('', c.operation, ':')}${c.atKey}@${c.atSign}`,
  });
}

/**
 * `lookup` (§5.8).
 *
 * @example
 * lookup.parse('lookup:all:c_shared_10c36494.interop@alice');
 * // { verb: 'lookup', operation: 'all', atKey: 'c_shared_10c36494.interop', atSign: 'alice' }
 */
export const lookup = remoteLookup('lookup', '(?:[^:]).+', 'e.g lookup:location@bob');

/**
 * `plookup` (§5.9).
 *
 * @example
 * plookup.parse('plookup:publickey@bob'); // { verb: 'plookup', atKey: 'publickey', atSign: 'bob' }
 */
export const plookup = remoteLookup('plookup', '[^@\\s]+', 'e.g plookup:location@bob');
