import { describe, expect, it } from 'vitest';
import { DeferredOutput } from '$server/net/deferred-output';

/** An output over a target that records each write it is given. */
function recorded() {
  const writes: string[] = [];
  return { writes, output: new DeferredOutput({ write: (text: string) => writes.push(text) }) };
}

/** Resolves after the immediates queued so far have run: the end of the event loop's current turn. */
const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DeferredOutput', () => {
  it('holds what is written during a turn and writes it once, in order, when the turn ends', async () => {
    const { writes, output } = recorded();
    output.write('data:1\n@alice@');
    output.write('data:2\n@alice@');
    expect(writes).toEqual([]);
    expect(output.heldLength).toBe(28);
    await endOfTurn();
    expect(writes).toEqual(['data:1\n@alice@data:2\n@alice@']);
    expect(output.heldLength).toBe(0);
  });

  it('writes every connection that holds output at the end of the same turn', async () => {
    const first = recorded();
    const second = recorded();
    first.output.write('a');
    second.output.write('b');
    await endOfTurn();
    expect([first.writes, second.writes]).toEqual([['a'], ['b']]);
  });

  it('writes at once once it holds 16 KiB, so a client that does not read meets back-pressure', () => {
    const { writes, output } = recorded();
    output.write('x'.repeat(16 * 1024 - 1));
    expect(writes).toEqual([]);
    output.write('y');
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(16 * 1024);
  });

  it('hands over what it holds on flush, and nothing again at the end of the turn', async () => {
    const { writes, output } = recorded();
    output.write('before end');
    output.flush();
    expect(writes).toEqual(['before end']);
    await endOfTurn();
    expect(writes).toEqual(['before end']);
  });

  it('still writes the other outputs when one socket throws at the end of the turn', async () => {
    const broken = new DeferredOutput({
      write: () => {
        throw new Error('socket gone');
      },
    });
    const healthy = recorded();
    broken.write('lost');
    healthy.output.write('kept');
    await endOfTurn();
    expect(healthy.writes).toEqual(['kept']);
    expect(broken.heldLength).toBe(0);
  });

  it('drops what it holds on discard', async () => {
    const { writes, output } = recorded();
    output.write('never sent');
    output.discard();
    await endOfTurn();
    expect(writes).toEqual([]);
  });

  it('writes output of a later turn in that turn', async () => {
    const { writes, output } = recorded();
    output.write('one');
    await endOfTurn();
    output.write('two');
    await endOfTurn();
    expect(writes).toEqual(['one', 'two']);
  });
});
