import { describe, expect, it } from 'vitest';
import { parseResponse, type Response } from '$lib/at/response';
import { askBatch, LeftOutOfBatch } from '$lib/client/batch-request';
import { OfflineError } from '$lib/client/offline';
import type { Requester } from '$lib/client/requester';

/** Answers every request with `answer`, keeping the lines sent. */
function server(answer: string | Error): Requester & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async send(line: string): Promise<Response> {
      sent.push(line);
      if (answer instanceof Error) throw answer;
      return parseResponse(answer);
    },
  };
}

describe('asking several commands in one batch', () => {
  it('sends one batch line with the commands numbered in order', async () => {
    const requester = server('data:[{"id":0,"response":{"data":"ok"}},{"id":1,"response":{"data":"ok"}}]');
    await Promise.all(askBatch(requester, ['noop:0', 'llookup:phone@alice']));
    expect(requester.sent).toEqual(['batch:[{"id":0,"command":"noop:0"},{"id":1,"command":"llookup:phone@alice"}]']);
  });

  it("gives each command its own reply, matched by id whatever the answer's order", async () => {
    const requester = server(
      'data:[{"id":1,"response":{"error_code":"AT0015","error_message":"key not found"}},{"id":0,"response":{"data":"5"}}]',
    );
    const [first, second] = askBatch(requester, ['update:phone@alice 5', 'llookup:fax@alice']);
    expect(await first).toEqual({ kind: 'data', data: '5' });
    expect(await second).toEqual({ kind: 'error', code: 'AT0015', description: 'key not found' });
  });

  it('fails a command the server left out of its answer, and only that one', async () => {
    const requester = server('data:[{"id":0,"response":{"data":"ok"}}]');
    const [kept, dropped] = askBatch(requester, ['noop:0', 'enroll:list']);
    expect(await kept).toEqual({ kind: 'data', data: 'ok' });
    await expect(dropped).rejects.toMatchObject({ code: 'AT0014', message: expect.stringContaining('enroll:list') });
    await expect(dropped).rejects.toBeInstanceOf(LeftOutOfBatch);
  });

  it("fails every command with the server's error when the batch itself is refused", async () => {
    const answers = askBatch(server('error:AT0401-Client authentication failed'), ['noop:0', 'noop:1']);
    for (const answer of answers) await expect(answer).rejects.toMatchObject({ code: 'AT0401' });
  });

  it('fails every command as unexpected when the answer is not a list of replies', async () => {
    for (const answer of ['data:{"id":0}', 'data:[{"response":{"data":"x"}}]', 'data:not json']) {
      const [only] = askBatch(server(answer), ['noop:0']);
      await expect(only).rejects.toMatchObject({ code: 'AT0014' });
    }
  });

  it('fails every command as offline when no answer comes', async () => {
    const [only] = askBatch(server(new Error('socket closed')), ['noop:0']);
    await expect(only).rejects.toBeInstanceOf(OfflineError);
  });
});
