/** The {@link AppState} of the running app, shared with every route through Svelte's context. */
import { getContext, setContext } from 'svelte';
import type { AppState } from './app-state.svelte';

const key = Symbol('atstack app');

/** Called once, by the root layout. */
export function setAppState(app: AppState): void {
  setContext(key, app);
}

/** The app state, from any route or component under the root layout. */
export function getAppState(): AppState {
  const app = getContext<AppState | undefined>(key);
  if (!app) throw new Error('getAppState() outside the root layout');
  return app;
}
