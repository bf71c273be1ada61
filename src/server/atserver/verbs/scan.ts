/** Handler for `scan` (atprotocol.md §5.10): the key names a connection may see. */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { Scan } from '$lib/at/verbs/scan';
import { sessionNamespaces } from '../commit-filter';
import type { VerbContext } from '../context';
import { allNamespaces, manageNamespace } from '../enrollments';
import { hiveKeyOrder } from '../key-order';
import { unreachable } from '../remote-records';
import { userRegex } from '../user-regex';

/** Who is asking, which decides what `scan` shows. */
export type ScanViewer =
  /** The owner; `namespaces` only for an APKAM connection (its enrollment's namespaces). */
  | { readonly kind: 'owner'; readonly showHidden: boolean; readonly namespaces?: Readonly<Record<string, string>> }
  /** A peer atServer after `pol`, as `atSign`. */
  | { readonly kind: 'peer'; readonly atSign: string }
  | { readonly kind: 'anonymous' };

/**
 * Hidden from the owner: server-private keys and hidden keys. `showhidden:true` reveals `public:__x` and
 * `_x`, never `public:_x` (§13.24).
 */
function hiddenFromOwner(key: string, showHidden: boolean): boolean {
  if (showHidden && (key.startsWith('public:__') || key.startsWith('_'))) return false;
  return /^(private:|privatekey:|public:_|_)/.test(key);
}

/**
 * An APKAM connection without `*` sees public keys and keys whose namespace (after the last `.`, up to the
 * last `@`) it enrolled, never `__manage` ones; keys without a `.` are left out.
 */
function inNamespaces(key: string, namespaces: Readonly<Record<string, string>>): boolean {
  if (key.startsWith('public:')) return true;
  const dot = key.lastIndexOf('.');
  const at = key.lastIndexOf('@');
  if (dot === -1 || at < dot) return false;
  const namespace = key.slice(dot + 1, at);
  return Object.hasOwn(namespaces, namespace) && namespace !== manageNamespace;
}

/**
 * Filters stored key names (already active and matching the regex, in order) down to what `viewer` may
 * see, in the form it sees them: a peer sees the keys shared with it without their `@bob:` prefix, anyone
 * else the public keys without `public:` (both removed everywhere in the key, as the reference's
 * `replaceAll` does).
 *
 * @example visibleKeys(['public:location@alice', 'phone@alice'], { kind: 'anonymous' }) // ['location@alice']
 */
export function visibleKeys(keys: readonly string[], viewer: ScanViewer): string[] {
  switch (viewer.kind) {
    case 'owner': {
      const { namespaces, showHidden } = viewer;
      const shown = keys.filter((key) => !hiddenFromOwner(key, showHidden));
      if (namespaces === undefined) return shown;
      if (Object.keys(namespaces).length === 0) return [];
      if (Object.hasOwn(namespaces, allNamespaces)) return shown;
      return shown.filter((key) => inNamespaces(key, namespaces));
    }
    case 'peer': {
      const prefix = `${viewer.atSign}:`;
      return keys.filter((key) => key.startsWith(prefix)).map((key) => key.replaceAll(prefix, ''));
    }
    case 'anonymous':
      return keys
        .filter((key) => key.startsWith('public:') && !key.startsWith('public:_'))
        .map((key) => key.replaceAll('public:', ''));
  }
}

function viewerOf(command: Scan, ctx: VerbContext): ScanViewer {
  const { session } = ctx;
  if (session.authenticated) {
    return { kind: 'owner', showHidden: command.showHidden === true, namespaces: sessionNamespaces(ctx) };
  }
  if (session.polAuthenticated && session.fromAtSign) return { kind: 'peer', atSign: session.fromAtSign };
  return { kind: 'anonymous' };
}

/**
 * `scan[:showhidden:true][ <regex>]` lists the active keys this connection may see, as a JSON array in the
 * reference's key order; `scan:@bob[ <regex>]` asks @bob's atServer for the keys @bob shared with the owner.
 * A regex that does not compile is AT0011 and closes the connection.
 *
 * @example scan .wavi  →  data:["@bob:phone.wavi@alice","public:location.wavi@alice"]
 */
export async function scan(command: Scan, ctx: VerbContext): Promise<Reply> {
  const { server, session } = ctx;
  if (command.forAtSign !== undefined && command.forAtSign !== '' && command.forAtSign !== server.atSign) {
    if (!session.authenticated) throw new AtError('AT0401', 'Scan to another atSign cannot be performed without auth');
    if (!server.remote) throw unreachable(command.forAtSign);
    const remote = command.regex ? `scan ${command.regex}` : 'scan';
    return dataReply(await server.remote.request(command.forAtSign, remote));
  }
  const regex = userRegex(command.regex ?? '.*');
  const keys = server.store.keys.activeKeys(server.clock.now()).filter((key) => regex.test(key));
  return dataReply(JSON.stringify(visibleKeys(hiveKeyOrder(keys), viewerOf(command, ctx))));
}
