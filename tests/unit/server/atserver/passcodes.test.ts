import { describe, expect, it } from 'vitest';
import { generateOtp, InvalidPasscodeDelay, otpKey, sppKey } from '$server/atserver/passcodes';

describe('generateOtp', () => {
  it('makes 6 characters of upper-case base 36 with a digit and neither 0 nor O', () => {
    for (let i = 0; i < 500; i++) {
      const otp = generateOtp();
      expect(otp).toMatch(/^[1-9A-NP-Z]{6}$/);
      expect(otp).toMatch(/\d/);
    }
  });
});

describe('passcode keys', () => {
  it('stores an OTP under its lowercased text and the SPP under one key, in __otp', () => {
    expect(otpKey('X7K2QD', '@Alice')).toBe('private:x7k2qd.__otp@alice');
    expect(sppKey('@alice')).toBe('private:spp.__otp@alice');
  });
});

describe('InvalidPasscodeDelay', () => {
  it('grows as Fibonacci from 1 s and stays at the cap once it reaches it', () => {
    const delay = new InvalidPasscodeDelay(55_000);
    const delays = Array.from({ length: 11 }, (_, i) => delay.next(i));
    expect(delays).toEqual([1_000, 2_000, 3_000, 5_000, 8_000, 13_000, 21_000, 34_000, 55_000, 55_000, 55_000]);
  });

  it('starts over only after an accepted request the cap or more after the last invalid passcode', () => {
    const delay = new InvalidPasscodeDelay(55_000);
    delay.next(0);
    delay.next(0);
    delay.settle(54_999);
    expect(delay.next(54_999)).toBe(3_000);
    delay.settle(54_999 + 55_000);
    expect(delay.next(200_000)).toBe(1_000);
  });
});
