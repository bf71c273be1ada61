import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../atserver/harness';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ atSigns: ['@erin', '@frank'], limits: { autoNotify: false } });
});
afterAll(() => stack.stop());

it('probe', async () => {
  const erin = await stack.owner('@erin');
  const frank = await stack.owner('@frank');
  const out: string[] = [];
  await erin.send('update:public:publickey@erin K1');
  out.push(await frank.send('lookup:nothing@erin'));
  out.push(await frank.send('plookup:publickey@erin'));
  out.push(await frank.send('stats:2'));
  await erin.send('update:public:publickey@erin K2');
  out.push(await frank.send('plookup:publickey@erin'));
  out.push(await frank.send('stats:2'));
  out.push(await frank.send('plookup:bypassCache:true:all:publickey@erin'));
  out.push(await frank.send('llookup:all:cached:public:publickey@erin'));
  console.log(out.join('\n'));
});
