/**
 * The one place that turns an error into what people read: a text that says what to do, picked by the error's
 * stable code or name (an atProtocol `AT…` code, a crypto or vault code, a DOM exception name), never its raw
 * message. Errors cross from the client's worker as plain data (`worker/wire-error.ts`) and keep their `name`
 * and `code`, so this looks at those two fields only.
 */
import { strings } from './strings';

const { errors } = strings;

/** Texts by atProtocol error code (`$lib/at/errors` has the table of codes). */
const byAtCode: Record<string, string> = {
  AT0001: errors.serverProblem,
  AT0002: errors.serverProblem,
  AT0003: errors.invalidInput,
  AT0004: errors.offline,
  AT0005: errors.invalidInput,
  AT0006: errors.tooManyRequests,
  AT0007: errors.atSignUnknown,
  AT0008: errors.offline,
  AT0009: errors.notAllowed,
  AT0010: errors.serverProblem,
  AT0011: errors.serverProblem,
  AT0012: errors.tooManyRequests,
  AT0013: errors.offline,
  AT0014: errors.generic,
  AT0015: errors.notFound,
  AT0016: errors.invalidInput,
  AT0021: errors.offline,
  AT0022: errors.invalidInput,
  AT0023: errors.offline,
  AT0024: errors.serverPaused,
  AT0025: errors.enrollment,
  AT0026: errors.enrollment,
  AT0027: errors.enrollment,
  AT0028: errors.tooManyRequests,
  AT0029: errors.enrollment,
  AT0030: errors.enrollment,
  AT0031: errors.notAllowed,
  AT0401: errors.authFailed,
};

/** Texts by `name`, then by `name:code` for errors whose code refines their name. */
const byName: Record<string, string> = {
  'CryptoError:passphrase-required': errors.filePassphraseRequired,
  'CryptoError:wrong-passphrase': errors.wrongFilePassphrase,
  'CryptoError:bad-file': errors.notAtKeysFile,
  'CryptoError:decrypt-failed': errors.cannotDecrypt,
  'CryptoError:bad-padding': errors.cannotDecrypt,
  'VaultError:wrong-passphrase': errors.wrongPassphrase,
  'VaultError:not-found': errors.atSignNotHere,
  'VaultError:bad-entry': errors.damagedKeys,
  OfflineError: errors.offline,
  WebSocketClosedError: errors.gatewayRefused,
  AuthenticationFailed: errors.authFailed,
  KeyringLockedError: errors.locked,
  NotAllowedError: errors.permissionDenied,
  NotFoundError: errors.cameraUnavailable,
  NotReadableError: errors.cameraUnavailable,
  NetworkError: errors.offline,
  SyntaxError: errors.notAtKeysFile,
};

/** An error the app expects and words itself, e.g. a form check: its text is shown as is. */
export class UserError extends Error {
  constructor(text: string) {
    super(text);
    this.name = 'UserError';
  }
}

function fields(error: unknown): { name: string; code: string; message: string } {
  if (typeof error !== 'object' || error === null) return { name: '', code: '', message: String(error) };
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name: typeof name === 'string' ? name : '',
    code: typeof code === 'string' ? code : '',
    message: typeof message === 'string' ? message : '',
  };
}

/**
 * The text to show for `error`. Unknown errors get a generic text (and are logged for developers); an invalid
 * atSign (`AT0011` with the at_commons "invalid @sign" message) gets its own.
 *
 * @example describeError(new AtError('AT0015', 'phone.wavi@alice does not exist')) // strings.errors.notFound
 */
export function describeError(error: unknown): string {
  const { name, code, message } = fields(error);
  if (name === 'UserError') return message;
  if (/^invalid @sign/i.test(message)) return errors.invalidAtSign;
  const known = byName[`${name}:${code}`] ?? byAtCode[code] ?? byName[name];
  if (known) return known;
  if (name === 'CryptoError') return errors.cannotDecrypt;
  if (name === 'TypeError' && /fetch|network/i.test(message)) return errors.offline;
  console.error(error);
  return errors.generic;
}

/** Whether an error means "the passphrase of this .atKeys file is needed (or was wrong)". */
export function needsFilePassphrase(error: unknown): boolean {
  const { name, code } = fields(error);
  return name === 'CryptoError' && (code === 'passphrase-required' || code === 'wrong-passphrase');
}
