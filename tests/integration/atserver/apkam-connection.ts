import { randomUUID } from 'node:crypto';
import { generateEccKeyPair } from '$lib/crypto/ecc-p256';
import { signPkam } from '$lib/crypto/pkam';
import { enrollmentKey, type EnrollmentRecord } from '$server/atserver/enrollments';
import { freshMetadata } from '$server/atserver/records';
import type { Stack, TestConnection } from './harness';

/**
 * Stores an enrollment record for `atSign` straight into its store (as `enroll:approve` would leave it) and
 * returns a connection authenticated with it over APKAM (`pkam:…:enrollmentId:<id>:…`, ECC P-256), so tests
 * of namespace authorization need not go through the `enroll` verb.
 */
export async function apkamConnection(
  stack: Stack,
  atSign: string,
  namespaces: EnrollmentRecord['namespaces'],
  state: EnrollmentRecord['approval']['state'] = 'approved',
): Promise<{ connection: TestConnection; enrollmentId: string }> {
  const server = stack.host.server(atSign);
  if (!server) throw new Error(`${atSign} is not hosted`);
  const enrollmentId = randomUUID();
  const keys = await generateEccKeyPair();
  const record: EnrollmentRecord = {
    appName: 'wavi',
    deviceName: `device-${enrollmentId.slice(0, 8)}`,
    namespaces,
    apkamPublicKey: keys.publicKey,
    requestType: 'newEnrollment',
    approval: { state: 'approved' },
  };
  const store = server.context.store;
  const metadata = freshMetadata(atSign, stack.clock.now());
  const key = enrollmentKey(enrollmentId, atSign);
  await store.keys.put({ key, value: JSON.stringify(record), metadata }, '*', { skipCommit: true });
  const connection = await stack.connect(atSign);
  const challenge = (await connection.send(`from:${atSign}`)).slice('data:'.length);
  const { signature } = await signPkam(challenge, keys.privateKey, { signingAlgo: 'ecc_secp256r1' });
  const answer = await connection.send(
    `pkam:signingAlgo:ecc_secp256r1:hashingAlgo:sha256:enrollmentId:${enrollmentId}:${signature}`,
  );
  if (answer !== 'data:success') throw new Error(`APKAM failed: ${answer}`);
  if (state !== 'approved') {
    // A later change of state (revoked, …) as the enroll verb would make it, after authentication.
    const value = JSON.stringify({ ...record, approval: { state } });
    await store.keys.put({ key, value, metadata }, '*', { skipCommit: true });
  }
  return { connection, enrollmentId };
}
