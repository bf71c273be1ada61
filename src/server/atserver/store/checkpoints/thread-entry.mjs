// The checkpoint thread's entry point: a worker thread starts with none of the parent's module hooks, so it
// registers tsx itself before loading the TypeScript that does the work.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
