/**
 * Dates as the reference writes and reads them: Dart's `DateTime.toUtc().toString()` and
 * `DateTime.parse` (reference atprotocol.md §4.5). Times are epoch milliseconds, the precision the
 * reference keeps.
 */

import { AtError } from './errors';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Dart's `_fourDigits`: at least four digits, sign in front, more digits printed as they are. */
function fourDigitYear(year: number): string {
  const digits = pad(Math.abs(year), 4);
  return year < 0 ? `-${digits}` : digits;
}

/**
 * Formats epoch milliseconds as Dart's UTC `toString()`: `YYYY-MM-DD HH:MM:SS.mmmZ`.
 *
 * @throws AtError `AT0022` for a time that is not a finite number.
 * @example
 * formatDartDate(Date.UTC(2024, 9, 24, 10, 0, 0, 123)); // '2024-10-24 10:00:00.123Z'
 */
export function formatDartDate(epochMs: number): string {
  const date = new Date(Math.trunc(epochMs));
  if (!Number.isFinite(epochMs) || Number.isNaN(date.getTime())) {
    throw new AtError('AT0022', `${epochMs} is not a valid time`);
  }
  const day = `${fourDigitYear(date.getUTCFullYear())}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
  const time = `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  return `${day} ${time}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}

/** Dart's `DateTime.parse` grammar (date, optional time with `T` or space, optional zone). */
const dartDate =
  /^([+-]?\d{4,6})-?(\d\d)-?(\d\d)(?:[ T](\d\d)(?::?(\d\d)(?::?(\d\d)(?:[.,](\d+))?)?)?( ?[zZ]| ?([-+])(\d\d)(?::?(\d\d))?)?)?$/;

/**
 * Parses a date the way Dart's `DateTime.parse` does: the Dart form (`2024-10-24 10:00:00.123Z`), ISO-8601
 * (`2024-10-24T10:00:00.123Z`, `+02:00` offsets, basic `20241024T100000Z`), and out-of-range fields carried
 * over (month 13 is January next year) as Dart does. Fractions beyond milliseconds are truncated. A time
 * without a zone is taken as UTC, where Dart would use the machine's zone: every reference server writes `Z`.
 *
 * @throws AtError `AT0011` (Dart's FormatException) when the text is not a date.
 * @example
 * parseDartDate('2024-10-24 10:00:00.123Z'); // 1729764000123
 */
export function parseDartDate(text: string): number {
  const match = dartDate.exec(text);
  if (match === null) throw new AtError('AT0011', `Invalid date format ${text}`);
  const [, year, month, day, hour, minute, second, fraction, zone, sign, zoneHours, zoneMinutes] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  date.setUTCHours(Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0), ms);
  let time = date.getTime();
  if (zone !== undefined && sign !== undefined) {
    const offsetMinutes = Number(zoneHours) * 60 + Number(zoneMinutes ?? 0);
    time -= (sign === '-' ? -1 : 1) * offsetMinutes * 60_000;
  }
  if (Number.isNaN(time)) throw new AtError('AT0011', `Time out of range ${text}`);
  return time;
}
