/**
 * Every vector of `tests/fixtures/crypto-vectors.json` as a named check that throws on a mismatch. Written once and
 * run twice: by Vitest in Node (`tests/unit/lib/crypto/crypto-vectors.test.ts`) and inside Chromium
 * (`tests/e2e/crypto-vectors.test.ts`), so both runtimes are held to the same bytes.
 */
import { encryptAes, decryptAes, encryptAesBytes } from '$lib/crypto/aes-ctr';
import { decryptAesSync, encryptAesSync } from '$lib/crypto/aes-ctr-sync';
import { readAtKeysFile, writeAtKeysFile } from '$lib/crypto/atkeys-file';
import { challengeFromResponse } from '$lib/crypto/challenge';
import { cramDigest } from '$lib/crypto/cram';
import { CryptoError, type CryptoErrorCode } from '$lib/crypto/crypto-error';
import { signData, verifyData } from '$lib/crypto/data-signature';
import { verifyEcc } from '$lib/crypto/ecc-p256';
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, utf8ToBytes } from '$lib/crypto/encoding';
import { signPkam, verifyPkam } from '$lib/crypto/pkam';
import { pkcs7Pad } from '$lib/crypto/pkcs7';
import { publicKeyChecksum } from '$lib/crypto/public-key-checksum';
import { rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { rsaPublicNumbers } from '$lib/crypto/rsa-keys';
import { createSharedKey, openSharedKey } from '$lib/crypto/shared-key';

/** The fixture's shape, as TypeScript infers it from the JSON. */
export type CryptoVectors = typeof import('../fixtures/crypto-vectors.json');

/** One named check; `run` resolves when every assertion in it holds and throws on the first that does not. */
export interface VectorCheck {
  readonly name: string;
  run(vectors: CryptoVectors): Promise<void>;
}

function equal(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function differ(actual: unknown, wrong: unknown, what: string): void {
  if (actual === wrong) throw new Error(`${what}: produced the known-wrong output ${JSON.stringify(wrong)}`);
}

async function rejects(attempt: () => unknown, code: CryptoErrorCode, what: string): Promise<void> {
  try {
    await attempt();
  } catch (error) {
    if (error instanceof CryptoError && error.code === code) return;
    throw new Error(`${what}: expected CryptoError ${code}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`${what}: expected CryptoError ${code}, but it succeeded`);
}

const ivNonceOf = (ivHex: string) => bytesToBase64(hexToBytes(ivHex));

function aesCaseChecks(vectors: CryptoVectors): VectorCheck[] {
  return vectors.aesCtrPkcs7.cases.map((c) => ({
    name: `aesCtrPkcs7 case "${c.name}" encrypts and decrypts to the vector on both AES paths`,
    async run() {
      const ivNonce = ivNonceOf(c.ivHex);
      equal(bytesToHex(pkcs7Pad(utf8ToBytes(c.plaintextUtf8))), c.paddedHex, 'PKCS#7 padding');
      equal(await encryptAes(c.plaintextUtf8, c.keyBase64, ivNonce), c.ciphertextBase64, 'WebCrypto encrypt');
      equal(await decryptAes(c.ciphertextBase64, c.keyBase64, ivNonce), c.plaintextUtf8, 'WebCrypto decrypt');
      equal(encryptAesSync(c.plaintextUtf8, c.keyBase64, ivNonce), c.ciphertextBase64, 'noble encrypt');
      equal(decryptAesSync(c.ciphertextBase64, c.keyBase64, ivNonce), c.plaintextUtf8, 'noble decrypt');
      if (c.ivNonce === null) {
        equal(await encryptAes(c.plaintextUtf8, c.keyBase64), c.ciphertextBase64, 'no ivNonce means the zero IV');
      } else {
        equal(c.ivNonce, ivNonce, 'the ivNonce is base64 of the IV');
      }
    },
  }));
}

function counterWrapChecks(vectors: CryptoVectors): VectorCheck[] {
  return vectors.aesCtrPkcs7.counterWrap.cases.map((c) => ({
    name: `counterWrap case "${c.name}" carries the counter over all 128 bits, not 64 or 32`,
    async run() {
      const wrong = c as { WRONG_if_counter_length_64?: string; WRONG_if_counter_length_32_like_node_forge?: string };
      for (const [path, ciphertext, plaintext] of [
        [
          'WebCrypto',
          await encryptAes(c.plaintextUtf8, c.keyBase64, c.ivNonce),
          await decryptAes(c.ciphertextBase64, c.keyBase64, c.ivNonce),
        ],
        [
          'noble',
          encryptAesSync(c.plaintextUtf8, c.keyBase64, c.ivNonce),
          decryptAesSync(c.ciphertextBase64, c.keyBase64, c.ivNonce),
        ],
      ] as const) {
        equal(ciphertext, c.ciphertextBase64, `${path} encrypt`);
        equal(plaintext, c.plaintextUtf8, `${path} decrypt`);
        differ(ciphertext, wrong.WRONG_if_counter_length_64, `${path} encrypt (64-bit counter)`);
        differ(ciphertext, wrong.WRONG_if_counter_length_32_like_node_forge, `${path} encrypt (32-bit counter)`);
      }
      equal(ivNonceOf(c.ivHex), c.ivNonce, 'the ivNonce is base64 of the IV');
    },
  }));
}

const fixedChecks: VectorCheck[] = [
  {
    name: 'decrypts the Dart-made .atKeys file to the exact key strings',
    async run(v) {
      const keys = await readAtKeysFile(JSON.stringify(v.atKeysFile.fileJson));
      const plain = v.atKeysFile.decrypted;
      equal(keys.pkamPublicKey, plain.aesPkamPublicKey, 'pkamPublicKey');
      equal(keys.pkamPrivateKey, plain.aesPkamPrivateKey, 'pkamPrivateKey');
      equal(keys.encryptionPublicKey, plain.aesEncryptPublicKey, 'encryptionPublicKey');
      equal(keys.encryptionPrivateKey, plain.aesEncryptPrivateKey, 'encryptionPrivateKey');
      equal(keys.selfEncryptionKey, v.atKeysFile.selfEncryptionKey, 'selfEncryptionKey');
      equal(keys.apkamSymmetricKey, v.atKeysFile.fileJson.apkamSymmetricKey, 'apkamSymmetricKey');
      equal(keys.enrollmentId, v.atKeysFile.fileJson.enrollmentId, 'enrollmentId');
      equal(keys.atSign, v.atKeysFile.atSign, 'atSign');
      for (const [name, lengths] of Object.entries(v.atKeysFile.decryptedLengths)) {
        equal(plain[name as keyof typeof plain].length, lengths.base64Chars, `${name} length`);
      }
    },
  },
  {
    name: 're-encrypting the decrypted .atKeys file reproduces the Dart file byte for byte',
    async run(v) {
      const text = JSON.stringify(v.atKeysFile.fileJson);
      equal(Object.keys(v.atKeysFile.fileJson).join(','), v.atKeysFile.fileKeyOrder.join(','), 'fixture key order');
      equal(await writeAtKeysFile(await readAtKeysFile(text)), text, 'rewritten file');
    },
  },
  {
    name: 'reads the .atKeys file whatever the order of its fields',
    async run(v) {
      const reversed = Object.fromEntries(Object.entries(v.atKeysFile.fileJson).reverse());
      const keys = await readAtKeysFile(JSON.stringify(reversed));
      equal(keys.encryptionPrivateKey, v.atKeysFile.decrypted.aesEncryptPrivateKey, 'encryptionPrivateKey');
      equal(keys.atSign, v.atKeysFile.atSign, 'atSign');
    },
  },
  {
    name: 'the Dart RSA keys are 2048-bit, e=65537, and re-export byte-identically through WebCrypto',
    async run(v) {
      const plain = v.atKeysFile.decrypted;
      for (const [name, pub, priv, check] of [
        ['pkam', plain.aesPkamPublicKey, plain.aesPkamPrivateKey, v.atKeysFile.checks.pkamKey],
        ['encryption', plain.aesEncryptPublicKey, plain.aesEncryptPrivateKey, v.atKeysFile.checks.encryptionKey],
      ] as const) {
        const { n, e } = await rsaPublicNumbers(pub);
        equal(n.toString(2).length, check.modulusBits, `${name} modulus bits`);
        equal(e, BigInt(check.publicExponent), `${name} exponent`);
        const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
        const spki = await crypto.subtle.importKey('spki', base64ToBytes(pub), alg, true, ['verify']);
        const pkcs8 = await crypto.subtle.importKey('pkcs8', base64ToBytes(priv), alg, true, ['sign']);
        equal(bytesToBase64(new Uint8Array(await crypto.subtle.exportKey('spki', spki))), pub, `${name} SPKI`);
        equal(bytesToBase64(new Uint8Array(await crypto.subtle.exportKey('pkcs8', pkcs8))), priv, `${name} PKCS#8`);
        const digest = await crypto.subtle.digest('SHA-256', base64ToBytes(pub));
        equal(bytesToHex(new Uint8Array(digest)), check.spkiDerSha256, `${name} SPKI digest`);
        equal(bytesToHex(base64ToBytes(pub)).startsWith(v.atKeysFile.checks.spkiPrefix), true, `${name} SPKI prefix`);
      }
    },
  },
  {
    name: 'refuses the unpadded CTR ciphertext that Dart would refuse, on both AES paths',
    async run(v) {
      const bad = v.aesCtrPkcs7.negative.unpaddedCtrOfHello;
      const key = v.aesCtrPkcs7.cases[0]?.keyBase64 ?? '';
      await rejects(() => decryptAes(bad, key), 'bad-length', 'WebCrypto');
      await rejects(() => decryptAesSync(bad, key), 'bad-length', 'noble');
    },
  },
  {
    name: 'CRAM digests are hex(sha512(secret + challenge)) for every case',
    async run(v) {
      for (const c of v.cram.cases) {
        const challenge = challengeFromResponse(c.fromResponseRaw);
        equal(challenge, c.challenge, `${c.atSign} challenge`);
        equal(c.secret + challenge, c.digestInputUtf8, `${c.atSign} digest input`);
        const digest = await cramDigest(c.secret, challenge);
        equal(digest, c.digestSha512Hex, `${c.atSign} digest`);
        equal(`cram:${digest}`, c.cramCommand.trimEnd(), `${c.atSign} command digest`);
      }
    },
  },
  {
    name: 'RSA PKAM signatures equal the SHA-256 and SHA-512 vectors and verify as the server does',
    async run(v) {
      const p = v.pkamRsa;
      const challenge = challengeFromResponse(p.fromResponseRaw);
      equal(challenge, p.challenge, 'challenge');
      for (const [hashingAlgo, expected] of [
        ['sha256', p.signatureSha256Base64],
        ['sha512', p.signatureSha512Base64],
      ] as const) {
        const signed = await signPkam(challenge, p.pkamPrivateKey, { hashingAlgo });
        equal(signed.signature, expected, `${hashingAlgo} signature`);
        equal(signed.signingAlgo, 'rsa2048', `${hashingAlgo} signingAlgo`);
        const check = { challenge, signature: expected, publicKey: p.pkamPublicKey, hashingAlgo };
        equal(await verifyPkam(check), true, `${hashingAlgo} verifies`);
        equal(await verifyPkam({ ...check, challenge: `${challenge}x` }), false, `${hashingAlgo} other challenge`);
      }
      equal(p.commands.legacyNoEnrollment.trimEnd(), `pkam:${p.signatureSha256Base64}`, 'legacy command signature');
    },
  },
  {
    name: 'the ECC PKAM vector verifies, and a fresh ECC signature round-trips',
    async run(v) {
      const e = v.pkamEcc;
      equal(String.fromCharCode(...base64ToBytes(e.signatureWireBase64)), e.signatureCompactHex, 'wire encoding');
      equal(await verifyEcc(e.challenge, e.signatureWireBase64, e.keyPair.publicKeyHex), true, 'vector verifies');
      const check = {
        challenge: e.challenge,
        publicKey: e.keyPair.publicKeyHex,
        signingAlgo: 'ecc_secp256r1',
      } as const;
      equal(await verifyPkam({ ...check, signature: e.signatureWireBase64 }), true, 'verifyPkam');
      equal(await verifyPkam({ ...check, challenge: 'other', signature: e.signatureWireBase64 }), false, 'other');
      const signed = await signPkam(e.challenge, e.keyPair.privateKeyPkcs8Base64, { signingAlgo: 'ecc_secp256r1' });
      equal(/^[0-9a-f]{128}$/.test(String.fromCharCode(...base64ToBytes(signed.signature))), true, 'fresh wire form');
      equal(await verifyPkam({ ...check, signature: signed.signature }), true, 'fresh signature verifies');
    },
  },
  {
    name: 'pubKeyCS is the MD5 hex of the public key string for every case',
    async run(v) {
      for (const c of v.publicKeyChecksum.cases) equal(publicKeyChecksum(c.publicKeyBase64), c.pubKeyCS, c.atSign);
      equal(publicKeyChecksum(v.fixtures.bob.encryptionPublicKey), v.sharing.value.metadata.pubKeyCS, 'bob metadata');
    },
  },
  {
    name: 'the public data signature equals the vector and verifies with the encryption public key',
    async run(v) {
      const d = v.publicDataSignature;
      equal(await signData(d.value, v.atKeysFile.decrypted.aesEncryptPrivateKey), d.dataSignature, 'signature');
      equal(await verifyData(d.value, d.dataSignature, v.atKeysFile.decrypted.aesEncryptPublicKey), true, 'verify');
      equal(
        await verifyData(`${d.value}!`, d.dataSignature, v.atKeysFile.decrypted.aesEncryptPublicKey),
        false,
        'tamper',
      );
    },
  },
  {
    name: 'my copy and their copy of the shared key open with alice and bob private keys',
    async run(v) {
      const s = v.sharing;
      equal(
        await openSharedKey(s.myCopy.ciphertextBase64, v.atKeysFile.decrypted.aesEncryptPrivateKey),
        s.myCopy.decryptsTo,
        'my copy',
      );
      equal(
        await openSharedKey(s.theirCopy.ciphertextBase64, v.fixtures.bob.encryptionPrivateKey),
        s.theirCopy.decryptsTo,
        'their copy',
      );
      equal(s.myCopy.decryptsTo, s.sharedSymmetricKeyBase64, 'shared key');
      await rejects(
        () => openSharedKey(s.theirCopy.ciphertextBase64, v.atKeysFile.decrypted.aesEncryptPrivateKey),
        'decrypt-failed',
        'their copy with alice key',
      );
    },
  },
  {
    name: 'the shared value encrypts and decrypts with its ivNonce and with the zero IV',
    async run(v) {
      const { value, sharedSymmetricKeyBase64: key } = v.sharing;
      equal(await encryptAes(value.plaintext, key, value.ivNonce), value.ciphertextBase64, 'encrypt with ivNonce');
      equal(
        await decryptAes(value.ciphertextBase64, key, value.metadata.ivNonce),
        value.plaintext,
        'decrypt with ivNonce',
      );
      equal(await encryptAes(value.plaintext, key), value.ciphertextBase64IfLegacyZeroIv, 'encrypt zero IV');
      equal(await decryptAes(value.ciphertextBase64IfLegacyZeroIv, key), value.plaintext, 'decrypt zero IV');
      const sharedKey = await openSharedKey(value.metadata.sharedKeyEnc, v.fixtures.bob.encryptionPrivateKey);
      equal(await decryptAes(value.ciphertextBase64, sharedKey, value.metadata.ivNonce), value.plaintext, 'as bob');
    },
  },
  {
    name: 'a freshly created shared key envelope opens for both sharer and recipient',
    async run(v) {
      const alice = v.atKeysFile.decrypted;
      const bob = v.fixtures.bob;
      const created = await createSharedKey(alice.aesEncryptPublicKey, bob.encryptionPublicKey);
      equal(base64ToBytes(created.myCopy).length, 256, 'my copy is 256 bytes');
      equal(base64ToBytes(created.theirCopy).length, 256, 'their copy is 256 bytes');
      equal(await openSharedKey(created.myCopy, alice.aesEncryptPrivateKey), created.sharedKey, 'my copy');
      equal(await openSharedKey(created.theirCopy, bob.encryptionPrivateKey), created.sharedKey, 'their copy');
      equal(
        await openSharedKey(await rsaEncrypt(created.sharedKey, bob.encryptionPublicKey), bob.encryptionPrivateKey),
        created.sharedKey,
        'rsaEncrypt',
      );
    },
  },
  {
    name: 'self data encrypts and decrypts with its ivNonce and with the zero IV',
    async run(v) {
      const s = v.selfEncryption;
      equal(await encryptAes(s.plaintext, s.selfEncryptionKey, s.ivNonce), s.ciphertextBase64, 'encrypt with ivNonce');
      equal(await decryptAes(s.ciphertextBase64, s.selfEncryptionKey, s.ivNonce), s.plaintext, 'decrypt with ivNonce');
      equal(await encryptAes(s.plaintext, s.selfEncryptionKey), s.ciphertextBase64LegacyZeroIv, 'encrypt zero IV');
      equal(await decryptAes(s.ciphertextBase64LegacyZeroIv, s.selfEncryptionKey), s.plaintext, 'decrypt zero IV');
      await rejects(
        () => decryptAes(s.ciphertextBase64, v.enrollment.apkamSymmetricKey, s.ivNonce),
        'bad-padding',
        'wrong key',
      );
    },
  },
  {
    name: 'enrollment E1/E2 round-trip under the apkamSymmetricKey and the APKAM key unwraps',
    async run(v) {
      const e = v.enrollment;
      const plain = v.atKeysFile.decrypted;
      const e1 = e.encryptedDefaultEncryptionPrivateKey.value;
      const e2 = e.encryptedDefaultSelfEncryptionKey.value;
      equal(await decryptAes(e1, e.apkamSymmetricKey), plain.aesEncryptPrivateKey, 'E1 decrypts');
      equal(await decryptAes(e2, e.apkamSymmetricKey), v.atKeysFile.selfEncryptionKey, 'E2 decrypts');
      equal(await encryptAes(plain.aesEncryptPrivateKey, e.apkamSymmetricKey), e1, 'E1 encrypts');
      equal(await encryptAes(v.atKeysFile.selfEncryptionKey, e.apkamSymmetricKey), e2, 'E2 encrypts');
      const apkam = await openSharedKey(e.encryptedAPKAMSymmetricKey.value, plain.aesEncryptPrivateKey);
      equal(apkam, e.encryptedAPKAMSymmetricKey.decryptsTo, 'encryptedAPKAMSymmetricKey');
      equal(apkam, e.apkamSymmetricKey, 'apkamSymmetricKey');
    },
  },
  {
    name: 'bob decrypts the monitor notification value to the expected plaintext',
    async run(v) {
      const n = v.notification.monitorJsonAsReceivedByBob;
      const sharedKey = await openSharedKey(n.metadata.sharedKeyEnc, v.fixtures.bob.encryptionPrivateKey);
      equal(await decryptAes(n.value, sharedKey, n.metadata.ivNonce), v.notification.recipientDecryptsTo, 'value');
      const bytes = await encryptAesBytes(
        utf8ToBytes(v.notification.recipientDecryptsTo),
        sharedKey,
        base64ToBytes(n.metadata.ivNonce),
      );
      equal(bytesToBase64(bytes), n.value, 'the bytes path gives the same ciphertext');
    },
  },
  {
    // Not from the fixture: base64 decoding is strict in every runtime, whichever native decoder it has.
    name: 'base64 round-trips every length and refuses whitespace, missing padding and the URL-safe alphabet',
    async run() {
      for (let length = 0; length <= 40; length++) {
        const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length * 31) % 256);
        const text = bytesToBase64(bytes);
        equal(bytesToHex(base64ToBytes(text)), bytesToHex(bytes), `${length} bytes`);
      }
      equal(bytesToBase64(Uint8Array.of(0xfb, 0xff, 0xbf)), '+/+/', 'the standard alphabet');
      for (const bad of [
        'AAE',
        'AA',
        'AA=',
        'AA=A',
        'A===',
        '====',
        'AAEC AAEC',
        'AAEC\nAAEC',
        ' AAEC',
        'AA E',
        '-_-_',
      ]) {
        await rejects(() => base64ToBytes(bad), 'bad-encoding', JSON.stringify(bad));
      }
    },
  },
];

/**
 * All checks for `vectors`, in a stable order. Per-case checks are generated from the fixture, so a vector added
 * to the fixture is checked without touching this file.
 *
 * @example
 * for (const check of cryptoVectorChecks(vectors)) await check.run(vectors);
 */
export function cryptoVectorChecks(vectors: CryptoVectors): VectorCheck[] {
  return [...fixedChecks, ...aesCaseChecks(vectors), ...counterWrapChecks(vectors)];
}

/** What one check did: its name, and its error message when it failed. */
export interface CheckOutcome {
  readonly name: string;
  readonly error?: string;
}

/**
 * Runs every check in order and reports each outcome instead of throwing: how a runtime that is not Vitest (a
 * Chromium page) runs them, since plain data crosses out of a page and functions do not.
 *
 * @example
 * const failed = (await runCryptoVectorChecks(vectors)).filter((outcome) => outcome.error !== undefined);
 */
export async function runCryptoVectorChecks(vectors: CryptoVectors): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of cryptoVectorChecks(vectors)) {
    try {
      await check.run(vectors);
      outcomes.push({ name: check.name });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      outcomes.push({ name: check.name, error: message });
    }
  }
  return outcomes;
}
