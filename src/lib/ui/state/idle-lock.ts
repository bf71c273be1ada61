/**
 * Calls `onIdle` once nobody has used the page for `minutes`. Activity is any key, pointer, scroll or focus
 * of the page; a page hidden in the background is checked again when it comes back (its timers may not fire).
 */
const activity = ['keydown', 'pointerdown', 'wheel', 'touchstart', 'focus'] as const;

/**
 * Starts watching; returns the function that stops.
 *
 * @example const stop = watchIdle(15, () => app.lockAll(true));
 */
export function watchIdle(minutes: number, onIdle: () => void): () => void {
  const limitMs = minutes * 60_000;
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const left = limitMs - (Date.now() - last);
    if (left <= 0) return onIdle();
    clearTimeout(timer);
    timer = setTimeout(check, left);
  };
  const active = () => {
    last = Date.now();
  };
  const visible = () => {
    if (document.visibilityState === 'visible') check();
  };
  for (const type of activity) window.addEventListener(type, active, { passive: true, capture: true });
  document.addEventListener('visibilitychange', visible);
  timer = setTimeout(check, limitMs);
  return () => {
    clearTimeout(timer);
    for (const type of activity) window.removeEventListener(type, active, { capture: true });
    document.removeEventListener('visibilitychange', visible);
  };
}
