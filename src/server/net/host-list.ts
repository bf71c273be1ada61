/**
 * Allow-lists of host names, as the gateway's atServer hosts and the atServers' push services are written:
 * an entry starting with `.` matches any name below it, any other entry matches exactly.
 */

/**
 * Whether `host` (lowercase, no trailing dot) is on `entries` (lowercase).
 *
 * @example hostListed(['.push.apple.com'], 'web.push.apple.com') // true
 * @example hostListed(['.push.apple.com'], 'push.apple.com') // false: `.x` lists names below x only
 * @example hostListed(['fcm.googleapis.com'], 'evil-fcm.googleapis.com') // false
 */
export function hostListed(entries: readonly string[], host: string): boolean {
  return entries.some((entry) =>
    entry.startsWith('.') ? host.endsWith(entry) && host.length > entry.length : host === entry,
  );
}
