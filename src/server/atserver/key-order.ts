/**
 * The order in which the reference lists keys (`scan`, atprotocol.md §5.10): its Hive box keeps each key
 * UTF-7 encoded (`at_utf7`'s `Utf7.encode`) and sorted by code units. For printable ASCII that is plain
 * code-unit order, which SQLite's binary order already gives; keys holding other characters (emoji atSigns,
 * `+`, `\`, `~`) sort where their encoded form `+<base64>-` puts them.
 */

/** Characters `Utf7.encode` writes as themselves: tab, LF, CR and `' '`…`}` except `+` and `\`. */
function isDirect(code: number): boolean {
  if (code === 9 || code === 10 || code === 13) return true;
  return code >= 32 && code <= 125 && code !== 92 && code !== 43;
}

/** RFC 2152 modified base64 of UTF-16BE code units, without padding (what `encodeModifiedBase64` writes). */
function modifiedBase64(units: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < units.length; i++) {
    const unit = units.charCodeAt(i);
    bytes.push(unit >> 8, unit & 0xff);
  }
  return Buffer.from(bytes).toString('base64').replaceAll('=', '');
}

/**
 * A key as `Utf7.encode` writes it: `+` becomes `+-`, every run of other indirect characters `+<base64>-`.
 *
 * @example utf7Encode('public:x@🛠alice') // 'public:x@+2D3e4A-alice'
 */
export function utf7Encode(text: string): string {
  let out = '';
  let shiftStart = -1;
  const closeShift = (end: number) => {
    if (shiftStart === -1) return;
    out += `+${modifiedBase64(text.slice(shiftStart, end))}-`;
    shiftStart = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 43) {
      closeShift(i);
      out += '+-';
    } else if (isDirect(code)) {
      closeShift(i);
      out += text[i];
    } else if (shiftStart === -1) {
      shiftStart = i;
    }
  }
  closeShift(text.length);
  return out;
}

const needsEncoding = /[^\t\n\r\x20-\x7d]|[+\\]/;

/**
 * Sorts keys in the reference's Hive order. Keys that encode to themselves keep their (binary) order;
 * otherwise all are compared by their UTF-7 form.
 *
 * @example hiveKeyOrder(['x@alice', 'x@🛠bob']) // ['x@🛠bob', 'x@alice'] (its form `x@+2D3e4A-bob` sorts first)
 */
export function hiveKeyOrder(keys: readonly string[]): string[] {
  if (!keys.some((key) => needsEncoding.test(key))) return [...keys].sort(compareUnits);
  const encoded = new Map(keys.map((key) => [key, utf7Encode(key)]));
  return [...keys].sort((a, b) => compareUnits(encoded.get(a) ?? a, encoded.get(b) ?? b));
}

/** Dart `String.compareTo`: code unit by code unit. */
function compareUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
