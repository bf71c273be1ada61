import { describe, expect, it } from 'vitest';
import { hiveKeyOrder, utf7Encode } from '$server/atserver/key-order';

describe('utf7Encode (at_utf7 Utf7.encode, the form the reference keeps keys in)', () => {
  it('keeps printable ASCII but + and \\ as it is', () => {
    expect(utf7Encode('public:phone.wavi@alice')).toBe('public:phone.wavi@alice');
    expect(utf7Encode('@bob:x_y-z~!#$%&*;<=>[]^`{|}@alice')).toBe('@bob:x_y-z+AH4-!#$%&*;<=>[]^`{|}@alice');
  });

  it('writes + as +-', () => {
    expect(utf7Encode('a+b@alice')).toBe('a+-b@alice');
  });

  it('writes a run of other characters as modified base64 of UTF-16BE between + and -', () => {
    expect(utf7Encode('public:x@🛠alice')).toBe('public:x@+2D3e4A-alice');
    expect(utf7Encode('é\\')).toBe('+AOkAXA-');
  });
});

describe('hiveKeyOrder (scan order, atprotocol.md §5.10)', () => {
  it('sorts ASCII keys by code unit', () => {
    expect(hiveKeyOrder(['public:a@alice', '_x@alice', '@bob:k@alice', 'Z@alice'])).toEqual([
      '@bob:k@alice',
      'Z@alice',
      '_x@alice',
      'public:a@alice',
    ]);
  });

  it('sorts a key with an emoji where its UTF-7 form puts it, not where its UTF-8 bytes would', () => {
    // `x@+2D3e4A-bob` sorts before `x@alice` because `+` (0x2B) is below `a`.
    expect(hiveKeyOrder(['x@alice', 'x@🛠bob', 'x@Alice'])).toEqual(['x@🛠bob', 'x@Alice', 'x@alice']);
  });
});
