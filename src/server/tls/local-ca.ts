import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** PEM material for one TLS endpoint, plus where it lives on disk. */
export interface TlsMaterial {
  /** The CA certificate clients must trust. */
  caPem: string;
  /** The leaf certificate (serverAuth + clientAuth, so atServers also present it for mutual TLS). */
  certPem: string;
  keyPem: string;
  caPath: string;
  certPath: string;
  keyPath: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 86_400_000;
/** Reissue the leaf when it has less than this left, so a long-running stack never serves an expired cert. */
const renewWithinMs = 30 * dayMs;

const toPem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, ecdsa, true, ['sign'])) as CryptoKey;
}

const randomSerial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function createCa(): Promise<{ pem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=atstack local CA ${new Date(now).toISOString().slice(0, 10)}`,
    notBefore: new Date(now - dayMs),
    notAfter: new Date(now + 10 * 365 * dayMs),
    signingAlgorithm: ecdsa,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { pem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

async function issueLeaf(caPem: string, caKey: CryptoKey, hostNames: readonly string[]) {
  const ca = new x509.X509Certificate(caPem);
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const names = hostNames.map((name) =>
    isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name },
  );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${hostNames[0] ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore: new Date(now - dayMs),
    notAfter: new Date(now + 397 * dayMs),
    signingAlgorithm: ecdsa,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      // Client auth too: an atServer presents this same certificate when it connects to another atServer.
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  return { pem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

function leafIsUsable(certPem: string, caPem: string, hostNames: readonly string[]): boolean {
  try {
    const leaf = new X509Certificate(certPem);
    if (!leaf.verify(new X509Certificate(caPem).publicKey)) return false;
    if (Date.parse(leaf.validTo) - Date.now() < renewWithinMs) return false;
    return hostNames.every((name) => (isIP(name) ? leaf.checkIP(name) : leaf.checkHost(name)) !== undefined);
  } catch {
    return false;
  }
}

/**
 * Creates, on first use, a local certificate authority and a leaf certificate for `hostNames` in
 * `<dataDir>/tls`, so the whole stack runs with real TLS and mutual TLS out of the box. Existing files
 * are reused; the leaf is reissued when it no longer covers the host names or is close to expiry.
 *
 * @example
 * const tls = await ensureLocalCa('/var/lib/atstack', ['localhost', '127.0.0.1']);
 * tls.caPath; // '/var/lib/atstack/tls/ca.crt' — what clients must trust
 */
export async function ensureLocalCa(dataDir: string, hostNames: readonly string[]): Promise<TlsMaterial> {
  const dir = join(dataDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');

  let caPem = await readIfExists(caPath);
  let caKeyPem = await readIfExists(caKeyPath);
  if (!caPem || !caKeyPem) {
    const ca = await createCa();
    [caPem, caKeyPem] = [ca.pem, ca.keyPem];
    await writePrivate(caKeyPath, caKeyPem);
    await writeFile(caPath, caPem);
  }

  let certPem = await readIfExists(certPath);
  let keyPem = await readIfExists(keyPath);
  if (!certPem || !keyPem || !leafIsUsable(certPem, caPem, hostNames)) {
    const leaf = await issueLeaf(caPem, await importKeyPem(caKeyPem), hostNames);
    [certPem, keyPem] = [leaf.pem, leaf.keyPem];
    await writePrivate(keyPath, keyPem);
    await writeFile(certPath, certPem);
  }
  return { caPem, certPem, keyPem, caPath, certPath, keyPath };
}

/** Loads certificates an operator supplied (production), in the same shape as the local CA's. */
export async function loadTlsFiles(paths: { caPath: string; certPath: string; keyPath: string }): Promise<TlsMaterial> {
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(paths.caPath, 'utf8'),
    readFile(paths.certPath, 'utf8'),
    readFile(paths.keyPath, 'utf8'),
  ]);
  return { caPem, certPem, keyPem, ...paths };
}
