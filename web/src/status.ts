/**
 * A mode's progress and messages: a polite live region with a progress bar while waiting, and an alert for
 * errors, so screen readers hear both without moving focus.
 */
import { h } from './dom.ts';
import { describeError } from './errors.ts';

export interface StatusView {
  element: HTMLElement;
  busy(text: string): void;
  done(text: string): void;
  error(error: unknown): void;
  clear(): void;
}

export function createStatus(id: string): StatusView {
  const progress = h('progress', { class: 'progress', 'aria-label': 'Working' });
  const text = h('span', { class: 'status-text' });
  const status = h('div', { class: 'status', role: 'status', id: `${id}-status` }, progress, text);
  const alert = h('div', { class: 'error', role: 'alert', id: `${id}-error` });
  const element = h('div', { class: 'messages' }, status, alert);
  progress.hidden = true;
  alert.hidden = true;

  const set = (busy: boolean, message: string, errorMessage = '') => {
    progress.hidden = !busy;
    status.setAttribute('aria-busy', String(busy));
    text.textContent = message;
    alert.textContent = errorMessage;
    alert.hidden = errorMessage === '';
  };

  return {
    element,
    busy: (message) => set(true, message),
    done: (message) => set(false, message),
    error: (error) => set(false, '', describeError(error)),
    clear: () => set(false, ''),
  };
}
