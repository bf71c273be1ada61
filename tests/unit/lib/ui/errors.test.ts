import { describe, expect, it, vi } from 'vitest';
import { AtError } from '$lib/at/errors';
import { fixAtSign } from '$lib/at/atsign';
import { CryptoError } from '$lib/crypto/crypto-error';
import { fromWireError, toWireError } from '$lib/client/worker/wire-error';
import { describeError, needsFilePassphrase, UserError } from '$lib/ui/errors';
import { strings } from '$lib/ui/strings';

/** An error as the page receives it from the client's worker. */
const crossed = (error: Error) => fromWireError(toWireError(error));

describe('error texts', () => {
  it('picks the text by atProtocol code, never showing the code or the raw message', () => {
    const text = describeError(new AtError('AT0015', 'phone.wavi@alice does not exist in keystore'));
    expect(text).toBe(strings.errors.notFound);
    expect(text).not.toMatch(/AT0015|keystore/);
  });

  it('keeps working for errors that crossed from the worker', () => {
    expect(describeError(crossed(new AtError('AT0401', 'pkam failed')))).toBe(strings.errors.authFailed);
    expect(describeError(crossed(new CryptoError('wrong-passphrase', 'bad')))).toBe(strings.errors.wrongFilePassphrase);
  });

  it('tells a wrong passphrase of this browser from a wrong passphrase of a key file', () => {
    expect(describeError({ name: 'VaultError', code: 'wrong-passphrase', message: '' })).toBe(
      strings.errors.wrongPassphrase,
    );
    expect(describeError(new CryptoError('wrong-passphrase', ''))).toBe(strings.errors.wrongFilePassphrase);
  });

  it('explains an invalid atSign', () => {
    let error: unknown;
    try {
      fixAtSign('@b ob');
    } catch (caught) {
      error = caught;
    }
    expect(describeError(error)).toBe(strings.errors.invalidAtSign);
  });

  it('says "offline" for a request that got no answer', () => {
    expect(describeError({ name: 'OfflineError', message: 'no answer from the atServer: closed' })).toBe(
      strings.errors.offline,
    );
  });

  it('shows the app’s own worded errors as they are', () => {
    expect(describeError(new UserError('Type the atSign.'))).toBe('Type the atSign.');
  });

  it('gives a generic text for an unexpected error and logs it for developers', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(describeError(new RangeError('index 7 out of range'))).toBe(strings.errors.generic);
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });

  it('knows when an import needs the file passphrase', () => {
    expect(needsFilePassphrase(crossed(new CryptoError('passphrase-required', '')))).toBe(true);
    expect(needsFilePassphrase(new CryptoError('bad-file', ''))).toBe(false);
  });
});
