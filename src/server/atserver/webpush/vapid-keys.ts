/**
 * The host's VAPID key pair (RFC 8292): created on first start in `<dataDir>/webpush/vapid.json` (owner-only,
 * like the local CA's key) and kept, since every browser subscription is bound to its public key. Every
 * atSign of the host publishes the same public key (`public:vapid_publickey.__webpush@<atSign>`).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import webpush from 'web-push';

/** base64url: the public key is the 65-byte uncompressed P-256 point, the private key its 32-byte scalar. */
export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

const byteLength = (text: unknown) =>
  typeof text === 'string' && /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url').length : -1;

function readKeys(text: string, path: string): VapidKeys {
  const parsed = JSON.parse(text) as Partial<VapidKeys>;
  if (byteLength(parsed.publicKey) !== 65 || byteLength(parsed.privateKey) !== 32) {
    // Not replaced silently: a new pair would orphan every subscription made with the old public key.
    throw new Error(`${path} does not hold a VAPID key pair; move it away to create a new one`);
  }
  return { publicKey: parsed.publicKey!, privateKey: parsed.privateKey! };
}

/**
 * Reads the host's VAPID keys, creating them on first use.
 *
 * @throws Error when the file exists but holds no valid key pair.
 * @example (await ensureVapidKeys('/var/lib/atstack')).publicKey // 'BNc…' (87 characters)
 */
export async function ensureVapidKeys(dataDir: string): Promise<VapidKeys> {
  const dir = join(dataDir, 'webpush');
  const path = join(dir, 'vapid.json');
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) return readKeys(text, path);
  const keys = webpush.generateVAPIDKeys();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, JSON.stringify(keys) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (a CLI call, a second start) created it first: theirs is the pair.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeys(await readFile(path, 'utf8'), path);
    throw error;
  }
  await chmod(path, 0o600);
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}
