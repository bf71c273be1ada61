/**
 * What goes back on the wire: the server's replies and prompts (atprotocol.md §1.4), the three error
 * forms (§1.5), and the client's side of the same bytes (prompt stripping and response parsing, §1.9).
 * Servers format with these functions and clients parse with them, so both read one definition.
 */
import { AtError, errorTable, isErrorCode, type ErrorCode } from './errors';

/**
 * A successful reply from a verb handler. Errors are not replies: handlers throw {@link AtError} and
 * the connection loop formats it with {@link formatError}.
 * - `data`: `data:<value>` (`data:null` for `null`); `spaced` writes `data: <value>` as `stats` and
 *   `notify:all` do (§1.4).
 * - `raw`: bytes written verbatim with no prompt (`pol` answers `@bob@`).
 * - `silent`: nothing at all (`monitor`, `stream`).
 */
export type Reply =
  | { readonly kind: 'data'; readonly data: string | null; readonly spaced?: boolean }
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'silent' };

/** `data:<value>`: the reply of almost every verb. `null` is written as the text `null` (§1.4). */
export const dataReply = (data: string | null, spaced = false): Reply => ({ kind: 'data', data, spaced });

/** The prompt a connection shows: `@` before authentication, `@alice@` after (§1.4). */
export function promptFor(atSign: string | null): string {
  return atSign === null ? '@' : `${atSign}@`;
}

/**
 * Writes a reply followed by the prompt.
 *
 * @example
 * formatReply(dataReply('success'), '@alice@'); // 'data:success\n@alice@'
 */
export function formatReply(reply: Reply, prompt: string): string {
  switch (reply.kind) {
    case 'raw':
      return reply.text;
    case 'silent':
      return '';
    case 'data': {
      const value = reply.data ?? 'null';
      // The reference does not prefix a result that already starts with `data:` (§1.4).
      const body = value.startsWith('data:') ? value : `data:${reply.spaced ? ' ' : ''}${value}`;
      return `${body}\n${prompt}`;
    }
  }
}

/** How the peer asked errors to be written: JSON once it announced a client version above 3.0.37 (§1.5). */
export interface ErrorStyle {
  readonly json: boolean;
  /** Authenticated connections see `<code description> : <message>`, others `Exception: <message>`. */
  readonly authenticated: boolean;
}

/**
 * Writes an error with its prompt in the form the reference uses for it (§1.5):
 * `error:AT0015-Exception: …` (legacy), `error:{"errorCode":…,"errorDescription":…}` (JSON) or, for
 * errors thrown with `form: 'status'`, `error:AT0025:…` (never JSON).
 *
 * @example
 * formatError(new AtError('AT0401', 'Command cannot be executed without auth'), { json: false, authenticated: false }, '@');
 * // 'error:AT0401-Exception: Command cannot be executed without auth\n@'
 */
export function formatError(error: AtError, style: ErrorStyle, prompt: string): string {
  if (error.form === 'status') return `error:${error.code}:${error.message}\n${prompt}`;
  const description = style.authenticated ? `${error.description} : ${error.message}` : `Exception: ${error.message}`;
  const body = style.json
    ? JSON.stringify({ errorCode: error.code, errorDescription: description })
    : `${error.code}-${description}`;
  return `error:${body}\n${prompt}`;
}

/** The first client version whose connections get JSON errors is any version above this (§1.5). */
export const lastLegacyErrorClientVersion = '3.0.37';

/** Whether a `clientConfig.version` asks for JSON errors: a dotted version strictly above 3.0.37. */
export function wantsJsonErrors(clientVersion: string | undefined): boolean {
  if (clientVersion === undefined) return false;
  const parts = (text: string) => text.split(/[.+-]/, 3).map((part) => Number.parseInt(part, 10) || 0);
  const [a, b] = [parts(clientVersion), parts(lastLegacyErrorClientVersion)];
  for (let i = 0; i < 3; i += 1) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return false;
}

// ---------------------------------------------------------------------------------------------
// The client's side.

/** A parsed server response line. */
export type Response =
  | { readonly kind: 'data'; readonly data: string }
  | { readonly kind: 'error'; readonly code: string; readonly description: string }
  | { readonly kind: 'notification'; readonly json: string }
  | { readonly kind: 'prompt'; readonly atSign: string };

/**
 * Removes a prompt left at the front of a line by the previous response, as the Dart client does
 * (§1.9): in the part before the first `:`, everything up to its last `@` is dropped.
 *
 * @example
 * stripPrompt('@alice@data:5'); // 'data:5'
 */
export function stripPrompt(line: string): string {
  const colon = line.indexOf(':');
  const head = colon === -1 ? line : line.slice(0, colon);
  const at = head.lastIndexOf('@');
  return at === -1 ? line : line.slice(at + 1);
}

/**
 * Parses one response line (without its newline, prompt allowed in front).
 * `data: [...]` keeps its text after `data:` with the leading space removed.
 *
 * @example
 * parseResponse('@error:AT0015-Exception: phone@alice does not exist in keystore');
 * // { kind: 'error', code: 'AT0015', description: 'Exception: phone@alice does not exist in keystore' }
 */
export function parseResponse(line: string): Response {
  const trimmed = line.trim();
  // `notification: {...}` carries no prompt; a `pol` answer is just `@bob@`.
  if (trimmed.startsWith('notification:')) return { kind: 'notification', json: trimmed.slice(13).trimStart() };
  const polMatch = /^@([^@:\s]+)@$/.exec(trimmed);
  if (polMatch) return { kind: 'prompt', atSign: `@${polMatch[1]}` };
  const text = stripPrompt(trimmed);
  if (text.startsWith('data:')) {
    const data = text.slice(5);
    return { kind: 'data', data: data.startsWith(' ') ? data.slice(1) : data };
  }
  if (text.startsWith('error:')) return parseErrorBody(text.slice(6));
  return { kind: 'error', code: 'AT0014', description: `unexpected response: ${text.slice(0, 80)}` };
}

function parseErrorBody(body: string): Response {
  if (body.startsWith('{')) {
    try {
      const json = JSON.parse(body) as { errorCode?: unknown; errorDescription?: unknown };
      return { kind: 'error', code: String(json.errorCode), description: String(json.errorDescription) };
    } catch {
      // Not JSON after all: fall through to the text forms.
    }
  }
  // Status form `AT0025:…` has its colon first; the legacy form `AT0015-…` its dash.
  const match = /^([^:-]+)[:-]/.exec(body);
  if (!match) return { kind: 'error', code: body, description: '' };
  return { kind: 'error', code: match[1] ?? body, description: body.slice(match[0].length) };
}

/**
 * Turns an error response into an {@link AtError} a caller can ask questions of. A code the table does
 * not know (`error:null:…`) becomes AT0014, keeping the original text.
 */
export function errorFromResponse(response: { code: string; description: string }): AtError {
  const code: ErrorCode = isErrorCode(response.code) ? response.code : 'AT0014';
  const message = code === response.code ? response.description : `${response.code}: ${response.description}`;
  return new AtError(code, message, { close: false });
}

/** The reference description of a code, for clients explaining an error (`AT0015` → `key not found`). */
export function describeCode(code: string): string | undefined {
  return isErrorCode(code) ? errorTable[code].description : undefined;
}
