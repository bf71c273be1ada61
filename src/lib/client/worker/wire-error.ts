/**
 * Errors across `postMessage`: structured cloning keeps an Error's message but drops its class and fields, so an
 * error travels as plain data (name, code, message) and is rebuilt on the other side as the class callers test
 * for — {@link AtError} (with `isRetryable()`), {@link CryptoError}, {@link VaultError} — or as a
 * {@link RemoteError} that keeps the name and code.
 */
import { AtError, isErrorCode } from '$lib/at/errors';
import { CryptoError, type CryptoErrorCode } from '$lib/crypto/crypto-error';
import { VaultError, type VaultErrorCode } from '../vault';

/** An error as it crosses. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** Any other error thrown on the far side: its original `name` and `code` are kept. */
export class RemoteError extends Error {
  readonly code: string | undefined;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.code = wire.code;
  }
}

/** The plain-data form of whatever was thrown. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** The error to throw on this side for a {@link WireError}. */
export function fromWireError(wire: WireError): Error {
  const code = wire.code ?? '';
  if (wire.name === 'AtError' && isErrorCode(code)) return new AtError(code, wire.message);
  if (wire.name === 'CryptoError') return new CryptoError(code as CryptoErrorCode, wire.message);
  if (wire.name === 'VaultError') return new VaultError(code as VaultErrorCode, wire.message);
  return new RemoteError(wire);
}
