/**
 * `batch`: several commands in one JSON array, answered with one JSON array. Reference §5.16.
 */
import { decodeJson, isJsonObject, wrongShape, type JsonObject } from './json';
import { defineGrammar, required } from './grammar';

/** One element of a batch: `{"id":1,"command":"update:…"}`; other keys are kept as sent. */
export type BatchRequest = JsonObject & { readonly command: string };

/** `batch:[{"id":…,"command":…},…]`. */
export interface Batch {
  readonly verb: 'batch';
  readonly requests: readonly BatchRequest[];
}

function isBatchRequest(value: JsonObject[string] | undefined): value is BatchRequest {
  return isJsonObject(value) && typeof value.command === 'string';
}

/**
 * `batch` (§5.16). Bad JSON is AT0011 and closes the connection; JSON that is not an array of
 * objects with a string `command` is AT0010 (a Dart `TypeError` in the reference handler).
 * The usage text is the reference's, `commmand` typo included.
 *
 * @example
 * batch.parse('batch:[{"id":1,"command":"llookup:phone@alice"}]');
 * // { verb: 'batch', requests: [{ id: 1, command: 'llookup:phone@alice' }] }
 */
export const batch = defineGrammar<Batch>({
  name: 'batch',
  usage:
    'e.g batch:[{"id":1, "commmand":"update:location@alice newyork"},{"id":2, "commmand":"delete:location@alice"}]',
  source: '^batch:(?<json>.+)$',
  build: (g) => {
    const body = decodeJson(required(g.json));
    if (!Array.isArray(body)) throw wrongShape('a JSON array', body);
    const bad = body.find((element) => !isBatchRequest(element));
    if (bad !== undefined) throw wrongShape('{"id":…,"command":"<string>"}', bad);
    return { verb: 'batch', requests: body.filter(isBatchRequest) };
  },
  format: (c) => `batch:${JSON.stringify(c.requests)}`,
});

/** What a command's element of a batch answer holds (the reference's `Response.toJson()`: only the fields set). */
export interface BatchResponse {
  data?: string;
  error_code?: string;
  error_message?: string;
}
