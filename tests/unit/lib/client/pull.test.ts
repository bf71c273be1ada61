import { beforeEach, describe, expect, it } from 'vitest';
import { parseResponse, type Response } from '$lib/at/response';
import { OfflineError } from '$lib/client/offline';
import { pullChanges } from '$lib/client/pull';
import type { Requester } from '$lib/client/requester';
import { openAtSignDatabase } from '$lib/client/store/database';
import { readWatermark } from '$lib/client/store/meta';
import { listRecords } from '$lib/client/store/records';
import type { AtSignDatabase } from '$lib/client/store/schema';
import { freshIndexedDb } from '../../../support/fake-indexeddb';

/**
 * A scripted transport standing in for a server whose pages the tests shape (an APKAM connection's skipped
 * windows are hard to produce on a real one): each line gets the answer its function gives, every line is kept.
 */
class ScriptedRequester implements Requester {
  readonly sent: string[] = [];
  constructor(readonly answer: (line: string) => string) {}
  async send(line: string): Promise<Response> {
    this.sent.push(line);
    return parseResponse(this.answer(line));
  }
}

const entry = (commitId: number) => ({
  atKey: `k${commitId}.wavi@alice`,
  value: `v${commitId}`,
  metadata: { version: '0' },
  commitId,
  operation: '*',
});
const page = (ids: number[]) => `data:${JSON.stringify(ids.map(entry))}`;
const stat = (id: string, value: string) => `data: [${JSON.stringify({ id, name: 'stat', value })}]`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('pulling sync pages', () => {
  let db: AtSignDatabase;
  beforeEach(async () => {
    freshIndexedDb();
    db = await openAtSignDatabase('@alice');
  });

  it('pages from the watermark until the latest commit id, applying every entry', async () => {
    const server = new ScriptedRequester((line) => {
      if (line === 'stats:3') return stat('3', '59');
      const from = Number(/^sync:from:(-?\d+):limit:25$/.exec(line)![1]);
      return page(range(from + 1, Math.min(from + 25, 59)));
    });
    const result = await pullChanges(db, server);
    expect(server.sent).toEqual(['stats:3', 'sync:from:-1:limit:25', 'sync:from:24:limit:25', 'sync:from:49:limit:25']);
    expect(result).toEqual({ updated: 60, deleted: 0, conflicts: 0, watermark: 59 });
    expect(await listRecords(db)).toHaveLength(60);
    expect(await readWatermark(db)).toBe(59);
  });

  it('keeps paging after a short page that ends before the latest commit', async () => {
    const pages: Record<string, number[]> = { '-1': [0, 3], '3': [30, 31] };
    const server = new ScriptedRequester((line) =>
      line === 'stats:3' ? stat('3', '31') : page(pages[/^sync:from:(-?\d+)/.exec(line)![1]!] ?? []),
    );
    expect((await pullChanges(db, server)).watermark).toBe(31);
    expect(server.sent.slice(1)).toEqual(['sync:from:-1:limit:25', 'sync:from:3:limit:25']);
  });

  it('steps over an empty page to the end of the window the server skipped, found with stats:15', async () => {
    // Commits 0–29 exist; the server skipped the whole window 0–24 (say, another namespace) and sends 25–29.
    const latest = Object.fromEntries(range(0, 29).map((id) => [`k${id}.wavi@alice`, [id, '*']]));
    const server = new ScriptedRequester((line) => {
      if (line === 'stats:3') return stat('3', '29');
      if (line === 'stats:15') return stat('15', JSON.stringify(latest));
      if (line === 'sync:from:-1:limit:25') return 'data:[]';
      if (line === 'sync:from:24:limit:25') return page(range(25, 29));
      return 'error:AT0003-unexpected';
    });
    const result = await pullChanges(db, server);
    expect(server.sent).toEqual(['stats:3', 'sync:from:-1:limit:25', 'stats:15', 'sync:from:24:limit:25']);
    expect(result).toMatchObject({ updated: 5, watermark: 29 });
  });

  it('stops without losing its place when an empty page cannot be stepped over', async () => {
    const server = new ScriptedRequester((line) =>
      line === 'stats:3' ? stat('3', '29') : line === 'stats:15' ? 'error:null:InvalidSyntaxException' : 'data:[]',
    );
    expect(await pullChanges(db, server)).toMatchObject({ updated: 0, watermark: -1 });
    expect(await readWatermark(db)).toBe(-1);
  });

  it('keeps the pages applied before the connection failed, and reports the failure', async () => {
    let calls = 0;
    const server: Requester = {
      async send(line) {
        calls += 1;
        if (line === 'stats:3') return parseResponse(stat('3', '49'));
        if (calls > 2) throw new Error('socket closed');
        return parseResponse(page(range(0, 24)));
      },
    };
    await expect(pullChanges(db, server)).rejects.toBeInstanceOf(OfflineError);
    expect(await readWatermark(db)).toBe(24);
    expect(await listRecords(db)).toHaveLength(25);
  });

  it('hands every applied batch to decode, each record once', async () => {
    const server = new ScriptedRequester((line) => {
      if (line === 'stats:3') return stat('3', '59');
      const from = Number(/^sync:from:(-?\d+)/.exec(line)![1]);
      return page(range(from + 1, Math.min(from + 25, 59)));
    });
    const decoded: string[] = [];
    await pullChanges(db, server, { decode: (batch) => void decoded.push(...batch.updated.map((r) => r.atKey)) });
    expect(decoded.sort()).toEqual(
      range(0, 59)
        .map((id) => `k${id}.wavi@alice`)
        .sort(),
    );
  });

  it('reports a decode failure after storing the batch it failed on', async () => {
    const server = new ScriptedRequester((line) => (line === 'stats:3' ? stat('3', '1') : page([0, 1])));
    await expect(
      pullChanges(db, server, {
        decode: () => {
          throw new Error('cannot decrypt');
        },
      }),
    ).rejects.toThrow('cannot decrypt');
    expect(await readWatermark(db)).toBe(1);
  });

  it('asks nothing more when the store is already at the latest commit', async () => {
    const server = new ScriptedRequester((line) => (line === 'stats:3' ? stat('3', 'null') : page([])));
    expect(await pullChanges(db, server)).toEqual({ updated: 0, deleted: 0, conflicts: 0, watermark: -1 });
    expect(server.sent).toEqual(['stats:3']);
  });
});
