/**
 * `keys`: APKAM key storage (the encryption keys an enrolled client keeps on its server: public,
 * private and self keys per app and device). Reference atprotocol.md §7.6.
 */
import { compact, defineGrammar, oneOf, part } from './grammar';

/** What `keys:` does with a key. */
export const keysOperations = ['put', 'get', 'delete'] as const;
/** Which family of keys a `keys` command addresses. */
export const keysVisibilities = ['public', 'private', 'self'] as const;

/**
 * `keys:<op>[:<visibility>][:namespace:<ns>][:appName:<a>][:deviceName:<d>][:keyType:<t>]`
 * `[:encryptionKeyName:<e>][:keyName:<n>][ <value>]`. Every part after the operation is optional
 * and the regex lets the colons between them go missing too, so almost any text after
 * `keys:put|get|delete` parses; what the parts must hold per operation is the handler's business.
 */
export interface Keys {
  readonly verb: 'keys';
  readonly operation: (typeof keysOperations)[number];
  readonly visibility?: (typeof keysVisibilities)[number];
  /** e.g. `__global`; letters, digits and `_`. */
  readonly namespace?: string;
  readonly appName?: string;
  readonly deviceName?: string;
  /** e.g. `rsa2048`, `aes256`. */
  readonly keyType?: string;
  /** The key that encrypted `keyValue`, when it is encrypted. */
  readonly encryptionKeyName?: string;
  /** A name to store under (`put`) or a full stored key name (`get`, `delete`); no spaces. */
  readonly keyName?: string;
  /** Everything after `keyName:<n> ` (or after the last part when there is no key name). */
  readonly keyValue?: string;
}

/**
 * Where `keyValue` starts. After a key name the regex takes one space; without one, a value that
 * begins with a space needs nothing more (every part stops at a space), and any other value needs a
 * colon so that it does not run into the part before it (`keyType:rsa2048:MIIB…`).
 */
function valueSeparator(c: Keys, value: string): string {
  if (c.keyName !== undefined) return ' ';
  return value.startsWith(' ') ? '' : ':';
}

/**
 * `keys` (§7.6). The usage text is the reference's; note its example puts `keyName:` first, which
 * the regex reads as one long key name.
 *
 * @example
 * keys.parse('keys:put:public:namespace:__global:keyType:rsa2048:keyName:encryptionPublicKey MIIBIjAN…');
 * // { verb: 'keys', operation: 'put', visibility: 'public', namespace: '__global', keyType: 'rsa2048',
 * //   keyName: 'encryptionPublicKey', keyValue: 'MIIBIjAN…' }
 */
export const keys = defineGrammar<Keys>({
  name: 'keys',
  usage: 'e.g. keys:put:public:keyName:encryptionPublicKey:namespace:__global:keyType:rsa2048:<public_key>',
  source:
    '^keys:((?<operation>put|get|delete):?)(?:(?<visibility>public|private|self):?)?' +
    '(?:namespace:(?<namespace>[a-zA-Z0-9_]+):?)?(?:appName:(?<appName>[a-zA-Z0-9_]+):?)?' +
    '(?:deviceName:(?<deviceName>[a-zA-Z0-9_]+):?)?(?:keyType:(?<keyType>[a-zA-Z0-9_-]+):?)?' +
    '(?:encryptionKeyName:(?<encryptionKeyName>[a-zA-Z0-9_\\-]+):?)?(?:keyName:(?<keyName>\\S+) ?)?' +
    '(?<keyValue>.*)?$',
  build: (g) =>
    compact<Keys>({
      verb: 'keys',
      operation: oneOf(g.operation, keysOperations) ?? 'get',
      visibility: oneOf(g.visibility, keysVisibilities),
      namespace: g.namespace,
      appName: g.appName,
      deviceName: g.deviceName,
      keyType: g.keyType,
      encryptionKeyName: g.encryptionKeyName,
      keyName: g.keyName,
      // `(?<keyValue>.*)?` that matched nothing does not take part (ECMAScript and Dart alike).
      keyValue: g.keyValue,
    }),
  format: (c) =>
    `keys:${c.operation}` +
    part(':', c.visibility) +
    part(':namespace:', c.namespace) +
    part(':appName:', c.appName) +
    part(':deviceName:', c.deviceName) +
    part(':keyType:', c.keyType) +
    part(':encryptionKeyName:', c.encryptionKeyName) +
    part(':keyName:', c.keyName) +
    (c.keyValue === undefined ? '' : valueSeparator(c, c.keyValue) + c.keyValue),
});
