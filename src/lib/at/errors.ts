/**
 * The atProtocol error codes, their reference descriptions and what each does to a connection
 * (reference atprotocol.md §1.6). One table, read by servers (to answer) and clients (to explain).
 */

/** How a failure is logged by a server: `warn` for the peer's fault, `error` for ours. */
export type LogLevel = 'info' | 'warn' | 'error';

interface ErrorSpec {
  /** The reference `error_description` text, verbatim. */
  readonly description: string;
  /** Whether the reference closes the connection after writing this error. */
  readonly closes: boolean;
  readonly log: LogLevel;
  /** Whether a client may sensibly retry the same request later. */
  readonly retryable: boolean;
}

const spec = (description: string, closes = false, log: LogLevel = 'warn', retryable = false): ErrorSpec => ({
  description,
  closes,
  log,
  retryable,
});

/** Every code the reference atServer writes, with its description (at_commons `error_description`). */
export const errorTable = {
  AT0001: spec('Server exception', false, 'error'),
  AT0002: spec('DataStore exception', true, 'error'),
  AT0003: spec('Invalid syntax'),
  AT0004: spec('Socket error', false, 'warn', true),
  AT0005: spec('Buffer limit exceeded', true),
  AT0006: spec('Outbound connection limit exceeded', false, 'warn', true),
  AT0007: spec('Secondary server not found', false, 'warn', true),
  AT0008: spec('Handshake failure', false, 'warn', true),
  AT0009: spec('UnAuthorized client in request'),
  AT0010: spec('Internal server error', false, 'error'),
  // Any exception the reference has no code for becomes AT0011 and closes the connection; the
  // enrollment and throttle exceptions that also map here keep it open (they pass `close: false`).
  AT0011: spec('Internal server exception', true, 'error'),
  AT0012: spec('Inbound connection limit exceeded', true, 'warn', true),
  AT0013: spec('Connection Exception', true),
  AT0014: spec('Unknown AtClient exception', false, 'error'),
  AT0015: spec('key not found', false, 'info'),
  AT0016: spec('Invalid key'),
  AT0021: spec('Unable to connect to secondary', false, 'warn', true),
  AT0022: spec('Illegal arguments'),
  AT0023: spec('Timeout waiting for response', false, 'warn', true),
  AT0024: spec('Server is paused', true, 'info', true),
  AT0025: spec('Apkam Auth Denied'),
  AT0026: spec('Apkam Auth Failed', false, 'info', true),
  AT0027: spec('Apkam Access Revoked'),
  AT0028: spec('Too Many Requests', false, 'warn', true),
  AT0029: spec('Apkam Enrollment Expired'),
  AT0030: spec('Invalid Enrollment Status'),
  AT0031: spec('Cannot revoke self enrollment'),
  AT0401: spec('Client authentication failed'),
} as const satisfies Record<string, ErrorSpec>;

/** An atProtocol error code such as `AT0015`. */
export type ErrorCode = keyof typeof errorTable;

/** True when `code` is one of the codes in {@link errorTable}. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorTable, code);
}

/**
 * How the reference writes an error:
 * - `exception`: through its global exception handler, as `error:CODE-…` or JSON (§1.5 forms 1–2);
 * - `status`: `error:CODE:message`, used for APKAM enrollment status and a few verbs (§1.5 form 3).
 */
export type ErrorForm = 'exception' | 'status';

export interface AtErrorOptions {
  /** Overrides the table's close behaviour for this one error (reference §1.6 close table). */
  close?: boolean;
  form?: ErrorForm;
}

/**
 * A protocol failure with a stable code. Code throws it; only the connection loop formats it.
 *
 * @example
 * throw new AtError('AT0015', 'phone.wavi@alice does not exist in keystore');
 */
export class AtError extends Error {
  readonly code: ErrorCode;
  readonly closesConnection: boolean;
  readonly form: ErrorForm;

  constructor(code: ErrorCode, message: string, options: AtErrorOptions = {}) {
    super(message);
    this.name = 'AtError';
    this.code = code;
    this.closesConnection = options.close ?? errorTable[code].closes;
    this.form = options.form ?? 'exception';
  }

  /** The reference description of this error's code, e.g. `key not found`. */
  get description(): string {
    return errorTable[this.code].description;
  }

  /** Whether the same request may succeed if retried later (network, limits, pauses). */
  isRetryable(): boolean {
    return errorTable[this.code].retryable;
  }
}
