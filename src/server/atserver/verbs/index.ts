/**
 * The verb table: one line per verb — its grammar, who may run it, and its handler (STYLE.md §2.2).
 * Lookup takes the longest matching prefix, so the order of these lines means nothing.
 */
import * as grammar from '$lib/at/verbs/auth';
import * as batchGrammar from '$lib/at/verbs/batch';
import * as configGrammar from '$lib/at/verbs/config';
import * as deleteGrammar from '$lib/at/verbs/delete';
import * as enrollGrammar from '$lib/at/verbs/enroll';
import * as infoGrammar from '$lib/at/verbs/info';
import * as keysGrammar from '$lib/at/verbs/keys';
import * as lookupGrammar from '$lib/at/verbs/lookup';
import * as monitorGrammar from '$lib/at/verbs/monitor';
import * as notifyGrammar from '$lib/at/verbs/notify';
import * as otpGrammar from '$lib/at/verbs/otp';
import * as scanGrammar from '$lib/at/verbs/scan';
import * as statsGrammar from '$lib/at/verbs/stats';
import * as syncGrammar from '$lib/at/verbs/sync';
import * as updateGrammar from '$lib/at/verbs/update';
import * as auth from './auth';
import * as batch from './batch';
import * as config from './config';
import * as deleteVerb from './delete';
import * as enroll from './enroll';
import * as info from './info';
import * as keys from './keys';
import * as lookup from './lookup';
import * as monitor from './monitor';
import * as notify from './notify';
import * as notifyAll from './notify-all';
import * as notifyLog from './notify-log';
import * as otp from './otp';
import * as pol from './pol';
import * as scan from './scan';
import * as stats from './stats';
import * as sync from './sync';
import { buildTable, verb } from './table';
import * as update from './update';

/** Lines starting with these belong to the notification log verbs, never to `notify` (§3.1). */
const notifyLogPrefixes = ['notify:list', 'notify:status', 'notify:all', 'notify:remove', 'notify:fetch'];

/** `batch` runs its commands through this same table, read when a batch runs (after the table exists). */
const runBatch = batch.batchWith(() => verbTable);

export const verbTable = buildTable([
  verb(grammar.from, { auth: 'none' }, auth.from),
  verb(grammar.cram, { auth: 'none' }, auth.cram),
  verb(grammar.pkam, { auth: 'none' }, auth.pkam),
  verb(grammar.pol, { auth: 'none', prefix: 'pol', exact: ['pol'] }, pol.pol),
  verb(infoGrammar.info, { auth: 'none', prefix: 'info', exact: ['info', 'info:brief'] }, info.info),
  verb(infoGrammar.noop, { auth: 'none' }, info.noop),
  // `update:` must not take `update:meta…` lines, even those update:meta's own prefix misses (§3.1).
  verb(updateGrammar.update, { auth: 'owner', excludes: ['update:meta'] }, update.update),
  verb(updateGrammar.updateMeta, { auth: 'owner' }, update.updateMeta),
  verb(lookupGrammar.llookup, { auth: 'owner' }, lookup.llookup),
  verb(lookupGrammar.lookup, { auth: 'none' }, lookup.lookup),
  verb(lookupGrammar.plookup, { auth: 'owner' }, lookup.plookup),
  verb(deleteGrammar.del, { auth: 'owner' }, deleteVerb.del),
  // Every enroll operation but `request` needs auth: the guard refuses before the JSON is read (§7.1).
  verb(enrollGrammar.enroll, { auth: 'none', guard: enroll.requireAuthUnlessRequest }, enroll.enroll),
  verb(otpGrammar.otp, { auth: 'owner' }, otp.otp),
  verb(keysGrammar.keys, { auth: 'owner' }, keys.keys),
  verb(scanGrammar.scan, { auth: 'none', prefix: 'scan' }, scan.scan),
  verb(statsGrammar.stats, { auth: 'owner', prefix: 'stats' }, stats.stats),
  verb(configGrammar.config, { auth: 'owner' }, config.config),
  verb(syncGrammar.syncFrom, { auth: 'owner', prefix: 'sync:from' }, sync.syncFrom),
  verb(batchGrammar.batch, { auth: 'owner' }, runBatch),
  // notify answers owners and peers (its handler refuses others); the log verbs take their own prefixes (§3.1).
  verb(notifyGrammar.notify, { auth: 'none', excludes: notifyLogPrefixes }, notify.notify),
  verb(notifyGrammar.notifyList, { auth: 'none', prefix: 'notify:list' }, notifyLog.notifyList),
  verb(notifyGrammar.notifyStatus, { auth: 'none', prefix: 'notify:status' }, notifyLog.notifyStatus),
  verb(notifyGrammar.notifyFetch, { auth: 'owner', prefix: 'notify:fetch' }, notifyLog.notifyFetch),
  verb(notifyGrammar.notifyRemove, { auth: 'owner' }, notifyLog.notifyRemove),
  // The reference runs notify:all for anyone (§3.2); here only the owner may send as this atSign.
  verb(notifyGrammar.notifyAll, { auth: 'owner', prefix: 'notify:all' }, notifyAll.notifyAll),
  verb(monitorGrammar.monitor, { auth: 'owner', prefix: 'monitor' }, monitor.monitor),
]);
