import { describe, expect, it } from 'vitest';
import { cacheFields, incomingFromWire, mergeMetadata } from '$server/atserver/record-write';
import { failure } from '../../../support/at-error';

const now = Date.UTC(2024, 9, 24, 10, 0, 0, 123);

describe('incomingFromWire', () => {
  it('defaults isBinary and isEncrypted to false, as the at_commons Metadata does', () => {
    expect(incomingFromWire({})).toEqual({ isBinary: false, isEncrypted: false });
  });

  it('reads ttr:0 as no ttr and drops sharedKeyStatus', () => {
    expect(incomingFromWire({ ttr: 0, sharedKeyStatus: 'x', ivNonce: 'n==' })).toEqual({
      isBinary: false,
      isEncrypted: false,
      ivNonce: 'n==',
    });
  });

  it.each([
    [{ ttl: -1 }, 'Valid value for TTL should be greater than or equal to 0'],
    [{ ttb: -1 }, 'Valid value for TTB should be greater than or equal to 0'],
    [{ ttr: -2 }, 'Valid values for TTR are -1 and greater than or equal to 1'],
  ])('refuses %o with AT0003', (wire, message) => {
    expect(failure(() => incomingFromWire(wire))).toMatchObject({ code: 'AT0003', message });
  });
});

describe('cacheFields', () => {
  it('gives a new record a ccd only with a ttr, false by default', () => {
    expect(cacheFields(undefined, 60, undefined)).toEqual({ ttr: 60, ccd: false });
    expect(cacheFields(undefined, undefined, true)).toEqual({ ttr: undefined, ccd: undefined });
  });

  it('lends an existing ttr to a lone ccd and an existing ccd to a lone ttr', () => {
    expect(cacheFields({ ttr: 60, ccd: false }, undefined, true)).toEqual({ ttr: 60, ccd: true });
    expect(cacheFields({ ttr: 60, ccd: true }, 120, undefined)).toEqual({ ttr: 120, ccd: true });
  });

  it('keeps a lone ccd on an existing record without a ttr, as the reference does', () => {
    expect(cacheFields({}, undefined, true)).toEqual({ ttr: undefined, ccd: true });
  });

  it('reads an update:json ttr of 0 on an existing record as no ttr', () => {
    expect(cacheFields({ ttr: 60, ccd: true }, 0, undefined)).toEqual({ ttr: undefined, ccd: true });
  });
});

describe('mergeMetadata', () => {
  it('creates version 0 metadata with the dates of ttl, ttb and ttr', () => {
    expect(mergeMetadata(undefined, incomingFromWire({ ttl: 3000, ttb: 1000, ttr: 60 }), '@alice', now)).toEqual({
      createdBy: '@alice',
      updatedBy: '@alice',
      createdAt: now,
      updatedAt: now,
      availableAt: now + 1000,
      expiresAt: now + 4000,
      refreshAt: now + 60_000,
      status: 'active',
      version: 0,
      ttl: 3000,
      ttb: 1000,
      ttr: 60,
      ccd: false,
      isBinary: false,
      isEncrypted: false,
    });
  });

  it('keeps createdAt, counts the version up and restarts the countdown from now', () => {
    const first = mergeMetadata(undefined, incomingFromWire({ ttl: 1000, isEncrypted: true }), '@alice', now);
    const second = mergeMetadata(first, incomingFromWire({}), '@alice', now + 500);
    expect(second).toMatchObject({ createdAt: now, updatedAt: now + 500, version: 1, ttl: 1000 });
    expect(second.expiresAt).toBe(now + 1500);
    expect(second.isEncrypted).toBe(false);
  });

  it('keeps text fields the command leaves out and clears those it gives as null', () => {
    const first = mergeMetadata(undefined, incomingFromWire({ dataSignature: 's', encoding: 'base64' }), '@a', now);
    const second = mergeMetadata(first, incomingFromWire({ encoding: 'null' }), '@a', now);
    expect(second.dataSignature).toBe('s');
    expect(second).not.toHaveProperty('encoding');
  });

  it('stores the text null as it is on a new record, where there is nothing to clear', () => {
    expect(mergeMetadata(undefined, incomingFromWire({ encoding: 'null' }), '@a', now).encoding).toBe('null');
  });

  it('removes the expiry with ttl 0 and the refresh time with ttr -1', () => {
    const first = mergeMetadata(undefined, incomingFromWire({ ttl: 1000, ttr: 60 }), '@a', now);
    const second = mergeMetadata(first, incomingFromWire({ ttl: 0, ttr: -1 }), '@a', now);
    expect(second).toMatchObject({ ttl: 0, ttr: -1, ccd: false });
    expect(second).not.toHaveProperty('expiresAt');
    expect(second).not.toHaveProperty('refreshAt');
  });

  it('keeps createdBy of a record another atSign created (a cached copy)', () => {
    const cached = { createdBy: '@bob', version: 3, createdAt: now - 10 };
    expect(mergeMetadata(cached, incomingFromWire({}), '@alice', now)).toMatchObject({
      createdBy: '@bob',
      updatedBy: '@alice',
      createdAt: now - 10,
      version: 4,
    });
  });
});
