/**
 * The app's own preferences for this browser, kept in `localStorage`: theme, idle lock, the atSign last used,
 * which atSigns still owe their key backup, and which receive push. Nothing here is secret.
 */

export type Theme = 'system' | 'light' | 'dark';

interface Stored {
  theme: Theme;
  idleLockMinutes: number;
  current?: string;
  /** atSigns activated here whose backup step is not done yet. */
  backupPending: string[];
  /** atSigns this browser's push subscription is registered with. */
  push: string[];
}

const storageKey = 'atstack.preferences';
const defaults: Stored = { theme: 'system', idleLockMinutes: 15, backupPending: [], push: [] };

/** The idle-lock choices offered, in minutes (0 = never). */
export const idleLockChoices = [1, 5, 15, 30, 60, 0] as const;

function load(): Stored {
  try {
    const parsed = JSON.parse(localStorage.getItem(storageKey) ?? '{}') as Partial<Stored>;
    return { ...defaults, ...parsed };
  } catch {
    return { ...defaults };
  }
}

const without = (list: readonly string[], item: string) => list.filter((x) => x !== item);

/** Reactive preferences: read fields directly, change them with the methods (each change is saved at once). */
export class Preferences {
  #value = $state<Stored>(load());

  get theme(): Theme {
    return this.#value.theme;
  }
  get idleLockMinutes(): number {
    return this.#value.idleLockMinutes;
  }
  get current(): string | undefined {
    return this.#value.current;
  }
  isBackupPending(atSign: string): boolean {
    return this.#value.backupPending.includes(atSign);
  }
  hasPush(atSign: string): boolean {
    return this.#value.push.includes(atSign);
  }
  get pushAtSigns(): readonly string[] {
    return this.#value.push;
  }

  setTheme(theme: Theme): void {
    this.#save({ theme });
  }
  setIdleLockMinutes(minutes: number): void {
    this.#save({ idleLockMinutes: minutes });
  }
  setCurrent(atSign: string | undefined): void {
    this.#save({ current: atSign });
  }
  setBackupPending(atSign: string, pending: boolean): void {
    const rest = without(this.#value.backupPending, atSign);
    this.#save({ backupPending: pending ? [...rest, atSign] : rest });
  }
  setPush(atSign: string, on: boolean): void {
    const rest = without(this.#value.push, atSign);
    this.#save({ push: on ? [...rest, atSign] : rest });
  }
  /** Forgets everything about an atSign removed from this browser. */
  forget(atSign: string): void {
    this.#save({
      backupPending: without(this.#value.backupPending, atSign),
      push: without(this.#value.push, atSign),
      current: this.#value.current === atSign ? undefined : this.#value.current,
    });
  }

  #save(change: Partial<Stored>): void {
    this.#value = { ...this.#value, ...change };
    try {
      localStorage.setItem(storageKey, JSON.stringify(this.#value));
    } catch {
      // Storage full or disabled: the preference holds for this session only.
    }
  }
}
