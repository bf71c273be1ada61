/**
 * Regular expressions that clients send (`scan <regex>`, `sync:from:…:<regex>`, `stats:3:<regex>`), compiled as
 * the reference compiles them: Dart `RegExp(source)` — case-sensitive, not anchored, tested with `hasMatch`.
 * JavaScript's `RegExp` without flags is the same ECMAScript dialect Dart's engine implements.
 */
import { AtError } from '$lib/at/errors';

/**
 * Compiles a client's regex now. A source that does not compile is the reference's `FormatException`: an
 * unmapped exception, so AT0011 and the connection closes (atprotocol.md §1.6, §5.10).
 *
 * @throws AtError `AT0011` `FormatException: …` (closes the connection).
 * @example userRegex('.wavi').test('phone.wavi@alice') // true
 */
export function userRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new AtError('AT0011', `FormatException: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A matcher that compiles `source` on its first use, as the reference's commit-log filters do (they build
 * the `RegExp` per entry, after cheaper checks): a bad regex only fails once some key reaches the test.
 *
 * @throws AtError `AT0011` from the first call, when the source does not compile.
 * @example lazyMatcher('^public:')('public:location@alice') // true
 */
export function lazyMatcher(source: string): (text: string) => boolean {
  let regex: RegExp | undefined;
  return (text) => {
    regex ??= userRegex(source);
    return regex.test(text);
  };
}
