/**
 * All-or-nothing writes. IndexedDB aborts a transaction when a request fails, but not when a call throws before
 * making its request (a record without its key path throws `DataError` at once): the requests already made would
 * then commit. {@link atomically} aborts in every failure, so a batch is either stored whole or not at all.
 */

/** The part of an idb transaction this needs. */
interface Transaction {
  abort(): void;
  readonly done: Promise<void>;
}

/**
 * Runs `body`, which issues requests on `tx` and hands each to `track` instead of awaiting it; resolves once every
 * request and the transaction are done. On any failure the transaction is aborted and the failure thrown.
 *
 * @example
 * const tx = db.transaction('records', 'readwrite');
 * await atomically(tx, async (track) => { for (const record of page) track(tx.store.put(record)); });
 */
export async function atomically<T>(
  tx: Transaction,
  body: (track: (request: Promise<unknown>) => void) => Promise<T>,
): Promise<T> {
  const requests: Promise<unknown>[] = [];
  try {
    const result = await body((request) => void requests.push(request));
    await Promise.all([...requests, tx.done]);
    return result;
  } catch (error) {
    // Requests of an aborted transaction reject with AbortError: they are expected, not unhandled.
    for (const request of [...requests, tx.done]) request.catch(() => undefined);
    try {
      tx.abort();
    } catch {
      // It had already finished or aborted on its own.
    }
    throw error;
  }
}
