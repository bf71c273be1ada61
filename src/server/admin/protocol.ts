/**
 * The admin channel's messages: one JSON object per line each way, over a Unix socket in the data folder
 * that only its owner can open. It does exactly three things — create, list and delete atSigns — so the
 * CLI can change a running stack at once instead of waiting for its next start.
 */
import type { HostedAtSign } from '../atserver/host';

/**
 * A request, one JSON line.
 *
 * @example {"op":"create","atSign":"@alice"}
 */
export type AdminRequest =
  | { readonly op: 'create'; readonly atSign: string }
  | { readonly op: 'list' }
  | { readonly op: 'delete'; readonly atSign: string };

/** Where a client finds the stack that serves the data folder. `directory` is null while none runs. */
export interface StackAddress {
  readonly running: boolean;
  readonly directory: { readonly host: string; readonly port: number } | null;
  readonly caPath: string;
  /** Where the running stack's gateway serves the app (`http://localhost:8064`); null when no stack runs. */
  readonly app: string | null;
}

/** `create`: the CRAM secret is shown once, to the operator who asked, and never logged. */
export interface CreateResult extends StackAddress {
  readonly atSign: string;
  readonly cramSecret: string;
  readonly address: string;
}

export interface ListResult extends StackAddress {
  readonly atSigns: readonly HostedAtSign[];
}

export interface DeleteResult {
  readonly atSign: string;
  readonly removed: boolean;
}

/** The answer to one request, one JSON line. `usage` marks a mistake in the request (exit code 2). */
export type AdminResponse<T = unknown> =
  { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: string; readonly usage?: boolean };

/** Longest request line the admin channel reads; real ones are well under 200 bytes. */
export const maxAdminRequestBytes = 4_096;

/**
 * Reads a request line; throws for anything that is not exactly one of the three requests.
 *
 * @example parseAdminRequest('{"op":"delete","atSign":"@alice"}') // { op: 'delete', atSign: '@alice' }
 */
export function parseAdminRequest(line: string): AdminRequest {
  const json = JSON.parse(line) as unknown;
  if (typeof json !== 'object' || json === null) throw new Error('not a request object');
  const { op, atSign } = json as { op?: unknown; atSign?: unknown };
  if (op === 'list') return { op };
  if ((op === 'create' || op === 'delete') && typeof atSign === 'string') return { op, atSign };
  throw new Error('unknown request');
}
