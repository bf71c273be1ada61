/**
 * How a browser names what it wants to reach: only by the WebSocket path, never by a host or port.
 *
 * - `/ws/directory` relays to the gateway's configured atDirectory.
 * - `/ws/@alice` (the atSign percent-encoded as a URL path segment, so `/ws/@alice%F0%9F%9B%A0` for
 *   `@alice🛠`) relays to the atServer the directory names for that atSign.
 *
 * After the upgrade the atProtocol bytes flow unchanged both ways: the page's messages are written to the TLS
 * connection as they are, and every chunk from the server arrives as one binary message (binary, since a
 * chunk may end inside a UTF-8 sequence). The page reads the server's `@` greeting first, exactly as a TLS
 * client would.
 */
import { toDirectoryForm } from '$lib/at/atsign';

export type Target =
  | { readonly kind: 'directory' }
  /** `name` is the directory form of the atSign: lowercase, without `@` or dots (atprotocol.md §2). */
  | { readonly kind: 'atSign'; readonly atSign: string; readonly name: string };

/** The prefix of every WebSocket path the gateway accepts. */
export const relayPathPrefix = '/ws/';

/**
 * Reads the target from a request path (`pathname`, still percent-encoded; the query is ignored).
 *
 * @returns the target; `'invalidAtSign'` for a `/ws/@…` path whose atSign the reference rules refuse; or null
 *   for a path that is not a relay path at all.
 * @example
 * parseTargetPath('/ws/directory');            // { kind: 'directory' }
 * parseTargetPath('/ws/@Alice');               // { kind: 'atSign', atSign: '@alice', name: 'alice' }
 * parseTargetPath('/ws/@b%20ob');              // 'invalidAtSign'
 * parseTargetPath('/ws/127.0.0.1:6464');       // null
 */
export function parseTargetPath(pathname: string): Target | 'invalidAtSign' | null {
  if (!pathname.startsWith(relayPathPrefix)) return null;
  const segment = pathname.slice(relayPathPrefix.length);
  if (segment === 'directory') return { kind: 'directory' };
  if (!segment.startsWith('@')) return null;
  try {
    const name = toDirectoryForm(decodeURIComponent(segment));
    return { kind: 'atSign', atSign: `@${name}`, name };
  } catch {
    return 'invalidAtSign';
  }
}

/** How a target appears in logs: the atSign (not secret, and what an operator needs), or `directory`. */
export function describeTarget(target: Target): string {
  return target.kind === 'directory' ? 'directory' : target.atSign;
}
