/**
 * The data operations of an atClient over the owner's authenticated connection: put, get, delete and scan for
 * self, shared and public keys, share and revoke (issue 6, "Data"). Values are encrypted, signed and decoded
 * by the {@link RecordCodec}; lines are built with the verb grammars of `$lib/at/verbs`.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { createKey, formatKey, parseKey, type AtKey } from '$lib/at/key';
import type { WireMetadata } from '$lib/at/metadata';
import { fromRecordJson } from '$lib/at/metadata-json';
import { del } from '$lib/at/verbs/delete';
import { compact } from '$lib/at/verbs/grammar';
import { decodeJson } from '$lib/at/verbs/json';
import { llookup, lookup, plookup } from '$lib/at/verbs/lookup';
import { scan } from '$lib/at/verbs/scan';
import { update } from '$lib/at/verbs/update';
import type { Keyring } from './keyring';
import { RecordCodec, type AtRecord } from './record-codec';
import { request, type Requester } from './requester';
import { SharedKeys } from './shared-keys';

export type { AtRecord } from './record-codec';

/** The time fields of a put (reference atprotocol.md §4.5). */
export interface PutOptions {
  /** Time to live, milliseconds. */
  readonly ttl?: number;
  /** Time to birth, milliseconds. */
  readonly ttb?: number;
  /** How long a recipient's atServer may cache a shared or public value, **seconds**; -1 for ever. */
  readonly ttr?: number;
  /** With a ttr: the recipient's cached copy is deleted when this key is. */
  readonly ccd?: boolean;
  /** Marks a value as binary (Base2e15 text, crypto.md §6.5); the value is sent as given. */
  readonly isBinary?: boolean;
}

/** How to read another atSign's value. */
export interface GetOptions {
  /** Ask the owner's atServer even when this atServer holds a fresh cached copy. */
  readonly bypassCache?: boolean;
}

/** What `scan` lists. */
export interface ScanOptions {
  /** A regular expression the key must match (one token, no spaces). */
  readonly regex?: string;
  /** Include hidden keys (`_x`, `public:__x`). */
  readonly showHidden?: boolean;
  /** List what this atSign shares with the owner, asked of its atServer (returned as `@me:key@them`). */
  readonly forAtSign?: string;
}

/** An `update` line ready to send, with what it stores. */
export interface PreparedUpdate {
  /** The key as the server stores it. */
  readonly atKey: string;
  readonly line: string;
  /** The value as sent: ciphertext, or the public value (base64 when it holds a line break). */
  readonly value: string;
  readonly metadata: WireMetadata;
}

/** How a share is kept by the recipient's atServer. */
export interface ShareOptions {
  readonly ttl?: number;
  /** Let the recipient's atServer cache the value for this many seconds (-1: until changed). */
  readonly ttr?: number;
  /** Delete the recipient's cached copy with this key; defaults to true whenever a ttr is given. */
  readonly ccd?: boolean;
}

const bare = (atSign: string) => atSign.slice(1);
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `public:` / `@bob:` of a key, as the verb grammars take it. */
function scopeOf(key: AtKey): { publicScope: boolean; forAtSign?: string } {
  if (key.visibility === 'public') return { publicScope: true };
  return key.sharedWith === undefined
    ? { publicScope: false }
    : { publicScope: false, forAtSign: bare(key.sharedWith) };
}

function ownerOf(key: AtKey): string {
  if (key.owner === undefined) throw new AtError('AT0016', `${key.name} has no owner atSign`);
  return key.owner;
}

/**
 * put/get/delete/scan/share/revoke for one atSign.
 *
 * @example
 * const data = new DataOperations(session, keyring);
 * await data.put('@bob:phone.wavi@alice', '+1 555 0100', { ttr: 86400, ccd: true });
 * (await data.get('public:location.wavi@alice')).signatureValid; // true
 */
export class DataOperations {
  readonly #requester: Requester;
  readonly #keyring: Keyring;
  readonly sharedKeys: SharedKeys;
  readonly codec: RecordCodec;

  constructor(
    requester: Requester,
    keyring: Keyring,
    sharedKeys = new SharedKeys(requester, keyring),
    codec = new RecordCodec(keyring, sharedKeys),
  ) {
    this.#requester = requester;
    this.#keyring = keyring;
    this.sharedKeys = sharedKeys;
    this.codec = codec;
  }

  /**
   * Encodes a value of one of this atSign's keys into the `update` line that stores it, without sending it: what
   * an offline write queues. `metadata` is what the line carries (encryption fields and time fields).
   *
   * @throws AtError as {@link RecordCodec.encode}.
   * @example (await data.prepareUpdate('phone.wavi@alice', '+1 555 0100')).line; // update:isEncrypted:true:ivNonce:…
   */
  async prepareUpdate(key: string | AtKey, value: string, options: PutOptions = {}): Promise<PreparedUpdate> {
    const atKey = typeof key === 'string' ? parseKey(key) : key;
    const encoded = await this.codec.encode(atKey, value);
    const metadata: WireMetadata = { ...timeFields(options), ...encoded.metadata };
    if (options.isBinary !== undefined) metadata.isBinary = options.isBinary;
    const line = update.format({
      verb: 'update',
      metadata,
      ...scopeOf(atKey),
      atKey: atKey.name,
      atSign: bare(ownerOf(atKey)),
      value: encoded.value,
    });
    return { atKey: formatKey(atKey), line, value: encoded.value, metadata };
  }

  /**
   * Encodes and stores a value of one of this atSign's keys, answering the commit id (-1 for kinds the commit
   * log does not hold).
   *
   * @throws AtError as {@link RecordCodec.encode} and as the server answers (AT0016 for a bad key, AT0003 for a
   *   negative ttl, …).
   * @example await data.put('phone.wavi@alice', '+1 555 0100'); // update:isEncrypted:true:ivNonce:…:phone.wavi@alice …
   */
  async put(key: string | AtKey, value: string, options: PutOptions = {}): Promise<number> {
    const { line } = await this.prepareUpdate(key, value, options);
    return Number(await request(this.#requester, line));
  }

  /**
   * Reads and decodes a record: this atSign's own keys and cached copies with `llookup:all:`, another atSign's
   * public keys with `plookup:all:` and the keys it shares with this one (`phone@bob` or `@alice:phone@bob`) with
   * `lookup:all:`.
   *
   * @throws AtError `AT0015` for a key that does not exist or is not active (expired, unborn); CryptoError when an
   *   encrypted value does not decrypt.
   * @example await data.get('phone.wavi@bob'); // { key: @alice:phone.wavi@bob, value: '+1 555 0199', … }
   */
  async get(key: string | AtKey, options: GetOptions = {}): Promise<AtRecord> {
    let atKey = typeof key === 'string' ? parseKey(key) : key;
    const owner = ownerOf(atKey);
    const me = this.#keyring.atSign;
    let line: string;
    if (owner === me || atKey.isCached) {
      line = llookup.format({
        verb: 'llookup',
        operation: 'all',
        cached: atKey.isCached,
        ...scopeOf(atKey),
        atKey: atKey.name,
        atSign: bare(owner),
      });
    } else {
      const remote = { operation: 'all', atKey: atKey.name, atSign: bare(owner) } as const;
      const bypass = options.bypassCache === undefined ? {} : { bypassCache: options.bypassCache };
      if (atKey.visibility === 'public') {
        line = plookup.format({ verb: 'plookup', ...bypass, ...remote });
      } else {
        line = lookup.format({ verb: 'lookup', ...bypass, ...remote });
        atKey = createKey({ kind: 'shared', name: atKey.name, owner, sharedWith: me });
      }
    }
    const data = await request(this.#requester, line);
    if (data === 'null') throw new AtError('AT0015', `${formatKey(atKey)} is not active (expired or not yet born)`);
    const answer = fromRecordJson(decodeJson(data));
    return this.codec.decode({ key: atKey, value: answer.data, metadata: answer.metadata });
  }

  /**
   * Deletes one of this atSign's keys or a cached copy, answering the commit id. Deleting `@bob:key@alice`
   * notifies @bob, whose atServer drops its cached copy when the key had `ccd:true`.
   *
   * @example await data.delete('@bob:phone.wavi@alice'); // delete:@bob:phone.wavi@alice
   */
  async delete(key: string | AtKey): Promise<number> {
    return Number(await request(this.#requester, this.deleteLine(key)));
  }

  /** The `delete` line of a key, without sending it (what an offline delete queues). */
  deleteLine(key: string | AtKey): string {
    const atKey = typeof key === 'string' ? parseKey(key) : key;
    return del.format({
      verb: 'delete',
      cached: atKey.isCached,
      ...scopeOf(atKey),
      atKey: atKey.name,
      atSign: bare(ownerOf(atKey)),
    });
  }

  /**
   * Lists keys: this atSign's (`scan[:showhidden:true] <regex>`), or with `forAtSign` those that atSign shares
   * with this one (`scan:@bob`), returned in their shared form `@alice:phone@bob`. Keys that do not parse are
   * left out.
   *
   * @example (await data.scan({ regex: '\\.wavi@' })).map(formatKey);
   */
  async scan(options: ScanOptions = {}): Promise<AtKey[]> {
    const forAtSign = options.forAtSign === undefined ? undefined : fixAtSign(options.forAtSign);
    // The server lowercases the text before a line's first `:` and drops its spaces (§1.3), so `scan ^x:y` would
    // arrive as `scan^x:y`. Spelling out `showhidden` puts a `:` before the regex and keeps it intact.
    const showHidden =
      options.showHidden ?? (forAtSign === undefined && options.regex?.includes(':') ? false : undefined);
    const line = scan.format({
      verb: 'scan',
      ...(showHidden === undefined ? {} : { showHidden }),
      ...(forAtSign === undefined ? {} : { forAtSign }),
      ...(options.regex === undefined ? {} : { regex: options.regex }),
    });
    const names = decodeJson(await request(this.#requester, line));
    if (!Array.isArray(names)) throw new AtError('AT0014', 'scan did not answer a list');
    const keys: AtKey[] = [];
    for (const name of names) {
      if (typeof name !== 'string') continue;
      try {
        const key = parseKey(name);
        keys.push(forAtSign !== undefined && key.kind === 'self' ? this.#sharedFormOf(key) : key);
      } catch {
        // A key this client cannot represent is not one it can act on.
      }
    }
    return keys;
  }

  /**
   * Shares the value of one of this atSign's self or shared keys with `withAtSign`: reads and decrypts it, then
   * puts `@bob:<name>@alice` encrypted with the shared key. Answers the new key.
   *
   * @throws AtError `AT0016` for a public or someone else's key; as {@link get} and {@link put}.
   * @example await data.share('phone.wavi@alice', '@bob', { ttr: 86400 }); // @bob:phone.wavi@alice
   */
  async share(key: string | AtKey, withAtSign: string, options: ShareOptions = {}): Promise<AtKey> {
    const source = typeof key === 'string' ? parseKey(key) : key;
    if (source.owner !== this.#keyring.atSign || (source.kind !== 'self' && source.kind !== 'shared')) {
      throw new AtError('AT0016', `only this atSign's self and shared keys are shared, not ${formatKey(source)}`);
    }
    const record = await this.get(source);
    if (record.value === null) throw new AtError('AT0015', `${formatKey(source)} has no value to share`);
    const target = createKey({ kind: 'shared', name: source.name, owner: source.owner, sharedWith: withAtSign });
    const ccd = options.ttr === undefined ? options.ccd : (options.ccd ?? true);
    await this.put(target, record.value, {
      ...compact({ ttl: options.ttl, ttr: options.ttr, ccd }),
      ...(record.metadata.isBinary ? { isBinary: true } : {}),
    });
    return target;
  }

  /**
   * The atSigns this atSign shares a key's name with: every `@x:<name>@<me>` a scan finds.
   *
   * @example await data.sharedWith('phone.wavi@alice'); // ['@bob', '@carol']
   */
  async sharedWith(key: string | AtKey): Promise<string[]> {
    const atKey = typeof key === 'string' ? parseKey(key) : key;
    const me = this.#keyring.atSign;
    const regex = `:${escapeRegex(atKey.name)}${escapeRegex(me)}$`;
    const keys = await this.scan({ regex, showHidden: atKey.isHidden });
    return keys
      .filter((k) => k.kind === 'shared' && !k.isReserved && k.owner === me && k.name === atKey.name)
      .map((k) => k.sharedWith as string);
  }

  /**
   * Stops sharing a key with `atSign`: deletes `@bob:<name>@alice`, whose delete notification makes bob's
   * atServer drop its cached copy when that copy has `ccd:true`. A copy cached without it would outlive the
   * delete, so the value is first written again unchanged with `ccd:true` (only an update with a value carries
   * ttr and ccd to the recipient's copy; `update:meta` does not). Answers false when the key was not shared.
   *
   * @example await data.revoke('phone.wavi@alice', '@bob'); // llookup:all:@bob:phone.wavi@alice, delete:@bob:…
   */
  async revoke(key: string | AtKey, atSign: string): Promise<boolean> {
    const source = typeof key === 'string' ? parseKey(key) : key;
    const target = createKey({ kind: 'shared', name: source.name, owner: this.#keyring.atSign, sharedWith: atSign });
    const where = { ...scopeOf(target), atKey: target.name, atSign: bare(ownerOf(target)) };
    let stored: string;
    try {
      stored = await request(
        this.#requester,
        llookup.format({ verb: 'llookup', operation: 'all', cached: false, ...where }),
      );
    } catch (error) {
      if (error instanceof AtError && error.code === 'AT0015') return false;
      throw error;
    }
    const { data, metadata: m } =
      stored === 'null' ? { data: undefined, metadata: {} } : fromRecordJson(decodeJson(stored));
    if (data !== undefined && m.ttr !== undefined && m.ttr !== 0 && m.ccd !== true) {
      const { ttr, isBinary, isEncrypted, sharedKeyEnc, pubKeyCS, encoding, ivNonce } = m;
      const binary = isBinary === true ? true : undefined;
      const metadata = compact({
        ttr,
        ccd: true,
        isBinary: binary,
        isEncrypted,
        sharedKeyEnc,
        pubKeyCS,
        encoding,
        ivNonce,
      });
      await request(this.#requester, update.format({ verb: 'update', metadata, ...where, value: data }));
    }
    await this.delete(target);
    return true;
  }

  /**
   * Replaces the key this atSign shares with `atSign`: reads every `@bob:…@alice` key with the old key, deletes
   * both copies of it (`@bob:shared_key@alice`, `shared_key.bob@alice`), then puts each value again under a new
   * key (ttl, ttb, ttr and ccd kept, their countdowns restarted). Whoever only holds the old key can read none
   * of the new values. Answers the keys written again.
   */
  async revokeSharedKey(atSign: string): Promise<AtKey[]> {
    const who = fixAtSign(atSign);
    const me = this.#keyring.atSign;
    const keys = (await this.scan({ regex: `^${escapeRegex(who)}:`, showHidden: true })).filter(
      (k) => k.kind === 'shared' && !k.isReserved && k.owner === me && k.sharedWith === who,
    );
    const records = await Promise.all(keys.map((k) => this.get(k)));
    await this.sharedKeys.revoke(who);
    for (const record of records) {
      if (record.value === null) continue;
      const { ttl, ttb, ttr, ccd, isBinary } = record.metadata;
      await this.put(record.key, record.value, compact({ ttl, ttb, ttr, ccd, isBinary }));
    }
    return records.map((record) => record.key);
  }

  #sharedFormOf(key: AtKey): AtKey {
    return createKey({ kind: 'shared', name: key.name, owner: ownerOf(key), sharedWith: this.#keyring.atSign });
  }
}

function timeFields(options: PutOptions): WireMetadata {
  return compact({ ttl: options.ttl, ttb: options.ttb, ttr: options.ttr, ccd: options.ccd });
}
