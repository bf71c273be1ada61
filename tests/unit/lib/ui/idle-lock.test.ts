import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchIdle } from '$lib/ui/state/idle-lock';

/** A page stand-in: events on window and document, a visibility state to flip. */
function fakePage() {
  const page = {
    window: new EventTarget(),
    document: Object.assign(new EventTarget(), { visibilityState: 'visible' }),
  };
  vi.stubGlobal('window', page.window);
  vi.stubGlobal('document', page.document);
  return page;
}

describe('the idle lock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('locks once the page has not been used for the set minutes', () => {
    fakePage();
    const onIdle = vi.fn();
    watchIdle(15, onIdle);
    vi.advanceTimersByTime(15 * 60_000 - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledOnce();
  });

  it('counts the minutes again from the last key or pointer use', () => {
    const page = fakePage();
    const onIdle = vi.fn();
    watchIdle(1, onIdle);
    vi.advanceTimersByTime(50_000);
    page.window.dispatchEvent(new Event('keydown'));
    vi.advanceTimersByTime(50_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledOnce();
  });

  it('locks at once when a page left hidden past the limit comes back', () => {
    const page = fakePage();
    const onIdle = vi.fn();
    watchIdle(1, onIdle);
    // A background page's timers may not run; the clock moves on regardless.
    vi.setSystemTime(Date.now() + 5 * 60_000);
    page.document.dispatchEvent(new Event('visibilitychange'));
    expect(onIdle).toHaveBeenCalledOnce();
  });

  it('does nothing once stopped', () => {
    fakePage();
    const onIdle = vi.fn();
    const stop = watchIdle(1, onIdle);
    stop();
    vi.advanceTimersByTime(10 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
