/**
 * The notify family: `notify` (send, and the server-to-server receive path), `notify:list`,
 * `notify:status`, `notify:fetch`, `notify:remove` and `notify:all`. Reference atprotocol.md
 * §5.18–§5.23, §6.4–§6.5. The verb table picks the longest prefix, so `notify:list…` never reaches
 * {@link notify} (§3.1).
 */
import { AtError } from '../errors';
import { formatWireMetadata, metadataFragmentSource, wireMetadataFromGroups, type WireMetadata } from '../metadata';
import {
  atSignGroupSource,
  boolOf,
  compact,
  defineGrammar,
  formatScope,
  intOf,
  oneOf,
  part,
  required,
  scopeChoiceSource,
  scopeFromGroups,
  type KeyScope,
} from './grammar';

/** `update` or `delete`: what happened to the key a notification is about. */
export const notifyOperations = ['update', 'delete'] as const;
/** `update` or `delete`. */
export type NotifyOperation = (typeof notifyOperations)[number];

/** `key` (the notification is about a record) or `text` (the key text is the message). */
export const notifyMessageTypes = ['key', 'text'] as const;
/** `key` or `text`. */
export type NotifyMessageType = (typeof notifyMessageTypes)[number];

/** Queue priorities; a failed delivery drops one step on retry (§6.4). */
export const notifyPriorities = ['low', 'medium', 'high'] as const;
/** `low`, `medium` or `high`. */
export type NotifyPriority = (typeof notifyPriorities)[number];

/** `all` delivers every notification; `latest` keeps only the newest `latestN` per notifier (§6.4). */
export const notifyStrategies = ['all', 'latest'] as const;
/** `all` or `latest`. */
export type NotifyStrategy = (typeof notifyStrategies)[number];

/**
 * What the reference assumes for a part the line leaves out (§5.18). `ttln` has no fixed default: it
 * is `notification.expiryInMins` of the server's configuration, and `ttln:0` also means that.
 */
export const notifyDefaults = {
  operation: 'update',
  messageType: 'key',
  priority: 'low',
  strategy: 'all',
  latestN: 1,
  notifier: 'SYSTEM',
} as const satisfies {
  operation: NotifyOperation;
  messageType: NotifyMessageType;
  priority: NotifyPriority;
  strategy: NotifyStrategy;
  latestN: number;
  notifier: string;
};

/**
 * `notify[:id:<id>][:update|:delete][:messageType:<t>][:priority:<p>][:strategy:<s>][:latestN:<n>]
 * [:notifier:<n>][:ttln:<ms>]<metadata>:public|:@bob:<atKey>[@<atSign>][:<value>]`. The parts come in
 * exactly that order. Exactly one of `publicScope` / `forAtSign` is set. Options are present only when
 * the line carried them ({@link notifyDefaults} lists what absence means); `metadata` is `{}` when none.
 * For `messageType:text` the `atKey` is the message itself.
 */
export interface Notify extends KeyScope {
  readonly verb: 'notify';
  /** The notification id the client chose (a receiving server keeps the sender's). */
  readonly id?: string;
  readonly operation?: NotifyOperation;
  readonly messageType?: NotifyMessageType;
  readonly priority?: NotifyPriority;
  readonly strategy?: NotifyStrategy;
  /** How many notifications `strategy:latest` keeps per notifier. */
  readonly latestN?: number;
  /** Who groups notifications for `strategy:latest` (`SYSTEM` by default for `all`). */
  readonly notifier?: string;
  /** How long the notification itself lives, milliseconds. */
  readonly ttln?: number;
  readonly metadata: WireMetadata;
  /** The key without owner (`phone.wavi`); may contain single colons (`public:phone` on a forwarded public key). */
  readonly atKey: string;
  /** The owner (sender), without `@`; absent means the connection's own atSign. */
  readonly atSign?: string;
  /** Every character after the `:` that follows the key (a value may contain `:`). */
  readonly value?: string;
}

/**
 * `notify` (§5.18), for both the client's send and a peer server's delivery (§6.4 body). Checks
 * what the reference checks before anything else: `strategy:latest` needs a `notifier`.
 *
 * @throws AtError AT0003 `Invalid syntax. e.g notify:@colin:key@kevin` when the regex does not match
 * (`notify:phone@alice`, `latestN` after `notifier`, `ttln` after the metadata), and AT0003
 * `For Strategy latest, notifier cannot be null`. The reference compares the strategy text
 * case-sensitively there, so its `strategy:LATEST` without notifier fails later with AT0010; here both
 * spellings get the AT0003, so every parsed command formats to a line that parses.
 * @example
 * notify.parse('notify:update:messageType:key:@bob:j_note_c1cec266@alice:AAAA');
 * // { verb: 'notify', operation: 'update', messageType: 'key', metadata: {}, publicScope: false,
 * //   forAtSign: 'bob', atKey: 'j_note_c1cec266', atSign: 'alice', value: 'AAAA' }
 */
export const notify = defineGrammar<Notify>({
  name: 'notify',
  usage: 'e.g notify:@colin:key@kevin',
  source:
    '^notify(:id:(?<id>[\\w\\d\\-\\_]+))?(:(?<operation>update|delete))?(:messageType:(?<messageType>key|text))?' +
    '(:priority:(?<priority>low|medium|high))?(:strategy:(?<strategy>all|latest))?(:latestN:(?<latestN>\\d+))?' +
    '(:notifier:(?<notifier>[^\\s:]+))?(:ttln:(?<ttln>\\d+))?' +
    metadataFragmentSource +
    `:${scopeChoiceSource}:(?<atKey>[^:@]((?!:{2})[^@])+)(@${atSignGroupSource})?(:(?<value>.+))?$`,
  build: (g) => {
    const strategy = oneOf(g.strategy, notifyStrategies);
    if (strategy === 'latest' && g.notifier === undefined) {
      throw new AtError('AT0003', 'For Strategy latest, notifier cannot be null');
    }
    return compact<Notify>({
      verb: 'notify',
      id: g.id,
      operation: oneOf(g.operation, notifyOperations),
      messageType: oneOf(g.messageType, notifyMessageTypes),
      priority: oneOf(g.priority, notifyPriorities),
      strategy,
      latestN: intOf(g.latestN),
      notifier: g.notifier,
      ttln: intOf(g.ttln),
      metadata: wireMetadataFromGroups(g),
      ...scopeFromGroups(g),
      atKey: required(g.atKey),
      atSign: g.atSign,
      value: g.value,
    });
  },
  format: (c) =>
    'notify' +
    part(':id:', c.id) +
    part(':', c.operation) +
    part(':messageType:', c.messageType) +
    part(':priority:', c.priority) +
    part(':strategy:', c.strategy) +
    part(':latestN:', c.latestN) +
    part(':notifier:', c.notifier) +
    part(':ttln:', c.ttln) +
    formatWireMetadata(c.metadata) +
    `${formatScope(c)}:${c.atKey}${part('@', c.atSign)}${part(':', c.value)}`,
});

/**
 * `notify:list[:<fromDate>[:<toDate>]][:<regex>]`: the received notifications, optionally within a date
 * range (`yyyy-MM-dd`, month and day may be short or missing, as written; the handler answers AT0022 for
 * a date it cannot read) and matching a regex (no `:` allowed).
 */
export interface NotifyList {
  readonly verb: 'notify:list';
  readonly fromDate?: string;
  /** Only ever present with `fromDate`: the first date on the line is always the `fromDate`. */
  readonly toDate?: string;
  readonly regex?: string;
}

const listDateSource = '\\d{4}-[01]?\\d?-[0123]?\\d?';

/**
 * `notify:list` (§5.19). The reference regex is not anchored at the end, so whatever follows the
 * last part it reads is ignored, as the reference ignores it: `notify:list:phone:wavi` lists by
 * `phone`, and `notify:listen` (which the verb table also routes here) lists everything. A regex
 * that looks like a date (`2024-10-24`) is read as `fromDate`.
 *
 * @throws AtError AT0003 `Invalid syntax. e.g notify:list [regular expression]` for a line not
 * starting with `notify:list`.
 * @example
 * notifyList.parse('notify:list:2024-10-01:2024-10-24:.*wavi');
 * // { verb: 'notify:list', fromDate: '2024-10-01', toDate: '2024-10-24', regex: '.*wavi' }
 */
export const notifyList = defineGrammar<NotifyList>({
  name: 'notify:list',
  usage: 'e.g notify:list [regular expression]',
  source: `^notify:list(:(?<fromDate>${listDateSource}))?(:(?<toDate>${listDateSource}))?(:(?<regex>[^:]+))?`,
  build: (g) => compact<NotifyList>({ verb: 'notify:list', fromDate: g.fromDate, toDate: g.toDate, regex: g.regex }),
  format: (c) => `notify:list${part(':', c.fromDate)}${part(':', c.toDate)}${part(':', c.regex)}`,
});

/** `notify:status:<notificationId>`: whether a notification is queued, delivered, errored or expired. */
export interface NotifyStatus {
  readonly verb: 'notify:status';
  readonly notificationId: string;
}

/**
 * `notify:status` (§5.20); the id is any run of non-space characters.
 *
 * @throws AtError AT0003 `Invalid syntax. e.g notify:status:<notification-id>` for a missing id or one
 * containing a space.
 * @example
 * notifyStatus.parse('notify:status:a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8');
 * // { verb: 'notify:status', notificationId: 'a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8' }
 */
export const notifyStatus = defineGrammar<NotifyStatus>({
  name: 'notify:status',
  usage: 'e.g notify:status:<notification-id>',
  source: '^notify:status:(?<notificationId>\\S+)$',
  build: (g) => ({ verb: 'notify:status', notificationId: required(g.notificationId) }),
  format: (c) => `notify:status:${c.notificationId}`,
});

/** `notify:fetch:<notificationId>`: one stored notification, every field as a string (§5.21). */
export interface NotifyFetch {
  readonly verb: 'notify:fetch';
  readonly notificationId: string;
}

/**
 * `notify:fetch` (§5.21).
 *
 * @throws AtError AT0003 `Invalid syntax. e.g notify:fetch:<notification-id>` for a missing id or one
 * containing a space.
 * @example
 * notifyFetch.parse('notify:fetch:3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60');
 * // { verb: 'notify:fetch', notificationId: '3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60' }
 */
export const notifyFetch = defineGrammar<NotifyFetch>({
  name: 'notify:fetch',
  usage: 'e.g notify:fetch:<notification-id>',
  source: '^notify:fetch:(?<notificationId>\\S+)$',
  build: (g) => ({ verb: 'notify:fetch', notificationId: required(g.notificationId) }),
  format: (c) => `notify:fetch:${c.notificationId}`,
});

/**
 * `notify:remove:<notificationId>`: delete a notification from the log. The reference names the group
 * `id`; it is called `notificationId` here as in `notify:status` and `notify:fetch`.
 */
export interface NotifyRemove {
  readonly verb: 'notify:remove';
  readonly notificationId: string;
}

/**
 * `notify:remove` (§5.22). The reference regex has neither `^` nor `$`: the first
 * `notify:remove:<word characters and dashes>` anywhere in the line counts and the rest is ignored
 * (`notify:remove:abc def` removes `abc`).
 *
 * @throws AtError AT0003 `Invalid syntax. e.g notify:remove:<notificationId>` when no id of word
 * characters and dashes follows `notify:remove:`.
 * @example
 * notifyRemove.parse('notify:remove:a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8');
 * // { verb: 'notify:remove', notificationId: 'a9b8e7b5-0d45-4e6b-bd9e-f37f6f85abc8' }
 */
export const notifyRemove = defineGrammar<NotifyRemove>({
  name: 'notify:remove',
  usage: 'e.g notify:remove:<notificationId>',
  source: 'notify:remove:(?<id>[\\w\\d\\-\\_]+)',
  build: (g) => ({ verb: 'notify:remove', notificationId: required(g.id) }),
  format: (c) => `notify:remove:${c.notificationId}`,
});

/** The metadata `notify:all` accepts: the time fields only. */
export type NotifyAllMetadata = Pick<WireMetadata, 'ttl' | 'ttb' | 'ttr' | 'ccd'>;

/**
 * `notify:all:[<op>:][messageType:<t>:][ttl:<ms>:][ttb:<ms>:][ttr:<s>:][ccd:<b>:]<recipients>:<atKey>
 * [@<atSign>][:<value>]`: one notification per distinct recipient.
 */
export interface NotifyAll {
  readonly verb: 'notify:all';
  readonly operation?: NotifyOperation;
  readonly messageType?: NotifyMessageType;
  readonly metadata: NotifyAllMetadata;
  /**
   * The comma list as written (`@` kept, duplicates kept: the handler sends once per distinct entry).
   * An empty list (`notify:all::phone@alice`) is `[]` and notifies nobody.
   */
  readonly recipients: readonly string[];
  readonly atKey: string;
  /** The owner, without `@`. */
  readonly atSign?: string;
  readonly value?: string;
}

/**
 * `notify:all` (§5.23). The reference's `ccd:(true|false+)` also accepts `falsee`, read as `false`.
 * Its options end in `:` instead of starting with one, which is why the metadata writer fits:
 * `notify:all` + `:ttl:1000` + `:` + recipients reads the same as `notify:all:ttl:1000:` + recipients.
 *
 * @throws AtError AT0003 `Invalid syntax. e.g notify:all:@alice,@bob:key1@colin` when the regex does not
 * match (no `:<atKey>` after the recipients, a space in the recipients or key).
 * @example
 * notifyAll.parse('notify:all:@alice,@bob:key1@colin');
 * // { verb: 'notify:all', metadata: {}, recipients: ['@alice', '@bob'], atKey: 'key1', atSign: 'colin' }
 */
export const notifyAll = defineGrammar<NotifyAll>({
  name: 'notify:all',
  usage: 'e.g notify:all:@alice,@bob:key1@colin',
  source:
    '^notify:all:((?<operation>update|delete):)?(messageType:((?<messageType>key|text):))?(?:ttl:(?<ttl>\\d+):)?' +
    '(?:ttb:(?<ttb>\\d+):)?(?:ttr:(?<ttr>-?\\d+):)?(?:ccd:(?<ccd>true|false+):)?' +
    '(?<forAtSign>(([^:\\s])+)?(,([^:\\s]+))*)(:(?<atKey>[^@:\\s]+))(@(?<atSign>[^@:\\s]+))?(:(?<value>.+))?$',
  build: (g) =>
    compact<NotifyAll>({
      verb: 'notify:all',
      operation: oneOf(g.operation, notifyOperations),
      messageType: oneOf(g.messageType, notifyMessageTypes),
      metadata: compact<NotifyAllMetadata>({
        ttl: intOf(g.ttl),
        ttb: intOf(g.ttb),
        ttr: intOf(g.ttr),
        ccd: boolOf(g.ccd),
      }),
      recipients: g.forAtSign ? g.forAtSign.split(',') : [],
      atKey: required(g.atKey),
      atSign: g.atSign,
      value: g.value,
    }),
  format: (c) =>
    'notify:all' +
    part(':', c.operation) +
    part(':messageType:', c.messageType) +
    formatWireMetadata(c.metadata) +
    `:${c.recipients.join(',')}:${c.atKey}${part('@', c.atSign)}${part(':', c.value)}`,
});
