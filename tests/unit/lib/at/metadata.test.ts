import { describe, expect, it } from 'vitest';
import { formatWireMetadata, metadataFragmentSource, wireMetadataFromGroups } from '$lib/at/metadata';

const fragment = new RegExp(`^${metadataFragmentSource}$`, 'i');

describe('metadata wire fragment', () => {
  it.each([
    ':ttl:1000:ttb:2000:ttr:-1:ccd:true',
    ':isEncrypted:true:sharedKeyEnc:abc==:pubKeyCS:c750160e:ivNonce:ABEiM0RVZneImaq7zN3u/w==',
    ':dataSignature:cK8h/+=:isBinary:false:isEncrypted:false',
    ':encoding:base64:encKeyName:k:encAlgo:a:skeEncKeyName:s:skeEncAlgo:t',
    '',
  ])('parses %j and formats it back unchanged', (text) => {
    const match = fragment.exec(text);
    expect(match).not.toBeNull();
    expect(formatWireMetadata(wireMetadataFromGroups(match?.groups ?? {}))).toBe(text);
  });

  it('reads numbers and booleans as typed values', () => {
    const match = fragment.exec(':ttl:60000:ttr:86400000:ccd:false:isEncrypted:TRUE');
    expect(wireMetadataFromGroups(match?.groups ?? {})).toEqual({
      ttl: 60000,
      ttr: 86400000,
      ccd: false,
      isEncrypted: true,
    });
  });

  it('rejects fields out of the reference order (isBinary must precede isEncrypted)', () => {
    expect(fragment.test(':isEncrypted:true:isBinary:true')).toBe(false);
  });

  it('keeps the literal null that clears a text field', () => {
    const match = fragment.exec(':encoding:null');
    expect(wireMetadataFromGroups(match?.groups ?? {})).toEqual({ encoding: 'null' });
  });
});
