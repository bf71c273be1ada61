import type { Metadata } from '$lib/at/metadata';

/**
 * The metadata of a record the atServer creates itself, as the reference's `AtMetadataBuilder` fills it
 * for a first write: created/updated by the atSign at `now`, version 0, status active.
 */
export function freshMetadata(atSign: string, now: number, fields: Partial<Metadata> = {}): Metadata {
  return {
    createdBy: atSign,
    updatedBy: atSign,
    createdAt: now,
    updatedAt: now,
    status: 'active',
    version: 0,
    ...fields,
  };
}

/**
 * The metadata of a record the atServer writes over `existing` (or creates), as `AtMetadataBuilder` fills
 * it: `createdAt` kept, `version` + 1, and `ttl` counted from `now` — so rewriting a record with its old
 * ttl restarts the countdown (atprotocol.md §4.5). `ttl: 0` is kept but leaves no expiry; `undefined` or a
 * negative ttl, none.
 *
 * @example rewrittenMetadata(pending.metadata, '@alice', now, pending.metadata.ttl) // denied: 48 h again, from now
 */
export function rewrittenMetadata(
  existing: Metadata | undefined,
  atSign: string,
  now: number,
  ttl: number | undefined,
): Metadata {
  const metadata = freshMetadata(atSign, now, {
    createdAt: existing?.createdAt ?? now,
    version: existing ? (existing.version ?? 0) + 1 : 0,
  });
  if (ttl !== undefined && ttl >= 0) {
    metadata.ttl = ttl;
    if (ttl > 0) metadata.expiresAt = now + ttl;
  }
  return metadata;
}
