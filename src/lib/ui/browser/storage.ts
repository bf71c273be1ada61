/** The browser's storage for this site: whether it is kept under storage pressure, and how much is used. */

export interface StorageUse {
  readonly used: number;
  readonly quota: number;
}

/** Asks the browser to keep this site's data (IndexedDB with the keys) under storage pressure. */
export async function persistStorage(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  try {
    return (await navigator.storage.persisted()) || (await navigator.storage.persist());
  } catch {
    return false;
  }
}

export async function isPersisted(): Promise<boolean> {
  return (await navigator.storage?.persisted?.()) ?? false;
}

/** How much this site stores, or undefined when the browser does not say. */
export async function storageUse(): Promise<StorageUse | undefined> {
  const estimate = await navigator.storage?.estimate?.();
  if (estimate?.usage === undefined || estimate.quota === undefined) return undefined;
  return { used: estimate.usage, quota: estimate.quota };
}
