/**
 * Searching, filtering, sorting and counting records for the data browser: pure functions over the
 * {@link RecordView}s the client returns, so the lists stay fast and the rules are testable without a browser.
 */
import type { RecordView, RecordVisibility } from '$lib/client/api';

/** Who shares each of our records with whom: self-form atKey → atSigns (`ClientApi.shares`). */
export type ShareMap = Readonly<Record<string, readonly string[]>>;

export type SortOrder = 'newest' | 'oldest' | 'name' | 'namespace';

/** What the filter bar holds. Empty strings mean "any". Dates are `YYYY-MM-DD` (an `<input type="date">`). */
export interface RecordFilter {
  readonly text: string;
  readonly namespace: string;
  /** For our data: shared with this atSign; for data shared with us: shared by (owned by) this atSign. */
  readonly atSign: string;
  readonly visibility: RecordVisibility | '';
  readonly from: string;
  readonly to: string;
  readonly sort: SortOrder;
}

export const emptyFilter: RecordFilter = {
  text: '',
  namespace: '',
  atSign: '',
  visibility: '',
  from: '',
  to: '',
  sort: 'newest',
};

/**
 * The self form of a shared record's key, under which `ClientApi.shares` lists it.
 *
 * @example selfFormOf('@bob:phone.wavi@alice') // 'phone.wavi@alice'
 */
export function selfFormOf(atKey: string): string {
  return atKey.replace(/^@[^:@]+:/, '');
}

/** Who a record is shared with: its own recipient for a shared record, the share list for a self record. */
export function recipientsOf(record: RecordView, shares: ShareMap): readonly string[] {
  if (record.visibility === 'shared') return record.sharedWith ? [record.sharedWith] : [];
  return shares[record.atKey] ?? [];
}

/**
 * Our records as the browser lists them: the copy of a self record made by sharing it (`@bob:phone.wavi@alice`
 * beside `phone.wavi@alice`) is folded into that record, which lists its recipients; a shared record with no self
 * record behind it stays a row of its own.
 */
export function foldShares(records: readonly RecordView[], shares: ShareMap): RecordView[] {
  const own = new Set(records.filter((r) => r.visibility === 'self').map((r) => r.atKey));
  return records.filter((record) => {
    if (record.visibility !== 'shared' || !record.sharedWith) return true;
    const self = selfFormOf(record.atKey);
    return !(own.has(self) && (shares[self] ?? []).includes(record.sharedWith));
  });
}

/** The date a record is filtered and sorted by: last change, else creation. */
function changedAt(record: RecordView): string {
  return record.updatedAt ?? record.createdAt ?? '';
}

/** Milliseconds of a local `YYYY-MM-DD` day's start, or its end with `endOfDay`. */
function dayBoundary(day: string, endOfDay: boolean): number {
  const [year, month, date] = day.split('-').map(Number);
  if (!year || !month || !date) return endOfDay ? Infinity : -Infinity;
  return endOfDay ? new Date(year, month - 1, date + 1).getTime() - 1 : new Date(year, month - 1, date).getTime();
}

function matchesText(record: RecordView, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (needle === '') return true;
  return [record.atKey, record.name, record.namespace, record.value ?? '', record.sharedWith ?? '', record.owner]
    .join('\n')
    .toLowerCase()
    .includes(needle);
}

function matchesAtSign(record: RecordView, atSign: string, shares: ShareMap, mine: boolean): boolean {
  if (atSign === '') return true;
  const wanted = atSign
    .trim()
    .toLowerCase()
    .replace(/^(?!@)/, '@');
  return mine ? recipientsOf(record, shares).includes(wanted) : record.owner === wanted;
}

function matchesDates(record: RecordView, from: string, to: string): boolean {
  if (from === '' && to === '') return true;
  const at = Date.parse(changedAt(record));
  if (Number.isNaN(at)) return false;
  return (from === '' || at >= dayBoundary(from, false)) && (to === '' || at <= dayBoundary(to, true));
}

const comparators: Record<SortOrder, (a: RecordView, b: RecordView) => number> = {
  newest: (a, b) => changedAt(b).localeCompare(changedAt(a)) || a.atKey.localeCompare(b.atKey),
  oldest: (a, b) => changedAt(a).localeCompare(changedAt(b)) || a.atKey.localeCompare(b.atKey),
  name: (a, b) => a.name.localeCompare(b.name) || a.atKey.localeCompare(b.atKey),
  namespace: (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
};

/**
 * The records that pass `filter`, in its order. `mine` says whether these are our records (the atSign filter
 * then means "shared with") or data shared with us ("shared by").
 *
 * @example applyFilter(records, shares, { ...emptyFilter, visibility: 'public', sort: 'name' }, true)
 */
export function applyFilter(
  records: readonly RecordView[],
  shares: ShareMap,
  filter: RecordFilter,
  mine: boolean,
): RecordView[] {
  return records
    .filter(
      (record) =>
        (filter.visibility === '' || record.visibility === filter.visibility) &&
        (filter.namespace === '' || record.namespace === filter.namespace) &&
        matchesText(record, filter.text) &&
        matchesAtSign(record, filter.atSign, shares, mine) &&
        matchesDates(record, filter.from, filter.to),
    )
    .sort(comparators[filter.sort]);
}

/** The namespaces present, sorted (the empty namespace left out). */
export function namespacesOf(records: readonly RecordView[]): string[] {
  return [...new Set(records.map((r) => r.namespace).filter((n) => n !== ''))].sort();
}

/** The atSigns our records are shared with (`mine`), or the owners of data shared with us. */
export function atSignsOf(records: readonly RecordView[], shares: ShareMap, mine: boolean): string[] {
  const found = mine ? records.flatMap((r) => recipientsOf(r, shares)) : records.map((r) => r.owner);
  return [...new Set(found)].sort();
}

/** How many records of each visibility. */
export function countByVisibility(records: readonly RecordView[]): Record<RecordVisibility, number> {
  const counts: Record<RecordVisibility, number> = { self: 0, shared: 0, public: 0 };
  for (const record of records) counts[record.visibility] += 1;
  return counts;
}

/** Whether any field of the filter narrows the list (the sort order does not). */
export function isFiltering(filter: RecordFilter): boolean {
  return (['text', 'namespace', 'atSign', 'visibility', 'from', 'to'] as const).some((field) => filter[field] !== '');
}
