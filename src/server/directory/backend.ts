/**
 * Where the atDirectory keeps `atSign → host:port`. Small on purpose so the embedded SQLite store can be
 * swapped for Redis (as the reference directory uses) without touching the service.
 */
export interface DirectoryBackend {
  /** The `host:port` registered for a directory name (an atSign without `@`, lowercased), or null. */
  lookup(name: string): Promise<string | null>;
  /** Registers or moves a name. */
  register(name: string, address: string): Promise<void>;
  /** Removes a name; resolves true when it existed. */
  remove(name: string): Promise<boolean>;
  /** Every registration, sorted by name. */
  list(): Promise<DirectoryEntry[]>;
  close(): Promise<void>;
}

export interface DirectoryEntry {
  name: string;
  address: string;
}

/**
 * The directory name of an atSign: without the leading `@`, lowercased, as clients send it
 * (atprotocol.md §2: the reference looks up exactly what arrives, lowercased).
 *
 * @example directoryName('@Alice🛠') // 'alice🛠'
 */
export function directoryName(atSign: string): string {
  return atSign.trim().replace(/^@/, '').toLowerCase();
}

/** Checks a `host:port` address before it is stored, so the directory never hands out garbage. */
export function assertAddress(address: string): void {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i.exec(address);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) throw new Error(`not a host:port address: ${JSON.stringify(address)}`);
}
