/**
 * A labelled text field for an id (a collection's, a person's): the rule under it, and when what was typed
 * breaks it, what is wrong and an id made from it ("Use Ada_Lovelace") to accept with one click.
 */
import { h } from './dom.ts';
import { checkId, type IdKind, idRule } from './ids.ts';

export interface IdFieldOptions {
  /** Unique in the page: the input's id. */
  id: string;
  label: string;
  kind: IdKind;
  /** Shown as the placeholder and in the hint, e.g. "Ada_Lovelace". */
  example: string;
  /** After the suggested id was accepted: the field now holds a valid id. */
  onSuggestionUsed: () => void;
}

export interface IdField {
  element: HTMLElement;
  input: HTMLInputElement;
  /** The id when valid; otherwise undefined, after saying what is wrong and focusing the field. */
  check(): string | undefined;
}

export function createIdField(options: IdFieldOptions): IdField {
  const hintId = `${options.id}-hint`;
  const problemId = `${options.id}-problem`;
  const input = h('input', {
    type: 'text',
    id: options.id,
    name: options.id,
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    placeholder: options.example,
    'aria-describedby': `${hintId} ${problemId}`,
  });
  const problemText = h('span', {});
  const use = h('button', { type: 'button', class: 'button secondary', hidden: true });
  const problem = h('p', { id: problemId, class: 'field-problem', hidden: true }, problemText, ' ', use);
  const element = h(
    'div',
    { class: 'field' },
    h('label', { for: options.id, class: 'field-label' }, options.label),
    input,
    h('p', { id: hintId, class: 'hint' }, `${idRule(options.kind)} For example ${options.example}.`),
    problem,
  );

  let suggestion: string | undefined;
  const clear = () => {
    input.removeAttribute('aria-invalid');
    problem.hidden = true;
    problemText.textContent = '';
  };
  input.addEventListener('input', clear);
  use.addEventListener('click', () => {
    if (suggestion === undefined) return;
    input.value = suggestion;
    clear();
    input.focus();
    options.onSuggestionUsed();
  });

  return {
    element,
    input,
    check() {
      const result = checkId(options.kind, input.value);
      if (result.ok) {
        clear();
        return result.id;
      }
      suggestion = result.suggestion;
      problemText.textContent = result.message;
      use.textContent = suggestion === undefined ? '' : `Use ${suggestion}`;
      use.hidden = suggestion === undefined;
      input.setAttribute('aria-invalid', 'true');
      problem.hidden = false;
      input.focus();
      return undefined;
    },
  };
}
