/**
 * The write verbs: `update` (a value with metadata), `update:json:` (the same as one JSON object) and
 * `update:meta` (metadata only). Reference atprotocol.md §5.5, §5.6.
 */
import { formatWireMetadata, metadataFragmentSource, wireMetadataFromGroups, type WireMetadata } from '../metadata';
import { decodeJsonObject, type JsonObject } from './json';
import {
  atSignGroupSource,
  compact,
  defineGrammar,
  formatScope,
  optionalScopeSource,
  part,
  required,
  scopeFromGroups,
  type KeyScope,
} from './grammar';

/**
 * `update[<metadata>][:public|:@bob]:<atKey>[@<atSign>] <value>`. The metadata comes first and in
 * the fixed order of the metadata fragment (§5); `atSign` is the owner without `@` and may be absent
 * (`update:privatekey:at_pkam_publickey <key>`). `value` is every byte after the first space.
 */
export interface Update extends KeyScope {
  readonly verb: 'update';
  readonly metadata: WireMetadata;
  readonly atKey: string;
  readonly atSign?: string;
  readonly value: string;
}

/**
 * `update:json:{"atKey":…,"value":…,"sharedBy":…,"sharedWith":…,"metadata":{…}}`. The object is
 * decoded here; what its fields must hold is the handler's business (§5.5 step 1).
 */
export interface UpdateJson {
  readonly verb: 'update:json';
  readonly json: JsonObject;
}

/**
 * `update` and `update:json` (§5.5), one reference regex with two alternatives.
 *
 * @example
 * update.parse('update:ttr:86400000:@bob:shared_key@alice <base64>');
 * // { verb: 'update', metadata: { ttr: 86400000 }, publicScope: false, forAtSign: 'bob', atKey: 'shared_key', … }
 */
export const update = defineGrammar<Update | UpdateJson>({
  name: 'update',
  usage: 'e.g. update:@alice:location@bob San Francisco',
  source:
    '^update:json:(?<json>.+)$|^update' +
    metadataFragmentSource +
    optionalScopeSource +
    `:(?<atKey>(([^:@\\s]+)|(privatekey:at_pkam_publickey)))(@${atSignGroupSource})? (?<value>.+)$`,
  build: (g): Update | UpdateJson =>
    g.json !== undefined
      ? { verb: 'update:json', json: decodeJsonObject(g.json) }
      : compact<Update>({
          verb: 'update',
          metadata: wireMetadataFromGroups(g),
          ...scopeFromGroups(g),
          atKey: required(g.atKey),
          atSign: g.atSign,
          value: required(g.value),
        }),
  format: (c) =>
    c.verb === 'update:json'
      ? `update:json:${JSON.stringify(c.json)}`
      : `update${formatWireMetadata(c.metadata)}${formatScope(c)}:${c.atKey}${part('@', c.atSign)} ${c.value}`,
});

/**
 * `update:meta[:public|:@bob]:<atKey>@<atSign><metadata>`: metadata **after** the key (§5.6).
 */
export interface UpdateMeta extends KeyScope {
  readonly verb: 'update:meta';
  readonly atKey: string;
  readonly atSign: string;
  readonly metadata: WireMetadata;
}

/**
 * `update:meta` (§5.6).
 *
 * @example
 * updateMeta.parse('update:meta:@bob:phone@alice:ttl:600000:isBinary:true');
 * // { verb: 'update:meta', publicScope: false, forAtSign: 'bob', atKey: 'phone', atSign: 'alice', metadata: { ttl: 600000, isBinary: true } }
 */
export const updateMeta = defineGrammar<UpdateMeta>({
  name: 'update:meta',
  usage: 'update:meta:ttl:20000:ttb:20000:ttr:20000',
  source:
    '^update:meta' +
    optionalScopeSource +
    `:(?<atKey>[^:@]((?!:{2})[^:@])+)@${atSignGroupSource}` +
    metadataFragmentSource +
    '$',
  build: (g) =>
    compact<UpdateMeta>({
      verb: 'update:meta',
      ...scopeFromGroups(g),
      atKey: required(g.atKey),
      atSign: required(g.atSign),
      metadata: wireMetadataFromGroups(g),
    }),
  format: (c) => `update:meta${formatScope(c)}:${c.atKey}@${c.atSign}${formatWireMetadata(c.metadata)}`,
});
