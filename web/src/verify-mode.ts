/**
 * "Face Verification": two photos side by side with the compared face outlined in each; the verdict, the
 * similarity, the threshold and how rare the score is between different people; a slider that
 * re-decides from the returned similarity without a request.
 */

import { poorFacesNote } from '../../functions/core/quality-words.ts';
import { h } from './dom.ts';
import { ApiError } from './errors.ts';
import { isAbort, latestOnly, type ModeDeps } from './mode-deps.ts';
import { createPhotoView, type PhotoView } from './photo-view.ts';
import { createPicker, type PickedPhoto } from './picker.ts';
import { sentNote } from './prepare.ts';
import { sendPhotos } from './send.ts';
import { createStatus } from './status.ts';
import type { VerifyResponse } from './types.ts';
import { decide, rarity } from './verdict.ts';

const ROLES = ['source', 'target'] as const;
type Role = (typeof ROLES)[number];
const LABELS: Record<Role, string> = { source: 'First photo', target: 'Second photo' };

interface Side {
  photo?: PickedPhoto;
  view: PhotoView;
}

export function mountVerifyMode(panel: HTMLElement, deps: ModeDeps): void {
  const status = createStatus('verify');
  const sides: Record<Role, Side> = {
    source: { view: createPhotoView('No first photo yet.') },
    target: { view: createPhotoView('No second photo yet.') },
  };
  const next = latestOnly();

  const label = h('p', { class: 'verdict-label' });
  const comparison = h('p', { class: 'verdict-numbers' });
  const explanation = h('p', { class: 'verdict-explanation' });
  const rare = h('p', { class: 'verdict-far' });
  const reliability = h('p', { class: 'verdict-quality', hidden: true });
  const verdict = h(
    'div',
    { class: 'verdict', 'aria-live': 'polite', hidden: true },
    label,
    reliability,
    comparison,
    rare,
    explanation,
  );
  const slider = h('input', {
    type: 'range',
    id: 'threshold',
    min: 0,
    max: 1,
    step: 0.01,
    disabled: true,
    'aria-describedby': 'threshold-hint',
  });
  const sliderValue = h('output', { for: 'threshold', class: 'threshold-value' }, '–');
  const reset = h('button', { type: 'button', class: 'button secondary', disabled: true }, 'Model default');
  // Shown with the first verdict: until then there is nothing to re-decide.
  const thresholdControl = h(
    'div',
    { class: 'threshold', hidden: true },
    h('label', { for: 'threshold', class: 'threshold-label' }, 'Threshold'),
    slider,
    sliderValue,
    reset,
    h(
      'p',
      { id: 'threshold-hint', class: 'hint' },
      'Moving it re-decides the verdict from the same similarity; nothing is sent again.',
    ),
  );

  let result: VerifyResponse | undefined;
  /** The slider's threshold once moved; until then the API's. */
  let chosen: number | undefined;

  const renderVerdict = () => {
    if (!result) return;
    const threshold = chosen ?? result.threshold;
    const v = decide(result, threshold);
    verdict.hidden = false;
    verdict.classList.toggle('match', v.match);
    label.textContent = v.label;
    comparison.textContent = v.comparison;
    explanation.textContent = v.explanation;
    rare.textContent = rarity(result);
    const note = poorFacesNote({ ...result, poorFaces: result.poorFaces ?? [] });
    reliability.hidden = note === undefined;
    reliability.textContent = note ?? '';
    slider.value = String(threshold);
    sliderValue.textContent = v.thresholdText;
    slider.setAttribute('aria-valuetext', v.thresholdText);
    reset.textContent = `Model default (${decide(result).thresholdText})`;
    reset.disabled = chosen === undefined;
  };

  slider.addEventListener('input', () => {
    chosen = Number(slider.value);
    renderVerdict();
  });
  reset.addEventListener('click', () => {
    chosen = undefined;
    renderVerdict();
  });

  const compare = async () => {
    const source = sides.source.photo;
    const target = sides.target.photo;
    if (!source || !target) return;
    const signal = next();
    result = undefined;
    verdict.hidden = true;
    slider.disabled = true;
    try {
      const sent = await sendPhotos(
        [source.blob, target.blob],
        ([a, b]) => {
          if (!a || !b) throw new Error('photos not prepared');
          void sides.source.view.show(a.display, `First photo (${source.name})`, source.name);
          void sides.target.view.show(b.display, `Second photo (${target.name})`, target.name);
          return deps.api.verify(a.payload, b.payload, {}, signal);
        },
        deps.prepareDeps(signal),
        (stage) => status.busy(stage === 'preparing' ? 'Preparing the photos…' : 'Comparing faces…'),
      );
      if (signal.aborted) return;
      result = sent.result;
      for (const role of ROLES) {
        sides[role].view.setFaces([result[role]], undefined, () => 'compared face');
        const note = sentNote(sent.prepared[role === 'source' ? 0 : 1]);
        sides[role].view.setCaption(`Compared face: score ${result[role].score.toFixed(2)}${note}.`);
      }
      slider.disabled = false;
      thresholdControl.hidden = false;
      renderVerdict();
      status.clear();
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      if (error instanceof ApiError && error.image) sides[error.image].view.setCaption('');
      status.error(error);
    }
  };

  const columns = ROLES.map((role) => {
    const pick = (photo: PickedPhoto) => {
      sides[role].photo = photo;
      void sides[role].view.show(photo.blob, `${LABELS[role]} (${photo.name})`, photo.name);
      const other = sides[role === 'source' ? 'target' : 'source'];
      if (other.photo) void compare();
      else status.done(`Now choose the ${role === 'source' ? 'second' : 'first'} photo.`);
    };
    deps.keeper?.register(`verify-${role}`, () => sides[role].photo, pick);
    const picker = createPicker({
      id: `verify-${role}`,
      label: LABELS[role],
      onPick: pick,
      onError: (error) => status.error(error),
    });
    return h('div', { class: 'verify-side' }, picker, sides[role].view.element);
  });

  panel.append(h('div', { class: 'side-by-side' }, ...columns), status.element, verdict, thresholdControl);
}
