/**
 * The verb table: one line per verb — its grammar, who may run it, and its handler (STYLE.md §2.2).
 * Lookup takes the longest matching prefix, so the order of these lines means nothing.
 */
import * as grammar from '$lib/at/verbs/auth';
import * as infoGrammar from '$lib/at/verbs/info';
import * as auth from './auth';
import * as info from './info';
import { buildTable, verb } from './table';

export const verbTable = buildTable([
  verb(grammar.from, { auth: 'none' }, auth.from),
  verb(grammar.cram, { auth: 'none' }, auth.cram),
  verb(grammar.pkam, { auth: 'none' }, auth.pkam),
  verb(infoGrammar.info, { auth: 'none', prefix: 'info', exact: ['info', 'info:brief'] }, info.info),
  verb(infoGrammar.noop, { auth: 'none' }, info.noop),
]);
