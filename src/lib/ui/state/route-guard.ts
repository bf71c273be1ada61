/**
 * Which screen a route may show given what the browser holds: no atSign yet → the start screen; a locked atSign
 * → unlock; an activation whose key backup is not done → the backup step. One pure rule for the layout.
 */

export interface GuardState {
  /** How many atSigns this browser keeps. */
  readonly atSigns: number;
  /** Whether the current atSign is unlocked. */
  readonly unlocked: boolean;
  /** Whether the current atSign still owes its mandatory key backup. */
  readonly backupPending: boolean;
}

/** Where the guard sends people. */
export type GuardTarget = '/' | '/unlock' | '/backup' | '/records';

/** Routes that need an unlocked atSign. */
const needsUnlocked = new Set(['/records', '/shared', '/inbox', '/conflicts', '/backup']);

/**
 * The route to go to instead of `routeId`, or undefined to stay.
 *
 * @example redirectFor('/inbox', { atSigns: 1, unlocked: false, backupPending: false }) // '/unlock'
 */
export function redirectFor(routeId: string | null, state: GuardState): GuardTarget | undefined {
  if (routeId === '/') {
    if (state.atSigns === 0) return undefined;
    return state.unlocked ? (state.backupPending ? '/backup' : '/records') : '/unlock';
  }
  if (routeId === '/unlock') return state.atSigns === 0 ? '/' : undefined;
  if (routeId === null || !needsUnlocked.has(routeId)) return undefined;
  if (state.atSigns === 0) return '/';
  if (!state.unlocked) return '/unlock';
  if (state.backupPending && routeId !== '/backup') return '/backup';
  return undefined;
}
