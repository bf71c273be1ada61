import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { AtError } from '$lib/at/errors';
import type { ClientEvent, InboxItem, RecordView } from '$lib/client/api';
import { AtSignClient } from '$lib/client/atsign-client';
import type { Dialer } from '$lib/client/dialer';
import { activate } from '$lib/client/onboarding';
import { openAtSignDatabase } from '$lib/client/store/database';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import '../../support/fake-indexeddb';
import { waitFor } from '../gateway/harness';
import { startClientRig, type ClientRig } from './harness';

/** A dialer that can be cut off like a network: while offline every dial fails. */
class Network implements Dialer {
  online = true;
  readonly #inner: Dialer;
  constructor(inner: Dialer) {
    this.#inner = inner;
  }
  dial: Dialer['dial'] = (atSign, options) =>
    this.online ? this.#inner.dial(atSign, options) : Promise.reject(new AtError('AT0004', 'the network is down'));
}

/** One device of an atSign: its own IndexedDB, network and client, with the events it saw. */
interface Device {
  readonly client: AtSignClient;
  readonly network: Network;
  readonly events: ClientEvent[];
  readonly factory: IDBFactory;
}

describe('AtSignClient: an atSign end to end against the real stack', () => {
  let rig: ClientRig;
  const keys = new Map<string, AtKeys>();
  const devices: Device[] = [];

  /** Opens a client of `atSign` on `factory` (a fresh browser profile unless one is given: a reload). */
  async function device(atSign: string, factory = new IDBFactory()): Promise<Device> {
    globalThis.indexedDB = factory;
    const network = new Network(rig.dialer('tls'));
    const events: ClientEvent[] = [];
    const client = await AtSignClient.open({
      keys: keys.get(atSign)!,
      dialer: network,
      db: await openAtSignDatabase(atSign),
      onEvent: (event) => events.push(event),
      retryMs: 50,
    });
    client.start();
    const opened = { client, network, events, factory };
    devices.push(opened);
    return opened;
  }

  const lastStatus = (d: Device) =>
    d.events.flatMap((event) => (event.type === 'sync-status' ? [event.status] : [])).at(-1);
  /** Runs a whole sync cycle and checks it pulled everything and emptied the outbox. */
  const synced = async (d: Device) => expect(await d.client.syncNow()).toMatchObject({ state: 'synced', queued: 0 });
  const findRecord = async (d: Device, atKey: string): Promise<RecordView | undefined> =>
    (await d.client.records()).find((record) => record.atKey === atKey);
  async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    rig = await startClientRig();
    for (const atSign of ['@alice', '@bob']) {
      const cramSecret = await rig.create(atSign);
      keys.set(atSign, await activate({ atSign, cramSecret, dialer: rig.dialer('tls') }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const d of devices) d.client.close();
    await rig.stop();
  });

  it('puts self, public and shared records, and a second device reads them decrypted after its first sync', async () => {
    const phone = await device('@alice');
    await synced(phone);
    const self = await phone.client.put({ name: 'note', namespace: 'atstack', visibility: 'self', value: 'secret' });
    expect(self).toMatchObject({ atKey: 'note.atstack@alice', visibility: 'self', value: 'secret' });
    await phone.client.put({ name: 'motto', visibility: 'public', value: 'hello\nworld' });
    await phone.client.put({ name: 'plan', visibility: 'shared', sharedWith: '@bob', value: 'meet at 6' });
    await synced(phone);

    const laptop = await device('@alice');
    await synced(laptop);
    const records = await laptop.client.records();
    const byKey = Object.fromEntries(records.map((record) => [record.atKey, record]));
    expect(byKey['note.atstack@alice']).toMatchObject({ value: 'secret', pending: false, name: 'note' });
    expect(byKey['public:motto@alice']).toMatchObject({ value: 'hello\nworld', signatureValid: true });
    expect(byKey['@bob:plan@alice']).toMatchObject({ value: 'meet at 6', sharedWith: '@bob' });
    // The protocol's own keys (publickey, shared_key, signing keys, enrollments) are not shown as data.
    expect(records.map((record) => record.atKey).filter((key) => /shared_key|publickey|__/.test(key))).toEqual([]);
  });

  it('keeps offline writes across a reload and sends them in order once online', async () => {
    const tablet = await device('@alice');
    await synced(tablet);
    tablet.network.online = false;
    rig.dropConnections('@alice');
    await tablet.client.put({ name: 'draft', visibility: 'self', value: 'first' });
    await tablet.client.put({ name: 'draft', visibility: 'self', value: 'second' });
    await tablet.client.delete((await tablet.client.put({ name: 'gone', visibility: 'self', value: 'x' })).atKey);
    expect(await findRecord(tablet, 'draft@alice')).toMatchObject({ value: 'second', pending: true });
    await waitFor(() => lastStatus(tablet)?.state === 'offline');
    expect(lastStatus(tablet)?.queued).toBe(4);

    // Reload: the same IndexedDB, a new client; the queue is still there.
    tablet.client.close();
    const reloaded = await device('@alice', tablet.factory);
    reloaded.network.online = false;
    expect(await findRecord(reloaded, 'draft@alice')).toMatchObject({ value: 'second', pending: true });
    reloaded.network.online = true;
    reloaded.client.online();
    await synced(reloaded);
    expect(await findRecord(reloaded, 'draft@alice')).toMatchObject({ value: 'second', pending: false });

    const other = await device('@alice');
    await synced(other);
    expect(await findRecord(other, 'draft@alice')).toMatchObject({ value: 'second' });
    expect(await findRecord(other, 'gone@alice')).toBeUndefined();
  });

  it('shares a record: bob is notified live, reads it, and loses it when alice revokes', async () => {
    const alice = await device('@alice');
    const bob = await device('@bob');
    await Promise.all([synced(alice), synced(bob)]);
    const address = await alice.client.put({ name: 'address', visibility: 'self', value: '1 Main St' });
    await alice.client.share(address.atKey, '@bob');
    await synced(alice);

    const notified = await eventually(async () =>
      bob.events.flatMap((event) => (event.type === 'notification' ? [event.item] : [])).find(isAddress),
    );
    expect(notified).toMatchObject({ from: '@alice', text: '1 Main St', operation: 'update' });
    expect((await bob.client.inbox()).find(isAddress)?.text).toBe('1 Main St');
    expect(await alice.client.shares()).toMatchObject({ 'address@alice': ['@bob'] });
    const shared = await eventually(async () =>
      (await bob.client.sharedWithMe()).find((record) => record.name === 'address'),
    );
    expect(shared).toMatchObject({ owner: '@alice', value: '1 Main St' });

    await alice.client.revoke('@bob:address@alice', '@bob');
    await eventually(async () =>
      (await bob.client.sharedWithMe()).some((record) => record.name === 'address') ? undefined : true,
    );
    expect(await alice.client.shares()).not.toHaveProperty('address@alice');
  });

  it('sends a text message that arrives decrypted in the recipient inbox', async () => {
    const alice = await device('@alice');
    const bob = await device('@bob');
    await Promise.all([synced(alice), synced(bob)]);
    await alice.client.sendMessage('@bob', 'lunch?');
    const message = await eventually(async () => (await bob.client.inbox()).find((item) => item.text === 'lunch?'));
    expect(message.from).toBe('@alice');
  });

  it('shows a key changed on both sides as a conflict, and keeping mine puts it back on the server', async () => {
    const first = await device('@alice');
    const second = await device('@alice');
    await first.client.put({ name: 'status', visibility: 'self', value: 'base' });
    await synced(first);
    await synced(second);
    await second.client.syncNow();
    expect(await findRecord(second, 'status@alice')).toMatchObject({ value: 'base' });

    second.network.online = false;
    rig.dropConnections('@alice');
    await second.client.put({ name: 'status', visibility: 'self', value: 'mine' });
    await first.client.put({ name: 'status', visibility: 'self', value: 'theirs' });
    await synced(first);

    second.network.online = true;
    second.client.online();
    const [conflict] = await eventually(async () => {
      const found = await second.client.conflicts();
      return found.length > 0 ? found : undefined;
    });
    expect(conflict).toMatchObject({ atKey: 'status@alice', mine: 'mine', theirs: 'theirs' });
    expect(await findRecord(second, 'status@alice')).toMatchObject({ value: 'theirs' });

    await second.client.resolveConflict(conflict!.id, 'mine');
    await synced(second);
    await first.client.syncNow();
    expect(await findRecord(first, 'status@alice')).toMatchObject({ value: 'mine' });
    expect(await second.client.conflicts()).toEqual([]);
  });
});

function isAddress(item: InboxItem): boolean {
  return item.atKey.includes('address');
}
