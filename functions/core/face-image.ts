/**
 * How a face's pixels look, whatever the model makes of them: its brightness and sharpness on 0–100,
 * measured on the face's box cut out of the photo and brought to one size.
 */
import type { Box, RgbImage } from './types.ts';

/** The side of the grey square a face is measured on: large enough for eyelashes, cheap to scan. */
export const FACE_SIDE = 64;

/**
 * The box's grey levels (0–255) as a side × side square: each output pixel the mean of the photo's
 * pixels under it (no aliasing when a large face shrinks), or sampled bilinearly where the face is
 * smaller than the square. The box is clipped to the photo.
 */
export function faceGrey(image: RgbImage, box: Box, side = FACE_SIDE): Float32Array {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(image.width, box.x + box.width);
  const y1 = Math.min(image.height, box.y + box.height);
  const out = new Float32Array(side * side);
  if (x1 - x0 < 1 || y1 - y0 < 1) return out;
  const sx = (x1 - x0) / side;
  const sy = (y1 - y0) / side;
  const { data, width } = image;
  const grey = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return 0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number);
  };
  // Source pixels whose centres fall in [a, b): from ceil(a − 0.5) to ceil(b − 0.5) − 1.
  const span = (a: number, b: number): [number, number] => [Math.ceil(a - 0.5), Math.ceil(b - 0.5) - 1];
  const bilinear = (fx: number, fy: number) => {
    const x = Math.min(Math.max(fx - 0.5, 0), image.width - 1);
    const y = Math.min(Math.max(fy - 0.5, 0), image.height - 1);
    const xa = Math.floor(x);
    const ya = Math.floor(y);
    const xb = Math.min(xa + 1, image.width - 1);
    const yb = Math.min(ya + 1, image.height - 1);
    const tx = x - xa;
    const ty = y - ya;
    return (
      (1 - ty) * ((1 - tx) * grey(xa, ya) + tx * grey(xb, ya)) +
      ty * ((1 - tx) * grey(xa, yb) + tx * grey(xb, yb))
    );
  };
  for (let oy = 0; oy < side; oy++) {
    const [ya, yb] = span(y0 + oy * sy, y0 + (oy + 1) * sy);
    for (let ox = 0; ox < side; ox++) {
      const [xa, xb] = span(x0 + ox * sx, x0 + (ox + 1) * sx);
      let value: number;
      if (xb < xa || yb < ya) {
        value = bilinear(x0 + (ox + 0.5) * sx, y0 + (oy + 0.5) * sy);
      } else {
        let sum = 0;
        for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) sum += grey(x, y);
        value = sum / ((xb - xa + 1) * (yb - ya + 1));
      }
      out[oy * side + ox] = value;
    }
  }
  return out;
}

/** The mean grey level of the face on 0–100. */
export function brightness(grey: Float32Array): number {
  let sum = 0;
  for (const v of grey) sum += v;
  return grey.length ? (100 * sum) / grey.length / 255 : 0;
}

/** The mean square of the grey square's 4-neighbour Laplacian (its interior): fine detail's energy. */
export function laplacianEnergy(grey: Float32Array, side = FACE_SIDE): number {
  let sum = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      const lap =
        (grey[i - 1] as number) +
        (grey[i + 1] as number) +
        (grey[i - side] as number) +
        (grey[i + side] as number) -
        4 * (grey[i] as number);
      sum += lap * lap;
    }
  }
  return side > 2 ? sum / (side - 2) ** 2 : 0;
}
