/** Handler for `sync:from` (atprotocol.md §5.24, §8.2): progressive sync from the commit log. */
import { keyType } from '$lib/at/key-type';
import { toSyncJson, type SyncMetadataJson } from '$lib/at/metadata-json';
import { dataReply, type Reply } from '$lib/at/response';
import type { SyncFrom } from '$lib/at/verbs/sync';
import { commitFilter, referenceNamespace, sessionNamespaces } from '../commit-filter';
import type { VerbContext } from '../context';
import { allNamespaces, manageNamespace } from '../enrollments';
import type { CommitEntry } from '../store/commit-log';
import type { StoredRecord } from '../store/keystore';
import { lazyMatcher } from '../user-regex';

/** One element of a `sync:from` page, keys in the reference's order. Deletes carry no value nor metadata. */
export interface SyncEntry {
  atKey: string;
  value: string | null;
  metadata: SyncMetadataJson | null;
  commitId: number;
  operation: string;
}

/**
 * An APKAM connection skips keys of namespaces it did not enroll, unless it holds `*` or `__manage`; a key
 * without namespace always passes (§8.2 step 2).
 */
function enrolledFor(namespace: string, namespaces: Readonly<Record<string, string>>): boolean {
  if (namespace === '' || Object.keys(namespaces).length === 0) return true;
  return [allNamespaces, manageNamespace, namespace].some((name) => Object.hasOwn(namespaces, name));
}

/** The page entry for a commit, or undefined when the reference skips it (the key is no longer stored). */
function entryFor(commit: CommitEntry, records: ReadonlyMap<string, StoredRecord>): SyncEntry | undefined {
  if (commit.op === '-') return { atKey: commit.key, value: null, metadata: null, commitId: commit.id, operation: '-' };
  const record = records.get(commit.key);
  if (!record) return undefined;
  return {
    atKey: commit.key,
    value: record.value,
    metadata: toSyncJson(record.metadata),
    commitId: commit.id,
    operation: commit.op,
  };
}

/**
 * `sync:from:<commitId>:limit:<n>[:<regex>]` answers the latest change of each key committed after
 * `commitId`, oldest first. Exactly as the reference: a window of at most 25 commits (those whose key
 * matches the regex or is always synced) is taken first, then invalid keys, keys outside an APKAM
 * connection's namespaces and keys no longer stored are skipped — so a page can come back short or empty
 * although later commits exist, and clients compare with `stats:3`. A page stops at `syncPageLimit`
 * entries or before the entry that would take it past `syncMaxBytes`, but always holds at least one.
 * `limit` is ignored, as by the reference.
 *
 * @example sync:from:-1:limit:10  →  data:[{"atKey":"public:signing_publickey@alice","value":"MIIB…","metadata":{…},"commitId":0,"operation":"+"},…]
 */
export function syncFrom(command: SyncFrom, ctx: VerbContext): Reply {
  const { store, limits } = ctx.server;
  const window = store.commits.entriesAfterWhere(
    command.fromCommitId,
    commitFilter(lazyMatcher(command.regex ?? '.*'), []),
    limits.syncWindow,
  );
  const namespaces = sessionNamespaces(ctx) ?? {};
  // The window less the keys §8.2 step 2 skips by their name; their records are then read together.
  const wanted = window.filter((commit) => {
    if (keyType(commit.key) === 'invalidKey') return false;
    const namespace = referenceNamespace(commit.key);
    return namespace !== undefined && enrolledFor(namespace, namespaces);
  });
  const records = store.keys.getMany(wanted.filter((commit) => commit.op !== '-').map((commit) => commit.key));
  // Each entry's JSON, written once: the page is their list (what JSON.stringify of the entries would give).
  const page: string[] = [];
  // The page's UTF-8 size so far; while far from the limit, a bound (3 bytes per UTF-16 unit) that spares
  // measuring every entry: it decides the same, as the page overflows only where the exact size would.
  let bytes = 0;
  let exact = false;
  for (const commit of wanted) {
    if (page.length >= limits.syncPageLimit) break;
    const entry = entryFor(commit, records);
    if (!entry) continue;
    const json = JSON.stringify(entry);
    let size = 3 * json.length;
    if (!exact && bytes + size > limits.syncMaxBytes) {
      bytes = page.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
      exact = true;
    }
    if (exact) size = Buffer.byteLength(json);
    const overflows = bytes + size > limits.syncMaxBytes;
    // At least one entry always goes out, or a client would ask for the same page forever.
    if (overflows && page.length > 0) break;
    page.push(json);
    if (overflows) break;
    bytes += size;
  }
  return dataReply(`[${page.join(',')}]`);
}
