import { assertAddress, type DirectoryBackend, type DirectoryEntry } from './backend';

/** A directory held in memory: for tests and throwaway stacks. */
export class MemoryDirectoryBackend implements DirectoryBackend {
  readonly #entries = new Map<string, string>();

  async lookup(name: string): Promise<string | null> {
    return this.#entries.get(name) ?? null;
  }

  async register(name: string, address: string): Promise<void> {
    assertAddress(address);
    this.#entries.set(name, address);
  }

  async remove(name: string): Promise<boolean> {
    return this.#entries.delete(name);
  }

  async list(): Promise<DirectoryEntry[]> {
    return [...this.#entries].map(([name, address]) => ({ name, address })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async close(): Promise<void> {}
}
