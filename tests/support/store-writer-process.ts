/**
 * A process that writes to an atSign store without pause, for kill -9 tests:
 * `node --import tsx tests/support/store-writer-process.ts <db>` writes `k<n>@alice` records of about 2 KB,
 * eight at a time, with checkpoints every 20 log pages, and prints `ack <n> <checkpoints on the thread>` as each
 * write is acknowledged (durable). It runs until it is killed.
 */
import { AtSignStore } from '$server/atserver/store/atsign-store';

const path = process.argv[2];
if (!path) throw new Error('usage: store-writer-process.ts <db>');
const store = AtSignStore.open(path, { checkpointFrames: 20 });

/** The value written under `k<n>@alice` (the test expects exactly this). */
const valueOf = (n: number) => `${n}:${'v'.repeat(2000)}`;

let next = 0;
async function writeForever(): Promise<never> {
  for (;;) {
    const n = next++;
    await store.keys.put({ key: `k${n}@alice`, value: valueOf(n), metadata: {} }, '*');
    process.stdout.write(`ack ${n} ${store.checkpoints.onThread}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, () => writeForever()));
