import { describe, expect, it } from 'vitest';
import { parseActivationCode } from '$lib/ui/start/activation-link';

describe('activation codes', () => {
  it('reads the atSign and secret of the link atstack atsign create prints', () => {
    expect(parseActivationCode('http://localhost:8064/#/activate?atSign=%40alice&cram=b26455a9')).toEqual({
      atSign: '@alice',
      cramSecret: 'b26455a9',
    });
  });

  it('adds a missing @ to the atSign of a link', () => {
    expect(parseActivationCode('https://app.example/#/activate?atSign=bob&cram=ff')?.atSign).toBe('@bob');
  });

  it('reads the @alice:secret text of a registrar QR code', () => {
    expect(parseActivationCode(' @alice:b26455a9 ')).toEqual({ atSign: '@alice', cramSecret: 'b26455a9' });
  });

  it('refuses a link without a secret and text that is neither form', () => {
    expect(parseActivationCode('http://localhost:8064/#/activate?atSign=%40alice')).toBeUndefined();
    expect(parseActivationCode('hello')).toBeUndefined();
    expect(parseActivationCode('http://localhost:8064/#/records')).toBeUndefined();
  });
});
