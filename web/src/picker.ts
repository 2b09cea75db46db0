/**
 * One photo input: a labelled file input (keyboard: Tab, then Enter or Space), a drop zone around it, and
 * sample photo buttons. Whatever the route, the mode receives a Blob and a name.
 */
import { h } from './dom.ts';
import { ApiError } from './errors.ts';
import { SAMPLES } from './samples.ts';

export interface PickedPhoto {
  blob: Blob;
  name: string;
}

export interface PickerOptions {
  /** Unique in the page; prefixes the input's id. */
  id: string;
  /** The visible label, e.g. "Photo" or "First photo". */
  label: string;
  onPick: (photo: PickedPhoto) => void;
  /** Where a failed sample download is reported. */
  onError: (error: unknown) => void;
}

async function fetchSample(file: string): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(file);
  } catch (error) {
    throw new ApiError('NetworkError', String(error), 0);
  }
  if (!response.ok) throw new ApiError('NotFound', `The sample photo ${file} is missing.`, response.status);
  return response.blob();
}

export function createPicker(options: PickerOptions): HTMLElement {
  const inputId = `${options.id}-file`;
  const hintId = `${options.id}-hint`;
  const input = h('input', {
    type: 'file',
    id: inputId,
    class: 'visually-hidden',
    accept: 'image/*',
    'aria-describedby': hintId,
  });
  const label = h('label', { for: inputId, class: 'button' }, `${options.label}: choose a file…`);
  const hint = h(
    'p',
    { id: hintId, class: 'hint' },
    'or drop a photo here. JPEG, PNG or WebP; phone photos welcome.',
  );
  const zone = h('div', { class: 'dropzone' }, input, label, hint);

  const sampleButtons = SAMPLES.map((sample, i) =>
    h(
      'button',
      { type: 'button', class: 'sample', 'data-sample': sample.file },
      h('img', { src: sample.thumbnail, alt: '', width: 96, height: 64, loading: 'lazy', decoding: 'async' }),
      h('span', { class: 'visually-hidden' }, `Sample ${i + 1}: ${sample.description}`),
    ),
  );
  const samples = h(
    'fieldset',
    { class: 'samples' },
    h('legend', {}, `${options.label}: or use a sample`),
    h('div', { class: 'sample-list' }, ...sampleButtons),
  );
  const element = h('div', { class: 'picker' }, zone, samples);

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) options.onPick({ blob: file, name: file.name });
    // Choosing the same file again must fire change again.
    input.value = '';
  });

  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) options.onPick({ blob: file, name: file.name });
  });

  for (const [i, button] of sampleButtons.entries()) {
    const sample = SAMPLES[i];
    if (!sample) continue;
    button.addEventListener('click', () => {
      fetchSample(sample.file).then(
        (blob) => options.onPick({ blob, name: `sample ${i + 1}` }),
        (error: unknown) => options.onError(error),
      );
    });
  }

  return element;
}
