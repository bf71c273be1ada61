/** Dates, times and sizes in the reader's locale. */
import { strings } from './strings';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** `2025-11-25T12:00:00Z` or epoch milliseconds → "25 Nov 2025, 12:00"; blank for a missing or bad date. */
export function formatDateTime(when: string | number | undefined): string {
  if (when === undefined) return '';
  const date = new Date(when);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

/** The date alone ("25 Nov 2025"). */
export function formatDate(when: string | number | undefined): string {
  if (when === undefined) return '';
  const date = new Date(when);
  return Number.isNaN(date.getTime()) ? '' : shortDate.format(date);
}

/** A machine-readable date for `<time datetime>`. */
export function isoOf(when: string | number | undefined): string | undefined {
  if (when === undefined) return undefined;
  const date = new Date(when);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** 1536 → "1.5 KB" (powers of 1024, one decimal). */
export function formatBytes(bytes: number): string {
  const { units } = strings;
  if (bytes < 1024) return units.bytes(bytes);
  const steps = [units.kilobytes, units.megabytes, units.gigabytes];
  let value = bytes / 1024;
  let step = 0;
  while (value >= 1024 && step < steps.length - 1) {
    value /= 1024;
    step += 1;
  }
  return steps[step]!(value.toFixed(1));
}
