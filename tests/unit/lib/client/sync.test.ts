import { beforeEach, describe, expect, it } from 'vitest';
import { parseResponse } from '$lib/at/response';
import type { Requester } from '$lib/client/requester';
import { openAtSignDatabase } from '$lib/client/store/database';
import { SyncEngine, type SyncStatus } from '$lib/client/sync';
import { freshIndexedDb } from '../../../support/fake-indexeddb';

/** A transport that fails its first `failures` requests, then answers as an empty atServer would. */
function flakyServer(failures: number): Requester {
  let calls = 0;
  return {
    async send(line) {
      calls += 1;
      if (calls <= failures) throw new Error('socket closed');
      if (line === 'stats:3') return parseResponse('data: [{"id":"3","name":"lastCommitID","value":"null"}]');
      return parseResponse('data:7');
    },
  };
}

describe('the sync engine', () => {
  beforeEach(() => freshIndexedDb());

  it('goes offline when the server cannot be reached and, given retryMs, tries again by itself', async () => {
    const db = await openAtSignDatabase('@alice');
    const engine = await SyncEngine.open({ db, retryMs: 1 });
    const seen: string[] = [];
    const synced = new Promise<SyncStatus>((resolve) =>
      engine.subscribe((status) => {
        seen.push(`${status.state}:${status.queued}${status.error ? `:${status.error.code}` : ''}`);
        if (status.state === 'synced') resolve(status);
      }),
    );
    await engine.write({
      atKey: 'a@alice',
      command: 'update:a@alice 1',
      change: { op: 'update', value: '1', metadata: {} },
    });
    void engine.connect(flakyServer(1));
    expect(await synced).toMatchObject({ state: 'synced', queued: 0 });
    expect(seen).toEqual(['offline:0', 'offline:1', 'syncing:1', 'offline:1:OFFLINE', 'syncing:1', 'synced:0']);
    engine.close();
    db.close();
  });

  it('reports a refusal to sync as failed, with the server’s code', async () => {
    const db = await openAtSignDatabase('@alice');
    const engine = await SyncEngine.open({ db });
    const refusing: Requester = { send: async () => parseResponse('error:AT0009-Exception: not enrolled') };
    expect(await engine.connect(refusing)).toMatchObject({ state: 'failed', error: { code: 'AT0009' } });
    engine.close();
    db.close();
  });

  it('runs one more cycle for a sync asked for during a cycle', async () => {
    const db = await openAtSignDatabase('@alice');
    const engine = await SyncEngine.open({ db });
    const lines: string[] = [];
    const server: Requester = {
      async send(line) {
        lines.push(line);
        return flakyServer(0).send(line);
      },
    };
    const first = engine.connect(server);
    const second = engine.sync();
    await Promise.all([first, second]);
    expect(lines).toEqual(['stats:3', 'stats:3']);
    engine.close();
    db.close();
  });
});
