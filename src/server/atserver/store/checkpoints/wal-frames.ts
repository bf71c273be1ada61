import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/** Bytes read from the head of the WAL-index: the header's first copy up to and including `mxFrame`. */
const headerBytes = 20;
/** Where `mxFrame`, the number of valid frames in the log, sits in the header (sqlite.org/walformat.html). */
const mxFrameOffset = 16;
/** The header is written in the machine's byte order. */
const readMxFrame =
  endianness() === 'LE'
    ? (header: Buffer) => header.readUInt32LE(mxFrameOffset)
    : (header: Buffer) => header.readUInt32BE(mxFrameOffset);

/**
 * How many frames one database's write-ahead log holds, read from the WAL-index (`<db>-shm`) that SQLite keeps
 * for every connection in WAL mode: one small read, where asking SQLite (`wal_checkpoint`) would do the work
 * this is meant to schedule elsewhere. It drops to the frames of one commit when a commit starts the log
 * over, after a checkpoint has copied all of it.
 */
export class WalFrames {
  readonly #indexPath: string;
  #fd?: number;
  readonly #header = Buffer.alloc(headerBytes);

  /** @param databasePath the database file; its WAL-index is `<databasePath>-shm`. */
  constructor(databasePath: string) {
    this.#indexPath = `${databasePath}-shm`;
  }

  /** Frames in the log now; 0 if the WAL-index cannot be read (not created yet, or gone). */
  count(): number {
    try {
      this.#fd ??= openSync(this.#indexPath, 'r');
      if (readSync(this.#fd, this.#header, 0, headerBytes, 0) < headerBytes) return 0;
    } catch {
      return 0;
    }
    return readMxFrame(this.#header);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
