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
