import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryName } from '$server/directory/backend';
import { RawClient } from '../../support/raw-client';
import { startStack, TestConnection, type Stack } from '../atserver/harness';
import { issueCertificate, readProof, signAs, startFakeAtServer, type FakeAtServer } from '../federation/peers';
import { MonitorStream } from './monitor-stream';

/** The exact bytes between two atServers (atprotocol.md §6.4, §12.4). */
describe('notify between atServers, byte for byte', () => {
  let stack: Stack;
  let alice: TestConnection;
  let fake: FakeAtServer;
  let removeCertificate: () => Promise<void>;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'] });
    alice = await stack.owner('@alice');
    // A scripted atServer for @fake: it lets @alice through from/pol and accepts every notification.
    const certificate = await issueCertificate(stack, ['localhost']);
    removeCertificate = certificate.remove;
    fake = await startFakeAtServer(certificate, (line) => {
      if (line.startsWith('lookup:all:publickey@')) return 'error:AT0015-Exception: not here\n@';
      if (line === 'from:@alice') return 'data:proof:_0e5e9e89@alice:d6cac849\n@';
      if (line === 'pol') return '@alice@';
      if (line.startsWith('notify:')) return 'data:success\n@alice@';
      return undefined;
    });
    await stack.directoryBackend.register(directoryName('@fake'), `localhost:${fake.port}`);
  });
  afterAll(async () => {
    await fake.close();
    await stack.stop();
    await removeCertificate();
  });

  it('sends a notify command in the reference order: id, operation, messageType, notifier, ttln, metadata, key, value', async () => {
    await alice.send(
      'notify:id:wire-1:update:priority:high:ttr:1:ccd:true:isEncrypted:false:sharedKeyEnc:abc:pubKeyCS:123:' +
        'encKeyName:ekn:encAlgo:ea:ivNonce:ivn:skeEncKeyName:ske_ekn:skeEncAlgo:ske_ea:@fake:test.test@alice:Hi Bob, Alice here',
    );
    await fake.received(/^notify:id:wire-1:/);
    expect(fake.lines.find((line) => line.startsWith('notify:id:wire-1:'))).toBe(
      'notify:id:wire-1:update:messageType:key:notifier:SYSTEM:ttln:86400000:ttl:0:ttb:0:ttr:1:ccd:true:' +
        'isEncrypted:false:sharedKeyEnc:abc:pubKeyCS:123:encKeyName:ekn:encAlgo:ea:ivNonce:ivn:' +
        'skeEncKeyName:ske_ekn:skeEncAlgo:ske_ea:@fake:test.test@alice:Hi Bob, Alice here',
    );
  });

  it('sends autoNotify deletes without metadata, notifier system and 15 minutes to live', async () => {
    await alice.send('delete:@fake:phone@alice');
    await fake.received(/^notify:id:[^:]+:delete:/);
    expect(fake.lines.find((line) => /^notify:id:[^:]+:delete:/.test(line))).toMatch(
      /^notify:id:[0-9a-f-]{36}:delete:messageType:key:notifier:system:ttln:900000:@fake:phone@alice$/,
    );
  });

  it('sends autoNotify updates with the stored metadata that travels', async () => {
    await alice.send('update:ttr:60:ccd:true:isEncrypted:true:sharedKeyEnc:c2tl:@fake:city@alice Y2lwaGVy');
    await fake.received(/:@fake:city@alice:/);
    expect(fake.lines.find((line) => line.includes(':@fake:city@alice:'))).toMatch(
      /^notify:id:[0-9a-f-]{36}:update:messageType:key:notifier:system:ttln:86400000:ttr:60:ccd:true:isEncrypted:true:sharedKeyEnc:c2tl:@fake:city@alice:Y2lwaGVy$/,
    );
  });

  it("answers a peer's notify with data:success and the peer's prompt, and caches what it carries", async () => {
    // Play @alice's atServer towards @bob's: from:@alice, the signed proof where @alice's atServer serves it, pol.
    const raw = await RawClient.connect(stack.port('@bob'), {
      ca: stack.tls.caPem,
      cert: stack.tls.certPem,
      key: stack.tls.keyPem,
    });
    await raw.readUntil(/^@/);
    const peer = new TestConnection(raw);
    const { sessionKey, challenge } = readProof(await peer.send('from:@alice'));
    expect(await alice.send(`update:public:${sessionKey} ${await signAs(stack, '@alice', challenge)}`)).toBe('data:-1');
    raw.write('pol\n');
    expect(await raw.readUntil(/@alice@/)).toBe('@alice@');

    const monitor = await MonitorStream.open(stack, '@bob');
    expect(
      await peer.sendExact(
        'notify:id:3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60:update:messageType:key:notifier:SYSTEM:ttln:86400000:' +
          'ttl:0:ttb:0:ttr:-1:ccd:false:isEncrypted:true:@bob:phone@alice:Y2lwaGVydGV4dA==',
      ),
    ).toBe('data:success\n@alice@');
    expect(await monitor.next()).toMatchObject({
      id: '3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60',
      from: '@alice',
      key: '@bob:phone@alice',
      value: 'Y2lwaGVydGV4dA==',
    });
    const bob = await stack.owner('@bob');
    expect(await bob.send('llookup:cached:@bob:phone@alice')).toBe('data:Y2lwaGVydGV4dA==');

    // A notification for some other atSign is not kept: this atServer relays nothing.
    expect(await peer.send('notify:id:not-mine:@carol:phone@alice:x')).toBe('data:success');
    expect(await bob.send('notify:status:not-mine')).toBe('data:null');
    // A public notification has no recipient: the reference fails on it and closes (§13.12).
    expect(await peer.send('notify:id:pub:public:phone@alice:x')).toMatch(/^error:AT0011-/);
    await raw.closed;
    monitor.close();
  });
});
