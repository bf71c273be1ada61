/**
 * The shared machinery of the verb grammar: one `defineGrammar` helper that turns a reference regex
 * (atprotocol.md §5, §7, verbatim) into `parse` + `format`, the regex fragments several verb families
 * share, and the small readers and writers every family uses. No verb lives here.
 */
import { AtError } from '../errors';

/** Named groups of a reference regex match; a group that did not take part is `undefined` (§1.3). */
export type Groups = Readonly<Record<string, string | undefined>>;

/** What every parsed command has: the verb it belongs to, the discriminant of {@link AtCommand}. */
export interface VerbCommand {
  readonly verb: string;
}

/**
 * One verb's wire grammar: the reference regex, its usage text, and a parser and formatter that
 * agree (`format(parse(line)) === line` for canonical lines).
 *
 * @example
 * llookup.parse('llookup:meta:@bob:phone.wavi@alice'); // { verb: 'llookup', operation: 'meta', … }
 */
export interface Grammar<C extends VerbCommand> {
  /** The verb's name, as the verb table lists it (e.g. `notify:list`). */
  readonly name: string;
  /** The reference `Verb.usage()` text, appended to `Invalid syntax. ` on a mismatch. */
  readonly usage: string;
  /** The reference regex source, applied case-insensitively (§1.3). */
  readonly source: string;
  /**
   * Parses one normalised command line.
   * @throws AtError AT0003 `Invalid syntax. <usage>` when the regex does not match; some verbs add
   * their own checks (JSON bodies: AT0011 closing the connection, as the reference does).
   */
  parse(line: string): C;
  /** Writes the canonical command line (no trailing newline). */
  format(command: C): string;
}

interface GrammarSpec<C extends VerbCommand> {
  readonly name: string;
  readonly usage: string;
  readonly source: string;
  /** Builds the typed command from the first match's named groups. */
  build(groups: Groups, line: string): C;
  format(command: C): string;
}

/**
 * Builds a {@link Grammar} from a reference regex. The regex is compiled once with the `i` flag and
 * the named groups of the first match are used, which is what the reference's
 * `RegExp(regex, caseSensitive: false).allMatches` + `putIfAbsent` amounts to (§1.3).
 *
 * @example
 * const cram = defineGrammar({ name: 'cram', usage: 'cram:<digest>', source: '^cram:(?<digest>.+$)',
 *   build: (g) => ({ verb: 'cram', digest: g.digest ?? '' }), format: (c) => `cram:${c.digest}` });
 */
export function defineGrammar<C extends VerbCommand>(spec: GrammarSpec<C>): Grammar<C> {
  const regex = new RegExp(spec.source, 'i');
  return {
    name: spec.name,
    usage: spec.usage,
    source: spec.source,
    parse(line: string): C {
      const match = regex.exec(line);
      if (!match) throw invalidSyntax(spec.usage);
      return spec.build(match.groups ?? {}, line);
    },
    format: (command: C) => spec.format(command),
  };
}

/**
 * The reference's answer to a line its verb regex does not match (`AbstractVerbHandler.parse`).
 *
 * @example
 * throw invalidSyntax('e.g llookup:location@bob'); // error:AT0003-Exception: Invalid syntax. e.g llookup:location@bob
 */
export function invalidSyntax(usage: string): AtError {
  return new AtError('AT0003', `Invalid syntax. ${usage}`);
}

// ---------------------------------------------------------------------------------------------
// Fragments shared across families (each appears verbatim inside several §5 regexes).

/** `public` or `@<atSign>`, without the leading colon: mandatory in `notify`, optional elsewhere. */
export const scopeChoiceSource = '((?<publicScope>public)|(@(?<forAtSign>[^:@\\s]+)))';

/** `(:public|:@bob)?` — the optional scope of update, update:meta, llookup and delete. */
export const optionalScopeSource = `(:${scopeChoiceSource})?`;

/** An atSign after `@`, without it: the owner part of a key (`…@alice`). */
export const atSignGroupSource = '(?<atSign>[^:@\\s]+)';

/** Who a key is for: `public:`, `@bob:` or neither. `forAtSign` is as written, without its `@`. */
export interface KeyScope {
  /** The key carries `public:`. */
  readonly publicScope: boolean;
  /** The `@bob` of `@bob:phone@alice`, without the `@`; absent for public and self keys. */
  readonly forAtSign?: string;
}

/** Reads the scope fragment's groups. */
export function scopeFromGroups(groups: Groups): KeyScope {
  return groups.forAtSign === undefined
    ? { publicScope: groups.publicScope !== undefined }
    : { publicScope: false, forAtSign: groups.forAtSign };
}

/** Writes the scope with its leading colon (`:public`, `:@bob`) or nothing. */
export function formatScope(scope: KeyScope): string {
  if (scope.publicScope) return ':public';
  return scope.forAtSign === undefined ? '' : `:@${scope.forAtSign}`;
}

// ---------------------------------------------------------------------------------------------
// Readers for group text and writers for optional parts.

/**
 * Reads an enumerated group. The regex already matched one of `options`, but case-insensitively
 * (§1.3), so the text is lowercased: `LLOOKUP:META:…` yields `'meta'` and formats back lowercase.
 */
export function oneOf<T extends string>(text: string | undefined, options: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  return options.find((option) => option.toLowerCase() === lower);
}

/** Reads a digits group (the regex guarantees digits) as a number. */
export function intOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number.parseInt(text, 10);
}

/** Reads a `true|false` group; the reference compares case-insensitively matched text. */
export function boolOf(text: string | undefined): boolean | undefined {
  return text === undefined ? undefined : text.toLowerCase() === 'true';
}

/** A group the regex guarantees; `''` only if the reference regex itself changed. */
export function required(text: string | undefined): string {
  return text ?? '';
}

/** `prefix + value` when the value is present, else nothing: the shape of every optional part. */
export function part(prefix: string, value: string | number | boolean | undefined, suffix = ''): string {
  return value === undefined ? '' : `${prefix}${String(value)}${suffix}`;
}

/** `text` when `flag` is set, else nothing. */
export function flag(text: string, on: boolean): string {
  return on ? text : '';
}

/** Copies `source` without its `undefined` fields, so commands only carry what the line carried. */
export function compact<T extends object>(source: T): T {
  // A plain loop: this runs for every command parsed, and the entries/filter/fromEntries chain was a third
  // of an llookup's dispatch time.
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) result[key] = value;
  }
  return result as T;
}
