/**
 * The crypto benchmark's measurements, isomorphic: `npm run bench` runs this module in Node and, bundled by
 * `tests/support/browser-bundle.ts`, inside a Chromium page, so both runtimes run exactly the same code.
 * Results are plain data (they are structured-cloned out of the page).
 */
import { decryptAesBytes, encryptAesBytes } from '$lib/crypto/aes-ctr';
import { decryptAesBytesSync, encryptAesBytesSync } from '$lib/crypto/aes-ctr-sync';
import { generateAesKey, generateIvNonce, ivFromNonce } from '$lib/crypto/aes-key';
import { rsaDecrypt, rsaEncrypt } from '$lib/crypto/rsa-encryption';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { signRsa } from '$lib/crypto/rsa-signature';
import { heapPeak, latencies, percentile, throughput, type Budget, type HeapPeak } from './measure';

/** How much time the measurements may take. */
export interface CryptoBudgets {
  /** Per AES figure (one path, one direction, one size). */
  readonly aesMs: number;
  /** Per RSA figure; `rsaMaxRuns` caps the sample count first when RSA is fast. */
  readonly rsaMs: number;
  readonly rsaMaxRuns: number;
}

/** Throughput of one AES path, direction and size, one operation at a time. */
export interface AesFigure {
  readonly path: 'WebCrypto' | 'noble';
  readonly direction: 'encrypt' | 'decrypt';
  /** Plaintext bytes per operation (the ciphertext adds one block of PKCS#7 padding). */
  readonly bytes: number;
  readonly runs: number;
  readonly seconds: number;
}

/** Latency percentiles of one RSA operation. */
export interface RsaFigure {
  readonly operation: 'decrypt' | 'sign';
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Everything one runtime measured. */
export interface CryptoFigures {
  readonly aes: AesFigure[];
  readonly rsa: RsaFigure[];
  readonly heap: HeapPeak;
}

/** Plaintext sizes measured: a typical record and a blob (a file chunk). */
export const recordBytes = 1024;
export const blobBytes = 1024 * 1024;

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)));
  }
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

async function measureAes(budgets: CryptoBudgets): Promise<AesFigure[]> {
  const key = generateAesKey();
  const iv = ivFromNonce(generateIvNonce());
  const paths = {
    WebCrypto: { encrypt: encryptAesBytes, decrypt: decryptAesBytes },
    noble: { encrypt: encryptAesBytesSync, decrypt: decryptAesBytesSync },
  } as const;
  const figures: AesFigure[] = [];
  for (const bytes of [recordBytes, blobBytes]) {
    const plaintext = randomBytes(bytes);
    const ciphertext = await encryptAesBytes(plaintext, key, iv);
    const budget: Budget =
      bytes === recordBytes
        ? { ms: budgets.aesMs, minRuns: 100, maxRuns: 1_000_000, warmupRuns: 500 }
        : { ms: budgets.aesMs, minRuns: 3, maxRuns: 1_000, warmupRuns: 3 };
    for (const path of ['WebCrypto', 'noble'] as const) {
      const { encrypt, decrypt } = paths[path];
      // A figure for a path that gives wrong bytes would be meaningless: check once, outside the timing.
      if (
        !sameBytes(await encrypt(plaintext, key, iv), ciphertext) ||
        !sameBytes(await decrypt(ciphertext, key, iv), plaintext)
      ) {
        throw new Error(`the ${path} AES path does not round-trip ${bytes} bytes`);
      }
      const encrypted = await throughput(() => encrypt(plaintext, key, iv), budget);
      figures.push({ path, direction: 'encrypt', bytes, ...encrypted });
      const decrypted = await throughput(() => decrypt(ciphertext, key, iv), budget);
      figures.push({ path, direction: 'decrypt', bytes, ...decrypted });
    }
  }
  return figures;
}

async function measureRsa(budgets: CryptoBudgets): Promise<RsaFigure[]> {
  const { publicKey, privateKey } = await generateRsaKeyPair();
  // What the client unwraps most: a shared AES key (44 base64 characters) encrypted for this atSign.
  const sharedKey = generateAesKey();
  const envelope = await rsaEncrypt(sharedKey, publicKey);
  if ((await rsaDecrypt(envelope, privateKey)) !== sharedKey) throw new Error('RSA decrypt does not round-trip');
  const challenge = `_${crypto.randomUUID()}@alice:${crypto.randomUUID()}`;
  const budget: Budget = { ms: budgets.rsaMs, minRuns: 20, maxRuns: budgets.rsaMaxRuns, warmupRuns: 5 };
  const figure = (operation: RsaFigure['operation'], sorted: number[]): RsaFigure => ({
    operation,
    runs: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  });
  return [
    figure('decrypt', await latencies(() => rsaDecrypt(envelope, privateKey), budget)),
    figure('sign', await latencies(() => signRsa(challenge, privateKey, 'sha256'), budget)),
  ];
}

/**
 * Measures AES-256-CTR throughput (both paths, both directions, records and blobs) and RSA-2048 latencies, with
 * fresh random keys, and reports the peak JS heap seen meanwhile.
 *
 * @example
 * const figures = await measureCrypto({ aesMs: 600, rsaMs: 3_000, rsaMaxRuns: 200 });
 */
export async function measureCrypto(budgets: CryptoBudgets): Promise<CryptoFigures> {
  const aes = await measureAes(budgets);
  const rsa = await measureRsa(budgets);
  return { aes, rsa, heap: heapPeak() };
}
