import type { Grammar, VerbCommand } from '$lib/at/verbs/grammar';
import type { Reply } from '$lib/at/response';
import type { VerbContext } from '../context';

/**
 * Who may run a verb, checked by the dispatcher before the line is parsed (atprotocol.md §3.2):
 * `none` — anyone (the handler may add its own rule); `owner` — a CRAM/PKAM-authenticated connection.
 */
export type AuthLevel = 'none' | 'owner';

/** A handler: a plain function of the parsed command and the context. */
export type Handler<C extends VerbCommand> = (command: C, ctx: VerbContext) => Promise<Reply> | Reply;

/** One line of the verb table. */
export interface VerbEntry {
  /** The command prefix this entry accepts (after normalisation, §1.3). */
  readonly prefix: string;
  /** Accept only these whole lines instead of a prefix (`pol`, `info`, `info:brief`). */
  readonly exact?: readonly string[];
  /** Prefixes that, although they start with `prefix`, belong to no verb (`update:meta` without `:`). */
  readonly excludes?: readonly string[];
  readonly auth: AuthLevel;
  /** A check of the (normalised) line the reference makes before it reads the verb's body; see {@link Guard}. */
  readonly guard?: Guard;
  readonly grammar: Grammar<VerbCommand>;
  readonly handler: Handler<VerbCommand>;
}

/**
 * A verb's own rule, run by the dispatcher after the auth level and before parsing, for the few verbs
 * whose reference handler refuses a caller before it reads the body (`enroll:approve` on an
 * unauthenticated connection is AT0401 even without its JSON, atprotocol.md §7.1). Throws to refuse.
 */
export type Guard = (line: string, ctx: VerbContext) => void;

interface EntryOptions {
  readonly auth: AuthLevel;
  readonly guard?: Guard;
  readonly prefix?: string;
  readonly exact?: readonly string[];
  readonly excludes?: readonly string[];
}

/**
 * Declares a verb: its grammar, who may run it and its handler. The types tie handler and grammar
 * together, so a handler for the wrong command does not compile.
 *
 * @example verb(grammar.llookup, { auth: 'owner' }, lookup.llookup)
 */
export function verb<C extends VerbCommand>(
  grammar: Grammar<C>,
  options: EntryOptions,
  handler: Handler<C>,
): VerbEntry {
  return {
    prefix: options.prefix ?? `${grammar.name}:`,
    exact: options.exact,
    excludes: options.excludes,
    auth: options.auth,
    guard: options.guard,
    grammar: grammar as unknown as Grammar<VerbCommand>,
    handler: handler as Handler<VerbCommand>,
  };
}

/** The verb table: finds the entry for a line by the longest matching prefix, so order means nothing. */
export interface VerbTable {
  match(line: string): VerbEntry | undefined;
  readonly entries: readonly VerbEntry[];
}

export function buildTable(entries: readonly VerbEntry[]): VerbTable {
  const byLength = [...entries].sort((a, b) => b.prefix.length - a.prefix.length);
  // The entries a line can match, by its first character, longest prefix first: a line is compared with the
  // few verbs that start like it, not with every verb.
  const byFirstCharacter = new Map<string, VerbEntry[]>();
  for (const entry of byLength) {
    const starts = entry.exact ?? [entry.prefix];
    if (starts.some((text) => text === '')) throw new Error(`verb ${entry.grammar.name} needs a prefix`);
    for (const first of new Set(starts.map((text) => text.charAt(0)))) {
      const sameStart = byFirstCharacter.get(first) ?? [];
      sameStart.push(entry);
      byFirstCharacter.set(first, sameStart);
    }
  }
  return {
    entries,
    match(line) {
      for (const entry of byFirstCharacter.get(line.charAt(0)) ?? []) {
        if (entry.exact) {
          if (entry.exact.includes(line)) return entry;
          continue;
        }
        if (!line.startsWith(entry.prefix)) continue;
        if (entry.excludes?.some((prefix) => line.startsWith(prefix))) return undefined;
        return entry;
      }
      return undefined;
    },
  };
}
