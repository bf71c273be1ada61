/**
 * The checkpoint thread: copies the pages of each store's write-ahead log back into its database, on a
 * connection of its own, so that this work (megabytes of writes and two fsyncs, up to a hundred milliseconds
 * under scattered writes) never stalls the event loop that serves every atSign of the process. Started by
 * `thread-entry.mjs`; asked by `checkpointer.ts`.
 */
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import type { CheckpointReply, CheckpointRequest } from './messages';

const port = parentPort;
if (!port) throw new Error('the checkpoint thread runs as a worker thread');

const connections = new Map<string, Database.Database>();

function handle(request: CheckpointRequest): CheckpointReply {
  if (request.kind === 'release') {
    connections.get(request.path)?.close();
    connections.delete(request.path);
    return { request: request.request };
  }
  let db = connections.get(request.path);
  if (!db) {
    db = new Database(request.path, { fileMustExist: true });
    connections.set(request.path, db);
  }
  // PASSIVE: copies what no reader still needs and never waits for anyone.
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { checkpointed: number }[];
  return { request: request.request, checkpointed: result?.checkpointed ?? 0 };
}

port.on('message', (request: CheckpointRequest) => {
  let reply: CheckpointReply;
  try {
    reply = handle(request);
  } catch (error) {
    reply = { request: request.request, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
