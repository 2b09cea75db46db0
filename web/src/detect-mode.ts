/**
 * "Face Detection" and "Face Detection 2": one photo in; every face's box, landmarks and score drawn over
 * it, and the count. With `crops`, the aligned crop of each face beside the photo.
 */
import { h, plural } from './dom.ts';
import { ApiError } from './errors.ts';
import { renderFaceList } from './face-list.ts';
import { isAbort, latestOnly, type ModeDeps } from './mode-deps.ts';
import { createPhotoView } from './photo-view.ts';
import { createPicker, type PickedPhoto } from './picker.ts';
import { type Prepared, sentNote } from './prepare.ts';
import { sendPhotos } from './send.ts';
import { createStatus } from './status.ts';
import type { DetectResponse } from './types.ts';

export interface DetectModeOptions {
  /** Prefix of element ids, unique in the page. */
  id: string;
  crops: boolean;
}

function renderCrops(list: HTMLOListElement, result: DetectResponse): void {
  list.replaceChildren(
    ...result.faces.flatMap((face, i) =>
      face.crop
        ? [
            h(
              'li',
              {},
              h('img', {
                src: `data:image/png;base64,${face.crop}`,
                alt: `Face ${i + 1}, aligned`,
                class: 'crop-img',
              }),
              h('span', {}, `${i + 1} · ${face.score.toFixed(2)}`),
            ),
          ]
        : [],
    ),
  );
}

export function mountDetectMode(panel: HTMLElement, deps: ModeDeps, options: DetectModeOptions): void {
  const status = createStatus(options.id);
  const view = createPhotoView('No photo yet.');
  const faceList = h('ol', { class: 'face-list', 'aria-label': 'Faces found' });
  const crops = h('ol', { class: 'crops', 'aria-label': 'Aligned face crops' });
  const results = options.crops
    ? h(
        'div',
        { class: 'side-by-side' },
        view.element,
        h('div', { class: 'crops-panel' }, h('h3', {}, 'Aligned faces'), crops),
      )
    : view.element;
  const next = latestOnly();

  const show = (result: DetectResponse, name: string, prepared: Prepared | undefined) => {
    const count = plural(result.faces.length, 'face', 'faces');
    view.setFaces(result.faces, result);
    renderFaceList(faceList, result.faces);
    if (options.crops) renderCrops(crops, result);
    view.setCaption(`${name}: ${result.width}×${result.height} pixels${sentNote(prepared)}.`);
    if (result.faces.length === 0) status.error(new ApiError('NoFaceDetected', 'No face detected.', 200));
    else status.done(`${count} found.`);
  };

  let current: PickedPhoto | undefined;
  const detect = async ({ blob, name }: PickedPhoto) => {
    current = { blob, name };
    const signal = next();
    faceList.replaceChildren();
    crops.replaceChildren();
    try {
      const { result, prepared } = await sendPhotos(
        [blob],
        ([photo]) => {
          if (!photo) throw new Error('no photo prepared');
          void view.show(photo.display, `Your photo (${name})`, name);
          return deps.api.detect(photo.payload, { crops: options.crops }, signal);
        },
        deps.prepareDeps(signal),
        (stage) => status.busy(stage === 'preparing' ? 'Preparing the photo…' : 'Finding faces…'),
      );
      if (!signal.aborted) show(result, name, prepared[0]);
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      if (
        error instanceof ApiError &&
        (error.code === 'InvalidImage' || error.code === 'UnsupportedMediaType')
      ) {
        view.clear();
      } else {
        view.setCaption('');
      }
      status.error(error);
    }
  };

  const picker = createPicker({
    id: options.id,
    label: 'Photo',
    onPick: (photo) => void detect(photo),
    onError: (error) => status.error(error),
  });
  deps.keeper?.register(
    options.id,
    () => current,
    (photo) => void detect(photo),
  );
  panel.append(picker, status.element, results, faceList);
}
