/**
 * The atSigns of `tests/fixtures/crypto-vectors.json` as keyrings, and a scripted {@link Requester} that answers
 * each command line from a table and records what was sent (unit tests of the data layer, no server).
 */
import { parseResponse, type Response } from '$lib/at/response';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import type { Requester } from '$lib/client/requester';
import vectors from '../../../fixtures/crypto-vectors.json';

export { vectors };

/** `@alice🛠`: the real Dart-made `.atKeys` of the vectors. */
export const aliceKeys: AtKeys = {
  atSign: vectors.atKeysFile.atSign,
  pkamPublicKey: vectors.atKeysFile.decrypted.aesPkamPublicKey,
  pkamPrivateKey: vectors.atKeysFile.decrypted.aesPkamPrivateKey,
  encryptionPublicKey: vectors.atKeysFile.decrypted.aesEncryptPublicKey,
  encryptionPrivateKey: vectors.atKeysFile.decrypted.aesEncryptPrivateKey,
  selfEncryptionKey: vectors.atKeysFile.selfEncryptionKey,
};

/** `@bob` of the vectors (his encryption pair doubles as PKAM pair; unit tests never authenticate). */
export const bobKeys: AtKeys = {
  atSign: '@bob',
  pkamPublicKey: vectors.fixtures.bob.encryptionPublicKey,
  pkamPrivateKey: vectors.fixtures.bob.encryptionPrivateKey,
  encryptionPublicKey: vectors.fixtures.bob.encryptionPublicKey,
  encryptionPrivateKey: vectors.fixtures.bob.encryptionPrivateKey,
  selfEncryptionKey: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
};

const notFound = (line: string) => `error:AT0015-key not found : ${line} does not exist in keystore`;

/**
 * Answers each line with the first rule whose pattern matches it (a string matches the whole line, or the line
 * up to its first space for `update`s), else with AT0015; keeps every line in {@link lines}.
 */
export class ScriptedRequester implements Requester {
  readonly lines: string[] = [];
  readonly #rules: [string | RegExp, string][];

  constructor(rules: [string | RegExp, string][] = []) {
    this.#rules = rules;
  }

  answer(pattern: string | RegExp, response: string): this {
    this.#rules.unshift([pattern, response]);
    return this;
  }

  async send(line: string): Promise<Response> {
    this.lines.push(line);
    const head = line.split(' ', 1)[0];
    const rule = this.#rules.find(([pattern]) =>
      typeof pattern === 'string' ? pattern === line || pattern === head : pattern.test(line),
    );
    return parseResponse(rule ? rule[1] : notFound(line));
  }
}
