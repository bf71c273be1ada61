/**
 * Imported keys, remembered per key string. Importing is the slow part of a small AES operation and of every RSA
 * operation (the private exponent comes out of a JWK export), and a client uses the same few keys for thousands
 * of records. Each cache is bounded and all of them are dropped by {@link clearKeyCaches}, which is what "lock"
 * calls: cached entries are key material.
 */

const caches = new Set<KeyCache<unknown>>();

/**
 * A bounded least-recently-used map from a key string to its imported form. Values are promises, so concurrent
 * first uses of one key share a single import; a failed import is forgotten at once so it can be retried.
 *
 * @example
 * const aesKeys = new KeyCache<CryptoKey>(256);
 * const key = await aesKeys.get(keyString, () => crypto.subtle.importKey(...));
 */
export class KeyCache<T> {
  readonly #limit: number;
  readonly #entries = new Map<string, Promise<T>>();

  constructor(limit: number) {
    this.#limit = limit;
    caches.add(this as KeyCache<unknown>);
  }

  /** The cached value for `id`, importing it with `load` on a miss. Rejects as `load` rejects. */
  get(id: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(id);
    if (hit) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const loading = load();
    this.#entries.set(id, loading);
    loading.catch(() => {
      if (this.#entries.get(id) === loading) this.#entries.delete(id);
    });
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    return loading;
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }

  /** How many keys are cached. */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * Drops every imported key held by `$lib/crypto`. Call it when the app locks or signs out.
 *
 * @example
 * lockButton.onclick = () => clearKeyCaches();
 */
export function clearKeyCaches(): void {
  for (const cache of caches) cache.clear();
}
