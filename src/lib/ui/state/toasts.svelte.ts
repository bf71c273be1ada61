/** Short messages that confirm an action or report a failure, read out by screen readers (see `Toasts.svelte`). */

export interface Toast {
  readonly id: number;
  readonly text: string;
  readonly kind: 'info' | 'error';
}

const shownForMs = { info: 5_000, error: 10_000 };

export class Toasts {
  items = $state<Toast[]>([]);
  #nextId = 1;

  /** Shows `text` for a few seconds. */
  show(text: string, kind: Toast['kind'] = 'info'): void {
    const id = this.#nextId++;
    this.items = [...this.items.filter((t) => t.text !== text), { id, text, kind }];
    setTimeout(() => this.dismiss(id), shownForMs[kind]);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
