/**
 * JSON bodies inside commands (`from:…:clientConfig:{…}`, `update:json:`, `batch:`, `enroll:`) and how
 * the reference fails on them: its handlers call Dart `jsonDecode`, whose `FormatException` is an
 * unmapped exception, so bad JSON is answered with AT0011 and the connection is **closed**; valid JSON
 * of the wrong shape is a Dart `TypeError`, answered with AT0010 and the connection stays open (§1.6).
 */
import { AtError } from '../errors';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Decodes a JSON body.
 * @throws AtError AT0011 `FormatException: …` (closes the connection) when the text is not JSON.
 * @example
 * decodeJson('[{"id":1,"command":"llookup:phone@alice"}]');
 */
export function decodeJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new AtError('AT0011', `FormatException: ${detail}`);
  }
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes a body that must be a JSON object.
 * @throws AtError AT0011 for bad JSON (closes), AT0010 for JSON that is not an object (stays open).
 * @example
 * decodeJsonObject('{"version":"3.0.57"}'); // { version: '3.0.57' }
 */
export function decodeJsonObject(text: string): JsonObject {
  const value = decodeJson(text);
  if (!isJsonObject(value)) throw wrongShape('a JSON object', value);
  return value;
}

/** The AT0010 a Dart handler's `TypeError` becomes when a JSON body has the wrong shape (§1.6). */
export function wrongShape(expected: string, value: JsonValue | undefined): AtError {
  const found = value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : typeof value;
  return new AtError('AT0010', `TypeError: expected ${expected}, found ${found}`);
}
