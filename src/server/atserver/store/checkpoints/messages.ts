/** What the event loop asks of the checkpoint thread; each request is answered once, by its number. */
export type CheckpointRequest =
  | { readonly kind: 'checkpoint'; readonly request: number; readonly path: string }
  | { readonly kind: 'release'; readonly request: number; readonly path: string };

/**
 * The answer: for a checkpoint, how many frames of the log are now in the database (all it held when the
 * checkpoint began, unless a reader still needed older pages); `error` when the request failed.
 */
export interface CheckpointReply {
  readonly request: number;
  readonly error?: string;
  readonly checkpointed?: number;
}
