import { describe, expect, it } from 'vitest';
import { fromForm, invalidField, toForm } from '$lib/ui/records/times';

describe('record times in the editor', () => {
  it('shows ttl and ttb in seconds and ttr as the protocol has it', () => {
    expect(toForm({ ttl: 60_000, ttb: 5_000, ttr: -1, ccd: true })).toEqual({ ttl: 60, ttb: 5, ttr: -1, ccd: true });
  });

  it('shows unset times as empty fields', () => {
    expect(toForm(undefined)).toEqual({ ttl: null, ttb: null, ttr: null, ccd: false });
    expect(toForm({ ttl: 0, ttr: 0 })).toEqual({ ttl: null, ttb: null, ttr: null, ccd: false });
  });

  it('turns the form back into milliseconds for ttl and ttb, leaving empty fields out', () => {
    expect(fromForm({ ttl: 60, ttb: null, ttr: 3600, ccd: false })).toEqual({ ttl: 60_000, ttr: 3600 });
    expect(fromForm({ ttl: undefined, ttb: undefined, ttr: undefined, ccd: true })).toEqual({ ccd: true });
  });

  it('refuses zero, negative and fractional seconds, but takes -1 for ttr', () => {
    const form = { ttl: null, ttb: null, ttr: null, ccd: false };
    expect(invalidField({ ...form, ttl: 0 })).toBe('ttl');
    expect(invalidField({ ...form, ttb: 1.5 })).toBe('ttb');
    expect(invalidField({ ...form, ttr: -2 })).toBe('ttr');
    expect(invalidField({ ...form, ttr: -1 })).toBeUndefined();
    expect(invalidField(form)).toBeUndefined();
  });
});
