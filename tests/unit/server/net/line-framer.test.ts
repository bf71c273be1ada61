import { describe, expect, it } from 'vitest';
import { LineFramer } from '$server/net/line-framer';

function framer(maxBytes = 16) {
  const lines: string[] = [];
  let overflows = 0;
  const f = new LineFramer(
    maxBytes,
    (line) => lines.push(line),
    () => overflows++,
  );
  return { f, lines, overflows: () => overflows };
}

describe('LineFramer', () => {
  it('emits one line per newline, including several lines in one chunk', () => {
    const { f, lines } = framer();
    f.push(Buffer.from('scan\nllookup:a@b\n'));
    expect(lines).toEqual(['scan', 'llookup:a@b']);
  });

  it('joins a line that spans several chunks', () => {
    const { f, lines } = framer();
    f.push(Buffer.from('upd'));
    f.push(Buffer.from('ate:x'));
    f.push(Buffer.from('@a 1\nno'));
    expect(lines).toEqual(['update:x@a 1']);
    expect(f.bufferedBytes).toBe(2);
  });

  it('keeps a multi-byte UTF-8 character that is split across chunks intact', () => {
    const { f, lines } = framer(64);
    const bytes = Buffer.from('from:@alice🛠\n');
    f.push(bytes.subarray(0, 13));
    f.push(bytes.subarray(13));
    expect(lines).toEqual(['from:@alice🛠']);
  });

  it('accepts a line of exactly the limit', () => {
    const { f, lines, overflows } = framer(4);
    f.push(Buffer.from('abcd\n'));
    expect(lines).toEqual(['abcd']);
    expect(overflows()).toBe(0);
  });

  it('overflows once the limit is passed before any newline arrives, and ignores later input', () => {
    const { f, lines, overflows } = framer(4);
    f.push(Buffer.from('abc'));
    f.push(Buffer.from('de'));
    f.push(Buffer.from('\nok\n'));
    expect(overflows()).toBe(1);
    expect(lines).toEqual([]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('overflows on an oversized line inside a single chunk without emitting it', () => {
    const { f, lines, overflows } = framer(4);
    f.push(Buffer.from('ok\nabcdefgh\nlater\n'));
    expect(lines).toEqual(['ok']);
    expect(overflows()).toBe(1);
  });

  it('does not keep a reference to the caller’s chunk memory', () => {
    const { f, lines } = framer();
    const chunk = Buffer.from('abc');
    f.push(chunk);
    chunk.fill(0x78);
    f.push(Buffer.from('\n'));
    expect(lines).toEqual(['abc']);
  });
});
