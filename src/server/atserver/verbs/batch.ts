/** Handler for `batch` (atprotocol.md §5.16): several commands in one request. */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { Batch, BatchResponse } from '$lib/at/verbs/batch';
import type { JsonValue } from '$lib/at/verbs/json';
import type { VerbContext } from '../context';
import { runEntry } from '../dispatch';
import type { Handler, VerbTable } from './table';

/** A `Response.isError` reply written as bytes (`error:null:InvalidSyntaxException\n@alice@`). */
const statusErrorText = /^error:([^:\n]*):([^\n]*)\n/;

/**
 * What a command's reply puts in its batch element: the reply's data, not its wire form.
 * @example batchResponseOf(dataReply('5')) // { data: '5' }
 */
export function batchResponseOf(reply: Reply): BatchResponse {
  switch (reply.kind) {
    case 'data':
      return reply.data === null ? {} : { data: reply.data };
    case 'raw': {
      const error = statusErrorText.exec(reply.text);
      if (!error) return { data: reply.text };
      const [, code = '', message = ''] = error;
      return code === 'null' ? { error_message: message } : { error_code: code, error_message: message };
    }
    case 'silent':
      return {};
  }
}

/**
 * What a failed command puts in its batch element, or undefined to leave the command out. The reference
 * looks the exception's class up in its code table: AT0011 stands for classes it has no code for (bad JSON,
 * bad regex, enrollment and throttle failures), which it leaves out of the answer. Status errors
 * (`error:AT0025:…`) are replies there, so they keep their message; other errors carry only the code's
 * description.
 *
 * @example batchErrorOf(new AtError('AT0015', 'x@alice does not exist in keystore')) // { error_code: 'AT0015', error_message: 'key not found' }
 */
export function batchErrorOf(error: AtError): BatchResponse | undefined {
  if (error.code === 'AT0011') return undefined;
  if (error.form === 'status') return { error_code: error.code, error_message: error.message };
  return { error_code: error.code, error_message: error.description };
}

/**
 * A Dart `Error` (AT0010 here: a wrong JSON type, an unknown enum name) escapes the reference's batch loop,
 * which catches only exceptions, and fails the whole batch.
 */
function escapesBatch(error: unknown): boolean {
  return !(error instanceof AtError) || error.code === 'AT0010';
}

/** The element's `id`: an int or null; anything else is the reference's `TypeError` building its answer. */
function batchId(id: JsonValue | undefined): number | null {
  if (id === undefined || id === null) return null;
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  throw new AtError('AT0010', `type '${dartTypeOf(id)}' is not a subtype of type 'int?'`);
}

/** The runtime type Dart's `jsonDecode` gives a JSON value, as its `TypeError` names it. */
function dartTypeOf(value: JsonValue): string {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'double';
  return Array.isArray(value) ? 'List<dynamic>' : '_Map<String, dynamic>';
}

/**
 * `batch:[{"id":1,"command":"update:…"},…]` runs each command in order and answers
 * `data:[{"id":1,"response":{"data":"5"}},{"id":2,"response":{"error_code":"AT0015","error_message":"key not found"}}]`.
 * As in the reference, commands are matched as written (no verb normalisation), send no stats notifications,
 * and a command no verb accepts is left out. An `id` that is not an integer fails the whole batch with
 * AT0010 (a Dart `TypeError`), after its command ran. Once the answers hold `maxBatchAnswerLength` characters of
 * JSON, the commands after are not run and left out: a client sees which ids were answered and sends the rest again.
 *
 * @example batch:[{"id":1,"command":"llookup:phone@alice"}]  →  data:[{"id":1,"response":{"data":"+1 555"}}]
 */
export function batchWith(table: () => VerbTable): Handler<Batch> {
  return async (command, ctx) => {
    const quiet: VerbContext = { server: { ...ctx.server, changed: () => {} }, session: ctx.session };
    const answers: string[] = [];
    let length = 0;
    for (const request of command.requests) {
      if (length >= ctx.server.limits.maxBatchAnswerLength) break;
      const entry = table().match(request.command);
      if (!entry) continue;
      let response: BatchResponse | undefined;
      try {
        response = batchResponseOf(await runEntry(entry, request.command, quiet));
      } catch (error) {
        if (escapesBatch(error)) throw error;
        response = batchErrorOf(error as AtError);
      }
      if (!response) continue;
      const answer = JSON.stringify({ id: batchId(request.id), response });
      answers.push(answer);
      // Characters, not bytes: counting UTF-8 bytes would scan each answer again; either bounds the memory.
      length += answer.length;
    }
    return dataReply(`[${answers.join(',')}]`);
  };
}
