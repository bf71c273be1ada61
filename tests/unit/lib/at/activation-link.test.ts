import { describe, expect, it } from 'vitest';
import { formatActivationLink, parseActivationLink } from '$lib/at/activation-link';

describe('activation links', () => {
  it('carry the atSign and CRAM secret in the fragment, where no server sees them', () => {
    const link = formatActivationLink('http://localhost:8064/', { atSign: '@alice', cramSecret: 'b5f2+/=' });
    expect(link).toBe('http://localhost:8064/#/activate?atSign=%40alice&cram=b5f2%2B%2F%3D');
    expect(new URL(link).search).toBe('');
  });

  it('read back from a whole link or from the fragment alone', () => {
    const link = formatActivationLink('https://app.example.com', { atSign: '@alice', cramSecret: 'b5f2+/=' });
    expect(parseActivationLink(link)).toEqual({ atSign: '@alice', cramSecret: 'b5f2+/=' });
    expect(parseActivationLink('#/activate?atSign=bob&cram=9f2c')).toEqual({ atSign: '@bob', cramSecret: '9f2c' });
  });

  it('are not recognised without both parts or on another route', () => {
    expect(parseActivationLink('#/activate?atSign=%40alice')).toBeUndefined();
    expect(parseActivationLink('#/inbox?atSign=%40alice&cram=1')).toBeUndefined();
    expect(parseActivationLink('no fragment')).toBeUndefined();
  });
});
