/**
 * Handlers for the read verbs `llookup`, `lookup` and `plookup` (atprotocol.md §5.7–§5.9, §4.6). Reads of
 * another atSign's data are answered from a fresh `cached:` copy or fetched through the federation seam
 * (`remote-records.ts`), which keeps the copy (§6.3).
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { normaliseStoredKey } from '$lib/at/key';
import { isActive } from '$lib/at/metadata';
import { dataReply, type Reply } from '$lib/at/response';
import type { Llookup, Lookup, Plookup } from '$lib/at/verbs/lookup';
import { authorize } from '../authorization';
import type { VerbContext } from '../context';
import { renderRecord, requireRecord } from '../record-read';
import { referenceMarker, resolveReferences } from '../references';
import { readCached } from '../cache';
import { lookUpRemote } from '../remote-records';

/**
 * `llookup[:meta|:all][:cached][:public|:@bob]:<key>@<atSign>` reads one of this atSign's records as stored,
 * without resolving references. An unborn or expired record answers `data:null`.
 *
 * @throws AtError `AT0015` `<key> does not exist in keystore`; `AT0009` for an enrollment without access to
 *   the namespace (public keys are not checked).
 * @example llookup:all:public:interop_pub_d3eb96b2@alice  →  data:{"key":"public:interop_pub_d3eb96b2@alice","data":"public value d3eb96b2","metaData":{…}}
 */
export function llookup(command: Llookup, ctx: VerbContext): Reply {
  const { server } = ctx;
  let key = `${command.atKey}${fixAtSign(command.atSign)}`;
  if (command.forAtSign !== undefined) key = `${fixAtSign(command.forAtSign)}:${key}`;
  if (command.publicScope) key = `public:${key}`;
  if (command.cached) key = `cached:${key}`;
  if (!command.publicScope) authorize(ctx, key, 'r', 'llookup');
  const record = requireRecord(server.store, key);
  if (!isActive(record.metadata, server.clock.now())) return dataReply(null);
  return dataReply(renderRecord(record, command.operation));
}

/** Who reads what in a `lookup` (§5.8). */
interface LookupRead {
  /** The stored key read: `public:x@alice`, `@bob:x@alice` or `@alice:x@alice`. */
  readonly key: string;
  /** What references are resolved through: `public:`, the peer or the owner. */
  readonly referencePrefix: string;
  /** The owner reads its own `@alice:` keys even when unborn or expired, and logs hidden keys too. */
  readonly byOwner: boolean;
}

/** Reads a record for `lookup`, answers it with its references resolved and logs the lookup for `stats:6`. */
function readAndResolve(ctx: VerbContext, command: Lookup, owner: string, read: LookupRead): Reply {
  const { store, clock } = ctx.server;
  const record = requireRecord(store, read.key);
  if (!read.byOwner && !isActive(record.metadata, clock.now())) return dataReply(null);
  let data = renderRecord(record, command.operation);
  if (data?.includes(referenceMarker)) {
    data = resolveReferences(data, read.referencePrefix, (key) => requireRecord(store, key).value);
  }
  const keyAtOwner = `${command.atKey}${owner}`;
  // Hidden keys are left out of the access log, except on owner lookups (§5.8).
  if (read.byOwner || !keyAtOwner.startsWith('_')) store.access.record(clock.now(), 'lookup', owner, keyAtOwner);
  return dataReply(data);
}

/**
 * Another atSign's record for the owner (`AtCacheManager` as the lookup handlers use it, §5.8, §5.9): the
 * fresh cached copy `cachedKey` unless `bypassCache:true` (its `all` answer names the `cached:` key), else the
 * record fetched from the other atServer, cached when it has a ttr (its `all` answer names `key`).
 */
async function viaCache(ctx: VerbContext, command: Lookup | Plookup, cachedKey: string, key: string): Promise<Reply> {
  const cached = command.bypassCache === true ? undefined : readCached(ctx.server, cachedKey);
  const fromCache = cached && renderRecord(cached, command.operation);
  // The reference also fetches again when the copy has no value to answer.
  if (fromCache) return dataReply(fromCache);
  const record = await lookUpRemote(ctx.server, cachedKey, { maintainCache: true });
  return dataReply(renderRecord({ key, ...record }, command.operation));
}

/**
 * `lookup[:bypassCache:…][:meta|:all]:<key>@<atSign>` answers according to who asks (§5.8):
 * - unauthenticated: `public:<key>@<atSign>` from this store (never another atServer's);
 * - a peer atServer after `pol` as `@bob`: `@bob:<key>@<atSign>`;
 * - the owner: `@alice:<key>@alice` for its own atSign, else the record another atSign shared with it, from
 *   the fresh copy `cached:@alice:<key>@bob` or, past its ttr or with `bypassCache:true`, from @bob's atServer
 *   over `from`/`pol` (a record with a ttr is cached; one @bob no longer has deletes the copy).
 * Unauthenticated and peer reads of an unborn or expired record answer `data:null`; `atsign://` values are
 * resolved.
 *
 * @throws AtError `AT0015` for a missing record (`Exception: public:x@alice does not exist in keystore` when
 *   unauthenticated; @bob's own text for another atSign's); `AT0009` for an enrollment without read access;
 *   for another atSign's record the outbound errors: `AT0007` (unknown to the atDirectory), `AT0021`
 *   (unreachable), `AT0008` (handshake refused), `AT0023` (no answer), `AT0006` (outbound limit).
 * @example lookup:location@alice  →  data:New York
 */
export async function lookup(command: Lookup, ctx: VerbContext): Promise<Reply> {
  const { server, session } = ctx;
  const owner = fixAtSign(command.atSign);
  const keyAtOwner = `${command.atKey}${owner}`;
  if (session.authenticated) {
    const key = `${server.atSign}:${keyAtOwner}`;
    authorize(ctx, key, 'r', 'lookup');
    if (owner === server.atSign) {
      return readAndResolve(ctx, command, owner, { key, referencePrefix: server.atSign, byOwner: true });
    }
    return viaCache(ctx, command, `cached:${key}`, key);
  }
  if (session.polAuthenticated) {
    const peer = session.fromAtSign;
    if (!peer) throw new AtError('AT0011', 'fromAtSign cannot be null or empty');
    return readAndResolve(ctx, command, owner, { key: `${peer}:${keyAtOwner}`, referencePrefix: peer, byOwner: false });
  }
  return readAndResolve(ctx, command, owner, {
    key: `public:${keyAtOwner}`,
    referencePrefix: 'public:',
    byOwner: false,
  });
}

/**
 * `plookup[:bypassCache:…][:meta|:all]:<key>@<atSign>` (owner only) answers the public record
 * `public:<key>@<atSign>` as an unauthenticated `lookup` on that atSign's atServer would (§5.9). For this
 * atServer's own atSign the reference connects to itself; here the record is read directly, with the same
 * answers and error texts. Another atSign's public record comes from the fresh copy `cached:public:<key>@bob`
 * or, past its ttr or with `bypassCache:true`, from @bob's atServer over an unauthenticated connection; it is
 * cached with its ttr, or for 24 h without one.
 *
 * @throws AtError `AT0015` `Exception: public:x@alice does not exist in keystore` (the remote's text) or
 *   `remoteLookUp: remote atServer returned String value 'null' for x@alice` (not active); for another atSign
 *   the outbound errors (`AT0007`, `AT0021`, `AT0023`, `AT0006`).
 * @example plookup:all:c_pub_10c36494.interop@alice  →  data:{"key":"public:c_pub_10c36494.interop@alice",…}
 */
export async function plookup(command: Plookup, ctx: VerbContext): Promise<Reply> {
  const { store, clock, atSign } = ctx.server;
  const owner = fixAtSign(command.atSign);
  const keyName = `${command.atKey}${owner}`;
  store.access.record(clock.now(), 'plookup', owner, keyName);
  const publicKey = `public:${keyName}`;
  if (owner !== atSign) {
    return viaCache(ctx, command, `cached:${publicKey}`, publicKey);
  }
  const record = store.keys.get(normaliseStoredKey(publicKey));
  if (!record) {
    // The error the atServer's own unauthenticated lookup wrote, carried over with its `Exception: `.
    throw new AtError('AT0015', `Exception: ${publicKey.toLowerCase()} does not exist in keystore`);
  }
  if (!isActive(record.metadata, clock.now())) {
    throw new AtError('AT0015', `remoteLookUp: remote atServer returned String value 'null' for ${keyName}`);
  }
  // That lookup, like any unauthenticated one, is in the access log too.
  if (!keyName.startsWith('_')) store.access.record(clock.now(), 'lookup', owner, keyName);
  return dataReply(renderRecord({ ...record, key: publicKey }, command.operation));
}
