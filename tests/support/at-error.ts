import { AtError } from '$lib/at/errors';

/**
 * Runs `run` and returns the {@link AtError} it throws, so a test can assert its code, message and
 * close behaviour. Fails when `run` returns normally; rethrows anything that is not an AtError.
 *
 * @example
 * expect(failure(() => stats.parse('stats:0'))).toMatchObject({ code: 'AT0003' });
 */
export function failure(run: () => unknown): AtError {
  try {
    run();
  } catch (error) {
    if (error instanceof AtError) return error;
    throw error;
  }
  throw new Error('expected an AtError');
}
