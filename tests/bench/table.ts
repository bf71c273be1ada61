/**
 * Plain-text tables for benchmark output: the first column left-aligned (labels), the others right-aligned
 * (figures), a rule under the header.
 */

/** A row of cells, or `'rule'` for a separator line. */
export type Row = readonly string[] | 'rule';

/**
 * Lays out `header` and `rows` as aligned text.
 *
 * @example
 * formatTable(['', 'Node'], [['RSA decrypt', 'p50 7.5 ms']]);
 */
export function formatTable(header: readonly string[], rows: readonly Row[]): string {
  const all = [header, ...rows.filter((row): row is readonly string[] => row !== 'rule')];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    widths
      .map((width, column) => {
        const cell = row[column] ?? '';
        return column === 0 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('   ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('───');
  return [line(header), rule, ...rows.map((row) => (row === 'rule' ? rule : line(row)))].join('\n');
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `48123.4` → `48,123`. */
export function wholeNumber(value: number): string {
  return grouped.format(value);
}

/** A figure with `digits` decimals (`512.34`), or `n/a` for a missing or non-finite one. */
export function decimal(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** Bytes as MiB with one decimal, or `n/a`. */
export function mebibytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
