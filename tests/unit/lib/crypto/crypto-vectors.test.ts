import { describe, it } from 'vitest';
import vectors from '../../../fixtures/crypto-vectors.json';
import { cryptoVectorChecks } from '../../../support/crypto-vector-checks';

describe('crypto vectors (tests/fixtures/crypto-vectors.json)', () => {
  it.each(cryptoVectorChecks(vectors).map((check) => [check.name, check] as const))('%s', async (_name, check) => {
    await check.run(vectors);
  });
});
