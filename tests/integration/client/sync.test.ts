import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { update } from '$lib/at/verbs/update';
import { del } from '$lib/at/verbs/delete';
import type { Requester } from '$lib/client/requester';
import { listConflicts } from '$lib/client/store/conflicts';
import { openAtSignDatabase } from '$lib/client/store/database';
import { readWatermark } from '$lib/client/store/meta';
import type { LocalWrite } from '$lib/client/store/outbox';
import type { AppliedBatch } from '$lib/client/store/pulled';
import { pullChanges } from '$lib/client/pull';
import { getRecord, listRecords } from '$lib/client/store/records';
import type { AtSignDatabase } from '$lib/client/store/schema';
import { SyncEngine, type SyncStatus } from '$lib/client/sync';
import { isCommitted } from '$server/atserver/store/keystore';
import { authenticateWithCram } from '$server/net/authenticate';
import { ProtocolClient } from '$server/net/protocol-client';
import { freshIndexedDb } from '../../support/fake-indexeddb';
import { recordChanges, startStack, type Stack } from '../atserver/harness';

const seeded = 300;

/** `update:isEncrypted:true:<name>@alice <value>`, as the client would send an encrypted self record. */
const updateLine = (name: string, value: string) =>
  update.format({
    verb: 'update',
    metadata: { isEncrypted: true },
    publicScope: false,
    atKey: name,
    atSign: 'alice',
    value,
  });
const deleteLine = (name: string) =>
  del.format({ verb: 'delete', publicScope: false, cached: false, atKey: name, atSign: 'alice' });

/** A local write of `<name>@alice`, its command built as the client builds it. */
const localUpdate = (name: string, value: string): LocalWrite => ({
  atKey: `${name}@alice`,
  command: updateLine(name, value),
  change: { op: 'update', value, metadata: { isEncrypted: 'true' } },
});
const localDelete = (name: string): LocalWrite => ({
  atKey: `${name}@alice`,
  command: deleteLine(name),
  change: { op: 'delete' },
});

describe('syncing the local store with a real atServer', () => {
  let stack: Stack;
  let secret: string;
  let admin: ProtocolClient;
  const open: ProtocolClient[] = [];
  let db: AtSignDatabase;
  let engine: SyncEngine;
  let decoded: AppliedBatch[];

  /** A new authenticated connection as @alice: another device, or this one after a reconnect. */
  const connection = async () => {
    const client = await ProtocolClient.connect({ host: 'localhost', port: stack.port('@alice'), ca: stack.tls.caPem });
    open.push(client);
    await authenticateWithCram(client, '@alice', secret);
    return client;
  };
  /** Sends a command from "another device" and expects `data:`. */
  const elsewhere = async (line: string) => {
    const response = await admin.send(line);
    if (response.kind !== 'data') throw new Error(`${line} failed: ${JSON.stringify(response)}`);
    return response.data;
  };
  /** Every record the server would sync, as key → value. */
  const serverRecords = () => {
    const { store, clock } = stack.host.server('@alice')!.context;
    const keys = store.keys.activeKeys(clock.now()).filter(isCommitted);
    return new Map(keys.map((key) => [key, store.keys.get(key)!.value]));
  };
  const localRecords = async () => new Map((await listRecords(db)).map((record) => [record.atKey, record.value]));
  const startEngine = async () => {
    db = await openAtSignDatabase('@alice');
    engine = await SyncEngine.open({ db, decode: (batch) => void decoded.push(batch) });
  };

  beforeAll(async () => {
    stack = await startStack();
    secret = (await stack.create('@alice')).cramSecret;
    admin = await connection();
    for (let i = 0; i < seeded; i += 1) await elsewhere(updateLine(`seed${i}.wavi`, `cipher-${i}-${'x'.repeat(40)}`));
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await stack.stop();
  });
  beforeEach(async () => {
    freshIndexedDb();
    decoded = [];
    await startEngine();
  });

  it('stores every record the server syncs, as the server holds it, and the latest commit id', async () => {
    const status = await engine.connect(await connection());
    expect(status).toMatchObject({ state: 'synced', queued: 0, conflicts: 0 });
    const server = serverRecords();
    expect(server.size).toBeGreaterThan(seeded);
    expect(await localRecords()).toEqual(server);
    expect(await readWatermark(db)).toBe(stack.host.server('@alice')!.context.store.commits.lastCommitId());
    expect(decoded.flatMap((batch) => batch.updated)).toHaveLength(server.size);
    expect(await getRecord(db, 'seed7.wavi@alice')).toMatchObject({ metadata: { isEncrypted: 'true' } });
  });

  it('pulls only what changed on the server since the last sync, deletes included', async () => {
    await engine.connect(await connection());
    decoded = [];
    for (const i of [1, 2, 3]) await elsewhere(updateLine(`seed${i}.wavi`, `changed-${i}`));
    for (const name of ['fresh1.wavi', 'fresh2.wavi']) await elsewhere(updateLine(name, 'new'));
    for (const i of [4, 5, 6]) await elsewhere(deleteLine(`seed${i}.wavi`));
    await engine.sync();
    const updated = decoded.flatMap((batch) => batch.updated.map((record) => record.atKey)).sort();
    expect(updated).toEqual([
      'fresh1.wavi@alice',
      'fresh2.wavi@alice',
      'seed1.wavi@alice',
      'seed2.wavi@alice',
      'seed3.wavi@alice',
    ]);
    expect(decoded.flatMap((batch) => batch.deleted).sort()).toEqual([
      'seed4.wavi@alice',
      'seed5.wavi@alice',
      'seed6.wavi@alice',
    ]);
    expect(await getRecord(db, 'seed4.wavi@alice')).toBeUndefined();
    expect(await getRecord(db, 'seed1.wavi@alice')).toMatchObject({ value: 'changed-1' });
    expect(await localRecords()).toEqual(serverRecords());
  });

  it('keeps writes made offline across a reload and sends them in the order they were made', async () => {
    await engine.connect(await connection());
    await engine.connect(undefined);
    await engine.write(localUpdate('a.wavi', 'a1'));
    await engine.write(localUpdate('b.wavi', 'b1'));
    await engine.write(localUpdate('a.wavi', 'a2'));
    await engine.write(localDelete('seed10.wavi'));
    expect(engine.status).toMatchObject({ state: 'offline', queued: 4 });
    expect(await getRecord(db, 'a.wavi@alice')).toMatchObject({ value: 'a2' });
    engine.close();
    db.close();

    await startEngine(); // the page reloaded: a new store on the same IndexedDB
    expect(engine.status).toMatchObject({ state: 'offline', queued: 4 });
    let status: SyncStatus | undefined;
    const changes = await recordChanges(stack, '@alice', async () => {
      status = await engine.connect(await connection());
    });
    expect(status).toMatchObject({ state: 'synced', queued: 0, conflicts: 0 });
    expect(changes.map(([operation]) => operation)).toEqual(['update', 'update', 'update', 'delete']);
    const commitIds = changes.map(([, commitId]) => commitId!);
    expect([...commitIds].sort((x, y) => x - y)).toEqual(commitIds);
    const server = serverRecords();
    expect([server.get('a.wavi@alice'), server.get('b.wavi@alice'), server.has('seed10.wavi@alice')]).toEqual([
      'a2',
      'b1',
      false,
    ]);
    expect(await getRecord(db, 'a.wavi@alice')).toEqual({
      atKey: 'a.wavi@alice',
      value: 'a2',
      metadata: { isEncrypted: 'true' },
      commitId: commitIds[2],
    });
  });

  it('records a key changed on both sides as a conflict, remote first, and pushes mine when I keep it', async () => {
    await engine.connect(await connection());
    await engine.connect(undefined);
    await engine.write(localUpdate('seed20.wavi', 'mine'));
    await elsewhere(updateLine('seed20.wavi', 'theirs'));
    const status = await engine.connect(await connection());
    expect(status).toMatchObject({ state: 'synced', queued: 0, conflicts: 1 });
    expect(serverRecords().get('seed20.wavi@alice')).toBe('theirs');
    expect(await getRecord(db, 'seed20.wavi@alice')).toMatchObject({ value: 'theirs' });
    const [conflict] = await listConflicts(db);
    expect(conflict).toMatchObject({
      kind: 'concurrent',
      atKey: 'seed20.wavi@alice',
      local: { command: updateLine('seed20.wavi', 'mine') },
      remote: { value: 'theirs' },
    });

    await engine.keepMine(conflict!.id!);
    expect(await engine.sync()).toMatchObject({ state: 'synced', queued: 0, conflicts: 0 });
    expect(serverRecords().get('seed20.wavi@alice')).toBe('mine');
    expect(await getRecord(db, 'seed20.wavi@alice')).toMatchObject({ value: 'mine' });
  });

  it('moves a write the server refuses to conflicts and still sends the writes after it', async () => {
    await engine.connect(await connection());
    await engine.connect(undefined);
    await engine.write(localUpdate('before.wavi', 'ok'));
    // Another atSign's key: the server answers AT0016.
    const refused = { ...localUpdate('x', 'no'), atKey: 'phone.wavi@bob', command: 'update:phone.wavi@bob no' };
    await engine.write(refused);
    await engine.write(localUpdate('after.wavi', 'ok'));
    const status = await engine.connect(await connection());
    expect(status).toMatchObject({ state: 'synced', queued: 0, conflicts: 1 });
    const server = serverRecords();
    expect([server.get('before.wavi@alice'), server.get('after.wavi@alice')]).toEqual(['ok', 'ok']);
    expect(await listConflicts(db)).toEqual([
      expect.objectContaining({
        kind: 'rejected',
        atKey: 'phone.wavi@bob',
        error: expect.objectContaining({ code: 'AT0016' }),
      }),
    ]);
    expect(await getRecord(db, 'phone.wavi@bob')).toBeUndefined();
  });

  it('stops pushing when the connection drops, keeps the rest queued and sends it on the next connection', async () => {
    await engine.connect(await connection());
    await engine.connect(undefined);
    for (const name of ['q1.wavi', 'q2.wavi', 'q3.wavi']) await engine.write(localUpdate(name, 'queued'));
    const dropping = await connection();
    let updates = 0;
    const flaky: Requester = {
      send(line) {
        if (line.startsWith('update:') && ++updates === 2) dropping.close();
        return dropping.send(line);
      },
    };
    expect(await engine.connect(flaky)).toMatchObject({ state: 'offline', queued: 2, error: { code: 'OFFLINE' } });
    expect(serverRecords().get('q1.wavi@alice')).toBe('queued');
    expect(serverRecords().has('q2.wavi@alice')).toBe(false);

    expect(await engine.connect(await connection())).toMatchObject({ state: 'synced', queued: 0 });
    expect(serverRecords().get('q3.wavi@alice')).toBe('queued');
  });

  it('tells its listeners offline, the queue length, syncing and synced', async () => {
    const seen: string[] = [];
    engine.subscribe((status) => seen.push(`${status.state}:${status.queued}`));
    await engine.write(localUpdate('status.wavi', 'v'));
    await engine.connect(await connection());
    expect(seen).toEqual(['offline:0', 'offline:1', 'syncing:1', 'synced:0']);
  });
});

describe('syncing from an atServer that cuts its batch answers short', () => {
  let stack: Stack;
  let client: ProtocolClient;

  beforeAll(async () => {
    // About one sync page of these records fits in a batch answer: the pages after it are left out.
    stack = await startStack({ limits: { maxBatchAnswerLength: 4_000 } });
    const { cramSecret } = await stack.create('@alice');
    client = await ProtocolClient.connect({ host: 'localhost', port: stack.port('@alice'), ca: stack.tls.caPem });
    await authenticateWithCram(client, '@alice', cramSecret);
    for (let i = 0; i < 120; i += 1) await client.send(updateLine(`r${i}.wavi`, `v${i}`));
  });
  afterAll(async () => {
    client.close();
    await stack.stop();
  });

  it('asks again for the pages left out and stores every record', async () => {
    freshIndexedDb();
    const db = await openAtSignDatabase('@alice');
    const sent: string[] = [];
    const recording: Requester = { send: (line) => (sent.push(line), client.send(line)) };
    const result = await pullChanges(db, recording);
    expect(result.watermark).toBe(stack.host.server('@alice')!.context.store.commits.lastCommitId());
    expect((await listRecords(db)).filter((record) => /^r\d+\.wavi@alice$/.test(record.atKey))).toHaveLength(120);
    // Each batch answer held its first page only: the other pages were asked for again, one request each.
    expect(sent.filter((line) => line.startsWith('sync:from:')).length).toBeGreaterThanOrEqual(3);
  });
});
