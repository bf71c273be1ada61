/**
 * The busy and error state of one user action (a form's submit, a button's click), so every form shows
 * progress and a readable error the same way.
 *
 * @example
 * const saving = new Task();
 * await saving.run(() => client.put(atSign, input)); // saving.busy while it runs; saving.error if it threw
 */
export class Task {
  busy = $state(false);
  error = $state<unknown>(undefined);

  /** Runs `action`; resolves with its result, or with undefined after keeping its error in {@link error}. */
  async run<T>(action: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = undefined;
    try {
      return await action();
    } catch (error) {
      this.error = error;
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Whether the last run failed (its error is in {@link error}). */
  get failed(): boolean {
    return this.error !== undefined;
  }

  reset(): void {
    this.error = undefined;
  }
}
