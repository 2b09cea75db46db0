/**
 * A photo with its faces drawn over it. The overlay is an SVG the size of the displayed photo, redrawn
 * whenever that size changes; geometry.ts maps the API's pixels onto it.
 */
import { h, svg } from './dom.ts';
import { type FaceShape, layoutFaces } from './geometry.ts';
import type { Face, Size } from './types.ts';

export interface PhotoView {
  element: HTMLElement;
  /** Shows a photo with no faces drawn; resolves to whether the browser could display it. */
  show(photo: Blob, alt: string, caption?: string): Promise<boolean>;
  /**
   * Draws faces given in the pixels of an image of `imageSize` (the API's width and height); without it,
   * the displayed photo's natural size, which browsers report upright (EXIF orientation applied).
   */
  setFaces(faces: readonly Face[], imageSize?: Size, label?: (face: Face, index: number) => string): void;
  setCaption(text: string): void;
  clear(): void;
}

function drawFace(shape: FaceShape): SVGGElement {
  const { x, y, width, height } = shape.box;
  const rect = { x, y, width, height };
  const dots = shape.landmarks.map(({ name, at: [cx, cy] }) =>
    svg('circle', { class: `landmark ${name}`, cx, cy, r: 3 }),
  );
  return svg(
    'g',
    { class: 'face', 'data-face': shape.number },
    // A dark halo under a light line shows on bright and dark photos alike.
    svg('rect', { class: 'box-halo', ...rect }),
    svg('rect', { class: 'box', ...rect }),
    ...dots,
    svg('text', { class: 'label', x: shape.labelAt.x, y: shape.labelAt.y }, shape.label),
  );
}

export function createPhotoView(emptyText: string): PhotoView {
  const img = h('img', { class: 'photo-img', alt: '' });
  const overlay = svg('svg', { class: 'overlay', 'aria-hidden': 'true', focusable: 'false' });
  const frame = h('div', { class: 'photo-frame' }, img, overlay);
  const caption = h('figcaption', { class: 'photo-caption' }, emptyText);
  // Formats the API reads but a browser may not show (TIFF; HEIC outside Safari): say so, not a broken icon.
  const unsupported = h(
    'p',
    { class: 'photo-unsupported' },
    'This browser cannot display this photo’s format; the results are still listed here.',
  );
  const element = h('figure', { class: 'photo', 'data-empty': true }, frame, unsupported, caption);

  let url: string | undefined;
  let drawn:
    | { faces: readonly Face[]; imageSize?: Size; label?: (face: Face, index: number) => string }
    | undefined;

  const redraw = () => {
    const display = { width: img.clientWidth, height: img.clientHeight };
    overlay.setAttribute('width', String(display.width));
    overlay.setAttribute('height', String(display.height));
    overlay.setAttribute('viewBox', `0 0 ${display.width} ${display.height}`);
    overlay.replaceChildren();
    const imageSize = drawn?.imageSize ?? { width: img.naturalWidth, height: img.naturalHeight };
    if (!drawn || display.width === 0 || display.height === 0 || imageSize.width === 0) return;
    const shapes = layoutFaces(drawn.faces, imageSize, display, drawn.label ? { label: drawn.label } : {});
    overlay.append(...shapes.map(drawFace));
  };
  new ResizeObserver(redraw).observe(img);

  return {
    element,
    show(photo, alt, text = '') {
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(photo);
      drawn = undefined;
      overlay.replaceChildren();
      element.removeAttribute('data-empty');
      element.removeAttribute('data-broken');
      img.alt = alt;
      caption.textContent = text;
      const shown = new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => () => {
          img.removeEventListener('load', onLoad);
          img.removeEventListener('error', onError);
          resolve(ok);
        };
        const onLoad = done(true);
        const onError = done(false);
        img.addEventListener('load', onLoad);
        img.addEventListener('error', onError);
      });
      img.src = url;
      return shown.then((ok) => {
        element.toggleAttribute('data-broken', !ok);
        redraw();
        return ok;
      });
    },
    setFaces(faces, imageSize, label) {
      drawn = { faces };
      if (imageSize) drawn.imageSize = imageSize;
      if (label) drawn.label = label;
      redraw();
    },
    setCaption(text) {
      caption.textContent = text;
    },
    clear() {
      if (url) URL.revokeObjectURL(url);
      url = undefined;
      drawn = undefined;
      img.removeAttribute('src');
      img.alt = '';
      overlay.replaceChildren();
      caption.textContent = emptyText;
      element.setAttribute('data-empty', '');
      element.removeAttribute('data-broken');
    },
  };
}
