/**
 * The per-pair AES keys of shared data (crypto.md §6.1–§6.2): the key this atSign uses for everything it shares
 * with another (its own copy `shared_key.bob@alice`, their copy `@bob:shared_key@alice`), and the keys others use
 * for what they share with it. Unwrapping a copy is an RSA decryption in JavaScript (about 10–20 ms), so every key
 * is unwrapped once, imported as a non-extractable CryptoKey and kept in memory until {@link SharedKeys.forget}.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { del } from '$lib/at/verbs/delete';
import { llookup, lookup, plookup } from '$lib/at/verbs/lookup';
import { update } from '$lib/at/verbs/update';
import { importAesKey } from '$lib/crypto/aes-ctr';
import { CryptoError } from '$lib/crypto/crypto-error';
import { publicKeyChecksum } from '$lib/crypto/public-key-checksum';
import { rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { createSharedKey } from '$lib/crypto/shared-key';
import type { Keyring } from './keyring';
import { request, type Requester } from './requester';

/** What encrypting for one recipient needs: the key and the metadata that travels with the value. */
export interface OutgoingSharedKey {
  /** The AES-256 key, non-extractable. */
  readonly key: CryptoKey;
  /** Their copy, the value of `@bob:shared_key@alice`: sent as `sharedKeyEnc`. */
  readonly sharedKeyEnc: string;
  /** `md5_hex` of the recipient's public key string as `plookup` returned it. */
  readonly pubKeyCS: string;
}

/** What a received value says about the key it was encrypted with (its metadata). */
export interface IncomingKeyHint {
  readonly sharedKeyEnc?: string | null;
  readonly pubKeyCS?: string | null;
  /**
   * The key a decryption just failed with: the sharer's key is fetched again, past the in-memory key and the
   * recipient server's cached copy (the sharer may have replaced it).
   */
  readonly failed?: CryptoKey;
}

/** The `ttr` of their copy, as Dart writes it: the recipient's atServer caches it for 45 days. */
export const theirCopyTtr = 3_888_000;

const sharedKeyName = 'shared_key';
// Copies seen in `sharedKeyEnc` fields; one per sharer in practice, bounded in case of many.
const maxOpenedCopies = 256;

const bare = (atSign: string) => atSign.slice(1);

/** Memoises `load` under `id`, forgetting it again if it fails so the next call retries. */
function memo<T>(map: Map<string, Promise<T>>, id: string, load: () => Promise<T>): Promise<T> {
  const hit = map.get(id);
  if (hit) return hit;
  const loading = load();
  map.set(id, loading);
  loading.catch(() => {
    if (map.get(id) === loading) map.delete(id);
  });
  return loading;
}

/**
 * Finds, creates and unwraps shared keys over the owner's authenticated connection.
 *
 * @example
 * const sharedKeys = new SharedKeys(session, keyring);
 * const { key, sharedKeyEnc, pubKeyCS } = await sharedKeys.outgoing('@bob');
 * const fromAlice = await sharedKeys.incoming('@alice', record.metadata);
 */
export class SharedKeys {
  readonly #requester: Requester;
  readonly #keyring: Keyring;
  readonly #publicKeys = new Map<string, Promise<string>>();
  readonly #outgoing = new Map<string, Promise<OutgoingSharedKey>>();
  readonly #mine = new Map<string, Promise<CryptoKey>>();
  readonly #bySharer = new Map<string, { readonly key: Promise<CryptoKey>; resolved?: CryptoKey }>();
  readonly #byCopy = new Map<string, Promise<CryptoKey>>();

  constructor(requester: Requester, keyring: Keyring) {
    this.#requester = requester;
    this.#keyring = keyring;
  }

  /**
   * An atSign's encryption public key: this atSign's own from the keyring, another's from
   * `plookup:publickey@bob`, remembered for the session.
   *
   * @throws AtError as the server answers (AT0015 when the atSign has no public key).
   */
  publicKey(atSign: string): Promise<string> {
    const who = fixAtSign(atSign);
    if (who === this.#keyring.atSign) return Promise.resolve(this.#keyring.encryptionPublicKey);
    return memo(this.#publicKeys, who, async () => {
      const found = await this.#find(plookup.format({ verb: 'plookup', atKey: 'publickey', atSign: bare(who) }));
      if (found === null) throw new AtError('AT0015', `public:publickey${who} does not exist`);
      return found;
    });
  }

  /**
   * The key for encrypting to `recipient`, creating it when this atSign has none yet (crypto.md §6.1):
   * `llookup:shared_key.bob@alice`; if missing, `plookup:publickey@bob`, `delete:@bob:shared_key@alice`,
   * `update:shared_key.bob@alice <myCopy>`; then their copy is checked with `llookup:@bob:shared_key@alice` and
   * written if missing with `update:ttr:3888000:@bob:shared_key@alice <theirCopy>`.
   *
   * @throws AtError as the servers answer; CryptoError `decrypt-failed` when my copy is not for this keyring.
   */
  outgoing(recipient: string): Promise<OutgoingSharedKey> {
    const who = fixAtSign(recipient);
    return memo(this.#outgoing, who, () => this.#loadOutgoing(who));
  }

  /**
   * The key this atSign shares with `recipient`, from its own copy only: what reading back one's own
   * `@bob:phone@alice` needs (`sharedKeyEnc` there is bob's copy, which this keyring cannot open).
   *
   * @throws AtError `AT0015` when there is no `shared_key.bob@alice`.
   */
  mine(recipient: string): Promise<CryptoKey> {
    const who = fixAtSign(recipient);
    return memo(this.#mine, who, async () => {
      const outgoing = this.#outgoing.get(who);
      if (outgoing) return (await outgoing).key;
      const myCopy = await this.#find(this.#myCopyLine(who));
      if (myCopy === null)
        throw new AtError('AT0015', `${sharedKeyName}.${bare(who)}${this.#keyring.atSign} does not exist`);
      return this.#open(myCopy);
    });
  }

  /**
   * The key `sharer` encrypted a value for this atSign with (crypto.md §6.2): the value's `sharedKeyEnc` when it
   * has one, else `llookup:cached:@bob:shared_key@alice`, else `lookup:shared_key@alice`. A `pubKeyCS` that is not
   * the checksum of this atSign's public key means the value was encrypted for another key, as Dart refuses it.
   *
   * @throws CryptoError `decrypt-failed` for a pubKeyCS mismatch or a copy not made for this keyring; AtError
   *   `AT0015` when the sharer has no key for this atSign.
   */
  async incoming(sharer: string, hint: IncomingKeyHint = {}): Promise<CryptoKey> {
    const who = fixAtSign(sharer);
    if (hint.pubKeyCS && hint.pubKeyCS !== this.#keyring.publicKeyChecksum) {
      throw new CryptoError(
        'decrypt-failed',
        `a value from ${who} was encrypted for another public key of ${this.#keyring.atSign} (pubKeyCS ${hint.pubKeyCS})`,
      );
    }
    if (hint.sharedKeyEnc && hint.failed === undefined) {
      try {
        return await this.#open(hint.sharedKeyEnc);
      } catch {
        // Not openable (made for an older key pair?): the sharer's current key is the next best guess.
      }
    }
    const entry = this.#bySharer.get(who);
    // Checked synchronously, so of many records failing with one key only the first fetches again.
    if (entry && (hint.failed === undefined || entry.resolved !== hint.failed)) return entry.key;
    const fresh = hint.failed !== undefined;
    const loaded = { key: this.#loadIncoming(who, fresh) } as { key: Promise<CryptoKey>; resolved?: CryptoKey };
    this.#bySharer.set(who, loaded);
    loaded.key.then(
      (key) => (loaded.resolved = key),
      () => {
        if (this.#bySharer.get(who) === loaded) this.#bySharer.delete(who);
      },
    );
    return loaded.key;
  }

  /**
   * Deletes both copies of the key shared with `recipient` (`delete:@bob:shared_key@alice`, then
   * `delete:shared_key.bob@alice`) and forgets it; the next {@link outgoing} creates a new one. Values still
   * encrypted with the old key can no longer be read by this atSign: re-encrypt them first (see
   * `DataOperations.revokeSharedKey`).
   */
  async revoke(recipient: string): Promise<void> {
    const who = fixAtSign(recipient);
    const me = bare(this.#keyring.atSign);
    await request(this.#requester, this.#theirCopyCommand('delete', who));
    await request(
      this.#requester,
      del.format({
        verb: 'delete',
        cached: false,
        publicScope: false,
        atKey: `${sharedKeyName}.${bare(who)}`,
        atSign: me,
      }),
    );
    this.forget(who);
  }

  /** Forgets the keys and public key held for `atSign`, or everything. Nothing on any server changes. */
  forget(atSign?: string): void {
    if (atSign === undefined) {
      for (const map of [this.#publicKeys, this.#outgoing, this.#mine, this.#bySharer, this.#byCopy]) map.clear();
      return;
    }
    const who = fixAtSign(atSign);
    for (const map of [this.#publicKeys, this.#outgoing, this.#mine, this.#bySharer]) map.delete(who);
  }

  async #loadOutgoing(who: string): Promise<OutgoingSharedKey> {
    const me = bare(this.#keyring.atSign);
    let sharedKey: string;
    let theirCopy: string | null;
    const myCopy = await this.#find(this.#myCopyLine(who));
    if (myCopy !== null) {
      sharedKey = await this.#keyring.openSharedKey(myCopy);
      theirCopy = await this.#find(this.#theirCopyCommand('llookup', who));
    } else {
      const created = await createSharedKey(this.#keyring.encryptionPublicKey, await this.publicKey(who));
      sharedKey = created.sharedKey;
      // Defensively, as Dart does: no copy of an older key may stay readable for the recipient.
      await request(this.#requester, this.#theirCopyCommand('delete', who));
      await request(
        this.#requester,
        update.format({
          verb: 'update',
          metadata: {},
          publicScope: false,
          atKey: `${sharedKeyName}.${bare(who)}`,
          atSign: me,
          value: created.myCopy,
        }),
      );
      await this.#writeTheirCopy(who, created.theirCopy);
      theirCopy = created.theirCopy;
    }
    if (theirCopy === null) {
      theirCopy = await rsaEncrypt(sharedKey, await this.publicKey(who));
      await this.#writeTheirCopy(who, theirCopy);
    }
    const key = await importAesKey(sharedKey);
    return { key, sharedKeyEnc: theirCopy, pubKeyCS: publicKeyChecksum(await this.publicKey(who)) };
  }

  async #loadIncoming(who: string, fresh: boolean): Promise<CryptoKey> {
    const me = bare(this.#keyring.atSign);
    const cachedLine = llookup.format({
      verb: 'llookup',
      cached: true,
      publicScope: false,
      forAtSign: me,
      atKey: sharedKeyName,
      atSign: bare(who),
    });
    let copy = fresh ? null : await this.#find(cachedLine);
    copy ??= await this.#find(
      lookup.format({
        verb: 'lookup',
        ...(fresh ? { bypassCache: true } : {}),
        atKey: sharedKeyName,
        atSign: bare(who),
      }),
    );
    if (copy === null) throw new AtError('AT0015', `${who} has shared no key with ${this.#keyring.atSign}`);
    return this.#open(copy);
  }

  #open(copy: string): Promise<CryptoKey> {
    if (this.#byCopy.size >= maxOpenedCopies && !this.#byCopy.has(copy)) {
      const oldest = this.#byCopy.keys().next();
      if (!oldest.done) this.#byCopy.delete(oldest.value);
    }
    return memo(this.#byCopy, copy, async () => importAesKey(await this.#keyring.openSharedKey(copy)));
  }

  #myCopyLine(who: string): string {
    return llookup.format({
      verb: 'llookup',
      cached: false,
      publicScope: false,
      atKey: `${sharedKeyName}.${bare(who)}`,
      atSign: bare(this.#keyring.atSign),
    });
  }

  #theirCopyCommand(verb: 'llookup' | 'delete', who: string): string {
    const scope = { cached: false, publicScope: false, forAtSign: bare(who), atKey: sharedKeyName };
    const atSign = bare(this.#keyring.atSign);
    return verb === 'llookup' ? llookup.format({ verb, ...scope, atSign }) : del.format({ verb, ...scope, atSign });
  }

  async #writeTheirCopy(who: string, theirCopy: string): Promise<void> {
    const line = update.format({
      verb: 'update',
      metadata: { ttr: theirCopyTtr },
      publicScope: false,
      forAtSign: bare(who),
      atKey: sharedKeyName,
      atSign: bare(this.#keyring.atSign),
      value: theirCopy,
    });
    await request(this.#requester, line);
  }

  /** The `data:` of a lookup, or null for a key that does not exist (AT0015) or is not active (`data:null`). */
  async #find(line: string): Promise<string | null> {
    try {
      const data = await request(this.#requester, line);
      return data === 'null' ? null : data;
    } catch (error) {
      if (error instanceof AtError && error.code === 'AT0015') return null;
      throw error;
    }
  }
}
