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
 * A scripted server whose pages the tests shape (an APKAM connection's skipped windows are hard to produce on a real
 * one): each command gets the answer its function gives, and every command is kept. A `batch:` is answered as the
 * reference's batch handler does, its commands in order.
 */
class ScriptedRequester implements Requester {
  readonly sent: string[] = [];
  /** Each request in the order served: how many commands it held (1 for a plain command). */
  readonly requests: number[] = [];
  constructor(readonly answer: (line: string) => string) {}

  async send(line: string): Promise<Response> {
    if (!line.startsWith('batch:')) {
      this.requests.push(1);
      this.sent.push(line);
      return parseResponse(this.answer(line));
    }
    const commands = JSON.parse(line.slice('batch:'.length)) as { id: number; command: string }[];
    this.requests.push(commands.length);
    const replies: { id: number; response: Record<string, string> }[] = [];
    for (const { id, command } of commands) {
      this.sent.push(command);
      const reply = parseResponse(this.answer(command));
      if (reply.kind === 'data') replies.push({ id, response: { data: reply.data } });
      if (reply.kind === 'error') {
        replies.push({ id, response: { error_code: reply.code, error_message: reply.description } });
      }
    }
    return { kind: 'data', data: JSON.stringify(replies) };
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

/**
 * A scripted server answering lock-step, as a connection does: one request at a time, each a turn after it was
 * sent, so that answers can depend on what was asked meanwhile.
 */
class LockstepServer extends ScriptedRequester {
  #turn: Promise<unknown> = Promise.resolve();

  override send(line: string): Promise<Response> {
    const served = this.#turn.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return super.send(line);
    });
    this.#turn = served.catch(() => undefined);
    return served;
  }
}

/** Plain `sync:from` requests, a page each (two asked at a time), where the paging rules are easiest to see. */
const pageByPage = { pagesPerRequest: 1 };
const fromOf = (line: string) => Number(/^sync:from:(-?\d+)/.exec(line)![1]);

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
    expect((await pullChanges(db, server, pageByPage)).watermark).toBe(31);
    // The page from 24 was asked before the short page came back: dropped, and paging resumes from 3.
    expect(server.sent.slice(1)).toEqual([
      'sync:from:-1:limit:25',
      'sync:from:24:limit:25',
      'sync:from:3:limit:25',
      'sync:from:28:limit:25',
    ]);
  });

  it('steps over an empty page to the end of its window: every commit in it was skipped', async () => {
    // Commits 0–29 exist; the server skipped the whole window 0–24 (say, another namespace) and sends 25–29.
    const server = new ScriptedRequester((line) => {
      if (line === 'stats:3') return stat('3', '29');
      if (line === 'sync:from:-1:limit:25') return 'data:[]';
      if (line === 'sync:from:24:limit:25') return page(range(25, 29));
      return 'error:AT0003-unexpected';
    });
    const result = await pullChanges(db, server, pageByPage);
    expect(server.sent).toEqual(['stats:3', 'sync:from:-1:limit:25', 'sync:from:24:limit:25']);
    expect(result).toMatchObject({ updated: 5, watermark: 29 });
  });

  it('settles commits the server skips for this connection, up to the latest, without asking again', async () => {
    const server = new ScriptedRequester((line) => (line === 'stats:3' ? stat('3', '29') : 'data:[]'));
    expect(await pullChanges(db, server, pageByPage)).toMatchObject({ updated: 0, watermark: 29 });
    expect(server.sent).toEqual(['stats:3', 'sync:from:-1:limit:25', 'sync:from:24:limit:25']);
    expect(await readWatermark(db)).toBe(29);
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
    await expect(pullChanges(db, server, pageByPage)).rejects.toBeInstanceOf(OfflineError);
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

  it('asks for several pages in one batch command, and applies every entry once', async () => {
    const server = new LockstepServer((line) =>
      line === 'stats:3' ? stat('3', '199') : page(range(fromOf(line) + 1, Math.min(fromOf(line) + 25, 199))),
    );
    const decoded: string[] = [];
    const result = await pullChanges(db, server, {
      pagesPerRequest: 4,
      decode: (batch) => void decoded.push(...batch.updated.map((r) => r.atKey)),
    });
    expect(result).toEqual({ updated: 200, deleted: 0, conflicts: 0, watermark: 199 });
    expect(decoded).toHaveLength(200);
    expect(await listRecords(db)).toHaveLength(200);
    expect(server.sent.slice(1)).toEqual(range(0, 7).map((i) => `sync:from:${i * 25 - 1}:limit:25`));
    expect(server.requests).toEqual([1, 4, 4]);
  });

  it('resumes from the last entry of a page cut short, dropping the pages asked after it', async () => {
    // Page 24 is cut after commit 30 (a byte limit): 31–49 must come from a page from 30, not be skipped over.
    const server = new LockstepServer((line) => {
      if (line === 'stats:3') return stat('3', '99');
      const from = fromOf(line);
      if (from === 24) return page(range(25, 30));
      return page(range(from + 1, Math.min(from + 25, 99)));
    });
    const result = await pullChanges(db, server, { pagesPerRequest: 3 });
    expect(result).toMatchObject({ updated: 100, watermark: 99 });
    const commitIds = (await listRecords(db)).map((record) => record.commitId!);
    expect(commitIds.sort((a, b) => a - b)).toEqual(range(0, 99));
    expect(server.sent).toContain('sync:from:30:limit:25');
    expect(await readWatermark(db)).toBe(99);
  });

  it('keeps the newest version of a key that moved to a new commit while pages were in flight', async () => {
    // k10 is rewritten (commit 60) after the page from -1 was served and before the page from 49 is.
    let moved = false;
    const server = new LockstepServer((line) => {
      if (line === 'stats:3') return stat('3', '59');
      const from = fromOf(line);
      const ids = range(from + 1, Math.min(from + 25, 59)).filter((id) => !(moved && id === 10));
      if (from === -1) moved = true;
      const entries = ids.map(entry);
      if (from === 49) entries.push({ ...entry(60), atKey: 'k10.wavi@alice', value: 'newer' });
      return `data:${JSON.stringify(entries)}`;
    });
    const result = await pullChanges(db, server, { pagesPerRequest: 3 });
    expect(result.watermark).toBe(60);
    const k10 = (await listRecords(db)).find((record) => record.atKey === 'k10.wavi@alice');
    expect(k10).toMatchObject({ value: 'newer', commitId: 60 });
  });

  it('applies an entry once when a page from a sparse log reaches past pages already asked for', async () => {
    // Commits are far apart: the page from -1 already holds 0–240, so the pages from 24, 49, … add nothing new.
    const ids = range(0, 39).map((i) => i * 10);
    const server = new LockstepServer((line) => {
      if (line === 'stats:3') return stat('3', '390');
      const from = fromOf(line);
      return page(ids.filter((id) => id > from).slice(0, 25));
    });
    const batches: number[][] = [];
    await pullChanges(db, server, {
      pagesPerRequest: 3,
      decode: (batch) => void batches.push(batch.updated.map((record) => record.commitId!)),
    });
    expect(batches.flat().sort((a, b) => a - b)).toEqual(ids);
    expect(await readWatermark(db)).toBe(390);
  });

  it('asks again, alone, for the pages a server left out of its batch answer', async () => {
    // A server whose answers reach its size limit after the first page of each batch leaves the rest out.
    class Cutting extends LockstepServer {
      override send(line: string): Promise<Response> {
        return super.send(line).then((response) => {
          if (!line.startsWith('batch:') || response.kind !== 'data') return response;
          const replies = JSON.parse(response.data) as unknown[];
          return { kind: 'data', data: JSON.stringify(replies.slice(0, 1)) };
        });
      }
    }
    const server = new Cutting((line) =>
      line === 'stats:3' ? stat('3', '99') : page(range(fromOf(line) + 1, Math.min(fromOf(line) + 25, 99))),
    );
    const result = await pullChanges(db, server, { pagesPerRequest: 4 });
    expect(result).toMatchObject({ updated: 100, watermark: 99 });
    expect(server.sent.filter((line) => line === 'sync:from:24:limit:25')).toHaveLength(2);
    expect(server.requests).toEqual([1, 4, 1, 1, 1]);
  });

  it('reports a page of a batch that failed, keeping what was applied before it', async () => {
    const server = new LockstepServer((line) => {
      if (line === 'stats:3') return stat('3', '99');
      const from = fromOf(line);
      return from === 49 ? 'error:AT0011-Internal server exception' : page(range(from + 1, from + 25));
    });
    await expect(pullChanges(db, server, { pagesPerRequest: 3, batchEntries: 25 })).rejects.toMatchObject({
      code: 'AT0011',
    });
    expect(await readWatermark(db)).toBe(49);
  });
});
