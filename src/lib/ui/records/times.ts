/**
 * The record editor's time fields as people type them (whole seconds, empty for "not set") and the
 * {@link RecordTimes} the client takes (ttl and ttb in milliseconds, ttr in seconds, as the protocol has them).
 */
import type { RecordTimes } from '$lib/client/api';

/** The editor's form of the times: seconds, null (or undefined, from an emptied number input) when unset. */
export interface TimesForm {
  ttl: number | null | undefined;
  ttb: number | null | undefined;
  ttr: number | null | undefined;
  ccd: boolean;
}

const unset = (n: number | null | undefined): n is null | undefined => n === null || n === undefined;

/** The form showing `times`. */
export function toForm(times: RecordTimes | undefined): TimesForm {
  const seconds = (ms: number | undefined) => (ms === undefined || ms <= 0 ? null : Math.round(ms / 1000));
  return {
    ttl: seconds(times?.ttl),
    ttb: seconds(times?.ttb),
    ttr: times?.ttr === undefined || times.ttr === 0 ? null : times.ttr,
    ccd: times?.ccd ?? false,
  };
}

/** Which field is not a valid number, if any: ttl and ttb take 1 s or more, ttr also -1 ("cache for ever"). */
export function invalidField(form: TimesForm): 'ttl' | 'ttb' | 'ttr' | undefined {
  const positive = (n: number | null | undefined) => unset(n) || (Number.isInteger(n) && n >= 1);
  if (!positive(form.ttl)) return 'ttl';
  if (!positive(form.ttb)) return 'ttb';
  if (!(positive(form.ttr) || form.ttr === -1)) return 'ttr';
  return undefined;
}

/**
 * The times the form describes; fields left empty are left out.
 *
 * @example fromForm({ ttl: 60, ttb: null, ttr: -1, ccd: true }) // { ttl: 60000, ttr: -1, ccd: true }
 */
export function fromForm(form: TimesForm): RecordTimes {
  return {
    ...(unset(form.ttl) ? {} : { ttl: form.ttl * 1000 }),
    ...(unset(form.ttb) ? {} : { ttb: form.ttb * 1000 }),
    ...(unset(form.ttr) ? {} : { ttr: form.ttr }),
    ...(form.ccd ? { ccd: true } : {}),
  };
}
